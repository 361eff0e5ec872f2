"""Draws Hindi (and any text a thermal printer cannot print as characters) into 1-bit images with Qt."""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from PIL import Image
from PySide6.QtCore import QCoreApplication, QRect, Qt, QTextBoundaryFinder
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetrics, QGuiApplication, QImage, QPainter

from printing.fonts import DEVANAGARI_BOLD, DEVANAGARI_REGULAR, LATIN_BOLD, LATIN_REGULAR, font_path

_app: QGuiApplication | None = None
_lock = threading.RLock()


class QtNotReady(RuntimeError):
    """Raster work was asked for before the application made its QGuiApplication (a programming fault)."""


def ensure_qt_gui() -> QGuiApplication:
    """Return the running QGuiApplication, creating an offscreen-safe one if none exists.

    Qt needs a QGuiApplication for font shaping. Call this once on the main thread at start-up;
    after that raster work may run on any worker thread (QPainter on a QImage is thread-safe).
    """
    global _app
    app = QCoreApplication.instance()
    if app is None:
        if threading.current_thread() is not threading.main_thread():
            raise QtNotReady("call printing.raster.ensure_qt_gui() on the main thread before printing")
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            # A headless kiosk service or CI: no screen is needed to draw into a QImage.
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication([sys.argv[0] if sys.argv and sys.argv[0] else "emitra-kiosk"])
        _app = app
    if not isinstance(app, QGuiApplication):
        raise QtNotReady("a QCoreApplication without GUI is running; Hindi text needs a QGuiApplication")
    return app


@dataclass(frozen=True)
class _Families:
    devanagari: str
    latin: str


_families: _Families | None = None


def _load_fonts() -> _Families:
    global _families
    with _lock:
        if _families is None:
            names: list[str] = []
            for file_name in (DEVANAGARI_REGULAR, DEVANAGARI_BOLD, LATIN_REGULAR, LATIN_BOLD):
                font_id = QFontDatabase.addApplicationFont(str(font_path(file_name)))
                if font_id < 0:
                    raise QtNotReady(f"Qt could not load the font {file_name}")
                names.append(QFontDatabase.applicationFontFamilies(font_id)[0])
            _families = _Families(devanagari=names[0], latin=names[2])
        return _families


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


_QT_ALIGN = {
    Align.LEFT: Qt.AlignmentFlag.AlignLeft,
    Align.CENTER: Qt.AlignmentFlag.AlignHCenter,
    Align.RIGHT: Qt.AlignmentFlag.AlignRight,
}


@dataclass(frozen=True)
class TextStyle:
    pixel_size: int = 24
    bold: bool = False
    align: Align = Align.LEFT


def qt_font(style: TextStyle) -> QFont:
    families = _load_fonts()
    font = QFont()
    # Devanagari first: Qt shapes each script run with HarfBuzz in the first family that has the
    # script, and asking Vera for Devanagari first logs a Qt warning on every line. The Devanagari
    # font has digits and ₹ but no Latin letters, which fall through to Vera.
    font.setFamilies([families.devanagari, families.latin])
    font.setPixelSize(style.pixel_size)
    font.setBold(style.bold)
    return font


def render_gray(text: str, width: int, style: TextStyle) -> Image.Image:
    """Render text, word-wrapped to `width` pixels, as an 8-bit grayscale image (white paper, black ink)."""
    ensure_qt_gui()
    font = qt_font(style)
    flags = int(_QT_ALIGN[style.align]) | int(Qt.TextFlag.TextWordWrap)
    metrics = QFontMetrics(font)
    needed = metrics.boundingRect(QRect(0, 0, width, 100_000), flags, text)
    # Devanagari marks reach above the ascent and below the descent; pad so nothing is clipped.
    pad = max(4, style.pixel_size // 3)
    height = needed.height() + 2 * pad
    image = QImage(width, height, QImage.Format.Format_Grayscale8)
    image.fill(QColor(255, 255, 255))
    painter = QPainter(image)
    try:
        painter.setFont(font)
        painter.setPen(QColor(0, 0, 0))
        painter.drawText(QRect(0, pad, width, height - 2 * pad), flags, text)
    finally:
        painter.end()
    stride = image.bytesPerLine()
    data = bytes(image.constBits())
    return Image.frombuffer("L", (width, height), data, "raw", "L", stride, 1).copy()


def to_mono(gray: Image.Image, *, margin: int = 2) -> Image.Image:
    """Threshold to 1-bit (the printer has no grey) and trim blank rows so no paper is wasted."""
    mono = gray.point(lambda v: 255 if v >= 128 else 0).convert("1")
    ink = mono.point(lambda v: 255 - v).getbbox()
    if ink is None:
        return mono.crop((0, 0, mono.width, 1))
    top = max(0, ink[1] - margin)
    bottom = min(mono.height, ink[3] + margin)
    return mono.crop((0, top, mono.width, bottom))


@lru_cache(maxsize=512)
def _render_line_cached(text: str, width: int, style: TextStyle) -> Image.Image:
    with _lock:
        return to_mono(render_gray(text, width, style))


def render_line(text: str, width: int, style: TextStyle = TextStyle()) -> Image.Image:
    """A 1-bit image of the text, `width` dots wide, ready for ESC/POS GS v 0 or a PDF.

    Results are cached (labels repeat on every receipt); treat the returned image as read-only.
    """
    return _render_line_cached(text, width, style)


# A cut right after these would leave a consonant waiting for the one it joins (a dangling halant).
_JOINERS = frozenset("\u094d\u200c\u200d")


def grapheme_boundaries(text: str) -> list[int]:
    """Where `text` may be cut: between grapheme clusters (Qt's, which keep a conjunct whole), never after
    a halant or a zero-width joiner, whatever Unicode version the Qt at hand follows."""
    finder = QTextBoundaryFinder(QTextBoundaryFinder.BoundaryType.Grapheme, text)
    boundaries: list[int] = []
    position = finder.toNextBoundary()
    while position != -1:
        if position == len(text) or text[position - 1] not in _JOINERS:
            boundaries.append(position)
        position = finder.toNextBoundary()
    return boundaries


def text_width(text: str, style: TextStyle) -> int:
    """How many dots `text` takes on one line in `style`."""
    ensure_qt_gui()
    with _lock:
        return QFontMetrics(qt_font(style)).horizontalAdvance(text)


def cut_to_width(text: str, width: int, style: TextStyle) -> str:
    """The longest start of `text` that fits `width` dots on one line, cut only between grapheme clusters."""
    if text_width(text, style) <= width:
        return text
    fitting = ""
    for end in grapheme_boundaries(text):
        if text_width(text[:end], style) > width:
            break
        fitting = text[:end]
    return fitting.rstrip()


def cut_to_columns(text: str, columns: int) -> str:
    """At most `columns` code points, cut only between grapheme clusters."""
    if len(text) <= columns:
        return text
    return text[: max((end for end in grapheme_boundaries(text) if end <= columns), default=0)]
