"""F1 lists exactly the keys that work on the screen in front of the operator, each with its words, and each
listed key really does its thing on that screen: pressed, it fires its own shortcut and no other (a key bound
twice, which Qt then fires for neither, fails here)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ui import ops
from ui.core import Core
from ui.dialogs import RecordedMessages, use_messages
from ui.keys_help import KeysDialog, screen_keys, unnamed_keys, window_keys
from ui.main_window import FeaturePage, MainWindow
from ui.screenshots import _NoKeyring, shots
from ui.shell import Shell
from ui.strings import Language, language_switch

SCREENS = [
    "15-avail-service",
    "17-day-end",
    "18-refill",
    "19-fund-payout",
    "20-statement",
    "21-reconcile",
    "27-reprint",
]


@pytest.fixture
def screens(tmp_path: Path) -> Iterator[tuple[Core, Shell]]:
    previous = ops.use_runner(ops.InlineRunner())
    previous_messages = use_messages(RecordedMessages())
    core = Core.open(config_dir=tmp_path, keyring_backend=_NoKeyring())  # type: ignore[no-untyped-call]
    shell = Shell(core)
    yield core, shell
    shell.close()
    core.close()
    use_messages(previous_messages)
    ops.use_runner(previous)
    language_switch().set_language(Language.ENGLISH)


def _open(core: Core, shell: Shell, name: str) -> tuple[MainWindow, FeaturePage]:
    language_switch().set_language(Language.ENGLISH)
    widget = shots(core, shell)[name]()
    main = widget.window()
    assert isinstance(main, MainWindow)
    main.show()
    page = main.stack.currentWidget()
    assert isinstance(page, FeaturePage)
    return main, page


@pytest.mark.parametrize("name", SCREENS)
def test_every_key_of_a_screen_has_words(screens: tuple[Core, Shell], name: str) -> None:
    main, page = _open(*screens, name)
    assert unnamed_keys(page) == []
    assert all(k.what for k in screen_keys(page) + window_keys(main))


@pytest.mark.parametrize("name", SCREENS)
def test_f1_lists_the_screens_keys_and_each_fires_its_own_shortcut_alone(
    qtbot: QtBot, screens: tuple[Core, Shell], name: str
) -> None:
    main, page = _open(*screens, name)
    if hasattr(page, "ask_path"):
        page.ask_path = lambda _suggested: None  # Export / Save: the file dialog answers "cancel"
    main.on_keys_triggered()
    dialog = main.keys_dialog
    assert isinstance(dialog, KeysDialog)
    listed = [(dialog.table.item(r, 0).text(), dialog.table.item(r, 1).text()) for r in range(dialog.table.rowCount())]
    assert listed and ("F1", "Keys on this screen") in listed
    keys = [k for k, _ in listed]
    assert len(keys) == len(set(keys)), f"a key listed twice: {keys}"  # one key, one meaning on a screen
    dialog.reject()

    # Each of the screen's own keys, pressed on the screen, fires its shortcut (never "ambiguous").
    for key in screen_keys(page):
        assert isinstance(key.shortcut, QShortcut)
        fired: list[str] = []
        key.shortcut.activated.connect(lambda fired=fired: fired.append("activated"))
        key.shortcut.activatedAmbiguously.connect(lambda fired=fired: fired.append("ambiguous"))
        main.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is main)
        page.on_opened()  # the focus where the page's work starts, as its menu key leaves it
        qtbot.waitUntil(lambda: page.isAncestorOf(QApplication.focusWidget()))
        sequence = QKeySequence(key.shortcut.key())
        combo = sequence[0]
        QTest.keyClick(QApplication.focusWidget(), combo.key(), combo.keyboardModifiers())
        assert fired[:1] == ["activated"], (name, key.keys, fired)
        QApplication.processEvents()
        for widget in QApplication.topLevelWidgets():  # a key that opened a dialog: close it for the next
            if widget is not main and widget.isVisible() and widget.isModal():
                widget.close()

    # The window's keys are bound once each, and none is also a key of this screen.
    window = [k.keys for k in window_keys(main)]
    screen = [k.keys for k in screen_keys(page)]
    assert len(window) == len(set(window)) and not set(window) & set(screen), (window, screen)
    assert all(isinstance(k.shortcut, QAction) and k.shortcut.isEnabled() for k in window_keys(main))


def test_f1_in_hindi(screens: tuple[Core, Shell]) -> None:
    main, _page = _open(*screens, "15-avail-service")
    language_switch().set_language(Language.HINDI)
    main.on_keys_triggered()
    dialog = main.keys_dialog
    assert isinstance(dialog, KeysDialog)
    what = [dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())]
    assert "खोज बॉक्स पर जाएँ" in what and dialog.windowTitle() == "इस स्क्रीन की कुंजियाँ"
    dialog.reject()
