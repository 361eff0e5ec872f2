"""Login: SSO ID and password, with the ways out when either is forgotten."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
)

from kiosk_app.auth import SignedIn
from kiosk_app.errors import (
    InvalidCredentials,
    KioskError,
    LoginThrottled,
    TooManyAttempts,
)
from ui.core import Core
from ui.demo_logins import DemoPanel
from ui.forms import Message, on_enter, shortcut
from ui.ops import Op
from ui.sign_in_page import Page, field_message, password_edit, server_fields


class LoginPage(Page):
    title_key = "login.heading"
    signed_in = Signal(object, str)  # SignedIn, the password typed (the change page needs the issued one)
    forgot_sso_requested = Signal()
    forgot_password_requested = Signal()
    settings_requested = Signal()

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self.sso_id = self.add_field("sso_id", "login.sso_id", QLineEdit())
        self.password = self.add_field("password", "login.password", password_edit())
        self.remember = QCheckBox()
        self.remember.setObjectName("remember")
        self.tr_.text(self.remember.setText, "login.remember")
        self.form.addRow("", self.remember)
        self.layout_.addLayout(self.form)
        self.submit = self.button("login.submit", "login", self.on_login_clicked)
        self.forgot_sso = self.button("login.forgot_sso", "forgot_sso", self.forgot_sso_requested.emit)
        self.forgot_password = self.button(
            "login.forgot_password", "forgot_password", self.forgot_password_requested.emit
        )
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

        (
            Op(self, login)
            .busy(self.submit)
            .success(lambda signed: self.signed_in.emit(signed, password))
            .failure(self.on_login_failed)
            .run()
        )

    def on_login_failed(self, exc: Exception) -> None:
        fields = server_fields(exc) if isinstance(exc, KioskError) else set()
        if fields & {"SSO ID", "sso_id"}:
            self.sso_id.set_error(field_message(exc))  # type: ignore[arg-type]
            self.sso_id.editor.setFocus()
        elif isinstance(exc, InvalidCredentials | LoginThrottled | TooManyAttempts) or fields & {"password"}:
            self.password.set_error(field_message(exc))  # type: ignore[arg-type]
            self.password.line_edit.selectAll()
            self.password.editor.setFocus()
        else:
            self.show_problem(exc)


# -- First login: set a new password ---------------------------------------------------------------------
