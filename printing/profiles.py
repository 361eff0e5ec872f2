"""Printer profiles: dots, columns, code pages and QR support, taken from python-escpos' capability database."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Font A on every common thermal printer is 12 x 24 dots, font B 9 x 17.
CHAR_WIDTH = 12
FONT_B_WIDTH = 9

# The printable widths a roll can have: the test page marks each one that fits on its ruler.
RULER_WIDTHS = (360, 384, 512, 576)


@dataclass(frozen=True)
class Paper:
    """One printer profile: what the operator chose (or USB recognised), and everything that follows from it.

    `name` is the setting's value. `dots` is the raster width (a multiple of 8, as GS v 0 sends whole bytes),
    `columns` the characters per line of font A. Models whose python-escpos profile has no QR get theirs as a
    raster image.
    """

    name: str
    dots: int
    columns: int
    qr_module: int
    escpos_profile: str = "default"
    native_qr: bool = True
    code_pages: tuple[str, ...] = ("CP437",)
    label: str = ""

    @property
    def font_b_columns(self) -> int:
        return self.dots // FONT_B_WIDTH

    @property
    def roll(self) -> str:
        """58mm or 80mm: the roll a printer of this width takes."""
        return "58mm" if self.dots <= 432 else "80mm"


def _database() -> dict[str, Any]:
    # python-escpos reads its capabilities.json when escpos.capabilities is first imported (a sixth of a
    # second): profiles are built on first use, not when the kiosk program starts.
    from escpos.capabilities import CAPABILITIES

    profiles: dict[str, Any] = CAPABILITIES["profiles"]
    return profiles


def _code_pages(data: dict[str, Any]) -> tuple[str, ...]:
    pages = data.get("codePages") or {}
    return tuple(dict.fromkeys(p for p in pages.values() if p != "Unknown"))


def _paper(name: str, key: str, label: str, *, dots: int | None = None) -> Paper | None:
    data = _database()[key]
    pixels = dots if dots is not None else data["media"]["width"].get("pixels")
    if not isinstance(pixels, int) or not data["features"].get("bitImageRaster"):
        return None  # no known width, or no raster images (Hindi could not print): not a receipt printer for us
    pixels -= pixels % 8
    # A generic width has as many columns as font A fits; a model has its database's count (42 on a TM-T88).
    database_columns = None if dots is not None else data["fonts"].get("0", {}).get("columns")
    database_columns = database_columns or pixels // CHAR_WIDTH
    columns = min(int(database_columns), pixels // CHAR_WIDTH)
    if columns * CHAR_WIDTH < pixels * 0.75:
        return None  # the database's column count cannot be this width's font A (a display, or a typo)
    return Paper(
        name=name,
        dots=pixels,
        columns=columns,
        qr_module=5 if pixels <= 432 else 6,
        escpos_profile=key,
        native_qr=bool(data["features"].get("qrCode")),
        code_pages=_code_pages(data),
        label=label,
    )


# The generic choices: python-escpos' "default" profile (QR, raster images, a cutter) at the roll's width.
GENERIC = (
    ("58mm", 384, "Generic 58 mm (384 dots)"),
    ("58mm-360", 360, "Generic 58 mm (360 dots)"),
    ("80mm", 576, "Generic 80 mm (576 dots)"),
    ("80mm-512", 512, "Generic 80 mm (512 dots)"),
)

# Models not in python-escpos' database, given the database profile of a model with the same print head.
ALIASES = {"TM-T81": "TM-T88IV"}  # both: 180 dpi, 512 dots, 42 columns of font A

# USB ids that name one model's geometry. Epson's TM-T88 family (II to V) share 04b8:0202 and one head width.
USB_MODELS: dict[tuple[int, int], str] = {
    (0x04B8, 0x0202): "TM-T88V",
    (0x04B8, 0x0E15): "TM-T20II",
    (0x0416, 0x5011): "POS-5890",
}


@lru_cache(maxsize=1)
def profiles() -> dict[str, Paper]:
    """Every choice, the generic ones first, then each model python-escpos knows with a width."""
    found: dict[str, Paper] = {}
    for name, dots, label in GENERIC:
        paper = _paper(name, "default", label, dots=dots)
        assert paper is not None
        found[name] = paper
    database = _database()
    for key in sorted(database):
        paper = _paper(key, key, str(database[key].get("name") or key))
        if paper is not None:
            found[key] = paper
    for alias, key in ALIASES.items():
        paper = _paper(alias, key, alias)
        if paper is not None:
            found[alias] = paper
    return found


def profile(name: str) -> Paper:
    """The profile of a setting's value; raises KeyError for a name no profile has."""
    return profiles()[name]


def profile_for_usb(vendor_id: int, product_id: int) -> Paper | None:
    """The model's profile when its USB id names one, else None (the operator picks)."""
    key = USB_MODELS.get((vendor_id, product_id))
    return profiles().get(key) if key is not None else None


# Built on first use (see _database) by the module __getattr__ below; declared for type checkers.
PAPER_58MM: Paper
PAPER_80MM: Paper
PAPERS: dict[str, Paper]


def __getattr__(name: str) -> Any:
    if name == "PAPER_58MM":
        return profile("58mm")
    if name == "PAPER_80MM":
        return profile("80mm")
    if name == "PAPERS":
        return {p.name: p for p in (profile("58mm"), profile("80mm"))}
    raise AttributeError(name)
