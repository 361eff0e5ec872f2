"""Building blocks of the screens: translated texts, fields with their own error line, a banner, key bindings."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from kiosk_app.errors import KioskError
from printing.errors import PrinterProblem
from ui.strings import both, language_switch, t

if TYPE_CHECKING:
    from printing.spool_runner import PrintResult

# A message that can be rendered again in another language: a catalogue lookup or an error's own pair.
Message = Callable[[], str]


def say(key: str, **values: object) -> Message:
    return lambda: t(key, **values)


def error_text(exc: BaseException) -> str:
    """An error as the operator reads it, in the current language."""
    if isinstance(exc, KioskError):
        return both(exc.message_en, exc.message_hi)
    if isinstance(exc, PrinterProblem):
        step_en = f"{exc.next_step_en} {exc.extra_step}".strip()
        step_hi = f"{exc.next_step_hi} {exc.extra_step_hi}".strip()
        return both(f"{exc.message_en} {step_en}", f"{exc.message_hi} {step_hi}")
    return str(exc)


def explain(exc: BaseException) -> Message:
    return lambda: error_text(exc)


def print_result_text(result: PrintResult) -> str:
    from printing.spool_runner import PrintOutcome  # with the receipt spool's SQLite code: not before the login

    if result.problem is not None:
        return error_text(result.problem)
    text = t("print.sent_unknown") if result.outcome is PrintOutcome.SENT_STATUS_UNKNOWN else t("print.printed")
    if result.paper_near_end:
        text += " " + t("print.paper_near_end")
    return text


ERROR_STYLE = "color: #b00020;"
BANNER_STYLES = {
    "error": "background: #fdecea; color: #8a1c1c; border: 1px solid #f5c2c0; padding: 6px;",
    "info": "background: #e8f4ea; color: #1e4620; border: 1px solid #b7dfbf; padding: 6px;",
}


class Field:
    """A label, its editor and an error line right under the editor (hidden while there is no error)."""

    def __init__(self, name: str, label_key: str, editor: QWidget) -> None:
        self.name = name
        self.label_key = label_key
        self.editor = editor
        editor.setObjectName(name)
        self.label = QLabel()
        self.label.setObjectName(f"{name}_label")
        self.label.setBuddy(editor)
        self.error = QLabel()
        self.error.setObjectName(f"{name}_error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        self._message: Message | None = None

    @property
    def line_edit(self) -> QLineEdit:
        assert isinstance(self.editor, QLineEdit)
        return self.editor

    def text(self) -> str:
        return self.line_edit.text()

    def set_error(self, message: Message | None) -> None:
        self._message = message
        self.error.setText(message() if message else "")
        self.error.setVisible(message is not None)

    def retranslate(self) -> None:
        self.label.setText(t(self.label_key))
        if self._message is not None:
            self.error.setText(self._message())


class Banner(QLabel):
    """A message for the whole form (a server that cannot be reached, a notice after a password change)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("banner")
        self.setWordWrap(True)
        self.setVisible(False)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._message: Message | None = None
        self.kind = "info"

    def show_message(self, message: Message | None, kind: str = "info") -> None:
        self._message = message
        self.kind = kind
        self.setStyleSheet(BANNER_STYLES[kind])
        self.setText(message() if message else "")
        self.setVisible(message is not None)

    def retranslate(self) -> None:
        if self._message is not None:
            self.setText(self._message())


class Translated:
    """Keeps the widgets' texts tied to catalogue keys and re-applies them when the language changes."""

    def __init__(self, owner: QWidget) -> None:
        self._setters: list[Callable[[], None]] = []
        self.fields: list[Field] = []
        self.banner = Banner()
        # Owned by the screen, so it goes with it (a screen places it in its layout; one that does not keeps it
        # hidden). Left without a parent, every receipt window left one stray top-level label behind.
        self.banner.setParent(owner)
        self.banner.setVisible(False)
        self._after: list[Callable[[], None]] = []
        language_switch().changed.connect(owner_slot(owner, self.retranslate))

    def text(self, setter: Callable[[str], object], key: str, **values: object) -> None:
        def apply() -> None:
            setter(t(key, **values))

        self._setters.append(apply)
        apply()

    def dynamic(self, apply: Callable[[], None]) -> None:
        """A text that depends on state (a countdown, a balance): re-run on language change."""
        self._after.append(apply)
        apply()

    def field(self, name: str, label_key: str, editor: QWidget) -> Field:
        f = Field(name, label_key, editor)
        self.fields.append(f)
        f.retranslate()
        return f

    def clear_errors(self) -> None:
        for f in self.fields:
            f.set_error(None)
        self.banner.show_message(None)

    def retranslate(self) -> None:
        for apply in self._setters:
            apply()
        for f in self.fields:
            f.retranslate()
        self.banner.retranslate()
        for apply in self._after:
            apply()


def owner_slot(owner: QWidget, fn: Callable[[], None]) -> Callable[[str], None]:
    """A slot for the language switch that goes with its owner widget: the switch outlives every screen, and a
    connection left behind would keep the closed screen's Python side alive (a receipt window's preview image is
    megabytes) — so it is disconnected when the owner is destroyed, and never runs after that."""
    alive = [True]

    def slot(_code: str) -> None:
        if alive[0]:
            fn()

    def on_owner_destroyed() -> None:
        alive[0] = False
        with contextlib.suppress(RuntimeError, TypeError):  # already disconnected, or the switch is gone
            language_switch().changed.disconnect(slot)

    owner.destroyed.connect(on_owner_destroyed)
    return slot


def on_enter(action: Callable[[], None], *edits: QLineEdit) -> None:
    """Enter in any of these line edits runs the form's action."""
    for edit in edits:
        edit.returnPressed.connect(action)


def shortcut(
    owner: QWidget,
    keys: str | QKeySequence.StandardKey,
    action: Callable[[], None],
    context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut,
    *,
    what: str | None = None,
) -> QShortcut:
    """A key on `owner`. F1 lists a screen's keys (ui/keys_help.py) by the button whose label names the key, or
    by `what` (a catalogue key) for a key no button shows."""
    sequence = QKeySequence(keys)
    sc = QShortcut(sequence, owner)
    sc.setContext(context)
    sc.activated.connect(action)
    if what is not None:
        sc.setProperty("what", what)
    return sc
