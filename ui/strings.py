"""Every visible string of the kiosk screens, in English and Hindi, and the runtime language switch.

Why a Python catalogue and not Qt's .ts/.qm files:
- Both languages are written side by side, so a reviewer checks the Hindi against the English in one place and a
  test proves that no entry lacks either (a missing .qm entry silently falls back to English).
- No lupdate/lrelease build step (PySide6-Essentials ships no Linguist), nothing generated to keep in sync, and
  nothing extra for the PyInstaller bundle to collect.
- kiosk_app's errors and printing's labels already carry English + Hindi pairs; the screens use the same model.
- Switching language is a plain signal: widgets re-read their strings in `retranslate()`; no QTranslator reload.

Hindi keeps the portal's English label in brackets where operators were trained on it (e.g. "Avail Service").
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QObject, Signal


class Language(StrEnum):
    ENGLISH = "en"
    HINDI = "hi"

    @property
    def other(self) -> Language:
        return Language.HINDI if self is Language.ENGLISH else Language.ENGLISH


# key: (English, Hindi). Placeholders use str.format names and must match in both languages.
CATALOGUE: dict[str, tuple[str, str]] = {
    # -- application ----------------------------------------------------------------------------------
    "app.title": ("eMitra Kiosk", "ई-मित्र कियोस्क"),
    "app.already_running": (
        "eMitra Kiosk is already running on this computer. Use the window that is open.",
        "ई-मित्र कियोस्क इस कंप्यूटर पर पहले से चल रहा है। खुली हुई विंडो का उपयोग करें।"),
    "app.crash.title": ("The kiosk program has a fault", "कियोस्क प्रोग्राम में त्रुटि"),
    "app.crash.text": (
        "Something went wrong inside the kiosk program. This is not your mistake. Your work on the server is "
        "safe. Please tell the help desk and mention the log file:\n{log}",
        "कियोस्क प्रोग्राम के अंदर कोई त्रुटि हुई। यह आपकी गलती नहीं है। सर्वर पर आपका काम सुरक्षित है। "
        "कृपया हेल्प डेस्क को बताएँ और इस लॉग फ़ाइल का उल्लेख करें:\n{log}"),
    "app.problem.title": ("Cannot continue", "आगे नहीं बढ़ सकते"),
    "app.locked": ("The kiosk was locked because it was not used for {minutes} min. Log in again.",
                   "{minutes} मिनट तक उपयोग न होने पर कियोस्क लॉक हो गया। फिर से लॉगिन करें।"),
    "app.session_ended": ("Your session has ended. Log in again.", "आपका सत्र समाप्त हो गया है। फिर से लॉगिन करें।"),
    "common.close": ("Close (Esc)", "बंद करें (Esc)"),
    "common.back": ("Back to login (Esc)", "लॉगिन पर वापस (Esc)"),
    "common.working": ("Please wait…", "कृपया प्रतीक्षा करें…"),
    "common.language_toggle": ("हिन्दी (F12)", "English (F12)"),
    "common.help_desk": ("Help desk", "हेल्प डेस्क"),
    "common.help_desk_lines": ("Phone: {phones}\nE-mail: {email}", "फ़ोन: {phones}\nई-मेल: {email}"),
    "common.required": ("This field is required.", "यह जानकारी भरना आवश्यक है।"),
    # -- login ----------------------------------------------------------------------------------------
    "login.title": ("eMitra — Kiosk Login", "ई-मित्र — कियोस्क लॉगिन"),
    "login.heading": ("Log in with your SSO ID", "अपनी SSO आईडी से लॉगिन करें"),
    "login.sso_id": ("SSO &ID", "SSO आईडी"),
    "login.password": ("&Password", "पासवर्ड"),
    "login.remember": ("&Remember SSO ID on this computer", "इस कंप्यूटर पर SSO आईडी याद रखें"),
    "login.submit": ("Login (Enter)", "लॉगिन (Enter)"),
    "login.forgot_sso": ("Forget User name/SSO ID? (F2)", "यूज़र नेम/SSO आईडी भूल गए? (F2)"),
    "login.forgot_password": ("Forget Password? (F3)", "पासवर्ड भूल गए? (F3)"),
    "login.settings": ("Settings (F10)", "सेटिंग्स (F10)"),
    "login.password_changed": ("Password changed. Log in again with the new password.",
                               "पासवर्ड बदल गया। नए पासवर्ड से फिर से लॉगिन करें।"),
    "login.password_reset": ("Password reset. Log in with the new password.",
                             "पासवर्ड रीसेट हो गया। नए पासवर्ड से लॉगिन करें।"),
    "login.server": ("Server: {url}", "सर्वर: {url}"),
    # -- first login: new password --------------------------------------------------------------------
    "change.title": ("Set a new password", "नया पासवर्ड सेट करें"),
    "change.intro": (
        "This is your first login with the issued password. Set your own password of at least 8 characters "
        "(a passphrase of a few words is best). You will then log in again with it.",
        "जारी किए गए पासवर्ड से यह आपका पहला लॉगिन है। कम से कम 8 अक्षरों का अपना पासवर्ड सेट करें "
        "(कुछ शब्दों का वाक्यांश सबसे अच्छा है)। इसके बाद नए पासवर्ड से फिर से लॉगिन करना होगा।"),
    "change.new": ("&New password", "नया पासवर्ड"),
    "change.confirm": ("&Confirm new password", "नए पासवर्ड की पुष्टि करें"),
    "change.submit": ("Change password (Enter)", "पासवर्ड बदलें (Enter)"),
    "change.mismatch": ("The two passwords do not match.", "दोनों पासवर्ड मेल नहीं खाते।"),
    # -- profile --------------------------------------------------------------------------------------
    "profile.title": ("Update profile", "प्रोफ़ाइल अपडेट करें"),
    "profile.intro": ("Check your registered details, fill in the address and confirm. Services open after this.",
                      "अपना पंजीकृत विवरण जाँचें, पता भरें और पुष्टि करें। इसके बाद सेवाएँ शुरू होंगी।"),
    "profile.kiosk": ("Kiosk", "कियोस्क"),
    "profile.holder": ("Name of Kiosk Holder", "कियोस्क धारक का नाम"),
    "profile.district": ("District", "ज़िला"),
    "profile.old_id": ("Old eMitra ID", "पुरानी ई-मित्र आईडी"),
    "profile.sso_id": ("SSO ID", "SSO आईडी"),
    "profile.mobile": ("Registered mobile", "पंजीकृत मोबाइल"),
    "profile.email": ("Registered e-mail", "पंजीकृत ई-मेल"),
    "profile.address": ("&Address", "पता"),
    "profile.pincode": ("Pin&code", "पिनकोड"),
    "profile.alternate": ("Alternate &mobile (optional)", "वैकल्पिक मोबाइल (वैकल्पिक)"),
    "profile.confirm": ("I &confirm that the registered details above are correct",
                        "मैं पुष्टि करता/करती हूँ कि ऊपर दिया गया पंजीकृत विवरण सही है"),
    "profile.submit": ("Submit (Enter)", "सबमिट करें (Enter)"),
    "profile.pincode_invalid": ("Enter the 6-digit pincode (it does not start with 0).",
                                "6 अंकों का पिनकोड दर्ज करें (यह 0 से शुरू नहीं होता)।"),
    "profile.address_short": ("Enter the full address (at least 5 characters).",
                              "पूरा पता दर्ज करें (कम से कम 5 अक्षर)।"),
    "profile.loading": ("Loading the profile…", "प्रोफ़ाइल लोड हो रही है…"),
    # -- OTP recovery ---------------------------------------------------------------------------------
    "forgot_sso.title": ("Forget User name/SSO ID?", "यूज़र नेम/SSO आईडी भूल गए?"),
    "forgot_sso.intro": ("Enter your registered mobile number or e-mail. An OTP will be sent to it.",
                         "अपना पंजीकृत मोबाइल नंबर या ई-मेल दर्ज करें। उस पर OTP भेजा जाएगा।"),
    "forgot_sso.contact": ("Registered &mobile or e-mail", "पंजीकृत मोबाइल या ई-मेल"),
    "forgot_sso.verify": ("Show my SSO ID (Enter)", "मेरी SSO आईडी दिखाएँ (Enter)"),
    "forgot_sso.found": ("Your SSO ID: {ids}", "आपकी SSO आईडी: {ids}"),
    "forgot_sso.none": ("No SSO ID is registered with this mobile or e-mail.",
                        "इस मोबाइल या ई-मेल से कोई SSO आईडी पंजीकृत नहीं है।"),
    "forgot_sso.use": ("Log in with this SSO ID (F5)", "इस SSO आईडी से लॉगिन करें (F5)"),
    "forgot_password.title": ("Forget Password?", "पासवर्ड भूल गए?"),
    "forgot_password.intro": ("Enter your SSO ID. An OTP will be sent to the registered mobile and e-mail.",
                              "अपनी SSO आईडी दर्ज करें। पंजीकृत मोबाइल और ई-मेल पर OTP भेजा जाएगा।"),
    "forgot_password.submit": ("Reset password (Enter)", "पासवर्ड रीसेट करें (Enter)"),
    "otp.send": ("Send OTP (Enter)", "OTP भेजें (Enter)"),
    "otp.code": ("&OTP", "&OTP"),
    "otp.resend": ("Resend OTP (F4)", "OTP दोबारा भेजें (F4)"),
    "otp.resend_in": ("Resend OTP in {seconds} s", "{seconds} सेकंड बाद OTP दोबारा भेजें"),
    "otp.sent": ("An OTP was sent to the registered mobile / e-mail (if the details are registered). "
                 "It is valid for {minutes} minutes. Resends left: {resends}.",
                 "पंजीकृत मोबाइल / ई-मेल पर OTP भेजा गया है (यदि विवरण पंजीकृत है)। "
                 "यह {minutes} मिनट तक मान्य है। शेष दोबारा भेजने के अवसर: {resends}।"),
    "otp.expires_in": ("The OTP expires in {time}.", "OTP {time} में समाप्त होगा।"),
    "otp.wrong": ("The OTP is wrong. Attempts left: {left}.", "OTP गलत है। शेष प्रयास: {left}।"),
    "otp.expired": ("The OTP has expired. Ask for a new one.", "OTP की समय-सीमा समाप्त हो गई है। नया OTP मँगाएँ।"),
    "otp.no_resends": ("No resends left: start again later.", "दोबारा भेजने का कोई अवसर शेष नहीं: बाद में फिर शुरू करें।"),
    # -- main window ----------------------------------------------------------------------------------
    "main.title": ("eMitra Kiosk — {kiosk}", "ई-मित्र कियोस्क — {kiosk}"),
    "menu.kiosk": ("&Kiosk", "कियोस्क"),
    "menu.lock": ("&Lock screen", "स्क्रीन लॉक करें"),
    "menu.logout": ("Log &out", "लॉग आउट"),
    "menu.services": ("&Services", "सेवाएँ (&Services)"),
    "menu.avail_service": ("&Avail Service", "सेवा प्राप्त करें (&Avail Service)"),
    "menu.financial": ("&Financial", "वित्तीय (&Financial)"),
    "menu.wallet": ("&Wallet", "वॉलेट (&Wallet)"),
    "menu.refill": ("&Refill", "रिफिल (&Refill)"),
    "menu.fund_payout": ("&Fund Payout", "फंड पेआउट (&Fund Payout)"),
    "menu.statement": ("&Statement", "विवरण (&Statement)"),
    "menu.reconcile": ("Re&concile Finance Transaction", "वित्तीय लेन-देन मिलान (Re&concile Finance Transaction)"),
    "menu.reports": ("&Reports", "रिपोर्ट (&Reports)"),
    "menu.day_end": ("&Day End", "दिवस समाप्ति (&Day End)"),
    "menu.settings": ("Se&ttings", "सेटिंग्स (Se&ttings)"),
    "menu.printer": ("&Printer…", "प्रिंटर…"),
    "menu.language": ("&Language…", "भाषा (&Language)…"),
    "menu.server": ("Ser&ver…", "सर्वर…"),
    "menu.help": ("&Help", "सहायता (&Help)"),
    "menu.help_desk": ("Help &desk contacts", "हेल्प डेस्क संपर्क"),
    "menu.about": ("&About", "परिचय"),
    "menu.refresh": ("Refresh &balance", "राशि ताज़ा करें"),
    "home.welcome": ("Welcome, {holder}", "स्वागत है, {holder}"),
    "home.kiosk": ("Kiosk {code} — {name}, {district}", "कियोस्क {code} — {name}, {district}"),
    "home.spendable": ("Spendable balance", "उपलब्ध राशि"),
    "home.balance_detail": ("Wallet {wallet} · credit limit {limit} · credit used {used}",
                            "वॉलेट {wallet} · क्रेडिट सीमा {limit} · उपयोग की गई क्रेडिट {used}"),
    "home.keys": ("Keys: F4 Avail Service · F5 refresh balance · F9 printer · F12 हिन्दी/English · Ctrl+L lock",
                  "कुंजियाँ: F4 सेवा प्राप्त करें · F5 राशि ताज़ा करें · F9 प्रिंटर · F12 हिन्दी/English · "
                  "Ctrl+L लॉक"),
    "home.not_loaded": ("—", "—"),
    "coming.title": ("{feature}", "{feature}"),
    "coming.text": (
        "“{feature}” is coming in a later update of the kiosk program. It is not available yet, so nothing here "
        "is shown or changed. Use the eMitra portal for it until then.",
        "“{feature}” कियोस्क प्रोग्राम के आगामी अपडेट में आएगा। यह अभी उपलब्ध नहीं है, इसलिए यहाँ कुछ दिखाया या "
        "बदला नहीं जाता। तब तक इसके लिए ई-मित्र पोर्टल का उपयोग करें।"),
    "coming.home": ("Home (Esc)", "मुख्य पृष्ठ (Esc)"),
    "about.text": ("eMitra Kiosk {version}\nDesktop client for eMitra kiosks, Rajasthan.",
                   "ई-मित्र कियोस्क {version}\nराजस्थान के ई-मित्र कियोस्क के लिए डेस्कटॉप प्रोग्राम।"),
    # -- status bar -----------------------------------------------------------------------------------
    "status.online": ("● Online", "● ऑनलाइन"),
    "status.offline": ("● Offline", "● ऑफ़लाइन"),
    "status.checking": ("● Checking…", "● जाँच हो रही है…"),
    "status.balance": ("Spendable: {amount}", "उपलब्ध राशि: {amount}"),
    "status.balance_unknown": ("Spendable: —", "उपलब्ध राशि: —"),
    "status.queue": ("Queued: {count}", "कतार में: {count}"),
    "status.queue_unknown": ("Queued: —", "कतार में: —"),
    "status.printer_none": ("Printer: not set", "प्रिंटर: सेट नहीं"),
    "status.printer_set": ("Printer: {printer}", "प्रिंटर: {printer}"),
    "status.printer_ok": ("Printer: ready ({printer})", "प्रिंटर: तैयार ({printer})"),
    "status.printer_problem": ("Printer: problem ({printer})", "प्रिंटर: समस्या ({printer})"),
    # -- settings -------------------------------------------------------------------------------------
    "settings.title": ("Settings", "सेटिंग्स"),
    "settings.tab_printer": ("&Printer", "प्रिंटर"),
    "settings.tab_language": ("&Language", "भाषा"),
    "settings.tab_server": ("Ser&ver", "सर्वर"),
    "settings.connection": ("C&onnection", "कनेक्शन"),
    "settings.kind_none": ("No printer", "कोई प्रिंटर नहीं"),
    "settings.kind_usb": ("USB printer", "USB प्रिंटर"),
    "settings.kind_file": ("Device file", "डिवाइस फ़ाइल"),
    "settings.kind_network": ("Network printer", "नेटवर्क प्रिंटर"),
    "settings.usb_printer": ("&USB printer", "&USB प्रिंटर"),
    "settings.find": ("Find printers (F5)", "प्रिंटर खोजें (F5)"),
    "settings.found": ("{count} USB printer(s) found.", "{count} USB प्रिंटर मिले।"),
    "settings.none_found": ("No USB printer found. Check that it is switched on and plugged in.",
                            "कोई USB प्रिंटर नहीं मिला। जाँचें कि प्रिंटर चालू है और केबल लगी है।"),
    "settings.device": ("&Device file", "डिवाइस फ़ाइल"),
    "settings.host": ("&Host", "होस्ट"),
    "settings.port": ("P&ort", "पोर्ट"),
    "settings.paper": ("Paper &width", "कागज़ की चौड़ाई"),
    "settings.auto_print": ("Print receipts &automatically", "रसीद स्वतः प्रिंट करें"),
    "settings.test_print": ("&Test print (F6)", "परीक्षण प्रिंट (F6)"),
    "settings.choose_printer": ("Choose a printer first.", "पहले प्रिंटर चुनें।"),
    "settings.host_required": ("Enter the printer's network address.", "प्रिंटर का नेटवर्क पता दर्ज करें।"),
    "settings.language": ("Language of the screens", "स्क्रीन की भाषा"),
    "settings.english": ("&English", "&English"),
    "settings.hindi": ("हिन्दी", "हिन्दी"),
    "settings.server_url": ("Server &address", "सर्वर का पता"),
    "settings.server_invalid": ("Enter the server's address as https://name, e.g. https://emitra.rajasthan.gov.in.",
                                "सर्वर का पता https://नाम के रूप में दर्ज करें, जैसे https://emitra.rajasthan.gov.in।"),
    "settings.server_not_encrypted": (
        "A server on another computer needs https:// (encrypted); http:// is only for a server on this PC "
        "(127.0.0.1 or localhost).",
        "दूसरे कंप्यूटर के सर्वर के लिए https:// (एन्क्रिप्टेड) आवश्यक है; http:// केवल इसी पीसी के सर्वर "
        "(127.0.0.1 या localhost) के लिए है।"),
    "settings.server_note": ("A new server address applies at the next login.",
                             "नया सर्वर पता अगले लॉगिन से लागू होगा।"),
    "settings.idle_lock": ("Lock after &idle minutes", "इतने मिनट निष्क्रिय रहने पर लॉक करें"),
    "settings.save": ("Save (Ctrl+S)", "सहेजें (Ctrl+S)"),
    "settings.cancel": ("Cancel (Esc)", "रद्द करें (Esc)"),
    # -- printing results -----------------------------------------------------------------------------
    "print.printed": ("Printed.", "प्रिंट हो गया।"),
    "print.sent_unknown": ("Sent to the printer; it cannot report its status — check that it printed.",
                           "प्रिंटर को भेजा गया; प्रिंटर अपनी स्थिति नहीं बताता — जाँचें कि प्रिंट हुआ है।"),
    "print.paper_near_end": ("The paper roll is nearly finished: keep a new roll ready.",
                             "कागज़ का रोल लगभग खत्म है: नया रोल तैयार रखें।"),
    "print.not_configured": ("No printer is set. Choose one in Settings → Printer (F9).",
                             "कोई प्रिंटर सेट नहीं है। सेटिंग्स → प्रिंटर (F9) में चुनें।"),
    # -- receipt window -------------------------------------------------------------------------------
    "receipt.title": ("Receipt {number}", "रसीद {number}"),
    "receipt.print": ("&Print (Ctrl+P)", "प्रिंट करें (Ctrl+P)"),
    "receipt.reprint_note": ("A reprint is marked DUPLICATE.",
                             "दोबारा प्रिंट की गई रसीद पर 'प्रतिलिपि' (DUPLICATE) छपता है।"),
    "receipt.no_spool": ("This receipt is not in the receipt spool, so it cannot be printed from here.",
                         "यह रसीद स्पूल में नहीं है, इसलिए यहाँ से प्रिंट नहीं हो सकती।"),
    # -- Services → Avail Service --------------------------------------------------------------------
    "avail.title": ("Avail Service", "सेवा प्राप्त करें (Avail Service)"),
    "avail.search": ("Avail &Service (type the service name, English or Hindi; ↓ to the list, Enter to pick)",
                     "सेवा का नाम लिखें, हिन्दी या English (Avail Service; ↓ सूची पर, Enter चुनें)"),
    "avail.search_hint": ("e.g. bijli, electricity, पानी, recharge", "जैसे बिजली, bijli, पानी, recharge"),
    "avail.no_match": ("No service matches “{text}”.", "“{text}” से मेल खाती कोई सेवा नहीं मिली।"),
    "avail.advance": ("Advance Search (F3)", "विस्तृत खोज (Advance Search, F3)"),
    "avail.utility": ("&Utility", "उपयोगिता (&Utility)"),
    "avail.department": ("&Department", "विभाग (&Department)"),
    "avail.service": ("Ser&vice", "सेवा (Ser&vice)"),
    "avail.choose": ("— choose —", "— चुनें —"),
    "avail.catalog_loading": ("Loading the service list…", "सेवा सूची लोड हो रही है…"),
    "avail.catalog_cached": (
        "The server cannot be reached: the service list saved on this PC is used.",
        "सर्वर से संपर्क नहीं हो पा रहा: इस पीसी पर सहेजी गई सेवा सूची का उपयोग हो रहा है।"),
    "avail.catalog_empty": (
        "The service list has not been downloaded to this PC yet. Connect to the server once, then open "
        "Avail Service again.",
        "सेवा सूची अभी इस पीसी पर डाउनलोड नहीं हुई है। एक बार सर्वर से जुड़ें, फिर सेवा प्राप्त करें दोबारा खोलें।"),
    "avail.selected": ("{service} — {department}", "{service} — {department}"),
    "avail.offline_mode": (
        "OFFLINE: type the details off the paper bill. The receipt will be PROVISIONAL and the payment is "
        "confirmed at the Day End sync. Offline limit left: {limit}.",
        "ऑफ़लाइन: कागज़ी बिल से विवरण भरें। रसीद अस्थायी (PROVISIONAL) होगी और भुगतान दिवस समाप्ति सिंक पर पक्का "
        "होगा। शेष ऑफ़लाइन सीमा: {limit}।"),
    "avail.needs_connection": (
        "OFFLINE: {service} needs the connection to the central server and cannot be paid now. Only "
        "electricity bills with the K No. can be taken offline. Try again when the status bar shows Online.",
        "ऑफ़लाइन: {service} के लिए केंद्रीय सर्वर से कनेक्शन आवश्यक है, अभी भुगतान नहीं हो सकता। ऑफ़लाइन केवल "
        "के. नं. वाले बिजली बिल लिए जा सकते हैं। स्टेटस बार में ऑनलाइन दिखे तब फिर प्रयास करें।"),
    "avail.get_bill": ("&Get Bill Details (Enter)", "बिल विवरण प्राप्त करें (Get Bill Details, Enter)"),
    "avail.consumer_name": ("Consumer &name (from the paper bill)", "उपभोक्ता का नाम (कागज़ी बिल से)"),
    "avail.bill_no": ("&Bill No. (from the paper bill)", "बिल नं. (कागज़ी बिल से)"),
    "avail.amount": ("&Amount to pay (₹)", "भुगतान राशि (₹)"),
    "avail.amount_invalid": ("Enter the amount in rupees, e.g. 1234.50.", "राशि रुपयों में लिखें, जैसे 1234.50।"),
    "avail.amount_range": ("The amount must be between {min} and {max}.", "राशि {min} और {max} के बीच होनी चाहिए।"),
    "avail.bill_details": (
        "Consumer: {name}\nBill No.: {bill_no}\nDue date: {due}\nAmount due: {due_amount}\n"
        "Payable now: {payable}",
        "उपभोक्ता: {name}\nबिल नं.: {bill_no}\nअंतिम तिथि: {due}\nदेय राशि: {due_amount}\n"
        "अभी देय: {payable}"),
    "avail.match_paper": ("Match these details with the paper bill before adding it.",
                          "जोड़ने से पहले इन विवरणों का कागज़ी बिल से मिलान करें।"),
    "avail.add_bill": ("Add Bill For &Payment (F6)", "भुगतान हेतु बिल जोड़ें (Add Bill For Payment, F6)"),
    "avail.already_added": ("This bill is already in the list.", "यह बिल पहले से सूची में है।"),
    "avail.bills": ("Bills for payment (Delete removes the selected one)",
                    "भुगतान हेतु बिल (Delete चुना हुआ हटाता है)"),
    "avail.col_service": ("Service", "सेवा"),
    "avail.col_consumer": ("Consumer No.", "उपभोक्ता नं."),
    "avail.col_name": ("Name", "नाम"),
    "avail.col_amount": ("Amount", "राशि"),
    "avail.total": ("Total: {amount}", "कुल: {amount}"),
    "avail.mobile": ("Consumer &mobile", "उपभोक्ता का मोबाइल"),
    "avail.email": ("Consumer &e-mail", "उपभोक्ता का ई-मेल"),
    "avail.contact_required": ("Enter the consumer's mobile number or e-mail (at least one).",
                               "उपभोक्ता का मोबाइल नंबर या ई-मेल दर्ज करें (कम से कम एक)।"),
    "avail.mobile_invalid": ("A mobile number is 10 digits starting with 6, 7, 8 or 9 (+91 or 0 before it is fine).",
                             "मोबाइल नंबर 6, 7, 8 या 9 से शुरू होने वाले 10 अंकों का होता है (+91 या 0 लगाना ठीक है)।"),
    "avail.email_invalid": ("This does not look like an e-mail address.", "यह ई-मेल पता सही नहीं लगता।"),
    "avail.method": ("Select Payment Method", "भुगतान का तरीका चुनें (Select Payment Method)"),
    "avail.wallet": ("&Wallet", "वॉलेट (&Wallet)"),
    "avail.cheque": ("Departmental &Cheque", "विभागीय चेक (Departmental &Cheque)"),
    "avail.cheque_no": ("Cheque &No.", "चेक नं."),
    "avail.cheque_no_invalid": ("A cheque number is 6 digits.", "चेक नंबर 6 अंकों का होता है।"),
    "avail.bank": ("Ban&k", "बैंक"),
    "avail.cheque_date": ("Cheque da&te", "चेक की तिथि"),
    "avail.bank_invalid": ("Enter the name of the bank the cheque is drawn on.",
                           "जिस बैंक का चेक है, उसका नाम दर्ज करें।"),
    "avail.cheque_postdated": ("A post-dated cheque cannot be accepted: the date must be today or earlier.",
                               "आगे की तिथि का चेक स्वीकार नहीं होता: तिथि आज या उससे पहले की होनी चाहिए।"),
    "avail.cheque_stale": ("This cheque is more than three months old (stale) and cannot be accepted.",
                           "यह चेक तीन महीने से अधिक पुराना (stale) है और स्वीकार नहीं होता।"),
    # The Pay button has F8 and no Alt letter: Alt+W / Alt+C choose the method (the radio buttons).
    "avail.pay_wallet": ("Pay By Wallet (F8)", "वॉलेट से भुगतान करें (Pay By Wallet, F8)"),
    "avail.pay_cheque": ("Pay By Cheque (F8)", "चेक से भुगतान करें (Pay By Cheque, F8)"),
    "avail.no_bills": ("Add a bill for payment first (F6).", "पहले भुगतान हेतु बिल जोड़ें (F6)।"),
    "avail.paid": ("Paid: receipt {number}. Wallet balance now {balance}.",
                   "भुगतान हो गया: रसीद {number}। वॉलेट शेष अब {balance}।"),
    "avail.paid_no_balance": ("Paid: receipt {number}.", "भुगतान हो गया: रसीद {number}।"),
    "avail.provisional": (
        "Taken OFFLINE: PROVISIONAL receipt {number}. It is confirmed at the Day End sync.",
        "ऑफ़लाइन लिया गया: अस्थायी (PROVISIONAL) रसीद {number}। दिवस समाप्ति सिंक पर पक्का होगा।"),
    "avail.pending": ("The department has not answered yet: receipt {number} shows PENDING. Do not take the "
                      "payment again.",
                      "विभाग का उत्तर अभी नहीं आया: रसीद {number} पर लंबित (PENDING) है। भुगतान दोबारा न लें।"),
    "avail.failed": ("The department refused the payment; the money went back to the wallet (receipt {number}).",
                     "विभाग ने भुगतान अस्वीकार किया; राशि वॉलेट में वापस आ गई (रसीद {number})।"),
    "avail.new": ("New customer (Ctrl+N)", "नया ग्राहक (Ctrl+N)"),
    # -- Reports → Day End ------------------------------------------------------------------------------
    "dayend.title": ("Day End", "दिवस समाप्ति (Day End)"),
    "dayend.intro": (
        "Sync sends the payments taken offline (and any waiting for an answer) to the central server. "
        "Waiting now: {count}.",
        "सिंक ऑफ़लाइन लिए गए (और उत्तर की प्रतीक्षा वाले) भुगतान केंद्रीय सर्वर को भेजता है। अभी प्रतीक्षा में: {count}।"),
    "dayend.sync": ("&Sync (Enter)", "सिंक करें (&Sync, Enter)"),
    "dayend.cancel": ("&Cancel (Esc)", "रोकें (&Cancel, Esc)"),
    "dayend.progress": ("{sent} of {total} answered", "{total} में से {sent} का उत्तर आया"),
    "dayend.summary": (
        "Sync finished in {seconds} s: {done} confirmed, {refused} refused, {remaining} still waiting, "
        "{pending} awaiting the department.",
        "सिंक {seconds} सेकंड में पूरा: {done} पक्के, {refused} अस्वीकृत, {remaining} अभी प्रतीक्षा में, "
        "{pending} विभाग के उत्तर की प्रतीक्षा में।"),
    "dayend.stopped": ("Sync was cancelled; press Sync to continue where it stopped.",
                       "सिंक रोका गया; जहाँ रुका था वहीं से जारी रखने के लिए सिंक दबाएँ।"),
    "dayend.interrupted": ("Sync stopped early: {reason}. Press Sync again when the connection is back.",
                           "सिंक बीच में रुक गया: {reason}। कनेक्शन लौटने पर फिर से सिंक दबाएँ।"),
    "dayend.complete": ("Everything is synced.", "सब कुछ सिंक हो गया।"),
    "dayend.reconcile": ("For Reconcile: refused or failed payments ({count}) — check each with the consumer",
                         "मिलान हेतु (Reconcile): अस्वीकृत या विफल भुगतान ({count}) — हर एक की उपभोक्ता से जाँच करें"),
    "dayend.col_date": ("Taken at", "समय"),
    "dayend.col_service": ("Service", "सेवा"),
    "dayend.col_consumer": ("Consumer No.", "उपभोक्ता नं."),
    "dayend.col_amount": ("Amount", "राशि"),
    "dayend.col_offline": ("Offline", "ऑफ़लाइन"),
    "dayend.col_reason": ("Reason", "कारण"),
    "dayend.yes": ("yes", "हाँ"),
    "dayend.no": ("no", "नहीं"),
    "dayend.report_caption": ("Day-end report", "दिवस समाप्ति रिपोर्ट"),
    "dayend.report_date": ("Report date", "रिपोर्ट दिनांक"),
    "dayend.report": ("&Report (F7)", "रिपोर्ट (&Report, F7)"),
    "dayend.print": ("&Print (Ctrl+P)", "प्रिंट करें (&Print, Ctrl+P)"),
    "dayend.save_pdf": ("Save P&DF (Ctrl+S)", "PDF सहेजें (Save P&DF, Ctrl+S)"),
    "dayend.save_title": ("Save the day-end report", "दिवस समाप्ति रिपोर्ट सहेजें"),
    "dayend.saved": ("Saved: {path}", "सहेजा गया: {path}"),
    "dayend.loading": ("Loading the report for {day} …", "{day} की रिपोर्ट लाई जा रही है …"),
    "dayend.report_title": ("DAY END REPORT", "दिवस समाप्ति रिपोर्ट"),
    "dayend.report_for": ("Date {day}", "दिनांक {day}"),
    "dayend.r_payments": ("Payments", "भुगतान"),
    "dayend.r_collected": ("Collected", "कुल संग्रह"),
    "dayend.r_method": ("By {method}", "{method} द्वारा"),
    "dayend.r_reversals": ("Reversals", "वापसी (Reversal)"),
    "dayend.r_cash_out_credited": ("Micro-ATM cash paid out, credited by the bank",
                                   "माइक्रो-एटीएम नकद भुगतान, बैंक द्वारा जमा"),
    "dayend.r_cash_out_awaiting": ("Micro-ATM cash paid out, awaiting the bank",
                                   "माइक्रो-एटीएम नकद भुगतान, बैंक की पुष्टि बाकी"),
    "dayend.r_refills": ("Refills", "रिफ़िल (Refill)"),
    "dayend.r_payouts": ("Fund payouts", "फंड पेआउट (Fund Payout)"),
    "dayend.r_opening": ("Opening balance", "प्रारंभिक शेष"),
    "dayend.r_closing": ("Closing balance", "अंतिम शेष"),
    "dayend.r_credit_used": ("Credit line used", "उपयोग की गई क्रेडिट सीमा"),
    "dayend.r_outstanding": ("Outstanding", "बकाया"),
    "dayend.r_overdue": ("Overdue", "अतिदेय"),
    "dayend.r_interest": ("Interest due", "देय ब्याज"),
    "dayend.r_next_due": ("Next due date", "अगली देय तिथि"),
    "dayend.count_amount": ("{count} / {amount}", "{count} / {amount}"),
    "dayend.method_wallet": ("Wallet", "वॉलेट"),
    "dayend.method_cheque": ("Departmental cheque", "विभागीय चेक"),
    "dayend.method_micro_atm": ("Micro ATM", "माइक्रो एटीएम"),
    "dayend.col_count": ("Count", "संख्या"),
    "dayend.no_printer": ("No receipt printer is chosen on this PC; the report was not printed.",
                          "इस पीसी पर कोई रसीद प्रिंटर नहीं चुना गया है; रिपोर्ट प्रिंट नहीं हुई।"),
    # -- Financial → Wallet (shared) ------------------------------------------------------------------------
    "wallet.balance": ("Wallet balance: {wallet}   Spendable (with credit line): {spendable}",
                       "वॉलेट शेष: {wallet}   खर्च योग्य (क्रेडिट सीमा सहित): {spendable}"),
    "wallet.loading": ("Loading from the central server…", "केंद्रीय सर्वर से लाया जा रहा है…"),
    "wallet.amount_invalid": ("Enter the amount in rupees, e.g. 5000 or 5,000.50.",
                              "राशि रुपये में दर्ज करें, जैसे 5000 या 5,000.50।"),
    "wallet.amount_range": ("Enter an amount from {min} to {max}.", "{min} से {max} तक की राशि दर्ज करें।"),
    # -- Financial → Wallet → Refill ------------------------------------------------------------------------
    "refill.title": ("Refill", "रिफिल (Refill)"),
    "refill.neft": ("Pay Via NEFT/RTGS", "NEFT/RTGS से भुगतान (Pay Via NEFT/RTGS)"),
    "refill.neft_intro": (
        "Add this account as a payee in your own net banking and transfer by NEFT/RTGS; the credit appears "
        "in your wallet when the bank reports it. This account belongs to this kiosk only.",
        "इस खाते को अपनी नेट बैंकिंग में लाभार्थी (payee) के रूप में जोड़ें और NEFT/RTGS से राशि भेजें; बैंक की "
        "सूचना आने पर राशि आपके वॉलेट में दिखेगी। यह खाता केवल इसी कियोस्क का है।"),
    "refill.beneficiary": ("Beneficiary", "लाभार्थी"),
    "refill.account_no": ("Account number", "खाता संख्या"),
    "refill.ifsc": ("IFSC", "IFSC कोड"),
    "refill.bank": ("Bank", "बैंक"),
    "refill.account_type": ("Account type", "खाते का प्रकार"),
    "refill.copy_account": ("Copy &account no.", "खाता संख्या कॉपी करें (&A)"),
    "refill.copy_ifsc": ("Copy &IFSC", "IFSC कॉपी करें (&I)"),
    "refill.copied": ("Copied: {value}", "कॉपी हो गया: {value}"),
    "refill.gateway": ("Net banking / Payment aggregator", "नेट बैंकिंग / पेमेंट एग्रीगेटर"),
    "refill.gateway_intro": ("Pay in advance on the payment page; the limit appears when the payment is confirmed. "
                             "From {min} to {max}.",
                             "भुगतान पेज पर अग्रिम भुगतान करें; भुगतान की पुष्टि होते ही सीमा (limit) दिखेगी। "
                             "{min} से {max} तक।"),
    "refill.amount": ("A&mount (₹)", "राशि (₹)"),
    "refill.channel": ("C&hannel", "माध्यम"),
    "refill.net_banking": ("Net banking", "नेट बैंकिंग"),
    "refill.aggregator": ("Payment aggregator", "पेमेंट एग्रीगेटर"),
    "refill.create_order": ("Create &order (Enter)", "ऑर्डर बनाएँ (&order, Enter)"),
    "refill.open_page": ("O&pen payment page", "भुगतान पेज खोलें (&p)"),
    "refill.order": ("Order {order} for {amount}: pay on the page below. Status: {status}.\n{url}",
                     "ऑर्डर {order}, राशि {amount}: नीचे दिए पेज पर भुगतान करें। स्थिति: {status}।\n{url}"),
    "refill.status_created": ("waiting for the payment", "भुगतान की प्रतीक्षा"),
    "refill.status_success": ("paid — the wallet is credited", "भुगतान हो गया — वॉलेट में राशि जुड़ गई"),
    "refill.status_failed": ("failed or cancelled — no money moved", "विफल या रद्द — कोई राशि नहीं कटी"),
    "refill.status_expired": ("expired — the page was not completed in time", "समाप्त — पेज समय पर पूरा नहीं हुआ"),
    "refill.existing": ("Fund Receive Request from Existing Emitra", "पुराने ई-मित्र से राशि प्राप्ति अनुरोध "
                        "(Fund Receive Request from Existing Emitra)"),
    "refill.existing_intro": ("Enter the CUG code given by the old portal's administrator. The limit left there "
                              "arrives in this wallet about {minutes} minutes after the request is accepted.",
                              "पुराने पोर्टल के व्यवस्थापक द्वारा दिया गया CUG कोड दर्ज करें। अनुरोध स्वीकार होने के लगभग "
                              "{minutes} मिनट बाद वहाँ बची सीमा इस वॉलेट में आ जाएगी।"),
    "refill.cug_code": ("&CUG code", "CUG कोड"),
    "refill.submit_cug": ("&Submit request", "अनुरोध भेजें (&Submit)"),
    "refill.cug_accepted": ("Request accepted (ref. {ref}). {amount} will be added to your wallet at about {due} "
                            "IST — in about an hour.",
                            "अनुरोध स्वीकार हुआ (संदर्भ {ref})। {amount} लगभग {due} IST पर — करीब एक घंटे में — "
                            "आपके वॉलेट में जुड़ जाएगा।"),
    # -- Financial → Wallet → Fund Payout --------------------------------------------------------------------
    "payout.title": ("Fund Payout", "फंड पेआउट (Fund Payout)"),
    "payout.intro": (
        "Limit given against your security deposit must be paid back on the next bank working day; after that "
        "{rate}% a year interest is charged for each day. A payout pays the interest first, then the oldest "
        "outstanding.",
        "सुरक्षा राशि के विरुद्ध दी गई सीमा का उपयोग अगले बैंक कार्य दिवस तक लौटाना होता है; उसके बाद प्रतिदिन "
        "{rate}% वार्षिक ब्याज लगता है। पेआउट पहले ब्याज, फिर सबसे पुराना बकाया चुकाता है।"),
    "payout.summary": (
        "Outstanding: {outstanding}   (overdue: {overdue})\nDue date: {due}\nInterest so far: {accrued}   "
        "(paid: {paid}, due now: {interest_due})\nTotal payable now: {total}\nWallet balance: {wallet}",
        "बकाया: {outstanding}   (अवधि पार: {overdue})\nदेय तिथि: {due}\nअब तक का ब्याज: {accrued}   "
        "(चुकाया: {paid}, अभी देय: {interest_due})\nअभी कुल देय: {total}\nवॉलेट शेष: {wallet}"),
    "payout.no_due_date": ("—", "—"),
    "payout.nothing_due": ("Nothing is outstanding on the credit line.", "क्रेडिट सीमा पर कोई बकाया नहीं है।"),
    "payout.col_drawn": ("Used on", "उपयोग तिथि"),
    "payout.col_due": ("Due on", "देय तिथि"),
    "payout.col_remaining": ("Remaining", "शेष"),
    "payout.col_overdue": ("Days overdue", "देरी के दिन"),
    "payout.amount": ("A&mount to pay (₹)", "भुगतान राशि (₹)"),
    "payout.method": ("Pay &by", "भुगतान का माध्यम"),
    "payout.method_wallet": ("Wallet", "वॉलेट"),
    "payout.method_net_banking": ("Net banking", "नेट बैंकिंग"),
    "payout.method_hint_wallet": ("The amount is taken from the wallet at once.",
                                  "राशि तुरंत वॉलेट से ली जाएगी।"),
    "payout.method_hint_net_banking": (
        "An order is made for the amount; pay it on the bank's payment page. The outstanding goes down when the "
        "bank confirms the payment (anything above the total payable is added to the wallet).",
        "राशि का एक ऑर्डर बनेगा; उसे बैंक के भुगतान पेज पर चुकाएँ। बैंक द्वारा भुगतान की पुष्टि होने पर बकाया कम "
        "हो जाएगा (कुल देय से अधिक राशि वॉलेट में जुड़ जाएगी)।"),
    "payout.pay": ("&Pay from wallet (Enter)", "वॉलेट से भुगतान करें (&Pay, Enter)"),
    "payout.pay_net_banking": ("&Pay by net banking (Enter)", "नेट बैंकिंग से भुगतान करें (&Pay, Enter)"),
    "payout.amount_exceeds": ("Enter at most {total}: that is the total payable now (interest + outstanding).",
                              "अधिकतम {total} दर्ज करें: यही अभी कुल देय राशि (ब्याज + बकाया) है।"),
    "payout.wallet_short": ("The wallet has only {wallet}. Choose net banking in \"Pay by\", or refill the "
                            "wallet first.",
                            "वॉलेट में केवल {wallet} हैं। \"भुगतान का माध्यम\" में नेट बैंकिंग चुनें, या पहले "
                            "वॉलेट रिफिल करें।"),
    "payout.paid": ("Paid {amount} from the wallet (interest {interest}, outstanding {principal}).",
                    "वॉलेट से {amount} का भुगतान हुआ (ब्याज {interest}, बकाया {principal})।"),
    "payout.order": ("Net banking order {order} for {amount}: pay it on the payment page. Status: {status}.\n{url}",
                     "नेट बैंकिंग ऑर्डर {order}, राशि {amount}: भुगतान पेज पर चुकाएँ। स्थिति: {status}।\n{url}"),
    "payout.status_created": ("waiting for the payment", "भुगतान की प्रतीक्षा"),
    "payout.status_success": ("paid — the outstanding is reduced", "भुगतान हो गया — बकाया कम हो गया"),
    "payout.status_failed": ("failed or cancelled — no money moved; you may pay again",
                             "विफल या रद्द — कोई राशि नहीं कटी; आप फिर से भुगतान कर सकते हैं"),
    "payout.status_expired": ("expired — the page was not completed in time; make a new order",
                              "समाप्त — पेज समय पर पूरा नहीं हुआ; नया ऑर्डर बनाएँ"),
    "payout.paid_net_banking": (
        "Paid {amount} by net banking (order {order}): the interest first, then the oldest outstanding.",
        "नेट बैंकिंग से {amount} का भुगतान हुआ (ऑर्डर {order}): पहले ब्याज, फिर सबसे पुराना बकाया।"),
    "payout.paid_breakdown": (
        "Paid {amount} by net banking (order {order}): interest {interest}, outstanding {principal}.",
        "नेट बैंकिंग से {amount} का भुगतान हुआ (ऑर्डर {order}): ब्याज {interest}, बकाया {principal}।"),
    "payout.paid_to_wallet": ("{to_wallet} above the total payable was added to the wallet.",
                              "कुल देय से अधिक {to_wallet} वॉलेट में जोड़े गए।"),
    "payout.open_orders": ("Net banking payments waiting for the bank ({count}). The selected one is followed "
                           "here; open its payment page to pay it.",
                           "बैंक की पुष्टि की प्रतीक्षा में नेट बैंकिंग भुगतान ({count})। चुना गया भुगतान यहाँ देखा "
                           "जा रहा है; चुकाने के लिए उसका भुगतान पेज खोलें।"),
    "payout.open_page": ("&Open payment page", "भुगतान पेज खोलें (&Open)"),
    "payout.open_col_order": ("Order", "ऑर्डर"),
    "payout.open_col_amount": ("Amount", "राशि"),
    "payout.open_col_made": ("Made at (IST)", "बनाया गया (IST)"),
    "payout.open_col_status": ("Status", "स्थिति"),
    # -- Financial → Wallet → Statement -----------------------------------------------------------------------
    "statement.title": ("Wallet statement", "वॉलेट विवरण (Statement)"),
    "statement.from": ("&From", "से (&From)"),
    "statement.to": ("&To", "तक (&To)"),
    "statement.show": ("&Show (Enter)", "दिखाएँ (&Show, Enter)"),
    "statement.export": ("&Export CSV…", "CSV निर्यात करें (&Export)…"),
    "statement.export_title": ("Save the statement as CSV", "विवरण CSV फ़ाइल में सहेजें"),
    "statement.exported": ("Saved {path}", "सहेजा गया: {path}"),
    "statement.totals": (
        "Wallet: opening {opening}, credits {credits}, debits {debits}, closing {closing}. Lines: {count}.",
        "वॉलेट: प्रारंभिक {opening}, जमा {credits}, नामे {debits}, अंतिम {closing}। प्रविष्टियाँ: {count}।"),
    "statement.col_time": ("Date & time (IST)", "दिनांक व समय (IST)"),
    "statement.col_account": ("Account", "खाता"),
    "statement.col_description": ("Description", "विवरण"),
    "statement.col_reference": ("Reference", "संदर्भ"),
    "statement.col_debit": ("Debit", "नामे"),
    "statement.col_credit": ("Credit", "जमा"),
    "statement.col_balance": ("Balance", "शेष"),
    "statement.account_wallet": ("Wallet", "वॉलेट"),
    "statement.account_credit": ("Credit line", "क्रेडिट सीमा"),
    # -- Financial → Reconcile Finance Transaction ------------------------------------------------------------
    "reconcile.title": ("Reconcile Finance Transaction", "वित्तीय लेन-देन मिलान (Reconcile Finance Transaction)"),
    "reconcile.intro": ("Choose a date and Submit. Failed and pending payments are listed first: select each and "
                        "Verify to get the department's final status (a failed bill is refunded once).",
                        "तिथि चुनें और सबमिट करें। विफल और लंबित भुगतान पहले दिखते हैं: हर एक को चुनकर सत्यापित "
                        "(Verify) करें ताकि विभाग की अंतिम स्थिति मिले (विफल बिल की राशि एक बार लौटती है)।"),
    "reconcile.date": ("&Date", "तिथि (&Date)"),
    "reconcile.submit": ("&Submit (Enter)", "सबमिट करें (&Submit, Enter)"),
    "reconcile.verify": ("&Verify selected (F7)", "चुने हुए सत्यापित करें (&Verify, F7)"),
    "reconcile.counts": ("{total} payments: {counts}", "{total} भुगतान: {counts}"),
    "reconcile.none": ("No payments on this date.", "इस तिथि का कोई भुगतान नहीं है।"),
    "reconcile.select_first": ("Select a payment in the list first.", "पहले सूची में कोई भुगतान चुनें।"),
    "reconcile.col_status": ("Status", "स्थिति"),
    "reconcile.col_time": ("Time (IST)", "समय (IST)"),
    "reconcile.col_receipt": ("Receipt", "रसीद"),
    "reconcile.col_service": ("Service", "सेवा"),
    "reconcile.col_consumer": ("Consumer No.", "उपभोक्ता नं."),
    "reconcile.col_amount": ("Amount", "राशि"),
    "reconcile.col_result": ("Verify result", "सत्यापन परिणाम"),
    "reconcile.status_failed": ("FAILED", "विफल"),
    "reconcile.status_pending": ("PENDING", "लंबित"),
    "reconcile.status_initiated": ("PENDING", "लंबित"),
    "reconcile.status_partial": ("PARTIAL", "आंशिक"),
    "reconcile.status_success": ("Success", "सफल"),
    "reconcile.verifying": ("Verifying…", "सत्यापन हो रहा है…"),
    "reconcile.result_confirmed": ("Confirmed by the department", "विभाग ने पुष्टि की"),
    "reconcile.result_reversed": ("Failed: {amount} refunded to the wallet", "विफल: {amount} वॉलेट में लौटाया गया"),
    "reconcile.result_partly_reversed": ("Partly failed: {amount} refunded", "आंशिक विफल: {amount} लौटाया गया"),
    "reconcile.result_still_pending": ("Still pending: try Verify again later",
                                       "अभी भी लंबित: बाद में फिर सत्यापित करें"),
    # -- demo mode: the virtual printer and the demo logins on the login window ---------------------------------
    "settings.kind_virtual": ("Virtual printer (demo)", "वर्चुअल प्रिंटर (डेमो)"),
    "settings.virtual_note": ("No paper: each receipt's ESC/POS bytes are kept as a .bin file in {folder}, "
                              "and the receipt window shows the receipt.",
                              "कागज़ नहीं: हर रसीद के ESC/POS बाइट {folder} में एक .bin फ़ाइल में रखे जाते हैं, "
                              "और रसीद विंडो में रसीद दिखती है।"),
    "demo.title": ("Demo kiosks", "डेमो कियोस्क"),
    "demo.note": ("From the demo server's simulated SMS gateway: log in with an SSO ID and its first password.",
                  "डेमो सर्वर के नकली SMS गेटवे से: SSO आईडी और उसके पहले पासवर्ड से लॉगिन करें।"),
    "demo.row": ("SSO ID: {sso_id}   Password: {password}   Latest OTP: {otp}",
                 "SSO आईडी: {sso_id}   पासवर्ड: {password}   नवीनतम OTP: {otp}"),
    "demo.otp_row": ("{to}   Latest OTP: {otp}", "{to}   नवीनतम OTP: {otp}"),
    "demo.empty": ("No demo passwords sent yet.", "अभी तक कोई डेमो पासवर्ड नहीं भेजा गया।"),
    "demo.loading": ("Reading the demo messages…", "डेमो संदेश पढ़े जा रहे हैं…"),
    "demo.failed": ("Could not read the demo messages: {error}", "डेमो संदेश नहीं पढ़े जा सके: {error}"),
    "demo.refresh": ("Refresh", "रीफ़्रेश करें"),
    # -- demo mode: Help → Training (department faults, the network switch) --------------------------------------
    "menu.training": ("&Training switches (demo)…", "प्रशिक्षण स्विच (डेमो) (&Training)…"),
    "training.title": ("Training switches (demo)", "प्रशिक्षण स्विच (डेमो)"),
    "training.note": (
        "Practise what goes wrong at the counter: make a simulated department slow, silent or refusing, or take "
        "this kiosk offline. The switches change the demo only.",
        "काउंटर पर होने वाली समस्याओं का अभ्यास करें: किसी नकली विभाग को धीमा, चुप या अस्वीकार करने वाला बनाएँ, या इस "
        "कियोस्क को ऑफ़लाइन करें। ये स्विच केवल डेमो को बदलते हैं।"),
    "training.departments": ("Simulated &departments", "नकली विभाग (&departments)"),
    "training.column_department": ("Department", "विभाग"),
    "training.column_fault": ("Fault now", "अभी की खराबी"),
    "training.fault": ("&Fault", "खराबी (&Fault)"),
    "training.applies_to": ("&Affects", "किस पर असर (&Affects)"),
    "training.times": ("&Times", "कितनी बार (&Times)"),
    "training.delay": ("De&lay", "देरी (De&lay)"),
    "training.until_off": ("until switched off", "बंद करने तक"),
    "training.delay_note": (
        "Times counts payments. A delay of 10 s or more makes the department time out.",
        "गिनती भुगतानों की होती है। 10 सेकंड या अधिक की देरी पर विभाग का समय समाप्त (time-out) हो जाता है।"),
    "training.kind.slow": ("Slow answer", "धीमा उत्तर"),
    "training.kind.timeout": ("Time-out (no answer)", "समय समाप्त (उत्तर नहीं)"),
    "training.kind.decline": ("Decline", "अस्वीकार"),
    "training.kind.lost_answer": ("Lost answer (paid there, answer lost)",
                                  "खोया उत्तर (वहाँ भुगतान हुआ, उत्तर खो गया)"),
    "training.on.pay": ("payments", "भुगतान"),
    "training.on.fetch": ("Get Bill Details", "बिल विवरण (Get Bill Details)"),
    "training.on.both": ("payments and Get Bill Details", "भुगतान और बिल विवरण"),
    "training.state_none": ("No fault", "कोई खराबी नहीं"),
    "training.state_on": ("{fault} on {applies}, {count}", "{applies} पर {fault}, {count}"),
    "training.state_slow": ("{seconds} s", "{seconds} सेकंड"),
    "training.state_used_up": ("{fault} on {applies}: used up", "{applies} पर {fault}: पूरा हो गया"),
    "training.count_until_off": ("until switched off", "बंद करने तक"),
    "training.count_left": ("{count} more payment(s)", "{count} और भुगतान"),
    "training.switch_on": ("Switch &on (Enter)", "चालू करें (Enter)"),
    "training.switch_off": ("Switch o&ff (Del)", "बंद करें (Del)"),
    "training.refresh": ("&Refresh (F5)", "रीफ़्रेश करें (F5)"),
    "training.loading": ("Reading the departments from the demo server…", "डेमो सर्वर से विभाग पढ़े जा रहे हैं…"),
    "training.pick_department": ("Choose a department in the list first.", "पहले सूची में कोई विभाग चुनें।"),
    "training.pay_only": ("A department can decline or lose only a payment: choose Affects = payments.",
                          "विभाग केवल भुगतान को अस्वीकार कर सकता है या उसका उत्तर खो सकता है: असर में 'भुगतान' चुनें।"),
    "training.delay_needed": ("Give the delay of the slow answer (more than 0 ms).",
                              "धीमे उत्तर की देरी भरें (0 ms से अधिक)।"),
    "training.switched_on": ("{department}: {state}", "{department}: {state}"),
    "training.switched_off": ("{department}: no fault now.", "{department}: अब कोई खराबी नहीं।"),
    "training.network": ("Network", "नेटवर्क"),
    "training.network_note": (
        "The kiosk reaches the demo server through a relay on this PC ({relay} → {server}). Cut it to practise "
        "offline work: the status bar shows Offline, electricity bills are paid with PROVISIONAL receipts and "
        "wait in the queue, and Day End → Sync sends them once the network is back.",
        "कियोस्क इस पीसी पर एक रिले ({relay} → {server}) से डेमो सर्वर तक पहुँचता है। ऑफ़लाइन काम का अभ्यास करने के "
        "लिए इसे काटें: स्टेटस बार में ऑफ़लाइन दिखेगा, बिजली बिल अस्थायी (PROVISIONAL) रसीद से जमा होकर कतार में रहेंगे, "
        "और नेटवर्क लौटने पर दिवस समाप्ति → सिंक उन्हें भेजेगा।"),
    "training.network_missing": (
        "The network switch works when the kiosk is started with ./run demo (python -m ui --demo) against an "
        "http:// demo server on this PC.",
        "नेटवर्क स्विच तब काम करता है जब कियोस्क ./run demo (python -m ui --demo) से इस पीसी के http:// डेमो सर्वर "
        "के साथ शुरू हो।"),
    "training.network_state": ("Network now: {state}", "नेटवर्क अभी: {state}"),
    "training.net.connected": ("connected", "जुड़ा हुआ"),
    "training.net.cut": ("cut (connections refused)", "कटा हुआ (कनेक्शन अस्वीकार)"),
    "training.net.silent": ("silent (nothing answers; requests wait for their time limit)",
                            "चुप (कोई उत्तर नहीं; अनुरोध अपनी समय सीमा तक रुकते हैं)"),
    "training.restore": ("Re&store network (F6)", "नेटवर्क वापस लाएँ (F6)"),
    "training.cut": ("&Cut network (F7)", "नेटवर्क काटें (F7)"),
    "training.silence": ("&Silent network (F8)", "नेटवर्क चुप करें (F8)"),
}


def _placeholders(text: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def check_catalogue() -> list[str]:
    """Problems in the catalogue: an empty language or placeholders that differ between languages."""
    problems = []
    for key, (en, hi) in CATALOGUE.items():
        if not en.strip() or not hi.strip():
            problems.append(f"{key}: a language is empty")
        elif _placeholders(en) != _placeholders(hi):
            problems.append(f"{key}: placeholders differ ({_placeholders(en)} vs {_placeholders(hi)})")
    return problems


class LanguageSwitch(QObject):
    """The current language; `changed` tells every open screen to re-read its strings."""

    changed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.language = Language.ENGLISH

    def set_language(self, language: Language) -> None:
        if language is self.language:
            return
        self.language = language
        self.changed.emit(language.value)


_switch: LanguageSwitch | None = None


def language_switch() -> LanguageSwitch:
    """The one switch of the process (made on first use, after the QApplication exists)."""
    global _switch
    if _switch is None:
        _switch = LanguageSwitch()
    return _switch


def current_language() -> Language:
    return language_switch().language


def t(key: str, **values: object) -> str:
    """The string for `key` in the current language, with `values` filled in."""
    en, hi = CATALOGUE[key]
    text = hi if current_language() is Language.HINDI else en
    return text.format(**values) if values else text


def both(en: str, hi: str) -> str:
    """Pick one of a pair that lives outside the catalogue (kiosk_app errors, printing labels)."""
    return hi if current_language() is Language.HINDI else en
