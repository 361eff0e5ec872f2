"""What every sign-in page shares: the page frame, password fields, and errors put beside their fields."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.errors import (
    KioskError,
)
from ui.core import Core
from ui.forms import Field, Message, Translated, explain, say

TITLE_STYLE = "font-size: 18pt; font-weight: bold;"


def password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def server_fields(exc: KioskError) -> set[str]:
    """Field names a refusal points at: the server's validation list, or kiosk_app's pre-send check."""
    names = {str(f.get("field", "")) for f in exc.details.get("fields", []) if isinstance(f, dict)}
    if "field" in exc.details:
        names.add(str(exc.details["field"]))
    return names


def field_message(exc: KioskError) -> Message:
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
