"""The locked screen (Ctrl+L): the work stays as it was behind it; the operator's password opens it again.

Locking is not signing out: the session, the customer's form and the queue stay. The password is checked on
this PC against the one typed at sign-in (kiosk_app.auth.LockKey), so it unlocks offline too; after
`MAX_TRIES` wrong passwords the kiosk signs out.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk_app.errors import NotSignedIn, SessionExpired
from ui.core import Core
from ui.forms import Translated, error_text, on_enter, say, shortcut
from ui.ops import Op
from ui.sign_in_page import password_edit

MAX_TRIES = 5


class LockWindow(QWidget):
    unlocked = Signal()
    sign_out_requested = Signal()

    def __init__(self, core: Core, sso_id: str, kiosk_code: str) -> None:
        super().__init__()
        self.core = core
        self.setObjectName("lock_window")
        self.tr_ = tr_ = Translated(self)
        tr_.text(self.setWindowTitle, "lock.window_title", kiosk=kiosk_code)
        title = QLabel()
        title.setObjectName("lock_title")
        title.setStyleSheet("font-size: 18pt; font-weight: bold;")
        tr_.text(title.setText, "lock.title")
        self.text = QLabel()
        self.text.setObjectName("lock_text")
        self.text.setWordWrap(True)
        tr_.text(self.text.setText, "lock.text", sso_id=sso_id, kiosk=kiosk_code)
        self.password = tr_.field("lock_password", "lock.password", password_edit())
        self.unlock = QPushButton()
        self.unlock.setObjectName("unlock")
        self.unlock.setDefault(True)
        tr_.text(self.unlock.setText, "lock.unlock")
        self.unlock.clicked.connect(self.on_unlock_clicked)
        self.sign_out = QPushButton()
        self.sign_out.setObjectName("lock_sign_out")
        tr_.text(self.sign_out.setText, "lock.sign_out")
        self.sign_out.clicked.connect(self.sign_out_requested.emit)
        row = QHBoxLayout()
        row.addWidget(self.unlock)
        row.addStretch()
        row.addWidget(self.sign_out)
        layout = QVBoxLayout(self)
        layout.addStretch()
        layout.addWidget(title, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.text)
        layout.addWidget(tr_.banner)
        layout.addWidget(self.password.label)
        layout.addWidget(self.password.editor)
        layout.addWidget(self.password.error)
        layout.addLayout(row)
        layout.addStretch()
        on_enter(self.on_unlock_clicked, self.password.line_edit)
        shortcut(self, "Ctrl+Shift+Q", self.sign_out_requested.emit)
        self.wrong = 0
        self.resize(520, 360)

    def showEvent(self, event: object) -> None:  # Qt override
        self.password.line_edit.setFocus()

    def on_unlock_clicked(self) -> None:
        password = self.password.text()
        if not password or not self.unlock.isEnabled():
            self.password.set_error(say("common.required"))
            return
        account = self.core.account
        (
            Op(self, lambda: account.unlock(password))
            .busy(self.unlock)
            .success(self.on_checked)
            .failure(self.on_failed)
            .run()
        )

    def on_checked(self, opens: bool) -> None:
        self.password.line_edit.clear()
        if opens:
            self.password.set_error(None)
            self.unlocked.emit()
            return
        self.wrong += 1
        if self.wrong >= MAX_TRIES:
            self.sign_out_requested.emit()
            return
        self.password.set_error(say("lock.wrong", left=MAX_TRIES - self.wrong))
        self.password.line_edit.setFocus()

    def on_failed(self, exc: Exception) -> None:
        if isinstance(exc, SessionExpired | NotSignedIn):
            self.sign_out_requested.emit()
            return
        self.password.set_error(lambda: error_text(exc))
        self.password.line_edit.setFocus()
