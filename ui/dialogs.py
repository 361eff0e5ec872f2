"""The message service: every message box of the kiosk goes through it, so tests can replace it (Picard's pattern)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from PySide6.QtWidgets import QMessageBox, QWidget


class MessageService(Protocol):
    def inform(self, parent: QWidget | None, title: str, text: str) -> None:
        """A plain notice."""

    def problem(self, parent: QWidget | None, title: str, text: str) -> None:
        """The environment's fault (server down, printer unplugged): what happened and what to do."""

    def crash(self, parent: QWidget | None, title: str, text: str, details: str) -> None:
        """Our bug: an apology, where the log is, and the traceback under "Show Details"."""

    def ask(self, parent: QWidget | None, title: str, text: str) -> bool:
        """A yes/no question; True for yes."""

    def confirm(self, parent: QWidget | None, title: str, text: str, go: str, back: str) -> bool:
        """Confirm an action (`go`) or go back (`back`); Enter confirms, Esc goes back. True to go ahead."""


def confirm_box(parent: QWidget | None, title: str, text: str, go: str, back: str) -> QMessageBox:
    """The confirmation's box: `go` is the default button (Enter), `back` the escape button (Esc)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
    go_button = box.addButton(go, QMessageBox.ButtonRole.AcceptRole)
    back_button = box.addButton(back, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(go_button)
    box.setEscapeButton(back_button)
    return box


class QtMessages:
    """Real message boxes; Enter accepts, Esc closes."""

    def inform(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.information(parent, title, text)

    def problem(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.warning(parent, title, text)

    def crash(self, parent: QWidget | None, title: str, text: str, details: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, parent)
        box.setDetailedText(details)
        box.exec()

    def ask(self, parent: QWidget | None, title: str, text: str) -> bool:
        answer = QMessageBox.question(parent, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def confirm(self, parent: QWidget | None, title: str, text: str, go: str, back: str) -> bool:
        box = confirm_box(parent, title, text, go, back)
        box.exec()
        return box.clickedButton() is box.defaultButton()


@dataclass
class RecordedMessages:
    """Keeps the messages instead of showing them (tests, screenshots); `answer` is what `ask` returns."""

    answer: bool = True
    shown: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, title, text)
    details: list[str] = field(default_factory=list)

    def inform(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(("inform", title, text))

    def problem(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(("problem", title, text))

    def crash(self, parent: QWidget | None, title: str, text: str, details: str) -> None:
        self.shown.append(("crash", title, text))
        self.details.append(details)

    def ask(self, parent: QWidget | None, title: str, text: str) -> bool:
        self.shown.append(("ask", title, text))
        return self.answer

    def confirm(self, parent: QWidget | None, title: str, text: str, go: str, back: str) -> bool:
        self.shown.append(("confirm", title, text))
        return self.answer

    def kinds(self) -> list[str]:
        return [kind for kind, _, _ in self.shown]


_service: MessageService = QtMessages()


def messages() -> MessageService:
    return _service


def use_messages(service: MessageService) -> MessageService:
    """Replace the service; returns the previous one."""
    global _service
    previous, _service = _service, service
    return previous
