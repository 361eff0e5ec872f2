"""Alt+letter works on every screen, in both languages: no two visible controls of a window (its menu bar
included) share a letter, and every Hindi label carries the letter its English one has."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from babel.messages.pofile import read_po
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMainWindow, QWidget

from ui.avail_service import AvailServicePage
from ui.core import Core
from ui.screenshots import shots
from ui.shell import Shell
from ui.strings import Language, language_switch
from words import po_path

MNEMONIC = re.compile(r"(?<!&)&([^&\s])")


def letters(text: str) -> list[str]:
    return [m.lower() for m in MNEMONIC.findall(text)]


def clashes(window: QWidget) -> dict[str, list[str]]:
    """Letters used by more than one visible control of `window` (its menus' titles too)."""
    seen: dict[str, list[str]] = defaultdict(list)
    for w in [window, *window.findChildren(QWidget)]:
        if w is not window and not w.isVisibleTo(window):
            continue
        if isinstance(w, QAbstractButton) or (isinstance(w, QLabel) and w.buddy() is not None):
            text = w.text()
        elif isinstance(w, QGroupBox):
            text = w.title()
        else:
            continue
        for letter in letters(text):
            seen[letter].append(text)
    if isinstance(window, QMainWindow):
        for action in window.menuBar().actions():
            for letter in letters(action.text()):
                seen[letter].append(f"menu {action.text()}")
    return {letter: texts for letter, texts in seen.items() if len(texts) > 1}


@pytest.mark.parametrize("language", [Language.ENGLISH, Language.HINDI])
def test_no_two_controls_of_a_screen_share_an_alt_letter(screens: tuple[Core, Shell], language: Language) -> None:
    core, shell = screens
    language_switch().set_language(language)
    found: dict[str, dict[str, list[str]]] = {}
    for name, make in shots(core, shell).items():
        widget = make()
        widget.show()
        for page in widget.window().findChildren(AvailServicePage):  # every field it can show at once
            page.cheque.setChecked(True)
            page.online = False
            page.refresh()
        if problems := clashes(widget.window()):
            found[name] = problems
        widget.hide()
    assert found == {}


def test_every_hindi_label_has_the_alt_letter_of_its_english_one() -> None:
    with po_path().open("rb") as f:
        catalog = read_po(f)
    differ = [
        (m.context, m.id, m.string)
        for m in catalog
        if isinstance(m.id, str) and m.id and letters(m.id) != letters(str(m.string or ""))
    ]
    assert differ == []
