"""`python -m ui.screenshots OUTDIR`: renders every kiosk screen in English and Hindi offscreen and saves PNGs.

No server is needed: the screens are filled with the sample values below (docs only, never shown by the product).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from keyring.backend import KeyringBackend
from PySide6.QtCore import QDate, QThreadPool
from PySide6.QtWidgets import QApplication, QComboBox, QDateEdit, QWidget

from kiosk_app.auth import OtpSent, Profile, SignedIn
from kiosk_app.contract import ChoicePublic, PlanPublic
from kiosk_app.dashboard import Dashboard, Dues, LastSync, MethodDay, QuickService, ServiceDay, Waiting
from kiosk_app.demo_network import DemoRelay
from kiosk_app.errors import ServerUnreachable, refusal
from kiosk_app.money import Money
from kiosk_app.reprint import FoundReceipt, Source
from kiosk_app.services import BillDetails, FieldSpec, ServiceInfo
from kiosk_app.sync import ReconcileItem, SyncSummary
from kiosk_app.training import Department, DepartmentFault
from kiosk_app.wallet import (
    AccountTotals,
    DayEndReport,
    Drawdown,
    FundTransfer,
    PayoutInfo,
    PayoutResult,
    ReconcilePayment,
    ReconcileReport,
    RefillInfo,
    RefillOrder,
    Statement,
    StatementLine,
    VerifyResult,
    VirtualAccount,
)
from offline_cache.customers import Customer, PastPayment
from printing.connections import FoundUsbPrinter
from printing.samples import sample_receipt
from printing.spool_runner import PrintOutcome, PrintResult
from printing.thermal import PAPER_80MM
from rules.day import business_day
from ui import ops
from ui.app import make_application
from ui.avail_service import AvailServicePage
from ui.core import Core
from ui.day_end import DayEndPage
from ui.dialogs import RecordedMessages, use_messages
from ui.forms import explain, say
from ui.fund_payout import FundPayoutPage
from ui.lock import LockWindow
from ui.main_window import Feature, MainWindow, PrinterState
from ui.receipt_window import ReceiptWindow
from ui.reconcile import ReconcilePage
from ui.refill import RefillPage
from ui.reprint import ReprintPage
from ui.settings_dialog import SettingsDialog
from ui.shell import Shell
from ui.statement import StatementPage
from ui.strings import Language, language_switch, t
from ui.training import TrainingWindow, department_names, fault_state

SIGNED = SignedIn("RJ-JPR-0142", "SSO.RJJPR0142", "active", "ready", False, True, "2025-11-25T20:00:00Z", 1800)
PROFILE = Profile(
    "RJ-JPR-0142",
    "Sharma eMitra Kendra",
    "Ramesh Kumar Sharma",
    "Jaipur",
    "EM-JPR-88123",
    "SSO.RJJPR0142",
    "9876543210",
    "sharma.kendra@example.in",
    "active",
    "Shop 4, Station Road",
    "302017",
    None,
    True,
)
BALANCE = Money(
    wallet_balance_paise=98_456_50,
    spendable_paise=1_23_456_50,
    credit_limit_paise=50_000_00,
    credit_used_paise=25_000_00,
    offline_limit_paise=96_120_00,
    queued=2,
    taken_at="2026-11-17T08:35:00+00:00",
    source="balance",
)
HOME = Dashboard(
    date(2025, 11, 25),
    (
        ServiceDay("ELEC-JVVNL", "JVVNL Electricity Bill", "जेवीवीएनएल बिजली बिल", 9, 18_432_00, 9 * 5_00),
        ServiceDay("MOBILE-PREPAID", "Mobile Prepaid Recharge", "मोबाइल प्रीपेड रिचार्ज", 6, 1_794_00, 35_88),
        ServiceDay("WATER-PHED", "PHED Water Bill", "पीएचईडी पानी बिल", 3, 2_140_00, 3 * 5_00),
        ServiceDay("BHAMASHAH-ENROL", "Bhamashah Enrolment", "भामाशाह नामांकन", 2, 40_00, 2 * 10_00),
    ),
    (MethodDay("cheque", 2, 5_210_00), MethodDay("wallet", 18, 17_196_00)),
    Waiting(queued=2, in_doubt=0, refused=1, awaiting_count=2, awaiting_paise=2_336_00),
    replace(BALANCE, spendable_paise=1_450_00, offline_limit_paise=1_450_00, taken_at="2025-11-25T08:30:00+00:00"),
    2_000_00,
    Dues(25_000_00, 10_000_00, 1_479_00, 18, 26_479_00, date(2025, 11, 26), "2025-11-25T08:30:00+00:00"),
    LastSync("2025-11-24T13:10:00+00:00", "2025-11-24T13:10:04+00:00", "complete", 13, 1, 0),
    (
        QuickService("ELEC-JVVNL", "JVVNL Electricity Bill", "जेवीवीएनएल बिजली बिल", 212),
        QuickService("MOBILE-PREPAID", "Mobile Prepaid Recharge", "मोबाइल प्रीपेड रिचार्ज", 96),
        QuickService("WATER-PHED", "PHED Water Bill", "पीएचईडी पानी बिल", 41),
        QuickService("ELEC-AVVNL", "AVVNL Electricity Bill", "एवीवीएनएल बिजली बिल", 17),
        QuickService("BHAMASHAH-ENROL", "Bhamashah Enrolment", "भामाशाह नामांकन", 9),
    ),
    False,
    "2025-11-25T08:35:00+00:00",
)
K_NO = FieldSpec("k_no", "K No.", "के. नं.", r"[0-9]{12,13}", 12, 13, "210412345678")
ELECTRICITY = tuple(
    ServiceInfo(
        f"ELEC-{code}",
        code,
        "UTILITY",
        "bill",
        f"{code} Electricity Bill",
        f"{hi} बिजली बिल",
        True,
        (K_NO,),
        f"{city} Vidyut Vitran Nigam Ltd",
        f"{city_hi} विद्युत वितरण निगम लि.",
    )
    for code, hi, city, city_hi in (
        ("JVVNL", "जेवीवीएनएल", "Jaipur", "जयपुर"),
        ("AVVNL", "एवीवीएनएल", "Ajmer", "अजमेर"),
        ("JDVVNL", "जेडीवीवीएनएल", "Jodhpur", "जोधपुर"),
    )
)
RECHARGE = ServiceInfo(
    "MOBILE-PREPAID",
    "MOBILE",
    "TELECOM",
    "recharge",
    "Mobile Prepaid Recharge",
    "मोबाइल प्रीपेड रिचार्ज",
    False,
    (
        FieldSpec("mobile", "Mobile No.", "मोबाइल नंबर", r"[6-9][0-9]{9}", 10, 10, "9876543210"),
        FieldSpec(
            "mobile_operator",
            "Operator",
            "ऑपरेटर",
            "[A-Z]+",
            2,
            8,
            "JIO",
            choices=(ChoicePublic("AIRTEL", "Airtel", "एयरटेल"), ChoicePublic("JIO", "Jio", "जियो")),
        ),
    ),
    "Mobile operators",
    "मोबाइल ऑपरेटर",
    plans=(
        PlanPublic(18900, "₹189: 28 days, 2 GB in all, unlimited calls", "₹189: 28 दिन, कुल 2 GB, असीमित कॉल", "JIO"),
        PlanPublic(
            29900, "₹299: 28 days, 1.5 GB a day, unlimited calls", "₹299: 28 दिन, 1.5 GB प्रतिदिन, असीमित कॉल", "JIO"
        ),
        PlanPublic(19900, "₹199: 28 days, 2 GB in all, unlimited calls", "₹199: 28 दिन, कुल 2 GB, असीमित कॉल", "AIRTEL"),
    ),
)
BILL = BillDetails(
    "ELEC-JVVNL",
    "210412345678",
    "Ramesh Chand",
    "JV/2511/88123",
    "2025-12-05",
    1_845_50,
    1_845_50,
    False,
    1_845_50,
    1_845_50,
)
SUMMARY = SyncSummary(
    14,
    13,
    1,
    0,
    0,
    False,
    None,
    2.4,
    (
        ReconcileItem(
            "5f1c0a",
            "2025-11-25T14:02:11",
            2_310_00,
            "ELEC-AVVNL",
            "310212345635",
            True,
            "bill_already_paid",
            "this bill was already paid at another counter",
        ),
    ),
)
DAY_END_REPORT = DayEndReport.from_body(
    {
        "date": "2025-11-25",
        "kiosk_code": "RJ-JPR-0142",
        "kiosk_name": "Sharma eMitra Kendra, Jaipur",
        "generated_at": "2025-11-25T20:05:00+05:30",
        "payments": {"count": 14, "by_status": {"success": 13, "failed": 1}, "amount_paise": 31_845_50},
        "collections": {
            "count": 13,
            "amount_paise": 29_535_50,
            "by_service": [
                {
                    "service_code": "ELEC-JVVNL",
                    "service_name_en": "JVVNL Electricity Bill",
                    "service_name_hi": "जेवीवीएनएल बिजली बिल",
                    "count": 9,
                    "amount_paise": 21_220_00,
                },
                {
                    "service_code": "WATER-PHED",
                    "service_name_en": "PHED Water Bill",
                    "service_name_hi": "पीएचईडी पानी बिल",
                    "count": 3,
                    "amount_paise": 4_741_42,
                },
                {
                    "service_code": "TEL-MOBILE-POSTPAID",
                    "service_name_en": "Mobile Postpaid Bill",
                    "service_name_hi": "मोबाइल पोस्टपेड बिल",
                    "count": 1,
                    "amount_paise": 3_574_08,
                },
            ],
            "by_method": [
                {"method": "wallet", "count": 12, "amount_paise": 27_690_00},
                {"method": "cheque", "count": 1, "amount_paise": 1_845_50},
            ],
        },
        "reversals": {"count": 1, "amount_paise": 2_310_00},
        "refills": {
            "count": 1,
            "amount_paise": 12_750_00,
            "by_channel": [{"channel": "existing_emitra", "count": 1, "amount_paise": 12_750_00}],
        },
        "payouts": {"count": 0, "amount_paise": 0},
        "wallet": {"opening_paise": 1_15_006_00, "closing_paise": 98_456_50},
        "credit_line": {"opening_used_paise": 25_000_00, "closing_used_paise": 25_000_00},
        "outstanding": {
            "outstanding_paise": 25_000_00,
            "overdue_paise": 0,
            "interest_due_paise": 0,
            "next_due_on": "2025-11-26",
        },
    }
)
REFILL_INFO = RefillInfo(
    VirtualAccount(
        "224400000142",
        "RJIT0EMITRA",
        "eMitra Collection Bank (demo)",
        "RajCOMP Info Services Ltd (eMitra)",
        "Current (virtual account)",
    ),
    100_00,
    10_00_000_00,
    30,
    60,
    ("net_banking", "aggregator", "existing_emitra", "neft_rtgs"),
    (),
    (),
    (),
)
ORDER = RefillOrder(
    "RO5F1C0A77E2B91D",
    "sample",
    "refill",
    "net_banking",
    5_000_00,
    "created",
    None,
    None,
    "2025-11-25T08:30:00+00:00",
    "2025-11-25T09:00:00+00:00",
    "https://emitra.example.in/sim/gateway/orders/RO5F1C0A77E2B91D",
)
TRANSFER = FundTransfer(
    7, "LT0000000007", 12_750_00, "scheduled", "2025-11-25T09:31:00+00:00", "25-11-2025 15:01:00", None, ""
)
PAYOUT = PayoutInfo(
    "2025-11-25",
    50_000_00,
    25_000_00,
    98_456_50,
    25_000_00,
    10_000_00,
    "2025-11-26",
    (
        Drawdown("2025-11-21", "2025-11-22", 10_000_00, 3, "overdue"),
        Drawdown("2025-11-25", "2025-11-26", 15_000_00, 0, "due"),
    ),
    18,
    14_79,
    0,
    14_79,
    25_014_79,
    "",
)
STATEMENT = Statement(
    date(2025, 11, 25),
    date(2025, 11, 25),
    (
        StatementLine(
            1,
            "25-11-2025 09:02:11",
            "2025-11-25",
            "wallet",
            "refill_bank",
            "NEFT credit",
            "UTR SBINN52025112577001",
            50_000_00,
            1_00_456_50,
        ),
        StatementLine(
            2,
            "25-11-2025 10:14:52",
            "2025-11-25",
            "wallet",
            "bill_payment",
            "Bill payment",
            "payment EMT5F1C0A77E2B",
            -1_845_50,
            98_611_00,
        ),
        StatementLine(
            3,
            "25-11-2025 11:40:03",
            "2025-11-25",
            "wallet",
            "bill_payment",
            "Bill payment",
            "payment EMT8A21D004C19",
            -2_310_00,
            96_301_00,
        ),
        StatementLine(
            4,
            "25-11-2025 12:05:47",
            "2025-11-25",
            "wallet",
            "reversal",
            "Reversal of a failed bill",
            "reversal EMT8A21D004C19-1",
            2_310_00,
            98_611_00,
        ),
        StatementLine(
            5,
            "25-11-2025 13:20:19",
            "2025-11-25",
            "wallet",
            "bill_payment",
            "Bill payment",
            "payment EMT0B7E19C2F61",
            -154_50,
            98_456_50,
        ),
    ),
    {"wallet": AccountTotals(50_456_50, 98_456_50, 52_310_00, 4_310_00)},
)
RECONCILE = ReconcileReport(
    date(2025, 11, 25),
    {"failed": 1, "pending": 1, "success": 2},
    (
        ReconcilePayment(
            12,
            "a1",
            "RJ251125000000012",
            "EMT8A21D004C19",
            "pending",
            2_310_00,
            0,
            "25-11-2025 11:40:03",
            "AVVNL Electricity Bill",
            "एवीवीएनएल बिजली बिल",
            "310212345635",
            None,
            True,
        ),
        ReconcilePayment(
            14,
            "a2",
            "RJ251125000000014",
            "EMT77C0DE91A02",
            "failed",
            3_574_08,
            3_574_08,
            "25-11-2025 12:58:40",
            "Mobile Postpaid Bill",
            "मोबाइल पोस्टपेड बिल",
            "9829012399",
            "the operator declined the payment; amount reversed",
            False,
        ),
        ReconcilePayment(
            11,
            "a3",
            "RJ251125000000011",
            "EMT5F1C0A77E2B",
            "success",
            1_845_50,
            0,
            "25-11-2025 10:14:52",
            "JVVNL Electricity Bill",
            "जेवीवीएनएल बिजली बिल",
            "210412345678",
            None,
            False,
        ),
        ReconcilePayment(
            15,
            "a4",
            "RJ251125000000015",
            "EMT0B7E19C2F61",
            "success",
            154_50,
            0,
            "25-11-2025 13:20:19",
            "PHED Water Bill",
            "पीएचईडी पानी बिल",
            "1101234004",
            None,
            False,
        ),
    ),
)
DISCOMS = tuple(
    Department(code, f"{city} Vidyut Vitran Nigam Ltd", f"{city_hi} विद्युत वितरण निगम लि.")
    for code, city, city_hi in (("AVVNL", "Ajmer", "अजमेर"), ("JDVVNL", "Jodhpur", "जोधपुर"), ("JVVNL", "Jaipur", "जयपुर"))
)
TRAINING_ROWS = [
    DepartmentFault(
        "bhamashah", (Department("BHAMASHAH", "Bhamashah Yojana", "भामाशाह योजना"),), "none", 0, 0, "pay", False
    ),
    DepartmentFault("discom", DISCOMS, "decline", 1, 0, "pay", True),
    DepartmentFault(
        "phed",
        (Department("PHED", "Public Health Engineering Department", "जन स्वास्थ्य अभियांत्रिकी विभाग"),),
        "slow",
        -1,
        4_000,
        "both",
        True,
    ),
]
OTP = OtpSent("sample", "sent", expires_in_seconds=300, resend_after_seconds=30, resends_left=3)


class _NoKeyring(KeyringBackend):
    """Screenshots never sign in; the account still needs a keyring object."""

    priority = 0

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        pass

    def delete_password(self, service: str, username: str) -> None:
        pass


def _save(widget: QWidget, path: Path) -> None:
    widget.show()
    QApplication.processEvents()
    widget.grab().save(str(path))
    print(path)


def shots(core: Core, shell: Shell) -> dict[str, Callable[[], QWidget]]:
    sign_in = shell.sign_in

    def login() -> QWidget:
        sign_in.show_login("SSO.RJJPR0142")
        return sign_in

    def login_error() -> QWidget:
        sign_in.show_login("SSO.RJJPR0142")
        sign_in.login.password.line_edit.setText("wrong password")
        wrong = refusal(401, "invalid_credentials", "the SSO ID or password is wrong", {})
        sign_in.login.password.set_error(explain(wrong))
        return sign_in

    def login_offline() -> QWidget:
        sign_in.show_login("SSO.RJJPR0142")
        sign_in.login.show_problem(ServerUnreachable("the server at http://127.0.0.1:8765 cannot be reached"))
        return sign_in

    def change_password() -> QWidget:
        sign_in.stack.setCurrentWidget(sign_in.change)
        sign_in.change.begin("issued")
        sign_in.change.new.line_edit.setText("short1")
        sign_in.change.new.set_error(
            explain(
                refusal(422, "password_rejected", "the password is too short", {"problems": [{"rule": "too_short"}]})
            )
        )
        return sign_in

    def profile() -> QWidget:
        sign_in.stack.setCurrentWidget(sign_in.profile)
        sign_in.profile.show_profile(PROFILE)
        sign_in.profile.pincode.set_error(say("profile.pincode_invalid"))
        return sign_in

    def forgot_sso() -> QWidget:
        sign_in.stack.setCurrentWidget(sign_in.forgot_sso)
        page = sign_in.forgot_sso
        page.begin("9876543210")
        page.panel.start(OTP)
        page.panel.code.line_edit.setText("000000")
        page.panel.code.set_error(explain(refusal(401, "otp_invalid", "the OTP is wrong", {"attempts_left": 4})))
        return sign_in

    def forgot_sso_found() -> QWidget:
        sign_in.stack.setCurrentWidget(sign_in.forgot_sso)
        page = sign_in.forgot_sso
        page.begin("9876543210")
        page.panel.start(OTP)
        page.on_ids_found(["SSO.RJJPR0142"])
        return sign_in

    def forgot_password() -> QWidget:
        sign_in.stack.setCurrentWidget(sign_in.forgot_password)
        page = sign_in.forgot_password
        page.begin("SSO.RJJPR0142")
        page.on_otp_sent(OTP)
        return sign_in

    def main_window() -> QWidget:
        main = _main(core)
        return main

    def home() -> QWidget:
        main = _main(core)
        main.on_money_changed(HOME.money)
        main.core.preferences = replace(main.core.preferences, low_balance_paise=HOME.low_balance_paise)
        main.home.show_figures(HOME)
        return main

    def coming_soon() -> QWidget:
        main = _main(core)
        main.coming.show_feature(Feature.REFILL)  # what an entry without a screen shows (every entry has one now)
        main.stack.setCurrentWidget(main.coming)
        return main

    def avail_service() -> QWidget:
        main = _main(core)
        main.open_feature(Feature.AVAIL_SERVICE)
        page = main.feature_pages[Feature.AVAIL_SERVICE]
        assert isinstance(page, AvailServicePage)
        page.tr_.banner.show_message(None)
        page.search.line_edit.setText("bijli")
        page.on_search_found(page._search_generation, "bijli", list(ELECTRICITY))
        page.online = True
        page.show_service(ELECTRICITY[0])
        page.spec_fields[0].line_edit.setText("210412345678")
        page.on_bill_loaded(BILL)
        page.mobile.line_edit.setText("98765 43210")
        return main

    def pay_again() -> QWidget:
        """A returning customer found by the last digits of the K No., paying again: fields, mobile and the
        payments here filled in from this PC's customer memory, the new bill fetched."""
        main = _main(core)
        main.open_feature(Feature.AVAIL_SERVICE)
        page = main.feature_pages[Feature.AVAIL_SERVICE]
        assert isinstance(page, AvailServicePage)
        page.tr_.banner.show_message(None)
        customer = Customer(
            "ELEC-JVVNL", "210412345678", "Ramesh Chand", {"k_no": "210412345678"}, "9876543210", 1_284_00,
            "2025-10-24T05:32:11+00:00", 3,
        )  # fmt: skip
        page.search.line_edit.setText("45678")
        page.on_search_found(page._search_generation, "45678", [], [customer], [ELECTRICITY[0]])
        page.online = True
        history = [
            PastPayment("op-3", 1_284_00, "success", "RJ251024000000412", "2025-10-24T05:32:11+00:00"),
            PastPayment("op-2", 1_190_00, "success", "RJ250925000000388", "2025-09-25T06:10:40+00:00"),
            PastPayment("op-1", 1_402_00, "success", "RJ250826000000301", "2025-08-26T04:55:02+00:00"),
        ]
        page._paying_again(customer, ELECTRICITY[0], history)
        page.on_bill_loaded(BILL)
        return main

    def avail_recharge() -> QWidget:
        main = _main(core)
        main.open_feature(Feature.AVAIL_SERVICE)
        page = main.feature_pages[Feature.AVAIL_SERVICE]
        assert isinstance(page, AvailServicePage)
        page.tr_.banner.show_message(None)
        page.search.line_edit.setText("recharge")
        page.on_search_found(page._search_generation, "recharge", [RECHARGE])
        page.online = True
        page.show_service(RECHARGE)
        number, operator = page.spec_fields
        number.line_edit.setText("9414012345")
        assert isinstance(operator.editor, QComboBox)
        operator.editor.setCurrentIndex(2)
        page._plans = RECHARGE.plans_for({"mobile_operator": "JIO"})
        page.on_bill_loaded(BillDetails("MOBILE-PREPAID", "9414012345", "", None, None, None, None, True, 1000, 500000))
        plan = page.plan.editor
        assert isinstance(plan, QComboBox)
        plan.setCurrentIndex(2)
        return main

    def keys_help() -> QWidget:
        main = avail_service()
        assert isinstance(main, MainWindow)
        main.on_keys_triggered()
        assert main.keys_dialog is not None
        return main.keys_dialog

    def avail_offline() -> QWidget:
        main = _main(core)
        main.status.set_online(False)
        main.status.set_queue(2)
        main.open_feature(Feature.AVAIL_SERVICE)
        page = main.feature_pages[Feature.AVAIL_SERVICE]
        assert isinstance(page, AvailServicePage)
        page.tr_.banner.show_message(say("avail.catalog_cached"))
        page.search.line_edit.setText("बिजली")
        page.on_search_found(page._search_generation, "बिजली", list(ELECTRICITY))
        page.online = False
        page.show_service(ELECTRICITY[0])
        page.spec_fields[0].line_edit.setText("210412345678")
        page.consumer_name.line_edit.setText("Ramesh Chand")
        page.bill_no.line_edit.setText("JVV4820193")
        page.paper_due.line_edit.setText("1,250.00")
        due = business_day() - timedelta(days=3)
        editor = page.paper_due_date.editor
        assert isinstance(editor, QDateEdit)
        editor.setDate(QDate(due.year, due.month, due.day))
        page.paper_after_due.line_edit.setText("1,275.00")
        return main

    def day_end() -> QWidget:
        main = _main(core)
        main.open_feature(Feature.DAY_END)
        page = main.feature_pages[Feature.DAY_END]
        assert isinstance(page, DayEndPage)
        page.on_sync_finished(SUMMARY)
        # The page asks the server for the day's report after a sync; there is none here, so wait for that
        # answer to land, then show the sample report in its place.
        QThreadPool.globalInstance().waitForDone(10_000)
        QApplication.processEvents()
        page.on_report_loaded(DAY_END_REPORT)
        page.tr_.banner.show_message(None)
        return main

    def settings_printer() -> QWidget:
        dialog = SettingsDialog(core, None, "printer")
        dialog.kind_combo.setCurrentIndex(1)
        dialog.on_printers_found(
            [FoundUsbPrinter(0x0416, 0x5011, 1, 4, "Xprinter / POS-58 (Winbond)", True, 0x03, 0x81)]
        )
        dialog.on_test_printed(PrintResult(PrintOutcome.PRINTED, None), "USB 0416:5011")
        return dialog

    def settings_language() -> QWidget:
        return SettingsDialog(core, None, "language")

    def settings_server() -> QWidget:
        return SettingsDialog(core, None, "server")

    def receipt() -> QWidget:
        window = ReceiptWindow(sample_receipt(), PAPER_80MM)
        window.load_preview()  # the inline runner renders it at once
        return window

    def refill() -> QWidget:
        main = _main(core)
        main.open_feature(Feature.REFILL)
        page = main.feature_pages[Feature.REFILL]
        assert isinstance(page, RefillPage)
        page.tr_.banner.show_message(None)
        page.on_info_loaded(REFILL_INFO)
        page.on_copy_clicked("account_no")
        page.amount.line_edit.setText("5,000")
        page.on_order_created(ORDER)
        page.poll.stop()
        page.on_cug_accepted(TRANSFER)
        return main

    def fund_payout() -> QWidget:
        main = _main(core)
        main.open_feature(Feature.FUND_PAYOUT)
        page = main.feature_pages[Feature.FUND_PAYOUT]
        assert isinstance(page, FundPayoutPage)
        page.on_info_loaded(PAYOUT)
        page.set_method("net_banking")  # Pay by: Net banking — an order waiting to be paid on the bank's page
        page.on_paid(
            PayoutResult(
                "net_banking",
                0,
                replace(
                    ORDER,
                    order_id="RO9A41D2C07B3E55",
                    purpose="payout",
                    amount_paise=PAYOUT.total_payable_paise,
                    payment_url="https://emitra.example.in/sim/gateway/orders/RO9A41D2C07B3E55",
                ),
                {},
            )
        )
        page.poll.stop()
        return main

    def statement() -> QWidget:
        main = _main(core)
        main.open_feature(Feature.STATEMENT)
        page = main.feature_pages[Feature.STATEMENT]
        assert isinstance(page, StatementPage)
        page.tr_.banner.show_message(None)
        page.set_range(STATEMENT.start, STATEMENT.end)
        page.on_statement_loaded(STATEMENT)
        return main

    def reconcile() -> QWidget:
        main = _main(core)
        main.open_feature(Feature.RECONCILE)
        page = main.feature_pages[Feature.RECONCILE]
        assert isinstance(page, ReconcilePage)
        page.on_report_loaded(RECONCILE)
        page.on_verified(
            VerifyResult(
                RECONCILE.payments[0].payment_id,
                "reversed",
                (),
                replace(RECONCILE.payments[0], status="failed", reversed_paise=2_310_00, verify_needed=False),
            )
        )
        page.table.selectRow(1)
        return main

    def reprint() -> QWidget:
        main = _main(core)
        main.open_feature(Feature.REPRINT)
        page = main.feature_pages[Feature.REPRINT]
        assert isinstance(page, ReprintPage)
        page.value.line_edit.setText("210412345678")
        page.by.setCurrentIndex(1)
        first = sample_receipt()
        second = replace(first, receipt_no="RCPT-2026-000124", paid_at=first.paid_at - timedelta(days=31))
        page.on_found([FoundReceipt(first, 1, Source.SPOOL, 1), FoundReceipt(second, 2, Source.SPOOL, 2)])
        page.on_reprinted(PrintResult(PrintOutcome.PRINTED, 1))
        return main

    def lock() -> QWidget:
        window = LockWindow(core, SIGNED.sso_id, SIGNED.kiosk_code)
        window.password.set_error(say("lock.wrong", left=4))
        return window

    def training() -> QWidget:
        # The demo kiosk as `python -m ui --demo` makes it: its server behind the training relay (not started).
        relay = DemoRelay("http://127.0.0.1:8765", port=8766)
        server_url, core.demo_network = core.server_url, relay
        core.use_server(relay.url)
        window = TrainingWindow(core, _main(core))
        window.show()  # reads the demo server: there is none here, so the sample departments replace its answer
        window.on_rows_read(
            TRAINING_ROWS,
            lambda: t(
                "training.switched_on",
                department=department_names(TRAINING_ROWS[1]),
                state=fault_state(TRAINING_ROWS[1]),
            ),
        )
        window.table.setCurrentCell(1, 0)
        core.use_server(server_url)
        core.demo_network = None
        relay.stop()
        return window

    return {
        "01-login": login,
        "02-login-wrong-password": login_error,
        "03-login-offline": login_offline,
        "04-first-login-new-password": change_password,
        "05-profile": profile,
        "06-forgot-sso-id-otp": forgot_sso,
        "07-forgot-sso-id-found": forgot_sso_found,
        "08-forgot-password": forgot_password,
        "09-main-window": main_window,
        "10-coming-soon": coming_soon,
        "11-settings-printer": settings_printer,
        "12-settings-language": settings_language,
        "13-settings-server": settings_server,
        "14-receipt": receipt,
        "15-avail-service": avail_service,
        "24-avail-recharge": avail_recharge,
        "25-keys-help": keys_help,
        "16-avail-service-offline": avail_offline,
        "17-day-end": day_end,
        "18-refill": refill,
        "19-fund-payout": fund_payout,
        "20-statement": statement,
        "21-reconcile": reconcile,
        "22-training": training,
        "23-lock": lock,
        "26-home": home,
        "27-reprint": reprint,
        "28-pay-again": pay_again,
    }


def _main(core: Core) -> MainWindow:
    main = MainWindow(core, SIGNED)
    main.on_profile_loaded(PROFILE)
    main.refresh_balance = lambda: None  # type: ignore[method-assign]  # no server here: the sample money stays
    main.on_money_changed(BALANCE)
    main.status.set_queue(None)
    main.status.set_printer(PrinterState.READY, "80mm, USB 0416:5011")
    return main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.screenshots")
    parser.add_argument("outdir", type=Path)
    args = parser.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    make_application()
    ops.use_runner(ops.InlineRunner())
    use_messages(RecordedMessages())
    with tempfile.TemporaryDirectory() as config:
        core = Core.open(config_dir=Path(config), keyring_backend=_NoKeyring())  # type: ignore[no-untyped-call]
        shell = Shell(core)
        for language in (Language.ENGLISH, Language.HINDI):
            language_switch().set_language(language)
            for name, make in shots(core, shell).items():
                widget = make()
                _save(widget, args.outdir / f"{name}-{language.value}.png")
                widget.hide()
        shell.close()
        core.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
