"""Sign-in through the real windows against a real server: first login, profile, OTP recoveries, keyboard only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk_app.errors import InvalidCredentials
from tests.support.auth import ShiftedClock, contacts, latest_otp, new_kiosk, ready_token
from tests.support.server import ServerProcess
from tests.ui.conftest import focused, press, type_text
from ui.core import Core
from ui.main_window import FEATURE_PAGES, Feature
from ui.shell import Shell
from ui.strings import CATALOGUE, Language, language_switch

NEW_PASSWORD = "camels rest near the stepwell"
READY_PASSWORD = "a quiet kiosk by the fort"  # tests.support.auth.ready_token's default
TIMEOUT = 15_000


def _wait_page(qtbot: QtBot, shell: Shell, page: object) -> None:
    qtbot.waitUntil(lambda: shell.sign_in.stack.currentWidget() is page, timeout=TIMEOUT)


def _wait_main(qtbot: QtBot, shell: Shell) -> None:
    qtbot.waitUntil(lambda: shell.main is not None and shell.main.isVisible(), timeout=TIMEOUT)


def test_first_login_forces_a_new_password_then_login_again_then_profile_then_the_balance(
    qtbot: QtBot, auth_server: ServerProcess, shell_on: Callable[..., Shell]
) -> None:
    sso_id, issued = new_kiosk(auth_server, "RJ-JPR-0301", credit_limit_paise=1_23_456_50)
    shell = shell_on(auth_server)
    login = shell.sign_in.login
    assert login.sso_id.editor.hasFocus()
    type_text(qtbot, sso_id)
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, issued)
    press(qtbot, Qt.Key.Key_Return)

    change = shell.sign_in.change
    _wait_page(qtbot, shell, change)
    assert change.new.editor.hasFocus()
    type_text(qtbot, "short1")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "short1")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: change.new.error.isVisible(), timeout=TIMEOUT)
    assert "8" in change.new.error.text()  # the server's rule, next to the new password
    change.new.line_edit.setFocus()
    change.new.line_edit.clear()
    type_text(qtbot, NEW_PASSWORD)
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "a different passphrase")  # the confirmation differs
    press(qtbot, Qt.Key.Key_Return)
    assert change.confirm.error.text() == CATALOGUE["change.mismatch"][0]
    assert change.confirm.editor.hasFocus()
    change.confirm.line_edit.clear()
    type_text(qtbot, NEW_PASSWORD)
    press(qtbot, Qt.Key.Key_Return)

    _wait_page(qtbot, shell, login)
    assert login.banner.text() == CATALOGUE["login.password_changed"][0]
    assert login.sso_id.text() == sso_id and login.password.text() == ""
    assert login.password.editor.hasFocus()
    type_text(qtbot, NEW_PASSWORD)
    press(qtbot, Qt.Key.Key_Return)

    profile = shell.sign_in.profile
    _wait_page(qtbot, shell, profile)
    qtbot.waitUntil(profile.submit.isEnabled, timeout=TIMEOUT)
    assert profile.registered["sso_id"].text() == sso_id
    assert profile.registered["mobile"].text() == contacts("RJ-JPR-0301")[1]
    assert profile.address.editor.hasFocus()
    type_text(qtbot, "Shop 4, Station Road, Malviya Nagar")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "02017")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: profile.pincode.error.isVisible(), timeout=TIMEOUT)
    assert profile.pincode.error.text() == CATALOGUE["profile.pincode_invalid"][0]
    profile.pincode.line_edit.selectAll()
    type_text(qtbot, "302017")
    press(qtbot, Qt.Key.Key_Return)  # not confirmed yet
    qtbot.waitUntil(lambda: profile.confirm.error.isVisible(), timeout=TIMEOUT)
    assert "confirm" in profile.confirm.error.text()
    assert profile.confirm_box.hasFocus()
    press(qtbot, Qt.Key.Key_Space)
    assert profile.confirm_box.isChecked()
    profile.pincode.editor.setFocus()
    press(qtbot, Qt.Key.Key_Return)

    _wait_main(qtbot, shell)
    main = shell.main
    assert main is not None and not shell.sign_in.isVisible()
    qtbot.waitUntil(lambda: main.status.balance_label.text() == "Spendable: ₹1,23,456.50", timeout=TIMEOUT)
    assert main.home.spendable.text() == "₹1,23,456.50"
    qtbot.waitUntil(lambda: main.status.online_label.text() == CATALOGUE["status.online"][0], timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "Test Holder" in main.home.welcome.text(), timeout=TIMEOUT)


def test_a_wrong_password_is_shown_next_to_the_field_in_hindi_and_follows_the_language(
    qtbot: QtBot, auth_server: ServerProcess, shell_on: Callable[..., Shell]
) -> None:
    sso_id, _issued = new_kiosk(auth_server, "RJ-JPR-0302")
    shell = shell_on(auth_server)
    language_switch().set_language(Language.HINDI)
    login = shell.sign_in.login
    assert login.title.text() == CATALOGUE["login.heading"][1]
    type_text(qtbot, sso_id)
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "not my password at all")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: login.password.error.isVisible(), timeout=TIMEOUT)
    assert login.password.error.text() == InvalidCredentials.hindi
    assert not login.sso_id.error.isVisible() and not login.banner.isVisible()
    assert login.password.editor.hasFocus()

    press(qtbot, Qt.Key.Key_F12)  # the operator switches to English: the error follows
    assert language_switch().language is Language.ENGLISH
    assert login.password.error.text() == "the SSO ID or password is wrong"
    assert login.title.text() == CATALOGUE["login.heading"][0]
    assert shell.core.preferences_file.load().language == "en"

    # An empty SSO ID is refused before anything is sent, next to its field.
    login.sso_id.line_edit.clear()
    login.sso_id.editor.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: login.sso_id.error.isVisible(), timeout=TIMEOUT)
    assert login.sso_id.error.text() == CATALOGUE["common.required"][0]


def test_forget_sso_id_by_otp_then_log_in_with_it(
    qtbot: QtBot, auth_server: ServerProcess, shell_on: Callable[..., Shell]
) -> None:
    code = "RJ-JPR-0303"
    sso_id, _ = new_kiosk(auth_server, code)
    _, mobile, _ = contacts(code)
    shell = shell_on(auth_server)
    press(qtbot, Qt.Key.Key_F2)
    page = shell.sign_in.forgot_sso
    _wait_page(qtbot, shell, page)
    assert page.first.editor.hasFocus()
    type_text(qtbot, "12345")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.first.error.isVisible(), timeout=TIMEOUT)  # not a mobile number
    page.first.line_edit.selectAll()
    type_text(qtbot, mobile)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.panel.isVisible() and page.panel.code.editor.hasFocus(), timeout=TIMEOUT)
    assert "5 minutes" in page.panel.sent_info.text() and "Resends left: 3" in page.panel.sent_info.text()
    assert not page.panel.resend.isEnabled() and "Resend OTP in" in page.panel.resend.text()
    assert "expires in 4:5" in page.panel.countdown.text() or "expires in 5:00" in page.panel.countdown.text()

    otp = latest_otp(auth_server, mobile)
    type_text(qtbot, "000000" if otp != "000000" else "111111")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.panel.code.error.isVisible(), timeout=TIMEOUT)
    assert "4" in page.panel.code.error.text()  # attempts left, next to the OTP

    page.panel.code.line_edit.selectAll()
    type_text(qtbot, otp)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.found.isVisible(), timeout=TIMEOUT)
    assert page.found.text() == f"Your SSO ID: {sso_id}"
    press(qtbot, Qt.Key.Key_F5)
    login = shell.sign_in.login
    _wait_page(qtbot, shell, login)
    assert login.sso_id.text() == sso_id and login.password.editor.hasFocus()


def test_forget_password_by_otp_with_expiry_then_log_in_with_the_new_one(
    qtbot: QtBot, auth_server: ServerProcess, auth_clock: ShiftedClock, shell_on: Callable[..., Shell]
) -> None:
    code = "RJ-JPR-0304"
    ready_token(auth_server, code)
    sso_id, mobile, _ = contacts(code)
    shell = shell_on(auth_server)
    type_text(qtbot, sso_id)
    press(qtbot, Qt.Key.Key_F3)
    page = shell.sign_in.forgot_password
    _wait_page(qtbot, shell, page)
    assert page.first.text() == sso_id and not page.reset.isEnabled()
    page.first.editor.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.panel.code.editor.hasFocus(), timeout=TIMEOUT)
    assert page.reset.isEnabled()
    first = latest_otp(auth_server, mobile)

    auth_clock.advance(minutes=5, seconds=1)  # the OTP runs out before it is used
    type_text(qtbot, first)
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "the new stepwell passphrase")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "the new stepwell passphrase")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.panel.code.error.isVisible(), timeout=TIMEOUT)
    assert page.panel.code.error.text() == CATALOGUE["otp.expired"][0]
    assert page.panel.code.editor.hasFocus()

    page.first.editor.setFocus()  # ask again
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: not page.panel.code.error.isVisible() and page.panel.code.editor.hasFocus(), timeout=TIMEOUT
    )
    type_text(qtbot, latest_otp(auth_server, mobile))
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "the new stepwell passphrase")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "the new stepwell passphrase")
    press(qtbot, Qt.Key.Key_Return)

    login = shell.sign_in.login
    _wait_page(qtbot, shell, login)
    assert login.banner.text() == CATALOGUE["login.password_reset"][0] and login.sso_id.text() == sso_id
    type_text(qtbot, READY_PASSWORD)  # the old password no longer works
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: login.password.error.isVisible(), timeout=TIMEOUT)
    login.password.line_edit.selectAll()
    type_text(qtbot, "the new stepwell passphrase")
    press(qtbot, Qt.Key.Key_Return)
    _wait_main(qtbot, shell)


def test_keyboard_only_login_lock_and_idle_lock(
    qtbot: QtBot, auth_server: ServerProcess, shell_on: Callable[..., Shell], monkeypatch: pytest.MonkeyPatch
) -> None:
    code = "RJ-JPR-0305"
    ready_token(auth_server, code, credit_limit_paise=5_000_00)
    sso_id = contacts(code)[0]
    shell = shell_on(auth_server)
    shell._idle_override = 1_500
    login = shell.sign_in.login
    # Tab order: SSO ID → password → remember → Login.
    assert focused() is login.sso_id.editor
    type_text(qtbot, sso_id)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is login.password.editor
    type_text(qtbot, READY_PASSWORD)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is login.remember
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is login.submit
    press(qtbot, Qt.Key.Key_Return)  # Enter on the focused Login button
    _wait_main(qtbot, shell)
    main = shell.main
    assert main is not None
    main.activateWindow()
    qtbot.waitUntil(lambda: main.status.balance_label.text() == "Spendable: ₹5,000.00", timeout=TIMEOUT)

    # F4 opens "Avail Service"; a menu entry not built yet says so without showing any data.
    qtbot.keyClick(main, Qt.Key.Key_F4)
    assert main.stack.currentWidget().objectName() == "avail_service"
    main.actions_["refill"].trigger()
    assert main.stack.currentWidget().objectName() == "refill"
    monkeypatch.delitem(FEATURE_PAGES, Feature.FUND_PAYOUT)  # as if its screen were not built yet
    main.actions_["fund_payout"].trigger()
    assert main.stack.currentWidget() is main.coming
    assert "Fund Payout" in main.coming.text.text() and "not available yet" in main.coming.text.text()
    main.coming.home.setFocus()
    press(qtbot, Qt.Key.Key_Escape)
    assert main.stack.currentWidget() is main.home

    # Ctrl+L locks the screen: the work stays behind it, and the password (checked on this PC) opens it again.
    main.actions_["refill"].trigger()
    working_on = main.stack.currentWidget()
    token = shell.core.account.api.token
    main.activateWindow()
    qtbot.keyClick(main, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: shell.lock_window is not None and not main.isVisible(), timeout=TIMEOUT)
    lock = shell.lock_window
    assert lock is not None and sso_id in lock.text.text()
    lock.activateWindow()
    qtbot.waitUntil(lock.password.editor.hasFocus, timeout=TIMEOUT)
    type_text(qtbot, "not my password")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lock.password.error.isVisible, timeout=TIMEOUT)
    assert "4 tries left" in lock.password.error.text() and not main.isVisible()
    type_text(qtbot, READY_PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.lock_window is None and main.isVisible(), timeout=TIMEOUT)
    assert shell.main is main and main.stack.currentWidget() is working_on
    assert shell.core.account.api.token == token  # the same session: nothing was signed out

    # Sign out (Ctrl+Shift+Q) goes back to the login, the SSO ID remembered.
    main.activateWindow()
    qtbot.keyClick(main, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: shell.main is None and shell.sign_in.isVisible(), timeout=TIMEOUT)
    _wait_page(qtbot, shell, login)
    qtbot.waitUntil(login.submit.isEnabled, timeout=TIMEOUT)  # the logout has reached the server
    assert shell.core.account.api.token is None
    assert login.sso_id.text() == sso_id
    shell.sign_in.activateWindow()
    login.password.editor.setFocus()
    type_text(qtbot, READY_PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    _wait_main(qtbot, shell)

    # Left alone, the kiosk locks itself.
    qtbot.waitUntil(lambda: shell.main is None, timeout=TIMEOUT)
    assert login.banner.text() == CATALOGUE["app.locked"][0].format(minutes=1)
    assert QApplication.activeModalWidget() is None


def test_settings_server_and_language_from_the_login_by_keyboard_then_log_in_to_the_new_server(
    qtbot: QtBot, auth_server: ServerProcess, make_core: Callable[..., Core], make_shell: Callable[..., Shell]
) -> None:
    code = "RJ-JPR-0851"
    ready_token(auth_server, code)
    core = make_core("http://127.0.0.1:9")  # a PC set up for an address where no server listens
    shell = make_shell(core)
    press(qtbot, Qt.Key.Key_F10)  # Settings from the login: the Server tab
    dialog = shell.settings
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=TIMEOUT)
    assert dialog.tabs.currentIndex() == 2 and focused() is not None
    dialog.server_url.editor.setFocus()
    edit = dialog.server_url.line_edit

    # A plain-http address of another computer, then something that is no address: refused beside the field.
    edit.selectAll()
    type_text(qtbot, "http://emitra-server.example")
    press(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert dialog.isVisible() and "needs https://" in dialog.server_url.error.text()
    language_switch().set_language(Language.HINDI)
    assert "https:// (एन्क्रिप्टेड) आवश्यक है" in dialog.server_url.error.text()
    language_switch().set_language(Language.ENGLISH)
    edit.selectAll()
    type_text(qtbot, "emitra server")
    press(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "as https://name" in dialog.server_url.error.text()
    assert core.preferences_file.load().server_url == "http://127.0.0.1:9"  # nothing saved yet

    # The real server's address, idle lock 7 minutes, and Hindi on the Language tab (Ctrl+Tab goes round).
    edit.selectAll()
    type_text(qtbot, auth_server.url + "/")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is dialog.idle.editor
    qtbot.keyClick(focused(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, "7")
    press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)  # Server → Printer
    press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)  # → Language
    assert dialog.tabs.currentIndex() == 1
    dialog.hindi.setFocus()
    press(qtbot, Qt.Key.Key_Space)
    assert dialog.hindi.isChecked()
    press(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: shell.settings is None, timeout=TIMEOUT)
    saved = core.preferences_file.load()
    assert (saved.server_url, saved.idle_lock_minutes, saved.language) == (auth_server.url, 7, "hi")
    assert core.server_url == auth_server.url and shell.idle_interval_ms == 7 * 60_000
    assert shell.sign_in.login.submit.text() == "लॉगिन (Enter)" and auth_server.url in shell.sign_in.server.text()

    # The login has the keys again, and now reaches that server.
    qtbot.waitUntil(lambda: QApplication.activeWindow() is shell.sign_in, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=TIMEOUT)
    shell.sign_in.login.sso_id.editor.setFocus()
    type_text(qtbot, contacts(code)[0])
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "a quiet kiosk by the fort")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.main is not None and shell.main.isVisible(), timeout=TIMEOUT)
