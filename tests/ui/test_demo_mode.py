"""`python -m ui --demo` against a real server: the demo logins on the login window and the virtual printer."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from keyrings.alt.file import PlaintextKeyring
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from printing.connections import VirtualPrinterAddress, virtual_jobs
from printing.escpos_decode import decode, text_lines
from printing.spool_runner import PrintOutcome
from tests.printing.escpos_usb_sim import KEYBOARD, SimBackend, SimPrinter
from tests.support.auth import contacts, issue_password, latest_otp, new_kiosk, ready_token
from tests.support.server import ServerProcess
from tests.ui.conftest import press, type_text
from tests.ui.test_avail_service import _open_avail_service, _pick_jvvnl, _receipt_window, _wait_main
from tests.ui.test_printing_screens import NO_SERVER, _printer_tab
from ui.core import Core
from ui.demo_logins import DemoLogin, demo_logins
from ui.settings import Preferences, PreferencesFile
from ui.shell import Shell

TIMEOUT = 20_000
READY_PASSWORD = "a quiet kiosk by the fort"


@pytest.fixture
def demo_core(tmp_path: Path, kiosk_keyring: PlaintextKeyring) -> Iterator[Callable[[str], Core]]:
    """A demo kiosk PC without a printer setting, and only a keyboard on its USB bus."""
    made: list[Core] = []

    def make(server_url: str) -> Core:
        config = tmp_path / "pc"
        PreferencesFile(config).save(Preferences(server_url=server_url, language="en"))
        core = Core.open(
            config_dir=config,
            keyring_backend=kiosk_keyring,
            usb_backend=SimBackend(SimPrinter(), [KEYBOARD]),
            demo=True,
        )
        made.append(core)
        return core

    yield make
    for core in made:
        core.close()


def test_the_login_shows_the_demo_passwords_and_otps(
    qtbot: QtBot, auth_server: ServerProcess, demo_core: Callable[[str], Core], make_shell: Callable[..., Shell]
) -> None:
    sso_id, issued = new_kiosk(auth_server, "RJ-JPR-0901")
    shell = make_shell(demo_core(auth_server.url))
    panel = shell.sign_in.login.demo_panel
    assert panel is not None and panel.isVisible()
    qtbot.waitUntil(lambda: panel.logins is not None, timeout=TIMEOUT)  # read when the login showed
    assert f"SSO ID: {sso_id}   Password: {issued}   Latest OTP: —" in panel.logins_label.text()

    # A forgotten password: the OTP shows after Refresh, next to the kiosk's SSO ID.
    r = requests.post(auth_server.url + "/api/v1/auth/forgot-password", json={"sso_id": sso_id}, timeout=30)
    assert r.status_code == 202, r.text
    otp = latest_otp(auth_server, contacts("RJ-JPR-0901")[1])
    panel.refresh_button.click()
    qtbot.waitUntil(lambda: f"Latest OTP: {otp}" in panel.logins_label.text(), timeout=TIMEOUT)
    assert f"SSO ID: {sso_id}   Password: {issued}   Latest OTP: {otp}" in panel.logins_label.text()

    # A reset password replaces the first one; shown again when the login page comes back.
    reset = issue_password(auth_server, "RJ-JPR-0901")
    press(qtbot, Qt.Key.Key_F3)  # Forgot password … and back
    shell.sign_in.show_login()
    qtbot.waitUntil(lambda: f"Password: {reset}" in panel.logins_label.text(), timeout=TIMEOUT)


def test_only_the_demo_shows_the_panel(
    qtbot: QtBot, make_core: Callable[..., Core], make_shell: Callable[..., Shell]
) -> None:
    shell = make_shell(make_core(NO_SERVER))
    assert shell.sign_in.login.demo_panel is None
    assert shell.core.preferences.printer_address is None  # outside the demo nothing is chosen for the operator


def test_demo_logins_from_the_gateway_messages() -> None:
    password = (
        "eMitra: Dear A, District: Jaipur, Old eMitra ID: -, SSO Login ID: {sso}, Password: {pw} . "
        "Sign in and set a new password of at least 8 characters."
    )
    otp = "eMitra: {code} is your OTP to reset your password. It expires in 10 minutes. Never share it."
    messages = [  # newest first, as the server lists them
        {"kind": "otp", "to": "9000000002", "body": otp.format(code="222222")},
        {"kind": "otp", "to": "9000000001", "body": otp.format(code="111111")},
        {"kind": "otp", "to": "9000000001", "body": otp.format(code="000000")},
        {"kind": "first_password", "to": "b@example.in", "body": password.format(sso="SSO.B", pw="pw-b")},
        {"kind": "first_password", "to": "9000000001", "body": password.format(sso="SSO.A", pw="pw-a2")},
        {"kind": "first_password", "to": "9000000001", "body": password.format(sso="SSO.A", pw="pw-a1")},
    ]
    assert demo_logins(messages) == [
        DemoLogin("SSO.A", "pw-a2", "111111"),
        DemoLogin("SSO.B", "pw-b", None),
        DemoLogin("9000000002", None, "222222"),
    ]


def test_the_demo_test_print_goes_to_the_virtual_printer(
    qtbot: QtBot, demo_core: Callable[[str], Core], make_shell: Callable[..., Shell]
) -> None:
    core = demo_core(NO_SERVER)
    folder = core.virtual_printer_folder
    assert core.preferences.printer_address == VirtualPrinterAddress(str(folder))
    shell = make_shell(core)
    panel = shell.sign_in.login.demo_panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.error is not None, timeout=TIMEOUT)  # no server here: said, not a crash
    assert panel.logins_label.text().startswith("Could not read the demo messages:")
    dialog = _printer_tab(qtbot, shell)
    assert dialog.kind_combo.currentText() == "Virtual printer (demo)"
    assert str(folder) in dialog.virtual_note.text()
    press(qtbot, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: dialog.last_result is not None, timeout=TIMEOUT)
    assert dialog.last_result is not None and dialog.last_result.outcome is PrintOutcome.PRINTED
    jobs = virtual_jobs(folder)
    assert len(jobs) == 1 and "TEST PRINT" in text_lines(decode(jobs[0].read_bytes()))
    press(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: shell.settings is None, timeout=TIMEOUT)
    saved = core.preferences_file.load()
    assert (saved.printer_kind, saved.printer_virtual_folder) == ("virtual", str(folder))


def test_a_demo_payment_auto_prints_its_receipt_to_the_virtual_printer(
    qtbot: QtBot, auth_server: ServerProcess, demo_core: Callable[[str], Core], make_shell: Callable[..., Shell]
) -> None:
    code = "RJ-JPR-0902"
    ready_token(auth_server, code, READY_PASSWORD)
    assert auth_server.adjust(code, uuid.uuid4().hex, "credit", 50_000_00).status_code == 200
    core = demo_core(auth_server.url)
    shell = make_shell(core)
    type_text(qtbot, contacts(code)[0])
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, READY_PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    main = _wait_main(qtbot, shell)
    page = _open_avail_service(qtbot, main)
    _pick_jvvnl(qtbot, page, "bijli")
    type_text(qtbot, "210412345678")
    press(qtbot, Qt.Key.Key_Return)  # Get Bill Details
    qtbot.waitUntil(page.bill_view.isVisible, timeout=TIMEOUT)
    press(qtbot, Qt.Key.Key_F6)  # Add Bill For Payment
    type_text(qtbot, "9876543210")
    press(qtbot, Qt.Key.Key_Return)  # Pay By Wallet

    window = _receipt_window(qtbot, page)  # the preview
    qtbot.waitUntil(lambda: window.last_result is not None, timeout=TIMEOUT)  # auto-print
    assert window.last_result is not None and window.last_result.outcome is PrintOutcome.PRINTED
    jobs = virtual_jobs(core.virtual_printer_folder)
    assert len(jobs) == 1
    lines = text_lines(decode(jobs[0].read_bytes()))
    assert "PAYMENT RECEIPT" in lines and any(window.receipt.receipt_no in line for line in lines)
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)
