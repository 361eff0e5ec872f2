"""Typed failures an operator can read (English + Hindi), kept apart from our own bugs."""

from __future__ import annotations

from typing import Any, ClassVar


class KioskError(Exception):
    """A failure with a stable code and a message in English and Hindi."""

    code: ClassVar[str] = "error"
    hindi: ClassVar[str] = "कुछ गलत हो गया। फिर से प्रयास करें।"

    def __init__(self, message_en: str, *, message_hi: str | None = None, status: int | None = None,
                 details: dict[str, Any] | None = None, code: str | None = None) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_hi = message_hi or self.hindi
        self.status = status
        self.details = details or {}
        self.error_code = code or self.code

    def __str__(self) -> str:
        return self.message_en

    @property
    def operator_message(self) -> str:
        return f"{self.message_en}\n{self.message_hi}"


# -- the environment's fault: show a message and a way forward ----------------------------------------


class EnvironmentFault(KioskError):
    """Not our bug: the network, the server, the PC's configuration."""


class ServerUnreachable(EnvironmentFault):
    code = "server_unreachable"
    hindi = "सर्वर से संपर्क नहीं हो पाया। इंटरनेट कनेक्शन जाँचें और फिर प्रयास करें।"


class TlsFailure(EnvironmentFault):
    code = "tls_failure"
    hindi = "सर्वर की सुरक्षा (TLS) जाँच विफल रही। हेल्प डेस्क से संपर्क करें।"


class ServerFault(EnvironmentFault):
    code = "server_fault"
    hindi = "सर्वर में समस्या है। कुछ देर बाद फिर प्रयास करें।"


class ConfigurationError(EnvironmentFault):
    code = "configuration_error"
    hindi = "इस कंप्यूटर की सेटिंग सही नहीं है। हेल्प डेस्क से संपर्क करें।"


class KeyringUnavailable(EnvironmentFault):
    code = "keyring_unavailable"
    hindi = "इस कंप्यूटर पर सुरक्षित पासवर्ड भंडार (keyring) उपलब्ध नहीं है। हेल्प डेस्क से संपर्क करें।"


class NeedsConnection(EnvironmentFault):
    """The service cannot be done offline (only offline-capable services are)."""

    code = "needs_connection"
    hindi = ("यह सेवा केवल ऑनलाइन उपलब्ध है: इसके लिए सर्वर से कनेक्शन आवश्यक है। "
             "कनेक्शन लौटने पर फिर प्रयास करें। ऑफ़लाइन केवल के. नं. वाले बिजली बिल जमा हो सकते हैं।")


class FileNotSaved(EnvironmentFault):
    """A file the operator asked for (an exported statement) could not be written: disk, folder, permission."""

    code = "file_not_saved"
    hindi = "फ़ाइल सहेजी नहीं जा सकी। कोई दूसरा फ़ोल्डर चुनें या डिस्क में जगह जाँचें।"


class AnswerLost(EnvironmentFault):
    """A request went out and no answer came back; the outbox keeps it and the server is asked later."""

    code = "answer_lost"
    hindi = ("सर्वर का उत्तर नहीं मिला। भुगतान सुरक्षित रूप से कतार में है; कनेक्शन लौटने पर स्थिति जाँची जाएगी। "
             "दोबारा भुगतान न लें।")


# -- the server refused: a code the screens can act on ------------------------------------------------


class Refused(KioskError):
    """The server (or a check before sending) refused the request; `error_code` says why."""

    code = "refused"
    hindi = "अनुरोध स्वीकार नहीं हुआ।"


class InvalidInput(Refused):
    code = "invalid_request"
    hindi = "दर्ज की गई जानकारी सही नहीं है। जाँच कर फिर से भरें।"


class NotSignedIn(Refused):
    code = "not_authenticated"
    hindi = "कृपया पहले लॉग इन करें।"


class SessionExpired(Refused):
    code = "session_expired"
    hindi = "आपका सत्र समाप्त हो गया है। कृपया फिर से लॉग इन करें।"


class InvalidCredentials(Refused):
    code = "invalid_credentials"
    hindi = "SSO ID या पासवर्ड गलत है।"


class LoginThrottled(Refused):
    code = "login_throttled"
    hindi = "बहुत अधिक गलत पासवर्ड। अगला प्रयास कुछ सेकंड बाद करें, या OTP से पासवर्ड रीसेट करें।"

    @property
    def retry_after_seconds(self) -> int:
        return int(self.details.get("retry_after_seconds", 0))


class TooManyAttempts(Refused):
    code = "too_many_attempts"
    hindi = "बहुत अधिक प्रयास हुए हैं। कुछ समय बाद फिर से प्रयास करें।"


class WrongCurrentPassword(Refused):
    code = "wrong_current_password"
    hindi = "वर्तमान पासवर्ड गलत है।"


