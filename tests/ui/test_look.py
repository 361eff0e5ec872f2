"""One family draws the screen's letters and digits (Noto Sans), and Hindi falls through to Noto Sans Devanagari:
checked on the glyphs Qt really lays out for a label's text. And the focused control is always visible."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextLayout
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ui.app import FOCUS_BLUE, application_font


def families_drawing(text: str) -> list[tuple[str, str]]:
    """(the run's characters' family, the run's text) for each glyph run Qt lays out for `text`."""
    layout = QTextLayout(text, application_font())
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(10_000)
    layout.endLayout()
    return [(run.rawFont().familyName(), text) for run in layout.glyphRuns()]


def test_letters_digits_and_the_rupee_sign_share_one_family(qapp: QApplication) -> None:
    runs = families_drawing("IFSC SBIN0001234 ₹1,250.50 O0 l1")
    assert {family for family, _ in runs} == {"Noto Sans"}, runs


def test_hindi_falls_through_to_noto_sans_devanagari(qapp: QApplication) -> None:
    families = {family for family, _ in families_drawing("शेष ₹1,250.50 (Balance) ।")}
    assert families == {"Noto Sans", "Noto Sans Devanagari"}, families


@pytest.mark.parametrize(
    "make",
    [QPushButton, QLineEdit, QCheckBox, QRadioButton, QComboBox, QDateEdit],
    ids=lambda c: c.__name__,
)
def test_the_focused_control_looks_different_from_the_others(qtbot: QtBot, make: type[QWidget]) -> None:
    """Focus is always visible: the same control drawn with and without the keyboard focus differs."""
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    control, other = make(), QPushButton("other")
    if isinstance(control, QAbstractButton):
        control.setText("Departmental Cheque")
    layout.addWidget(control)
    layout.addWidget(other)
    window.show()
    window.activateWindow()
    other.setFocus()
    qtbot.waitUntil(other.hasFocus)
    before = blue_pixels(control)
    control.setFocus()
    qtbot.waitUntil(control.hasFocus)
    after = blue_pixels(control)
    assert before == 0 and after >= control.width() + control.height(), (before, after)


def blue_pixels(widget: QWidget) -> int:
    """How many pixels of the focus blue the widget draws (a frame around it is at least its half perimeter)."""
    image = widget.grab().toImage()
    blue = QColor(FOCUS_BLUE)
    return sum(1 for y in range(image.height()) for x in range(image.width()) if image.pixelColor(x, y) == blue)


def test_enter_on_a_focused_tick_box_or_button_presses_it(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    tick, button = QCheckBox("I confirm"), QPushButton("Submit")
    layout.addWidget(tick)
    layout.addWidget(button)
    pressed: list[bool] = []
    button.clicked.connect(lambda: pressed.append(True))
    window.show()
    tick.setFocus()
    qtbot.waitUntil(tick.hasFocus)
    qtbot.keyClick(tick, Qt.Key.Key_Return)
    qtbot.waitUntil(tick.isChecked)
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    qtbot.waitUntil(lambda: pressed == [True])
    button.setEnabled(False)
    qtbot.keyClick(button, Qt.Key.Key_Return)
    qtbot.wait(200)
    assert pressed == [True]
