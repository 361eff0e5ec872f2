"""The home page through the real windows against a real server: after a payment made with the keyboard it
refreshes by itself and shows what the server's day-end report says; offline it shows the local journal and
says from when; the quick-service keys open the service; F1 on home lists exactly the keys that work there."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from kiosk_app.dashboard import Dashboard
from offline_cache.outbox import OutboxState
from printing.money import format_rupees
from rules.day import business_day
from tests.support.auth import contacts, ready_token
from tests.support.faultproxy import FaultProxy
from tests.support.kiosk_client import paper_bills
from tests.support.server import ServerProcess
from tests.ui.conftest import focused, press, type_text
from ui.avail_service import AvailServicePage
from ui.core import Core
from ui.day_end import DayEndPage
from ui.fund_payout import FundPayoutPage
from ui.home import HomePage
from ui.keys_help import KeysDialog, screen_keys, unnamed_keys, window_keys
from ui.main_window import Feature, MainWindow
from ui.screenshots import HOME, shots
from ui.settings import Preferences, PreferencesFile, describe
from ui.shell import Shell
from ui.strings import Language, language_switch

PASSWORD = "a quiet kiosk by the fort"
TIMEOUT = 20_000
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def _sign_in(qtbot: QtBot, shell: Shell, code: str) -> MainWindow:
    type_text(qtbot, contacts(code)[0])
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.main is not None and shell.main.isVisible(), timeout=TIMEOUT)
    main = shell.main
    assert main is not None and main.stack.currentWidget() is main.home  # the page after sign-in
    main.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main, timeout=TIMEOUT)
    return main


def _figures(main: MainWindow) -> Dashboard:
    assert main.home.figures is not None
    return main.home.figures


def _pay_jvvnl(qtbot: QtBot, main: MainWindow, k_no: str) -> AvailServicePage:
    """F4, "bijli", the Jaipur service, the K No., Get Bill Details, Add Bill, the mobile, Pay By Wallet, Esc."""
    press(qtbot, Qt.Key.Key_F4)
    page = main.feature_pages[Feature.AVAIL_SERVICE]
    assert isinstance(page, AvailServicePage)
    qtbot.waitUntil(lambda: page.kiosk is not None and page.search.line_edit.hasFocus(), timeout=TIMEOUT)
    type_text(qtbot, "jaipur bijli")
    qtbot.waitUntil(lambda: page.results.count() >= 1, timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_Down)
    page.results.setCurrentRow(0)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.service is not None and page.service.code == "ELEC-JVVNL", timeout=TIMEOUT)
    type_text(qtbot, k_no)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(page.bill_view.isVisible, timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_F6)
    type_text(qtbot, "9876543210")
    press(qtbot, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: getattr(page, "receipt_window", None) is not None, timeout=TIMEOUT)
    window = page.receipt_window
    assert window is not None
    qtbot.waitUntil(lambda: window.pixmap is not None, timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main, timeout=TIMEOUT)
    return page


def test_after_a_payment_home_refreshes_by_itself_and_equals_the_servers_day_end_report(
    qtbot: QtBot, auth_server: ServerProcess, make_core: Callable[..., Core], make_shell: Callable[..., Shell]
) -> None:
    code = "RJ-JPR-0901"
    ready_token(auth_server, code, credit_limit_paise=50_000_00)
    assert auth_server.adjust(code, uuid.uuid4().hex, "credit", 1_000_00).status_code == 200
    core = make_core(auth_server.url)
    core.save_preferences(replace(core.preferences, low_balance_paise=50_000_00))
    main = _sign_in(qtbot, make_shell(core), code)
    home = main.home
    # After sign-in: the server asked for the dues; nothing collected yet, no quick services, the key of each
    # kind of waiting operation on its button.
    qtbot.waitUntil(lambda: home.figures is not None and home.figures.dues is not None, timeout=TIMEOUT)
    assert _figures(main).count == 0 and home.table.rowCount() == 0 and _figures(main).online is True
    assert home.quick_none.isVisible() and not any(b.isVisible() for b in home.quick)
    assert home.waiting["queued"].text() == "Queued, not sent: 0 (F6)"
    assert "Nothing is due on the credit line" in home.dues.text()
    assert home.as_of.text().startswith("As of ") and home.as_of.text().endswith(", online.")

    bill = paper_bills(1, series=91)[0]
    avail = _pay_jvvnl(qtbot, main, bill.k_no)
    # The payment's money event refreshed the home page while Avail Service was in front.
    qtbot.waitUntil(lambda: home.figures is not None and home.figures.count == 1, timeout=TIMEOUT)
    assert main.stack.currentWidget() is avail
    avail.spec_fields[0].editor.setFocus()
    assert isinstance(focused(), QLineEdit)  # a text field would take Ctrl+Home for itself
    qtbot.keyClick(focused(), Qt.Key.Key_Home, CTRL)  # from the K No. field of the next customer
    assert main.stack.currentWidget() is home

    report = core.kiosk().wallet.day_end_report(business_day())
    # Shown, the page asked the server for the dues again: the payment drew on the credit line.
    qtbot.waitUntil(lambda: _figures(main).dues is not None and not _figures(main).dues.nothing_due, timeout=TIMEOUT)
    figures = _figures(main)
    assert (
        [(s.service_code, s.count, s.amount_paise) for s in figures.services]
        == [(s.service_code, s.count, s.amount_paise) for s in report.by_service]
        == [("ELEC-JVVNL", 1, bill.amount_paise)]
    )
    assert [(m.method, m.count, m.amount_paise) for m in figures.methods] == [
        (m.key, m.count, m.amount_paise) for m in report.by_method
    ]
    cells = [home.table.item(0, c).text() for c in range(home.table.columnCount())]
    assert cells == ["JVVNL Electricity Bill", "1", format_rupees(bill.amount_paise), "₹5.00"]
    assert f"Bills confirmed: 1, {format_rupees(bill.amount_paise)}" in home.totals.text()
    assert f"By wallet: 1, {format_rupees(bill.amount_paise)}" in home.totals.text()
    assert "By departmental cheque: 0, ₹0.00" in home.totals.text()
    assert "Commission earned: ₹5.00" in home.totals.text()
    # The bill was more than the wallet held: the rest came from the credit line, due on the next bank working
    # day, as the server's report says; under the setting's ₹50,000 the home page warns.
    dues = figures.dues
    assert dues is not None and dues.total_payable_paise == report.outstanding_paise + report.interest_due_paise
    assert report.next_due_on is not None and dues.next_due_on == date.fromisoformat(report.next_due_on)
    assert dues.next_due_on.strftime("%d-%m-%Y") in home.dues.text() and "18% a year" in home.dues.text()
    assert home.low_balance.isVisible() and "below ₹50,000.00" in home.low_balance.text()
    assert home.spendable.text() == format_rupees(auth_server.balance(code)["spendable_paise"])
    assert home.last_sync.text() == "No day-end sync on this PC yet."

    # The quick-service row: the service just used, its key on its button; the key opens it.
    assert home.quick[0].isVisible() and home.quick[0].text() == "JVVNL Electricity Bill (Alt+1)"
    assert not home.quick[1].isVisible()
    language_switch().set_language(Language.HINDI)
    assert home.quick[0].text() == "जेवीवीएनएल बिजली बिल (Alt+1)" and "ऑनलाइन" in home.as_of.text()
    assert home.table.item(0, 0).text() == "जेवीवीएनएल बिजली बिल"
    language_switch().set_language(Language.ENGLISH)
    avail.service = None
    qtbot.keyClick(focused(), Qt.Key.Key_1, ALT)
    assert main.stack.currentWidget() is avail
    qtbot.waitUntil(lambda: avail.service is not None and avail.service.code == "ELEC-JVVNL", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: focused() is avail.spec_fields[0].editor, timeout=TIMEOUT)


def test_offline_home_shows_the_local_journal_and_says_from_when(
    qtbot: QtBot, auth_server: ServerProcess, proxy: FaultProxy, make_core: Callable[..., Core],
    make_shell: Callable[..., Shell]
) -> None:  # fmt: skip
    code = "RJ-JPR-0902"
    ready_token(auth_server, code)
    assert auth_server.adjust(code, uuid.uuid4().hex, "credit", 100_000_00).status_code == 200
    core = make_core(proxy.url)
    main = _sign_in(qtbot, make_shell(core), code)
    home = main.home
    qtbot.waitUntil(lambda: home.figures is not None and home.figures.dues is not None, timeout=TIMEOUT)
    kiosk = core.kiosk()
    kiosk.catalog.refresh()
    online, *offline = paper_bills(3, series=92)
    assert kiosk.payments.pay(online.order()).operation_id  # paid at the server, through the client core
    qtbot.waitUntil(lambda: _figures(main).count == 1, timeout=TIMEOUT)
    said_at = _figures(main).dues

    proxy.set_offline(True)
    assert kiosk.connectivity.check() is False  # the kiosk knows it is offline (its health check)
    for bill in offline:
        assert kiosk.payments.pay(bill.order()).provisional
    qtbot.waitUntil(lambda: _figures(main).waiting.queued == 2, timeout=TIMEOUT)
    figures = _figures(main)
    done = kiosk.worker.call(kiosk.store.outbox.in_state, OutboxState.DONE)
    queued = kiosk.worker.call(kiosk.store.outbox.in_state, OutboxState.QUEUED)
    assert [(s.service_code, s.count, s.amount_paise) for s in figures.services] == [
        ("ELEC-JVVNL", len(done), sum(e.amount_paise for e in done))
    ]
    assert (figures.waiting.awaiting_count, figures.waiting.awaiting_paise) == (
        len(queued),
        sum(e.amount_paise for e in queued),
    )
    assert figures.online is False and figures.dues == said_at  # the dues as the server last told them
    assert home.waiting["queued"].text() == "Queued, not sent: 2 (F6)"
    assert f"Not confirmed yet, not counted above: 2, {format_rupees(sum(b.amount_paise for b in offline))}" in (
        home.totals.text()
    )
    assert ", offline: today's figures are this PC's own" in home.as_of.text()
    assert home.as_of.text().startswith("As of ")
    language_switch().set_language(Language.HINDI)
    assert "ऑफ़लाइन" in home.as_of.text() and home.waiting["queued"].text() == "कतार में, नहीं भेजे गए: 2 (F6)"
    language_switch().set_language(Language.ENGLISH)

    # F6 opens Day End, where the queued payments are sent (the keys work from sign-in on: home has the focus).
    assert home.isAncestorOf(focused())
    qtbot.keyClick(focused(), Qt.Key.Key_F6)
    day_end = main.feature_pages[Feature.DAY_END]
    assert isinstance(day_end, DayEndPage) and main.stack.currentWidget() is day_end
    qtbot.waitUntil(lambda: "Waiting now: 2" in day_end.intro.text(), timeout=TIMEOUT)

    # Back online, the sync confirms them: home reads its figures again by itself, and they are the server's.
    proxy.set_offline(False)
    day_end.sync.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: day_end.result is not None and day_end.result.complete, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: _figures(main).waiting.queued == 0 and _figures(main).count == 3, timeout=TIMEOUT)
    report = kiosk.wallet.day_end_report(business_day())
    assert [(s.service_code, s.count, s.amount_paise) for s in _figures(main).services] == [
        (s.service_code, s.count, s.amount_paise) for s in report.by_service
    ]
    assert _figures(main).waiting.awaiting_count == 0 and _figures(main).last_sync is not None
    qtbot.keyClick(focused(), Qt.Key.Key_Home, CTRL)
    assert main.stack.currentWidget() is home and home.last_sync.text().startswith("Last day-end sync: ")
    assert "complete: 2 confirmed, 0 refused, 0 waiting." in home.last_sync.text()


# -- F1 on home ------------------------------------------------------------------------------------------------


def _home(core: Core, shell: Shell, figures: Dashboard = HOME) -> tuple[MainWindow, HomePage]:
    language_switch().set_language(Language.ENGLISH)  # the shell starts in the settings' language (Hindi)
    widget = shots(core, shell)["26-home"]()
    main = widget.window()
    assert isinstance(main, MainWindow)
    main.show()
    main.home.show_figures(figures)
    return main, main.home


def _listed(main: MainWindow) -> list[tuple[str, str]]:
    main.on_keys_triggered()
    dialog = main.keys_dialog
    assert isinstance(dialog, KeysDialog)
    rows = [(dialog.table.item(r, 0).text(), dialog.table.item(r, 1).text()) for r in range(dialog.table.rowCount())]
    dialog.reject()
    return rows


@pytest.mark.parametrize("quick", [5, 2])
def test_f1_on_home_lists_exactly_the_keys_that_work_there_and_each_does_its_thing(
    qtbot: QtBot, screens: tuple[Core, Shell], quick: int
) -> None:
    core, shell = screens
    figures = replace(HOME, quick=HOME.quick[:quick])
    main, home = _home(core, shell, figures)
    assert unnamed_keys(home) == []
    listed = _listed(main)
    own = [(k.keys, k.what) for k in screen_keys(home)]
    quick_keys = [(f"Alt+{n + 1}", s.name_en) for n, s in enumerate(figures.quick)]
    assert own == [
        ("F6", "Queued, not sent: 2"),
        ("F7", "In doubt, no answer: 0"),
        ("F8", "Refused or failed: 1"),
        ("F3", "Open Fund Payout"),
        *quick_keys,
    ]
    assert listed[: len(own)] == own and ("Ctrl+Home", "Home") in listed and ("F1", "Keys on this screen") in listed
    keys = [k for k, _ in listed]
    assert len(keys) == len(set(keys)), keys
    window = [k.keys for k in window_keys(main)]
    assert not set(window) & {k for k, _ in own}

    asked: list[str] = []
    home.service_requested.connect(asked.append)
    expected = {"F6": Feature.DAY_END, "F7": Feature.DAY_END, "F8": Feature.DAY_END, "F3": Feature.FUND_PAYOUT}
    for key in screen_keys(home):
        assert isinstance(key.shortcut, QShortcut)
        main.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is main)
        main.show_home()  # reads this PC's own records (none here) ...
        home.show_figures(figures)  # ... so the sample again
        qtbot.waitUntil(lambda: home.isAncestorOf(QApplication.focusWidget()))
        combo = QKeySequence(key.shortcut.key())[0]
        QTest.keyClick(QApplication.focusWidget(), combo.key(), combo.keyboardModifiers())
        shown = main.stack.currentWidget()
        if key.keys in expected:
            assert shown is main.feature_pages[expected[key.keys]], key.keys
        else:
            n = int(key.keys.removeprefix("Alt+")) - 1
            assert isinstance(shown, AvailServicePage) and asked[-1] == figures.quick[n].service_code
        for widget in QApplication.topLevelWidgets():
            if widget is not main and widget.isVisible() and widget.isModal():
                widget.close()
    assert isinstance(main.feature_pages[Feature.FUND_PAYOUT], FundPayoutPage)
    assert len(asked) == quick

    # A quick key with no service behind it does nothing, and F1 does not list it.
    main.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main)
    main.show_home()
    home.show_figures(figures)
    assert ("Alt+5" in dict(_listed(main))) is (quick == 5)
    before = len(asked)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_5, ALT)
    assert (len(asked) == before + 1) is (quick == 5)
    assert (main.stack.currentWidget() is home) is (quick != 5)
    # Ctrl+Home is the window's: it comes back from any screen.
    main.open_feature(Feature.REFILL)
    assert any(isinstance(a, QAction) and a.shortcut() == QKeySequence("Ctrl+Home") for a in main.actions_.values())
    main.actions_["home"].trigger()
    assert main.stack.currentWidget() is home


def test_f1_on_home_in_hindi(screens: tuple[Core, Shell]) -> None:
    main, _home_page = _home(*screens)
    language_switch().set_language(Language.HINDI)
    main.home.show_figures(HOME)
    what = dict(_listed(main))
    assert what["Alt+1"] == "जेवीवीएनएल बिजली बिल" and what["F6"] == "कतार में, नहीं भेजे गए: 2"
    assert what["F3"] == "फंड पेआउट खोलें (Fund Payout)" and what["Ctrl+Home"] == "होम (Home)"


def test_the_low_balance_threshold_is_a_setting_of_the_screens_file(tmp_path: Path) -> None:
    assert Preferences().low_balance_paise == 2_000_00
    assert any(name == "low_balance_paise" and "paise" in doc for name, _type, _default, doc in describe())
    settings = PreferencesFile(tmp_path)
    settings.save(replace(Preferences(), low_balance_paise=5_000_00))
    assert settings.load().low_balance_paise == 5_000_00
    settings.path.write_text('{"version": 1, "low_balance_paise": -1}', encoding="utf-8")
    assert settings.load().low_balance_paise == 2_000_00  # refused: the default
    settings.path.write_text('{"version": 1, "low_balance_paise": 20.5}', encoding="utf-8")
    assert settings.load().low_balance_paise == 2_000_00  # paise are whole
