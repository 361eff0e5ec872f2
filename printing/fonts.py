"""Finds the fonts shipped in resources/fonts: Noto Sans Devanagari for Hindi everywhere, Noto Sans for the
screen's Latin letters and digits (one design with the Devanagari), Vera for Latin text on receipts and PDFs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

DEVANAGARI_REGULAR = "NotoSansDevanagari-Regular.ttf"
DEVANAGARI_BOLD = "NotoSansDevanagari-Bold.ttf"
LATIN_REGULAR = "Vera.ttf"
LATIN_BOLD = "VeraBd.ttf"
SCREEN_LATIN_REGULAR = "NotoSans-Regular.ttf"
SCREEN_LATIN_BOLD = "NotoSans-Bold.ttf"

FONTS_DIR_VARIABLE = "EMITRA_FONTS_DIR"


class FontMissing(RuntimeError):
    """The installation lacks a shipped font: a packaging fault, not the operator's."""


def fonts_dir() -> Path:
    """The folder with the shipped fonts: $EMITRA_FONTS_DIR, the installer bundle, or the source tree."""
    configured = os.environ.get(FONTS_DIR_VARIABLE)
    if configured:
        return Path(configured)
    bundle = getattr(sys, "_MEIPASS", None)  # set by PyInstaller's one-folder bundle
    if bundle:
        return Path(bundle) / "resources" / "fonts"
    return Path(__file__).resolve().parent.parent / "resources" / "fonts"


def font_path(name: str) -> Path:
    path = fonts_dir() / name
    if not path.is_file():
        raise FontMissing(f"font {name} not found in {path.parent}; the installation is incomplete")
    return path
