"""Draws the program icon with Qt: resources/icons/emitra.png (Linux) and emitra.ico (Windows).

.venv/bin/python scripts/make_icon.py      # rewrites both files; run it only when the design changes
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PIL import ImageQt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QFontDatabase, QImage, QPainter  # noqa: E402

from printing.fonts import DEVANAGARI_BOLD, font_path  # noqa: E402
from printing.raster import ensure_qt_gui  # noqa: E402

ICONS = ROOT / "resources" / "icons"
SIZE = 256
SAFFRON = QColor(0xE8, 0x77, 0x2E)
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (256, 256)]


def draw(size: int = SIZE) -> QImage:
    """A saffron rounded square with a white "ई" (the first letter of ई-मित्र)."""
    ensure_qt_gui()
    font_id = QFontDatabase.addApplicationFont(str(font_path(DEVANAGARI_BOLD)))
    family = QFontDatabase.applicationFontFamilies(font_id)[0]
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(SAFFRON)
        margin = size * 0.04
        painter.drawRoundedRect(QRectF(margin, margin, size - 2 * margin, size - 2 * margin), size * 0.18, size * 0.18)
        font = QFont(family)
        font.setPixelSize(int(size * 0.62))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(QRectF(0, size * 0.03, size, size), int(Qt.AlignmentFlag.AlignCenter), "ई")
    finally:
        painter.end()
    return image


def main() -> int:
    ICONS.mkdir(parents=True, exist_ok=True)
    # Fewer colours keep the files at a few KB; the flat design loses nothing.
    icon = ImageQt.fromqimage(draw()).convert("RGBA").quantize(64).convert("RGBA")
    icon.save(ICONS / "emitra.png", optimize=True)
    icon.save(ICONS / "emitra.ico", sizes=ICO_SIZES)
    for name in ("emitra.png", "emitra.ico"):
        print(f"{ICONS / name}: {(ICONS / name).stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
