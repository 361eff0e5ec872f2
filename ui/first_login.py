"""The first login: the issued password changed for the operator's own, then the profile confirmed."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from kiosk_app.auth import Profile, ProfileUpdate
from kiosk_app.errors import (
    InvalidContact,
    InvalidInput,
    KioskError,
    PasswordRejected,
    ProfileNotConfirmed,
    SessionExpired,
    WrongCurrentPassword,
)
from ui.core import Core
from ui.forms import Field, Message, explain, on_enter, say
from ui.ops import Op
from ui.sign_in_page import Page, field_message, password_edit, server_fields


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
        self.new = self.add_field("new_password", "change.new", password_edit())
        self.confirm = self.add_field("confirm_password", "change.confirm", password_edit())
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
        (
            Op(self, lambda: account.change_password(current, new))
            .busy(self.submit)
            .success(lambda _none: self.changed.emit())
            .failure(self.on_change_failed)
            .run()
        )

    def on_change_failed(self, exc: Exception) -> None:
        if isinstance(exc, PasswordRejected | InvalidInput):
            self.new.set_error(field_message(exc))
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

    REGISTERED = (
        ("kiosk", "profile.kiosk"),
        ("holder", "profile.holder"),
        ("district", "profile.district"),
        ("old_id", "profile.old_id"),
        ("sso_id", "profile.sso_id"),
        ("mobile", "profile.mobile"),
        ("email", "profile.email"),
    )

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
        values = {
            "kiosk": f"{profile.kiosk_code} — {profile.kiosk_name}",
            "holder": profile.holder_name,
            "district": profile.district,
            "old_id": profile.old_emitra_id or "—",
            "sso_id": profile.sso_id,
            "mobile": profile.mobile,
            "email": profile.email,
        }
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
        update = ProfileUpdate(
            address=self.address.text(),
            pincode=self.pincode.text(),
            confirm=self.confirm_box.isChecked(),
            alternate_mobile=self.alternate.text().strip() or None,
        )
        account = self.core.account
        (
            Op(self, lambda: account.complete_profile(update))
            .busy(self.submit)
            .success(self.completed.emit)
            .failure(self.on_submit_failed)
            .run()
        )

    def on_submit_failed(self, exc: Exception) -> None:
        fields = server_fields(exc) if isinstance(exc, KioskError) else set()
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
