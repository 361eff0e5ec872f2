"""The sign-in window: Login, the first-login password change, the profile page and OTP recovery of SSO ID/password.

Each page collects input, starts one kiosk_app.auth use-case through ui.ops.Op and shows the result; errors go
next to the field they belong to, in the operator's language.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.api import API_PREFIX
from kiosk_app.auth import OtpSent, Profile, ProfileUpdate, SignedIn
from kiosk_app.errors import (
    EnvironmentFault,
    InvalidContact,
    InvalidCredentials,
    InvalidInput,
    KioskError,
    LoginThrottled,
    OtpAttemptsExhausted,
    OtpExpired,
    OtpInvalid,
    OtpRateLimited,
    OtpUsed,
    PasswordRejected,
    ProfileNotConfirmed,
    ServerFault,
    ServerUnreachable,
    SessionExpired,
    TooManyAttempts,
    WrongCurrentPassword,
)
from ui.core import DEMO_ADMIN_TOKEN, Core
from ui.forms import Field, Message, Translated, explain, on_enter, say, shortcut
from ui.ops import Op
from ui.strings import t

TITLE_STYLE = "font-size: 18pt; font-weight: bold;"


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def _server_fields(exc: KioskError) -> set[str]:
    """Field names a refusal points at: the server's validation list, or kiosk_app's pre-send check."""
    names = {str(f.get("field", "")) for f in exc.details.get("fields", []) if isinstance(f, dict)}
    if "field" in exc.details:
        names.add(str(exc.details["field"]))
    return names


def _field_message(exc: KioskError) -> Message:
    if exc.error_code == "missing_field":
        return say("common.required")
    return explain(exc)


class Page(QWidget):
    """A page of the sign-in window with a title, a banner and translated texts."""

    title_key = "app.title"

    def __init__(self, core: Core) -> None:
        super().__init__()
        self.core = core
        self.tr_ = Translated(self)
        self.title = QLabel()
        self.title.setObjectName("title")
        self.title.setStyleSheet(TITLE_STYLE)
        self.tr_.text(self.title.setText, self.title_key)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(self.title)
        self.layout_.addWidget(self.tr_.banner)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)

    @property
    def banner(self) -> QLabel:
        return self.tr_.banner

    def add_field(self, name: str, label_key: str, editor: QWidget) -> Field:
        f = self.tr_.field(name, label_key, editor)
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(editor)
        column.addWidget(f.error)
        self.form.addRow(f.label, column)
        return f

    def button(self, key: str, name: str, action: Callable[[], None]) -> QPushButton:
        b = QPushButton()
        b.setObjectName(name)
        b.setAutoDefault(True)  # Enter on a focused button presses it
        self.tr_.text(b.setText, key)
        b.clicked.connect(action)
        return b

    def show_problem(self, exc: Exception) -> None:
        self.tr_.banner.show_message(explain(exc), "error")


# -- demo mode: the demo server's logins ------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    """One line of the demo panel: a kiosk's SSO ID (or the address an OTP went to), password, latest OTP."""

    sso_id: str
    password: str | None
    otp: str | None


PASSWORD_MESSAGE = re.compile(r"SSO Login ID: (\S+), Password: (\S+) ")
OTP_MESSAGE = re.compile(r"\b(\d{6})\b is your OTP")


def demo_logins(messages: list[dict[str, Any]]) -> list[DemoLogin]:
    """The demo logins in the gateway's messages (newest first): each SSO ID's latest issued password and OTP."""
    sso_of: dict[str, str] = {}  # mobile / e-mail → SSO ID, from the password messages
    passwords: dict[str, str] = {}
    for message in messages:
        found = PASSWORD_MESSAGE.search(str(message.get("body", "")))
        if message.get("kind") in ("first_password", "reset_password") and found:
            sso_id, password = found.groups()
            sso_of.setdefault(str(message.get("to", "")), sso_id)
            passwords.setdefault(sso_id, password)
    otps: dict[str, str] = {}
    for message in messages:
        found = OTP_MESSAGE.search(str(message.get("body", "")))
        if message.get("kind") == "otp" and found:
            to = str(message.get("to", ""))
            otps.setdefault(sso_of.get(to, to), found.group(1))
    logins = [DemoLogin(sso_id, password, otps.get(sso_id)) for sso_id, password in reversed(passwords.items())]
    return logins + [DemoLogin(to, None, otp) for to, otp in otps.items() if to not in passwords]