PASSWORD_RULES_HI = {
    "blank": "पासवर्ड खाली नहीं हो सकता।",
    "too_short": "पासवर्ड में कम से कम 8 अक्षर होने चाहिए; वाक्यांश (passphrase) सबसे अच्छा है।",
    "too_long": "पासवर्ड बहुत लंबा है।",
    "common": "यह पासवर्ड बहुत आम है; कोई दूसरा चुनें।",
    "contains_sso_id": "पासवर्ड में आपकी SSO ID नहीं होनी चाहिए।",
    "same_as_previous": "पहले उपयोग किया गया पासवर्ड दोबारा नहीं चुन सकते।",
}


class PasswordRejected(Refused):
    code = "password_rejected"
    hindi = "यह पासवर्ड स्वीकार्य नहीं है।"

    @property
    def rules(self) -> list[str]:
        return [str(p.get("rule")) for p in self.details.get("problems", [])]


class PasswordChangeRequired(Refused):
    code = "password_change_required"
    hindi = "आगे बढ़ने से पहले नया पासवर्ड सेट करें।"


class ProfileIncomplete(Refused):
    code = "profile_incomplete"
    hindi = "सेवाएँ शुरू करने के लिए प्रोफ़ाइल पूरी करें और उसकी पुष्टि करें।"


class KioskSuspended(Refused):
    code = "kiosk_suspended"
    hindi = "यह कियोस्क निलंबित है। eMitra हेल्प डेस्क से संपर्क करें।"


class OtpInvalid(Refused):
    code = "otp_invalid"
    hindi = "OTP गलत है।"

    @property
    def attempts_left(self) -> int:
        return int(self.details.get("attempts_left", 0))


class OtpExpired(Refused):
    code = "otp_expired"
    hindi = "OTP की समय-सीमा समाप्त हो गई है। नया OTP मँगाएँ।"


class OtpUsed(Refused):
    code = "otp_used"
    hindi = "यह OTP पहले ही उपयोग हो चुका है। नया OTP मँगाएँ।"


class OtpAttemptsExhausted(Refused):
    code = "otp_attempts_exhausted"
    hindi = "बहुत अधिक बार गलत OTP दर्ज हुआ। नया OTP मँगाएँ।"


class OtpRateLimited(Refused):
    code = "otp_rate_limited"
    hindi = "बहुत अधिक OTP अनुरोध। कुछ समय बाद फिर प्रयास करें।"


class InvalidContact(InvalidInput):
    code = "invalid_contact"
    hindi = "पंजीकृत 10 अंकों का मोबाइल नंबर या ई-मेल दर्ज करें।"


class ProfileNotConfirmed(InvalidInput):
    code = "profile_not_confirmed"
    hindi = "कृपया पुष्टि करें कि दिखाया गया विवरण सही है।"


class OfflineLimitExceeded(Refused):
    code = "offline_limit_exceeded"
    hindi = "ऑफ़लाइन सीमा पार हो जाएगी: कतार में रखे भुगतान घटाकर उपलब्ध राशि पर्याप्त नहीं है।"

    @property
    def limit_paise(self) -> int:
        return int(self.details.get("limit_paise", 0))


class UnknownService(Refused):
    code = "unknown_service"
    hindi = "यह सेवा सूची में नहीं है। सेवा सूची ताज़ा करें।"


class InvalidField(InvalidInput):
    code = "invalid_field"
    hindi = "दर्ज की गई जानकारी सही प्रारूप में नहीं है। बिल से मिलाकर फिर से भरें।"


class ContactRequired(InvalidInput):
    code = "contact_required"
    hindi = "उपभोक्ता का मोबाइल नंबर या ई-मेल दर्ज करें (कम से कम एक आवश्यक है)।"


class InsufficientBalance(Refused):
    code = "insufficient_balance"
    hindi = "वॉलेट और क्रेडिट सीमा में पर्याप्त राशि नहीं है। वॉलेट रिफिल करें।"


class BillAlreadyPaid(Refused):
    code = "bill_already_paid"
    hindi = "यह बिल पहले ही जमा हो चुका है; कोई राशि देय नहीं है।"


class DepartmentNoAnswer(Refused):
    """The department (not our server) did not answer Get Bill Details in time: nothing happened, ask again."""

    code = "biller_timeout"
    hindi = "विभाग से समय पर उत्तर नहीं मिला; बिल विवरण फिर से प्राप्त करें।"


class DepartmentFailed(Refused):
    code = "biller_error"
    hindi = "विभाग ने अनुरोध पूरा नहीं किया; कुछ देर बाद फिर प्रयास करें।"


class ConsumerNotFound(Refused):
    code = "consumer_not_found"
    hindi = "विभाग में इस नंबर का कोई उपभोक्ता नहीं है। बिल पर छपा नंबर जाँचें।"


class AmountMismatch(InvalidInput):
    code = "amount_must_equal_due"
    hindi = "राशि बिल की देय राशि के बराबर होनी चाहिए। बिल से राशि मिलाएँ।"


class UnknownPayment(Refused):
    code = "unknown_payment"
    hindi = "सर्वर पर इस ऑपरेशन आईडी का कोई भुगतान नहीं मिला।"


