"""F1: the keys that work on the screen in front of the operator, read from the screen itself — its own keys
(each named by the button that carries it, or by the words its `shortcut(..., what=)` gives) and the window's
(the menus' keys) — with the help desk's contacts below. Nothing is written twice: a key added to a screen
appears here by itself, and a key without words fails tests/ui/test_keys_help.py."""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.forms import shortcut
from ui.strings import t


@dataclass(frozen=True)
class KeyHelp:
    keys: str  # as the operator reads it: "F8", "Ctrl+N", "Enter"
    what: str  # what it does, in the current language
    shortcut: QShortcut | QAction


def key_text(sequence: QKeySequence) -> str:
    text = sequence.toString(QKeySequence.SequenceFormat.NativeText)
    return "Enter" if text in ("Return", "Enter") else text


def _plain(label: str) -> str:
    return label.replace("&", "")


def words_of(label: str, keys: str) -> str:
    """A button's or menu entry's label as the key's words: without its Alt letter and without the key itself
    ("Pay By Wallet (F8)" → "Pay By Wallet", "वॉलेट से भुगतान करें (Pay By Wallet, F8)" → "… (Pay By Wallet)")."""
    text = _plain(label)
    text = re.sub(rf",\s*{re.escape(keys)}\s*\)", ")", text)
    text = re.sub(rf"\s*\(\s*{re.escape(keys)}\s*\)", "", text)
    text = re.sub(r"\s*\([A-Z]\)", "", text)
    text = re.sub(r"\([A-Z],\s*", "(", text)
    return text.rstrip("…").strip()


def _buttons_naming(page: QWidget, keys: str) -> list[QAbstractButton]:
    """The buttons whose label names `keys` ("Pay By Wallet (F8)", "(&G, Get Bill Details, Enter)")."""
    pattern = re.compile(rf"[(,]\s*{re.escape(keys)}\s*[,)]")
    return [b for b in page.findChildren(QAbstractButton) if pattern.search(_plain(b.text()))]


def _button_for(page: QWidget, keys: str) -> QAbstractButton | None:
    """The visible, enabled button that names `keys`: the key does what it does."""
    return next((b for b in _buttons_naming(page, keys) if b.isVisibleTo(page) and b.isEnabled()), None)


def screen_keys(page: QWidget) -> list[KeyHelp]:
    """The screen's own keys that work now: those of the screen itself (not a field's Enter), each with its
    words; a key whose button is hidden or disabled does nothing now and is left out."""
    found: dict[str, KeyHelp] = {}
    for sc in page.findChildren(QShortcut):
        if sc.parent() is not page or not sc.isEnabled():
            continue
        keys = key_text(sc.key())
        what = sc.property("what")
        if isinstance(what, str) and what:
            found.setdefault(keys, KeyHelp(keys, t(what), sc))
            continue
        button = _button_for(page, keys)
        if button is not None:
            found.setdefault(keys, KeyHelp(keys, words_of(button.text(), keys), sc))
    return list(found.values())


def unnamed_keys(page: QWidget) -> list[str]:
    """The screen's own keys that have no words at all (no `what`, no button naming them): a fault in the code."""
    out = []
    for sc in page.findChildren(QShortcut):
        if sc.parent() is not page:
            continue
        keys = key_text(sc.key())
        if not _buttons_naming(page, keys) and not sc.property("what"):
            out.append(keys)
    return out


def window_keys(window: QWidget) -> list[KeyHelp]:
    """The window's keys, which work on every screen: the menus' entries with a key, and the window's own."""
    found: list[KeyHelp] = []
    for action in window.findChildren(QAction):
        if not action.shortcut().isEmpty() and action.isEnabled():
            keys = key_text(action.shortcut())
            found.append(KeyHelp(keys, words_of(action.text(), keys), action))
    for sc in window.findChildren(QShortcut):
        what = sc.property("what")
        if sc.parent() is window and isinstance(what, str):
            found.append(KeyHelp(key_text(sc.key()), t(what), sc))
    return found


class KeysDialog(QDialog):
    """The keys of the screen behind it, then the window's, then whom to call."""

    def __init__(self, page: QWidget | None, window: QWidget, help_desk: str) -> None:
        super().__init__(window)
        self.setObjectName("keys_help")
        self.setWindowTitle(t("keys.title"))
        self.rows = [*(screen_keys(page) if page is not None else []), *window_keys(window)]
        self.table = QTableWidget(len(self.rows), 2)
        self.table.setObjectName("keys_table")
        self.table.setHorizontalHeaderLabels([t("keys.col_key"), t("keys.col_what")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, key in enumerate(self.rows):
            self.table.setItem(row, 0, QTableWidgetItem(key.keys))
            self.table.setItem(row, 1, QTableWidgetItem(key.what))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        desk = QLabel(help_desk)
        desk.setObjectName("keys_help_desk")
        desk.setWordWrap(True)
        close = QPushButton(t("common.close"))
        close.setObjectName("keys_close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(desk)
        layout.addLayout(buttons)
        shortcut(self, "F1", self.reject, Qt.ShortcutContext.WindowShortcut)
        self.resize(600, min(170 + 32 * len(self.rows), 700))
