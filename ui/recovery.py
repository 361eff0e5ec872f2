"""Forgot SSO ID / Forgot Password: recovery by an OTP sent to the registered mobile or e-mail."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.auth import OtpSent
from kiosk_app.errors import (
    EnvironmentFault,
    InvalidContact,
    InvalidInput,
    KioskError,
    OtpAttemptsExhausted,
    OtpExpired,
    OtpInvalid,
    OtpRateLimited,
    OtpUsed,
    PasswordRejected,
)
from ui.core import Core
from ui.forms import explain, on_enter, say, shortcut
from ui.ops import Op
from ui.sign_in_page import Page, field_message, password_edit, server_fields
from ui.strings import t


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
        self.sent_info.setText(t("otp.sent", minutes=max(1, otp.expires_in_seconds // 60), resends=otp.resends_left))
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
        (
            Op(self.page, lambda: account.resend_otp(otp))
            .busy(self.resend)
            .success(self.start)
            .failure(self.on_resend_failed)
            .run()
        )

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
        elif isinstance(exc, KioskError) and server_fields(exc) & {"OTP", "otp"}:
            self.code.set_error(field_message(exc))
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
        (
            Op(self, lambda: self.request_otp(value))
            .busy(self.send)
            .success(self.on_otp_sent)
            .failure(self.on_send_failed)
            .run()
        )

    def on_otp_sent(self, otp: OtpSent) -> None:
        self.panel.start(otp)

    def on_send_failed(self, exc: Exception) -> None:
        if isinstance(exc, InvalidContact | OtpRateLimited) or (
            isinstance(exc, InvalidInput) and not isinstance(exc, EnvironmentFault)
        ):
            self.first.set_error(field_message(exc))
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
        (
            Op(self, lambda: account.confirm_sso_id(otp, code))
            .busy(self.verify)
            .success(self.on_ids_found)
            .failure(self.on_verify_failed)
            .run()
        )

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
        self.new = self.add_field("reset_new_password", "change.new", password_edit())
        self.confirm = self.add_field("reset_confirm_password", "change.confirm", password_edit())
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
        (
            Op(self, lambda: account.reset_password(otp, code, new))
            .busy(self.reset)
            .success(lambda _none: self.reset_done.emit(sso_id))
            .failure(self.on_reset_failed)
            .run()
        )

    def on_reset_failed(self, exc: Exception) -> None:
        if self.panel.show_error(exc):
            return
        if isinstance(exc, PasswordRejected) or (
            isinstance(exc, KioskError) and server_fields(exc) & {"new password", "new_password"}
        ):
            self.new.set_error(field_message(exc))
            self.new.editor.setFocus()
        else:
            self.show_problem(exc)


# -- the window ---------------------------------------------------------------------------------------------
