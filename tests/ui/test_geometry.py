"""Every screen fits a 1024×768 counter screen (and a 1366×768 one) with its taskbar, in both languages; on
Avail Service the key the operator is on, Pay and a payment's result stay in view."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QWidget
from pytestqt.qtbot import QtBot

from ui.avail_service import AvailServicePage
from ui.core import Core
from ui.forms import say
from ui.screenshots import shots
from ui.shell import Shell
from ui.strings import Language, language_switch

TASKBAR = 40
SCREENS = [(1024, 768), (1366, 768)]


def _visible_in(widget: QWidget) -> bool:
    return not widget.visibleRegion().isEmpty()


@pytest.mark.parametrize("language", [Language.ENGLISH, Language.HINDI])
def test_every_screen_fits_a_counter_screen(screens: tuple[Core, Shell], language: Language) -> None:
    core, shell = screens
    language_switch().set_language(language)
    too_big: dict[str, tuple[int, int]] = {}
    for name, make in shots(core, shell).items():
        widget = make()
        window = widget.window()
        window.show()
        QApplication.processEvents()
        hint = window.minimumSizeHint()
        size = window.frameGeometry().size() if isinstance(window, QDialog) else hint
        if size.width() > 1024 or size.height() > 768 - TASKBAR:
            too_big[name] = (size.width(), size.height())
        window.hide()
    assert too_big == {}


@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_avail_service_keeps_the_key_pay_and_its_result_in_view(
    qtbot: QtBot, screens: tuple[Core, Shell], width: int, height: int
) -> None:
    core, shell = screens
    main = shots(core, shell)["15-avail-service"]()
    assert isinstance(main, QMainWindow)
    main.showNormal()
    main.resize(width, height - TASKBAR)
    main.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main)
    page = main.centralWidget().findChild(AvailServicePage)
    assert isinstance(page, AvailServicePage)
    page.email.line_edit.setFocus()  # far down the form
    qtbot.waitUntil(lambda: _visible_in(page.email.editor))
    page._show_outcome(say("avail.no_bills"), error=True)
    qtbot.waitUntil(lambda: _visible_in(page.outcome) and _visible_in(page.pay))