def read_demo_logins(server_url: str, admin_token: str = DEMO_ADMIN_TOKEN) -> list[DemoLogin]:
    """Ask the demo server's administrator endpoint for the simulated SMS gateway's messages (blocking)."""
    import requests

    try:
        response = requests.get(server_url + API_PREFIX + "/admin/messages", params={"limit": 200},
                                headers={"X-Admin-Token": admin_token}, timeout=10)
    except requests.RequestException as exc:
        raise ServerUnreachable(f"The demo server at {server_url} did not answer: {exc}") from exc
    if response.status_code != 200:
        raise ServerFault(f"The demo server refused the messages request (HTTP {response.status_code}).",
                          status=response.status_code)
    try:
        return demo_logins(list(response.json()["messages"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ServerFault("The demo server's messages could not be read.") from exc


class DemoPanel(QFrame):
    """Demo mode only: the demo kiosks' SSO IDs, first passwords and latest OTPs, where the demo user sees them.

    Read off the GUI thread each time the login shows, and on Refresh.
    """

    def __init__(self, core: Core) -> None:
        super().__init__()
        self.core = core
        self.setObjectName("demo_panel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#demo_panel { background: #fff8e1; }")
        self.tr_ = Translated(self)
        title = QLabel()
        title.setStyleSheet("font-weight: bold;")
        self.tr_.text(title.setText, "demo.title")
        note = QLabel()
        note.setWordWrap(True)
        self.tr_.text(note.setText, "demo.note")
        self.logins_label = QLabel()
        self.logins_label.setObjectName("demo_logins")
        self.logins_label.setWordWrap(True)
        self.logins_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refresh_button = QPushButton()
        self.refresh_button.setObjectName("demo_refresh")
        self.refresh_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # not in the login's Tab order
        self.tr_.text(self.refresh_button.setText, "demo.refresh")
        self.refresh_button.clicked.connect(self.refresh)
        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch()
        header.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(note)
        layout.addWidget(self.logins_label)
        self.logins: list[DemoLogin] | None = None
        self.error: Exception | None = None
        self.tr_.dynamic(self.show_logins)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        if not self.refresh_button.isEnabled():
            return  # a read is already on its way
        url = self.core.demo_server_url  # straight to the demo server, even while training cuts the line
        (Op(self, lambda: read_demo_logins(url)).busy(self.refresh_button)
         .success(self.on_logins_read).failure(self.on_read_failed).run())

    def on_logins_read(self, logins: list[DemoLogin]) -> None:
        self.logins, self.error = logins, None
        self.show_logins()

    def on_read_failed(self, exc: Exception) -> None:
        self.error = exc
        self.show_logins()

    def show_logins(self) -> None:
        if self.error is not None:
            self.logins_label.setText(t("demo.failed", error=explain(self.error)()))
        elif self.logins is None:
            self.logins_label.setText(t("demo.loading"))
        elif not self.logins:
            self.logins_label.setText(t("demo.empty"))
        else:
            self.logins_label.setText("\n".join(
                t("demo.row", sso_id=login.sso_id, password=login.password, otp=login.otp or "—")
                if login.password is not None else t("demo.otp_row", to=login.sso_id, otp=login.otp or "—")
                for login in self.logins))


# -- Login -------------------------------------------------------------------------------------------------


class LoginPage(Page):
    title_key = "login.heading"
    signed_in = Signal(object, str)  # SignedIn, the password typed (the change page needs the issued one)
    forgot_sso_requested = Signal()
    forgot_password_requested = Signal()
    settings_requested = Signal()

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self.sso_id = self.add_field("sso_id", "login.sso_id", QLineEdit())
        self.password = self.add_field("password", "login.password", _password_edit())
        self.remember = QCheckBox()
        self.remember.setObjectName("remember")
        self.tr_.text(self.remember.setText, "login.remember")
        self.form.addRow("", self.remember)
        self.layout_.addLayout(self.form)
        self.submit = self.button("login.submit", "login", self.on_login_clicked)
        self.forgot_sso = self.button("login.forgot_sso", "forgot_sso", self.forgot_sso_requested.emit)
        self.forgot_password = self.button("login.forgot_password", "forgot_password",
                                           self.forgot_password_requested.emit)
        self.settings = self.button("login.settings", "settings", self.settings_requested.emit)
        row = QHBoxLayout()
        row.addWidget(self.submit)
        row.addStretch()
        self.layout_.addLayout(row)
        links = QHBoxLayout()
        for b in (self.forgot_sso, self.forgot_password, self.settings):
            b.setFlat(True)
            links.addWidget(b)
        links.addStretch()
        self.layout_.addLayout(links)
        self.demo_panel = DemoPanel(core) if core.demo else None
        if self.demo_panel is not None:
            self.layout_.addWidget(self.demo_panel)
        self.layout_.addStretch()
        on_enter(self.on_login_clicked, self.sso_id.line_edit, self.password.line_edit)
        shortcut(self, "F2", self.forgot_sso_requested.emit)
        shortcut(self, "F3", self.forgot_password_requested.emit)
        shortcut(self, "F10", self.settings_requested.emit)
        self.setTabOrder(self.sso_id.editor, self.password.editor)
        self.setTabOrder(self.password.editor, self.remember)
        self.setTabOrder(self.remember, self.submit)
        self.reset()

    def reset(self, sso_id: str | None = None, notice: Message | None = None, kind: str = "info") -> None:
        """Show the empty form (SSO ID remembered or given) with an optional notice."""
        self.tr_.clear_errors()
        remembered = sso_id or self.core.account.remembered_sso_id or ""
        self.sso_id.line_edit.setText(remembered)
        self.remember.setChecked(True)
        self.password.line_edit.clear()
        if notice is not None:
            self.tr_.banner.show_message(notice, kind)
        (self.password if remembered else self.sso_id).editor.setFocus()

    def on_login_clicked(self) -> None:
        if not self.submit.isEnabled():
            return
        self.tr_.clear_errors()
        account, local = self.core.account, self.core.local
        sso_id, password, remember = self.sso_id.text(), self.password.text(), self.remember.isChecked()

        def login() -> SignedIn:
            signed = account.login(sso_id, password, remember_sso_id=remember)
            if not remember:
                local.remember_sso_id(None)
            return signed

        (Op(self, login).busy(self.submit)
         .success(lambda signed: self.signed_in.emit(signed, password))
         .failure(self.on_login_failed).run())

    def on_login_failed(self, exc: Exception) -> None:
        fields = _server_fields(exc) if isinstance(exc, KioskError) else set()
        if fields & {"SSO ID", "sso_id"}:
            self.sso_id.set_error(_field_message(exc))  # type: ignore[arg-type]
            self.sso_id.editor.setFocus()
        elif isinstance(exc, InvalidCredentials | LoginThrottled | TooManyAttempts) or fields & {"password"}:
            self.password.set_error(_field_message(exc))  # type: ignore[arg-type]
            self.password.line_edit.selectAll()
            self.password.editor.setFocus()
        else:
            self.show_problem(exc)


# -- First login: set a new password ---------------------------------------------------------------------


class ChangePasswordPage(Page):
    title_key = "change.title"
    changed = Signal()
    session_lost = Signal()

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        intro = QLabel()
        intro.setWordWrap(True)
        self.tr_.text(intro.setText, "change.intro")
        self.layout_.addWidget(intro)
        self.new = self.add_field("new_password", "change.new", _password_edit())
        self.confirm = self.add_field("confirm_password", "change.confirm", _password_edit())
        self.layout_.addLayout(self.form)
        self.submit = self.button("change.submit", "change", self.on_change_clicked)
        self.layout_.addWidget(self.submit, alignment=Qt.AlignmentFlag.AlignLeft)
        self.layout_.addStretch()
        on_enter(self.on_change_clicked, self.new.line_edit, self.confirm.line_edit)
        self._current = ""

    def begin(self, current_password: str) -> None:
        self._current = current_password
        self.tr_.clear_errors()
        self.new.line_edit.clear()
        self.confirm.line_edit.clear()
        self.new.editor.setFocus()

    def on_change_clicked(self) -> None:
        if not self.submit.isEnabled():
            return
        self.tr_.clear_errors()
        new, again = self.new.text(), self.confirm.text()
        if not new:
            self.new.set_error(say("common.required"))
            return
        if new != again:
            self.confirm.set_error(say("change.mismatch"))
            self.confirm.line_edit.selectAll()
            self.confirm.editor.setFocus()
            return
        account, current = self.core.account, self._current
        (Op(self, lambda: account.change_password(current, new)).busy(self.submit)
         .success(lambda _none: self.changed.emit()).failure(self.on_change_failed).run())

    def on_change_failed(self, exc: Exception) -> None:
        if isinstance(exc, PasswordRejected | InvalidInput):
            self.new.set_error(_field_message(exc))
            self.new.line_edit.selectAll()
            self.new.editor.setFocus()
        elif isinstance(exc, SessionExpired | WrongCurrentPassword):
            self.session_lost.emit()
        else:
            self.show_problem(exc)


# -- Profile ----------------------------------------------------------------------------------------------


class ProfilePage(Page):
    title_key = "profile.title"
    completed = Signal(object)  # Profile

    REGISTERED = (("kiosk", "profile.kiosk"), ("holder", "profile.holder"), ("district", "profile.district"),
                  ("old_id", "profile.old_id"), ("sso_id", "profile.sso_id"), ("mobile", "profile.mobile"),
                  ("email", "profile.email"))

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        intro = QLabel()
        intro.setWordWrap(True)
        self.tr_.text(intro.setText, "profile.intro")
        self.layout_.addWidget(intro)
        registered = QFormLayout()
        self.registered: dict[str, QLabel] = {}
        for name, key in self.REGISTERED:
            label, value = QLabel(), QLabel()
            value.setObjectName(f"registered_{name}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.tr_.text(label.setText, key)
            registered.addRow(label, value)
            self.registered[name] = value
        self.layout_.addLayout(registered)
        self.address = self.add_field("address", "profile.address", QLineEdit())
        self.pincode = self.add_field("pincode", "profile.pincode", QLineEdit())
        self.pincode.line_edit.setMaxLength(6)
        self.alternate = self.add_field("alternate_mobile", "profile.alternate", QLineEdit())
        self.confirm_box = QCheckBox()
        self.confirm = self.tr_.field("confirm", "profile.confirm", self.confirm_box)
        self.tr_.text(self.confirm_box.setText, "profile.confirm")
        column = QVBoxLayout()
        column.addWidget(self.confirm_box)
        column.addWidget(self.confirm.error)
        self.form.addRow("", column)
        self.layout_.addLayout(self.form)
        self.submit = self.button("profile.submit", "submit_profile", self.on_submit_clicked)
        self.layout_.addWidget(self.submit, alignment=Qt.AlignmentFlag.AlignLeft)
        self.layout_.addStretch()
        on_enter(self.on_submit_clicked, self.address.line_edit, self.pincode.line_edit, self.alternate.line_edit)
        self.profile: Profile | None = None

    def begin(self) -> None:
        self.tr_.clear_errors()
        self.tr_.banner.show_message(say("profile.loading"))
        self.submit.setEnabled(False)
        Op(self, self.core.account.profile).success(self.on_profile_loaded).failure(self.show_problem).run()

    def show_profile(self, profile: Profile) -> None:
        self.profile = profile
        values = {"kiosk": f"{profile.kiosk_code} — {profile.kiosk_name}", "holder": profile.holder_name,
                  "district": profile.district, "old_id": profile.old_emitra_id or "—", "sso_id": profile.sso_id,
                  "mobile": profile.mobile, "email": profile.email}
        for name, value in values.items():
            self.registered[name].setText(value)
        self.address.line_edit.setText(profile.address or "")
        self.pincode.line_edit.setText(profile.pincode or "")
        self.alternate.line_edit.setText(profile.alternate_mobile or "")
        self.confirm_box.setChecked(False)

    def on_profile_loaded(self, profile: Profile) -> None:
        self.tr_.banner.show_message(None)
        self.show_profile(profile)
        self.submit.setEnabled(True)
        self.address.editor.setFocus()

    def on_submit_clicked(self) -> None:
        if not self.submit.isEnabled():
            return
        self.tr_.clear_errors()
        update = ProfileUpdate(address=self.address.text(), pincode=self.pincode.text(),
                               confirm=self.confirm_box.isChecked(),
                               alternate_mobile=self.alternate.text().strip() or None)
        account = self.core.account
        (Op(self, lambda: account.complete_profile(update)).busy(self.submit)
         .success(self.completed.emit).failure(self.on_submit_failed).run())

    def on_submit_failed(self, exc: Exception) -> None:
        fields = _server_fields(exc) if isinstance(exc, KioskError) else set()
        target: Field | None = None
        message: Message = explain(exc)
        if isinstance(exc, ProfileNotConfirmed):
            target = self.confirm
        elif isinstance(exc, InvalidContact):
            target = self.alternate
        elif "pincode" in fields:
            target, message = self.pincode, say("profile.pincode_invalid")
        elif "address" in fields:
            target, message = self.address, say("profile.address_short")
        if target is None:
            self.show_problem(exc)
            return
        target.set_error(message)
        target.editor.setFocus()


# -- OTP recovery -----------------------------------------------------------------------------------------


class OtpPanel(QWidget):
    """The OTP box shared by both recoveries: the code, Resend (after its wait), expiry and attempts messages."""

    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page
        self.otp: OtpSent | None = None
        self._sent_at = 0.0
        self.sent_info = QLabel()
        self.sent_info.setObjectName("otp_sent")
        self.sent_info.setWordWrap(True)
        self.countdown = QLabel()
        self.countdown.setObjectName("otp_countdown")
        self.resend = QPushButton()
        self.resend.setObjectName("resend_otp")
        self.resend.setAutoDefault(True)
        self.resend.clicked.connect(self.on_resend_clicked)
        self.code = page.tr_.field("otp", "otp.code", QLineEdit())
        self.code.line_edit.setMaxLength(16)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.on_timer_timeout)
        shortcut(page, "F4", self.on_resend_clicked)
        page.tr_.dynamic(self.refresh)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.sent_info)
        code_row = QHBoxLayout()
        code_row.addWidget(self.code.label)
        code_row.addWidget(self.code.editor, 1)
        layout.addLayout(code_row)
        layout.addWidget(self.code.error)
        row = QHBoxLayout()
        row.addWidget(self.countdown)
        row.addStretch()
        row.addWidget(self.resend)
        layout.addLayout(row)
        self.clear()

    def clear(self) -> None:
        self.otp = None
        self.timer.stop()
        self.code.line_edit.clear()
        self.code.set_error(None)
        self.setVisible(False)

    def start(self, otp: OtpSent) -> None:
        self.otp = otp
        self._sent_at = time.monotonic()
        self.setVisible(True)
        self.code.line_edit.clear()
        self.code.set_error(None)
        self.timer.start()
        self.refresh()
        self.code.editor.setFocus()

    def seconds_since_sent(self) -> float:
        return time.monotonic() - self._sent_at

    def refresh(self) -> None:
        otp = self.otp
        if otp is None:
            self.sent_info.clear()
            self.countdown.clear()
            self.resend.setText(t("otp.resend"))
            return
        self.sent_info.setText(t("otp.sent", minutes=max(1, otp.expires_in_seconds // 60),
                                 resends=otp.resends_left))
        elapsed = self.seconds_since_sent()
        left = int(otp.expires_in_seconds - elapsed)
        if left > 0:
            self.countdown.setText(t("otp.expires_in", time=f"{left // 60}:{left % 60:02d}"))
        else:
            self.countdown.setText(t("otp.expired"))
        wait = int(otp.resend_after_seconds - elapsed + 0.999)
        if otp.resends_left <= 0:
            self.resend.setText(t("otp.no_resends"))
            self.resend.setEnabled(False)
        elif wait > 0:
            self.resend.setText(t("otp.resend_in", seconds=wait))
            self.resend.setEnabled(False)
        else:
            self.resend.setText(t("otp.resend"))
            self.resend.setEnabled(True)

    def on_timer_timeout(self) -> None:
        self.refresh()

    def on_resend_clicked(self) -> None:
        otp = self.otp
        if otp is None or not self.resend.isEnabled():
            return
        account = self.page.core.account
        (Op(self.page, lambda: account.resend_otp(otp)).busy(self.resend)
         .success(self.start).failure(self.on_resend_failed).run())

    def on_resend_failed(self, exc: Exception) -> None:
        if not self.show_error(exc):
            self.page.show_problem(exc)

    def show_error(self, exc: Exception) -> bool:
        """Put an OTP refusal next to the code; False when the error is not about the OTP."""
        if isinstance(exc, OtpExpired):
            self.code.set_error(say("otp.expired"))
        elif isinstance(exc, OtpInvalid) and exc.attempts_left > 0:
            self.code.set_error(say("otp.wrong", left=exc.attempts_left))
        elif isinstance(exc, OtpInvalid | OtpUsed | OtpAttemptsExhausted | OtpRateLimited):
            self.code.set_error(explain(exc))
        elif isinstance(exc, KioskError) and _server_fields(exc) & {"OTP", "otp"}:
            self.code.set_error(_field_message(exc))
        else:
            return False
        self.code.line_edit.selectAll()
        self.code.editor.setFocus()
        return True


class RecoveryPage(Page):
    """Common to both recoveries: the first field, Send OTP, the OTP panel, Back."""

    back = Signal()
    intro_key = ""
    first_key = ""
    first_name = ""

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        intro = QLabel()
        intro.setWordWrap(True)
        self.tr_.text(intro.setText, self.intro_key)
        self.layout_.addWidget(intro)
        self.first = self.add_field(self.first_name, self.first_key, QLineEdit())
        self.send = self.button("otp.send", "send_otp", self.on_send_clicked)
        self.form.addRow("", self.send)
        self.panel = OtpPanel(self)
        self.form.addRow("", self.panel)
        self.layout_.addLayout(self.form)
        self.back_button = self.button("common.back", "back", self.back.emit)
        self.back_button.setFlat(True)
        on_enter(self.on_send_clicked, self.first.line_edit)
        shortcut(self, "Esc", self.back.emit)

    def begin(self, first_value: str = "") -> None:
        self.tr_.clear_errors()
        self.panel.clear()
        self.first.line_edit.setText(first_value)
        self.first.editor.setFocus()

    def request_otp(self, value: str) -> OtpSent:
        raise NotImplementedError

    def on_send_clicked(self) -> None:
        if not self.send.isEnabled():
            return
        self.tr_.clear_errors()
        value = self.first.text()
        (Op(self, lambda: self.request_otp(value)).busy(self.send)
         .success(self.on_otp_sent).failure(self.on_send_failed).run())

    def on_otp_sent(self, otp: OtpSent) -> None:
        self.panel.start(otp)

    def on_send_failed(self, exc: Exception) -> None:
        if isinstance(exc, InvalidContact | OtpRateLimited) or (
                isinstance(exc, InvalidInput) and not isinstance(exc, EnvironmentFault)):
            self.first.set_error(_field_message(exc))
            self.first.editor.setFocus()
        else:
            self.show_problem(exc)


class ForgotSsoIdPage(RecoveryPage):
    title_key = "forgot_sso.title"
    intro_key = "forgot_sso.intro"
    first_key = "forgot_sso.contact"
    first_name = "contact"
    use_sso_id = Signal(str)

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self.verify = self.button("forgot_sso.verify", "verify_otp", self.on_verify_clicked)
        self.form.addRow("", self.verify)
        self.found = QLabel()
        self.found.setObjectName("found_sso_ids")
        self.found.setWordWrap(True)
        self.found.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choice = QComboBox()
        self.choice.setObjectName("sso_id_choice")
        self.use = self.button("forgot_sso.use", "use_sso_id", self.on_use_clicked)
        self.layout_.addWidget(self.found)
        self.layout_.addWidget(self.choice)
        self.layout_.addWidget(self.use, alignment=Qt.AlignmentFlag.AlignLeft)
        self.layout_.addStretch()
        self.layout_.addWidget(self.back_button, alignment=Qt.AlignmentFlag.AlignLeft)
        on_enter(self.on_verify_clicked, self.panel.code.line_edit)
        shortcut(self, "F5", self.on_use_clicked)
        self.ids: list[str] | None = None
        self.tr_.dynamic(self.show_found)

    def begin(self, first_value: str = "") -> None:
        super().begin(first_value)
        self.ids = None
        self.show_found()

    def request_otp(self, value: str) -> OtpSent:
        return self.core.account.forgot_sso_id(value)

    def on_verify_clicked(self) -> None:
        otp = self.panel.otp
        if otp is None or not self.verify.isEnabled():
            return
        self.tr_.clear_errors()
        account, code = self.core.account, self.panel.code.text()
        (Op(self, lambda: account.confirm_sso_id(otp, code)).busy(self.verify)
         .success(self.on_ids_found).failure(self.on_verify_failed).run())

    def on_verify_failed(self, exc: Exception) -> None:
        if not self.panel.show_error(exc):
            self.show_problem(exc)

    def on_ids_found(self, ids: list[str]) -> None:
        self.ids = ids
        self.panel.timer.stop()
        self.show_found()
        (self.use if ids else self.first.editor).setFocus()

    def show_found(self) -> None:
        ids = self.ids
        self.found.setVisible(ids is not None)
        self.choice.setVisible(bool(ids) and len(ids or []) > 1)
        self.use.setVisible(bool(ids))
        if ids is None:
            self.choice.clear()
            return
        self.found.setText(t("forgot_sso.found", ids=", ".join(ids)) if ids else t("forgot_sso.none"))
        if self.choice.count() != len(ids):
            self.choice.clear()
            self.choice.addItems(ids)

    def on_use_clicked(self) -> None:
        if self.ids:
            self.use_sso_id.emit(self.choice.currentText() or self.ids[0])


class ForgotPasswordPage(RecoveryPage):
    title_key = "forgot_password.title"
    intro_key = "forgot_password.intro"
    first_key = "login.sso_id"
    first_name = "recover_sso_id"
    reset_done = Signal(str)  # the SSO ID

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self.new = self.add_field("reset_new_password", "change.new", _password_edit())
        self.confirm = self.add_field("reset_confirm_password", "change.confirm", _password_edit())
        self.reset = self.button("forgot_password.submit", "reset_password", self.on_reset_clicked)
        self.form.addRow("", self.reset)
        self.layout_.addStretch()
        self.layout_.addWidget(self.back_button, alignment=Qt.AlignmentFlag.AlignLeft)
        on_enter(self.on_reset_clicked, self.panel.code.line_edit, self.new.line_edit, self.confirm.line_edit)
        self._show_reset(False)

    def _show_reset(self, on: bool) -> None:
        for f in (self.new, self.confirm):
            f.editor.setEnabled(on)
        self.reset.setEnabled(on)

    def begin(self, first_value: str = "") -> None:
        super().begin(first_value)
        self.new.line_edit.clear()
        self.confirm.line_edit.clear()
        self._show_reset(False)

    def request_otp(self, value: str) -> OtpSent:
        return self.core.account.forgot_password(value)

    def on_otp_sent(self, otp: OtpSent) -> None:
        self._show_reset(True)
        super().on_otp_sent(otp)

    def on_reset_clicked(self) -> None:
        otp = self.panel.otp
        if otp is None or not self.reset.isEnabled():
            return
        self.tr_.clear_errors()
        code, new, again = self.panel.code.text(), self.new.text(), self.confirm.text()
        if not code.strip():
            self.panel.code.set_error(say("common.required"))
            self.panel.code.editor.setFocus()
            return
        if not new:
            self.new.set_error(say("common.required"))
            self.new.editor.setFocus()
            return
        if new != again:
            self.confirm.set_error(say("change.mismatch"))
            self.confirm.editor.setFocus()
            return
        account, sso_id = self.core.account, self.first.text().strip()
        (Op(self, lambda: account.reset_password(otp, code, new)).busy(self.reset)
         .success(lambda _none: self.reset_done.emit(sso_id)).failure(self.on_reset_failed).run())

    def on_reset_failed(self, exc: Exception) -> None:
        if self.panel.show_error(exc):
            return
        if isinstance(exc, PasswordRejected) or (isinstance(exc, KioskError) and _server_fields(exc) & {
                "new password", "new_password"}):
            self.new.set_error(_field_message(exc))
            self.new.editor.setFocus()
        else:
            self.show_problem(exc)


# -- the window ---------------------------------------------------------------------------------------------


class SignInWindow(QWidget):
    """Login and everything before the services open; emits `ready` once the account may use services."""

    ready = Signal(object)  # SignedIn
    settings_requested = Signal()
    language_toggled = Signal()

    def __init__(self, core: Core) -> None:
        super().__init__()
        self.core = core
        self.setObjectName("sign_in_window")
        self.tr_ = Translated(self)
        self.tr_.text(self.setWindowTitle, "login.title")
        self.stack = QStackedWidget()
        self.login = LoginPage(core)
        self.change = ChangePasswordPage(core)
        self.profile = ProfilePage(core)
        self.forgot_sso = ForgotSsoIdPage(core)
        self.forgot_password = ForgotPasswordPage(core)
        for page in (self.login, self.change, self.profile, self.forgot_sso, self.forgot_password):
            self.stack.addWidget(page)
        self.language = QPushButton()
        self.language.setObjectName("language_toggle")
        self.language.setFlat(True)
        self.language.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # F12 is the keyboard way; Tab skips it
        self.tr_.text(self.language.setText, "common.language_toggle")
        self.language.clicked.connect(self.language_toggled.emit)
        self.help_desk = QLabel()
        self.help_desk.setObjectName("help_desk")
        self.help_desk.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.server = QLabel()
        self.server.setObjectName("server_address")
        self.tr_.dynamic(self.show_footer)
        header = QHBoxLayout()
        brand = QLabel()
        brand.setStyleSheet("font-size: 20pt; font-weight: bold; color: #0b5394;")
        self.tr_.text(brand.setText, "app.title")
        header.addWidget(brand)
        header.addStretch()
        header.addWidget(self.language)
        footer = QVBoxLayout()
        footer.addWidget(self.help_desk)
        footer.addWidget(self.server)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.stack, 1)
        layout.addLayout(footer)
        self.resize(720, 620)

        self.login.signed_in.connect(self.on_login_signed_in)
        self.login.forgot_sso_requested.connect(self.on_forgot_sso_requested)
        self.login.forgot_password_requested.connect(self.on_forgot_password_requested)
        self.login.settings_requested.connect(self.settings_requested.emit)
        self.change.changed.connect(self.on_change_changed)
        self.change.session_lost.connect(self.on_session_lost)
        self.profile.completed.connect(self.on_profile_completed)
        self.forgot_sso.back.connect(self.show_login)
        self.forgot_sso.use_sso_id.connect(self.on_forgot_sso_use_sso_id)
        self.forgot_password.back.connect(self.show_login)
        self.forgot_password.reset_done.connect(self.on_forgot_password_reset_done)
        self.signed: SignedIn | None = None

    def show_footer(self) -> None:
        desk = self.core.help_desk
        self.help_desk.setText(t("common.help_desk") + " — " + t(
            "common.help_desk_lines", phones=", ".join(desk.phones), email=desk.email).replace("\n", " · "))
        self.server.setText(t("login.server", url=self.core.server_url))

    def show_login(self, sso_id: str | None = None, notice: Message | None = None, kind: str = "info") -> None:
        self.show_footer()
        self.login.reset(sso_id, notice, kind)
        self.stack.setCurrentWidget(self.login)
        self.login.reset(sso_id, notice, kind)  # focus again now that the page is visible

    def on_login_signed_in(self, signed: SignedIn, password: str) -> None:
        self.signed = signed
        if signed.next_step == "change_password":
            self.stack.setCurrentWidget(self.change)
            self.change.begin(password)
        elif signed.next_step == "complete_profile":
            self.stack.setCurrentWidget(self.profile)
            self.profile.begin()
        else:
            self.ready.emit(signed)

    def on_change_changed(self) -> None:
        self.show_login(self.signed.sso_id if self.signed else None, say("login.password_changed"))

    def on_session_lost(self) -> None:
        self.show_login(None, say("app.session_ended"), "error")

    def on_profile_completed(self, _profile: Profile) -> None:
        assert self.signed is not None
        self.ready.emit(self.signed)

    def on_forgot_sso_requested(self) -> None:
        self.stack.setCurrentWidget(self.forgot_sso)
        self.forgot_sso.begin()

    def on_forgot_password_requested(self) -> None:
        self.stack.setCurrentWidget(self.forgot_password)
        self.forgot_password.begin(self.login.sso_id.text())

    def on_forgot_sso_use_sso_id(self, sso_id: str) -> None:
        self.show_login(sso_id)

    def on_forgot_password_reset_done(self, sso_id: str) -> None:
        self.show_login(sso_id, say("login.password_reset"))