class OperationIdReused(Refused):
    code = "operation_id_reused"
    hindi = "यह ऑपरेशन आईडी किसी दूसरे अनुरोध में उपयोग हो चुकी है।"


# -- Financial → Wallet, Fund Payout, statement ------------------------------------------------------------


class AmountOutOfRange(InvalidInput):
    code = "amount_out_of_range"
    hindi = "रिफिल राशि अनुमत सीमा से बाहर है।"

    @property
    def min_paise(self) -> int:
        return int(self.details.get("min_paise", 0))

    @property
    def max_paise(self) -> int:
        return int(self.details.get("max_paise", 0))


class InvalidAmount(InvalidInput):
    code = "invalid_amount"
    hindi = "शून्य से अधिक राशि (रुपये में) दर्ज करें।"


class UnknownOrder(Refused):
    code = "unknown_order"
    hindi = "इस कियोस्क का ऐसा कोई रिफिल ऑर्डर नहीं मिला।"


class CugCodeRequired(InvalidInput):
    code = "cug_code_required"
    hindi = "पुराने पोर्टल के व्यवस्थापक से मिला CUG कोड दर्ज करें।"


class InvalidCugCode(InvalidInput):
    code = "invalid_cug_code"
    hindi = "CUG कोड 4 से 32 अक्षरों, अंकों या डैश (-) का होता है।"


class WrongCugCode(InvalidInput):
    code = "wrong_cug_code"
    hindi = "पुराना पोर्टल आपकी पुरानी ई-मित्र आईडी के लिए यह CUG कोड नहीं पहचानता; पुराने पोर्टल के व्यवस्थापक से कोड जाँचें।"


class CugCodeUsed(Refused):
    code = "cug_code_used"
    hindi = "यह CUG कोड पहले ही उपयोग हो चुका है; एक कोड केवल एक बार चलता है।"


class NoOldEmitraId(Refused):
    code = "no_old_emitra_id"
    hindi = "इस कियोस्क की कोई पुरानी ई-मित्र आईडी दर्ज नहीं है। हेल्प डेस्क से संपर्क करें।"


class NoLegacyLimit(Refused):
    code = "no_legacy_limit"
    hindi = "पुराने पोर्टल पर आपकी कोई शेष सीमा (limit) नहीं बची है।"


class NothingDue(Refused):
    code = "nothing_due"
    hindi = "क्रेडिट लाइन पर कोई बकाया नहीं है।"


class AmountExceedsDue(InvalidInput):
    code = "amount_exceeds_due"
    hindi = "राशि कुल देय राशि (ब्याज + बकाया) से अधिक है।"


class InvalidRange(InvalidInput):
    code = "invalid_range"
    hindi = "आरंभ तिथि अंतिम तिथि के बाद है।"


class RangeTooLong(InvalidInput):
    code = "range_too_long"
    hindi = "विवरण अधिकतम 93 दिनों का ही निकाला जा सकता है; छोटी अवधि चुनें।"


_BY_CODE: dict[str, type[Refused]] = {
    cls.code: cls
    for cls in (InvalidInput, NotSignedIn, SessionExpired, InvalidCredentials, LoginThrottled, TooManyAttempts,
                WrongCurrentPassword, PasswordRejected, PasswordChangeRequired, ProfileIncomplete,
                KioskSuspended, OtpInvalid, OtpExpired, OtpUsed, OtpAttemptsExhausted, OtpRateLimited,
                InvalidContact, ProfileNotConfirmed, OfflineLimitExceeded, UnknownService, InvalidField,
                ContactRequired, InsufficientBalance, BillAlreadyPaid, ConsumerNotFound, DepartmentNoAnswer,
                DepartmentFailed, AmountMismatch,
                UnknownPayment, OperationIdReused, AmountOutOfRange, InvalidAmount, UnknownOrder, CugCodeRequired,
                InvalidCugCode, WrongCugCode, CugCodeUsed, NoOldEmitraId, NoLegacyLimit, NothingDue,
                AmountExceedsDue, InvalidRange, RangeTooLong)
}
_BY_CODE["malformed_json"] = InvalidInput


def refusal(status: int, code: str, message: str, details: dict[str, Any]) -> Refused:
    """The typed refusal for a server error body {"error": {"code", "message", ...}}."""
    cls = _BY_CODE.get(code, Refused)
    message_hi = None
    if cls is PasswordRejected:
        rules = [str(p.get("rule")) for p in details.get("problems", []) if isinstance(p, dict)]
        message_hi = " ".join(PASSWORD_RULES_HI.get(r, PasswordRejected.hindi) for r in rules) or None
    elif cls is OtpInvalid and "attempts_left" in details:
        message_hi = f"OTP गलत है। शेष प्रयास: {details['attempts_left']}"
    elif isinstance(details.get("message_hi"), str) and details["message_hi"]:
        message_hi = str(details["message_hi"])  # the server's own Hindi (e.g. "without the K No.")
    return cls(message, message_hi=message_hi, status=status, details=details, code=code)
