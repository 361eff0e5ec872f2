"""Help → Training switches through the real windows against a real server: a department's fault switched on, seen
at the counter and cleared; the kiosk's network cut through the demo relay, an offline payment queued, the network
restored and the payment synced exactly once. Keyboard only, as a trainer at a kiosk PC would use it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk_app.demo_network import DemoRelay, NetworkState
from tests.printing.escpos_usb_sim import KEYBOARD, SimBackend, SimPrinter
from tests.support.auth import contacts, ready_token
from tests.support.kiosk_client import assert_exactly_once, paper_bills, server_payments
from tests.support.server import ServerProcess
from tests.ui.conftest import focused, press, type_paper_bill, type_text
from tests.ui.test_avail_service import _open_avail_service, _pick_jvvnl, _receipt_window, _sign_in
from ui.avail_service import AvailServicePage
from ui.core import Core
from ui.day_end import DayEndPage
from ui.main_window import Feature, MainWindow
from ui.settings import Preferences, PreferencesFile
from ui.shell import Shell
from ui.training import TrainingWindow

FUNDS = 50_000_00
TIMEOUT = 20_000
BILLERS = ["bhamashah", "discom", "microatm", "phed", "telecom"]  # the list's order


@pytest.fixture
def relay(auth_server: ServerProcess) -> Iterator[DemoRelay]:
    r = DemoRelay(auth_server.url).start()
    yield r
    r.stop()


@pytest.fixture
def demo_core(tmp_path: Path, kiosk_keyring: PlaintextKeyring) -> Iterator[Callable[..., Core]]:
    """A demo kiosk PC as `python -m ui --demo` makes it: the server reached through the relay, virtual printer."""
    made: list[Core] = []

    def make(relay: DemoRelay | None, server_url: str | None = None) -> Core:
        config = tmp_path / "pc"
        upstream = relay.upstream_url if relay is not None else server_url
        assert upstream is not None
        PreferencesFile(config).save(Preferences(server_url=upstream, language="en"))
        core = Core.open(
            config_dir=config,
            server_url=relay.url if relay is not None else None,
            keyring_backend=kiosk_keyring,
            usb_backend=SimBackend(SimPrinter(), [KEYBOARD]),
            demo=True,
            demo_network=relay,
        )
        made.append(core)
        return core

    yield make
    for core in made:
        core.close()


def _ready_kiosk(server: ServerProcess, code: str) -> str:
    ready_token(server, code)
    assert server.adjust(code, uuid.uuid4().hex, "credit", FUNDS).status_code == 200
    return contacts(code)[0]


def _open_training(qtbot: QtBot, main: MainWindow) -> TrainingWindow:
    main.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main, timeout=TIMEOUT)
    if QApplication.focusWidget() is None:
        main.setFocus()  # the home page has no field to type in
    press(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    window = main.training
    assert isinstance(window, TrainingWindow)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.rows is not None and window.switch_on.isEnabled(), timeout=TIMEOUT)
    # It fits a 1024×768 counter screen with its taskbar (40 px), in either language.
    assert window.frameGeometry().height() <= 728 and window.frameGeometry().width() <= 1024
    return window


def _fault_cell(window: TrainingWindow, biller: str) -> str:
    item = window.table.item(BILLERS.index(biller), 1)
    return item.text() if item is not None else ""


def _pay_jvvnl(qtbot: QtBot, main: MainWindow, k_no: str) -> AvailServicePage:
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main, timeout=TIMEOUT)  # back from the switches
    page = _open_avail_service(qtbot, main)
    if page.service is not None:
        page.search.line_edit.setFocus()
        press(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # New customer
        assert page.service is None
    _pick_jvvnl(qtbot, page, "bijli")
    type_text(qtbot, k_no)
    press(qtbot, Qt.Key.Key_Return)  # Get Bill Details
    qtbot.waitUntil(page.bill_view.isVisible, timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_F6)  # Add Bill For Payment
    type_text(qtbot, "9876543210")
    page.outcome.clear()
    press(qtbot, Qt.Key.Key_Return)  # Pay By Wallet
    # the countdown ("Waiting for the server: at most 15 s more.") gives way to the answer
    qtbot.waitUntil(
        lambda: page.outcome.text() != "" and not page.outcome.text().startswith("Waiting for the server"),
        timeout=TIMEOUT,
    )
    return page


def _close_receipt(qtbot: QtBot, page: AvailServicePage, main: MainWindow) -> None:
    window = _receipt_window(qtbot, page)
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main, timeout=TIMEOUT)


def test_a_department_that_declines_then_times_out_then_is_cleared(
    qtbot: QtBot,
    auth_server: ServerProcess,
    relay: DemoRelay,
    demo_core: Callable[..., Core],
    make_shell: Callable[..., Shell],
) -> None:
    code = "RJ-JPR-0951"
    shell = make_shell(demo_core(relay))
    main = _sign_in(qtbot, shell, _ready_kiosk(auth_server, code))
    assert "training" in main.actions_

    window = _open_training(qtbot, main)
    assert [window.table.item(i, 0).data(Qt.ItemDataRole.UserRole) for i in range(window.table.rowCount())] == BILLERS
    assert "Jaipur Vidyut Vitran Nigam Ltd" in window.table.item(1, 0).text()
    assert all(_fault_cell(window, b) == "No fault" for b in BILLERS)
    assert "127.0.0.1" in window.network_note.text() and window.network_state.text() == "Network now: connected"
    assert focused() is window.table
    press(qtbot, Qt.Key.Key_Down)  # the electricity companies
    assert window.current_row() is not None and window.current_row().biller == "discom"  # type: ignore[union-attr]
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is window.fault_combo
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Down)
    assert window.fault_combo.currentText() == "Decline" and not window.delay_spin.isEnabled()
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Down)  # Affects: Get Bill Details — a department cannot decline an enquiry
    press(qtbot, Qt.Key.Key_Return)
    assert window.applies_to.error.isVisible() and "only a payment" in window.applies_to.error.text()
    assert _fault_cell(window, "discom") == "No fault"
    press(qtbot, Qt.Key.Key_Up)  # payments
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is window.times_spin and window.times_spin.text() == "until switched off"
    type_text(qtbot, "1")
    press(qtbot, Qt.Key.Key_Return)  # Switch on
    qtbot.waitUntil(lambda: _fault_cell(window, "discom") == "Decline on payments, 1 more payment(s)", timeout=TIMEOUT)
    assert not window.applies_to.error.isVisible()
    assert window.status.text() == (
        "Ajmer Vidyut Vitran Nigam Ltd; Jodhpur Vidyut Vitran Nigam Ltd; Jaipur Vidyut "
        "Vitran Nigam Ltd: Decline on payments, 1 more payment(s)"
    )
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)

    # At the counter: the department declines, the money goes back to the wallet.
    page = _pay_jvvnl(qtbot, main, "210412345678")
    assert page.outcome.text().startswith("The department refused the payment; the money went back to the wallet")
    qtbot.waitUntil(lambda: page.receipt_window is not None, timeout=TIMEOUT)
    _close_receipt(qtbot, page, main)
    assert auth_server.balance(code)["wallet_balance_paise"] == FUNDS
    assert [v[0]["status"] for v in server_payments(auth_server, code).values()] == ["failed"]

    window = _open_training(qtbot, main)  # the same window, read again when it shows
    assert _fault_cell(window, "discom") == "Decline on payments: used up"
    window.table.setFocus()
    window.table.setCurrentCell(BILLERS.index("discom"), 0)
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Up)  # Time-out
    assert window.fault_combo.currentText() == "Time-out (no answer)"
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is window.times_spin and window.times_spin.value() == 1
    press(qtbot, Qt.Key.Key_Down)  # 1 → until switched off
    assert window.times_spin.text() == "until switched off"
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: _fault_cell(window, "discom") == "Time-out (no answer) on payments, until switched off", timeout=TIMEOUT
    )
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)

    # The department does not answer: the receipt says PENDING and the operator must not take the money again.
    page = _pay_jvvnl(qtbot, main, "210412345679")
    assert page.outcome.text().startswith("The department has not answered yet: receipt ")
    assert "PENDING" in page.outcome.text()
    _close_receipt(qtbot, page, main)

    # Switched on until switched off, then off with Del in the list; the next payment goes through.
    window = _open_training(qtbot, main)
    window.table.setCurrentCell(BILLERS.index("discom"), 0)
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Up)  # Slow answer
    assert window.delay_spin.isEnabled()
    for _ in range(3):
        press(qtbot, Qt.Key.Key_Tab)  # Affects, Times, Delay
    assert focused() is window.delay_spin
    window.delay_spin.selectAll()
    type_text(qtbot, "0")
    press(qtbot, Qt.Key.Key_Return)
    assert window.delay.error.isVisible() and window.delay.error.text().startswith("Give the delay")
    window.delay_spin.selectAll()
    type_text(qtbot, "1500")
    window.times_spin.setValue(0)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: _fault_cell(window, "discom") == "Slow answer (1.5 s) on payments, until switched off", timeout=TIMEOUT
    )
    window.table.setFocus()
    press(qtbot, Qt.Key.Key_Delete)  # Switch off
    qtbot.waitUntil(lambda: _fault_cell(window, "discom") == "No fault", timeout=TIMEOUT)
    assert window.status.text().endswith(": no fault now.")
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)
    page = _pay_jvvnl(qtbot, main, "210412345680")
    assert page.outcome.text().startswith("Paid: receipt ")
    _close_receipt(qtbot, page, main)


def test_cut_network_offline_payment_then_restore_and_sync_exactly_once(
    qtbot: QtBot,
    auth_server: ServerProcess,
    relay: DemoRelay,
    demo_core: Callable[..., Core],
    make_shell: Callable[..., Shell],
) -> None:
    code = "RJ-JPR-0952"
    core = demo_core(relay)
    assert core.server_url == relay.url and core.demo_server_url == auth_server.url
    shell = make_shell(core)
    main = _sign_in(qtbot, shell, _ready_kiosk(auth_server, code))
    page = _open_avail_service(qtbot, main)  # the catalog and the wallet snapshot are kept on this PC
    qtbot.waitUntil(lambda: main.status.queue_label.text() == "Queued: 0", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: main.status.online_label.text() == "● Online", timeout=TIMEOUT)

    window = _open_training(qtbot, main)
    press(qtbot, Qt.Key.Key_F7)  # Cut network
    qtbot.waitUntil(lambda: relay.state is NetworkState.CUT, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.network_state.text() == "Network now: cut (connections refused)", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: main.status.online_label.text() == "● Offline", timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_F5)  # the switches still reach the demo server: they do not go through the relay
    qtbot.waitUntil(lambda: window.refresh_button.isEnabled() and window.error is None, timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main, timeout=TIMEOUT)

    bill = paper_bills(1, series=95)[0]
    page = _open_avail_service(qtbot, main)
    _pick_jvvnl(qtbot, page, "bijli")
    type_text(qtbot, bill.k_no)
    press(qtbot, Qt.Key.Key_Return)  # Get Bill Details cannot reach the server: the paper bill is typed
    qtbot.waitUntil(lambda: page.consumer_name.editor.hasFocus(), timeout=TIMEOUT)
    assert "PROVISIONAL" in page.mode.text()
    type_text(qtbot, "Ramesh Chand")
    press(qtbot, Qt.Key.Key_Return)
    type_text(qtbot, "B-95123")
    press(qtbot, Qt.Key.Key_Return)
    type_paper_bill(qtbot, page, bill)
    assert [b.amount_paise for b in page.bills] == [bill.amount_paise]
    type_text(qtbot, "9876543210")
    press(qtbot, Qt.Key.Key_F8)
    receipt = _receipt_window(qtbot, page)
    assert receipt.receipt.provisional is not None and receipt.receipt.receipt_no.startswith("PRV-")
    qtbot.waitUntil(lambda: main.status.queue_label.text() == "Queued: 1", timeout=TIMEOUT)
    assert server_payments(auth_server, code) == {}
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main, timeout=TIMEOUT)

    window = _open_training(qtbot, main)
    assert window.network_state.text() == "Network now: cut (connections refused)"
    press(qtbot, Qt.Key.Key_F6)  # Restore network
    qtbot.waitUntil(lambda: relay.state is NetworkState.CONNECTED, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: main.status.online_label.text() == "● Online", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.network_state.text() == "Network now: connected", timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main, timeout=TIMEOUT)

    main.actions_["day_end"].trigger()
    day_end = main.feature_pages.get(Feature.DAY_END)
    assert isinstance(day_end, DayEndPage) and main.stack.currentWidget() is day_end
    for sent in (1, 0):  # a second sync finds nothing left to send
        day_end.result = None
        day_end.sync.setFocus()
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: day_end.result is not None, timeout=TIMEOUT)
        assert day_end.result is not None and day_end.result.complete and day_end.result.done == sent
    qtbot.waitUntil(lambda: main.status.queue_label.text() == "Queued: 0", timeout=TIMEOUT)
    paid = server_payments(auth_server, code)
    assert len(paid) == 1
    assert_exactly_once(auth_server, code, {next(iter(paid)): bill.amount_paise}, FUNDS)


def test_only_a_demo_kiosk_has_the_training_switches(
    qtbot: QtBot, auth_server: ServerProcess, shell_on: Callable[..., Shell]
) -> None:
    shell = shell_on(auth_server)
    main = _sign_in(qtbot, shell, _ready_kiosk(auth_server, "RJ-JPR-0953"))
    assert "training" not in main.actions_
    main.setFocus()
    press(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert main.training is None


def test_a_demo_kiosk_without_the_relay_still_switches_faults(
    qtbot: QtBot, auth_server: ServerProcess, demo_core: Callable[..., Core], make_shell: Callable[..., Shell]
) -> None:
    core = demo_core(None, auth_server.url)
    assert core.training_network is None and core.demo_server_url == auth_server.url
    main = _sign_in(qtbot, make_shell(core), _ready_kiosk(auth_server, "RJ-JPR-0954"))
    window = _open_training(qtbot, main)
    assert window.network_note.text().startswith("The network switch works when the kiosk is started with")
    assert not window.cut.isEnabled() and not window.restore.isEnabled()
    press(qtbot, Qt.Key.Key_F7)  # nothing to cut, nothing happens
    assert window.network_state.text() == ""
    assert len(window.rows or []) == len(BILLERS)
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)
