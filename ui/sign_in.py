"""The sign-in window: Login, the first-login password change, the profile page and OTP recovery of SSO ID/password.

Each page collects input, starts one kiosk_app.auth use-case through ui.ops.Op and shows the result; errors go
next to the field they belong to, in the operator's language.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.auth import Profile, SignedIn
from ui.core import Core
from ui.first_login import ChangePasswordPage, ProfilePage
from ui.forms import Message, Translated, say
from ui.login import LoginPage
from ui.recovery import ForgotPasswordPage, ForgotSsoIdPage
from ui.strings import t


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
        self.help_desk.setText(
            t("common.help_desk")
            + " — "
            + t("common.help_desk_lines", phones=", ".join(desk.phones), email=desk.email).replace("\n", " · ")
        )
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
