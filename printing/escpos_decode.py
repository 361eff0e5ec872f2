"""Decodes the ESC/POS stream we emit into elements, and draws it as a PNG preview of the paper."""

from __future__ import annotations

from dataclasses import dataclass, field

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont

from printing.fonts import LATIN_BOLD, LATIN_REGULAR, font_path
from printing.profiles import CHAR_WIDTH, FONT_B_WIDTH, Paper

ESC, GS, DLE, LF = 0x1B, 0x1D, 0x10, 0x0A
LINE_HEIGHT = 30  # font A is 24 dots; printers add ~6 dots of line spacing by default


class DecodeError(ValueError):
    """The stream holds a command this decoder does not know: we emitted something unexpected."""


@dataclass(frozen=True)
class TextLine:
    text: str
    align: str = "left"
    bold: bool = False
    double_width: bool = False
    double_height: bool = False
    font_b: bool = False

    @property
    def dots(self) -> int:
        """How wide the line prints: its characters' cells (font B is 9 dots, A 12; double width twice)."""
        cell = FONT_B_WIDTH if self.font_b else CHAR_WIDTH
        return len(self.text) * cell * (2 if self.double_width else 1)


@dataclass(frozen=True)
class Raster:
    width: int
    height: int
    # 1 bit per dot, rows of ceil(width/8) bytes, 1 = ink (as GS v 0 sends it).
    data: bytes = field(repr=False)
    align: str = "left"

    def to_image(self) -> Image.Image:
        """White paper, black ink, mode "1"."""
        row_bytes = (self.width + 7) // 8
        inverted = bytes(0xFF ^ b for b in self.data)
        return Image.frombytes("1", (row_bytes * 8, self.height), inverted).crop((0, 0, self.width, self.height))


@dataclass(frozen=True)
class QrCode:
    data: str
    module_size: int = 3
    error_correction: str = "L"
    align: str = "left"


@dataclass(frozen=True)
class Feed:
    lines: int


@dataclass(frozen=True)
class Cut:
    partial: bool = False


@dataclass(frozen=True)
class StatusRequest:
    """DLE EOT n: a real-time status question (1 = printer, 2 = offline cause, 4 = paper)."""

    kind: int


@dataclass(frozen=True)
class Initialize:
    pass


Element = TextLine | Raster | QrCode | Feed | Cut | StatusRequest | Initialize

# Commands that only change state we do not draw: their argument byte counts.
_IGNORED_ESC = {ord("-"): 1, ord("{"): 1, ord("t"): 1, ord("2"): 0, ord("3"): 1, ord("r"): 1}
_IGNORED_GS = {ord("B"): 1, ord("b"): 1, ord("|"): 1}
_ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}
_EC = {48: "L", 49: "M", 50: "Q", 51: "H"}


@dataclass
class _State:
    align: str = "left"
    bold: bool = False
    double_width: bool = False
    double_height: bool = False
    font_b: bool = False
    qr_module: int = 3
    qr_ec: str = "L"
    qr_data: str | None = None
    text: bytearray = field(default_factory=bytearray)


def decode(stream: bytes, *, encoding: str = "cp437") -> list[Element]:
    """Turn the bytes into the elements a printer would produce, in order."""
    out: list[Element] = []
    st = _State()
    i, n = 0, len(stream)

    def need(count: int) -> bytes:
        if i + count > n:
            raise DecodeError(f"stream ends inside a command at byte {i}")
        return stream[i : i + count]

    def flush_text() -> None:
        if st.text:
            out.append(line())
            st.text.clear()

    def line() -> TextLine:
        return TextLine(st.text.decode(encoding), st.align, st.bold, st.double_width, st.double_height, st.font_b)

    while i < n:
        b = stream[i]
        if b == LF:
            out.append(line())
            st.text.clear()
            i += 1
        elif b == ESC:
            cmd = need(2)[1]
            i += 2
            if cmd == ord("@"):
                flush_text()
                st = _State()
                out.append(Initialize())
            elif cmd == ord("a"):
                st.align = _ALIGN.get(need(1)[0], "left")
                i += 1
            elif cmd == ord("M"):
                st.font_b = need(1)[0] in (1, 49)
                i += 1
            elif cmd == ord("E"):
                st.bold = bool(need(1)[0] & 1)
                i += 1
            elif cmd == ord("!"):
                mode = need(1)[0]
                st.bold = bool(mode & 0x08)
                st.double_height = bool(mode & 0x10)
                st.double_width = bool(mode & 0x20)
                i += 1
            elif cmd == ord("d"):
                flush_text()
                out.append(Feed(need(1)[0]))
                i += 1
            elif cmd in _IGNORED_ESC:
                i += _IGNORED_ESC[cmd]
            else:
                raise DecodeError(f"unknown command ESC 0x{cmd:02x} at byte {i - 2}")
        elif b == GS:
            cmd = need(2)[1]
            i += 2
            if cmd == ord("!"):
                size = need(1)[0]
                st.double_width = (size >> 4) > 0
                st.double_height = (size & 0x0F) > 0
                i += 1
            elif cmd == ord("V"):
                flush_text()
                mode = need(1)[0]
                i += 1
                if mode in (65, 66, 97, 98, 103, 104):
                    i += 1  # these cut modes carry a feed amount
                out.append(Cut(partial=mode in (1, 49, 66, 98, 104)))
            elif cmd == ord("v"):
                flush_text()
                header = need(6)
                if header[0] != ord("0"):
                    raise DecodeError(f"unknown GS v variant 0x{header[0]:02x}")
                row_bytes = header[2] | header[3] << 8
                height = header[4] | header[5] << 8
                i += 6
                data = need(row_bytes * height)
                i += row_bytes * height
                out.append(Raster(row_bytes * 8, height, bytes(data), st.align))
            elif cmd == ord("("):
                sub = need(3)
                length = sub[1] | sub[2] << 8
                i += 3
                body = need(length)
                i += length
                if sub[0] != ord("k"):
                    raise DecodeError(f"unknown command GS ( {chr(sub[0])}")
                _qr_function(body, st, out, flush_text)
            elif cmd in _IGNORED_GS:
                i += _IGNORED_GS[cmd]
            else:
                raise DecodeError(f"unknown command GS 0x{cmd:02x} at byte {i - 2}")
        elif b == DLE:
            head = need(3)
            if head[1] != 0x04:
                raise DecodeError(f"unknown command DLE 0x{head[1]:02x}")
            out.append(StatusRequest(head[2]))
            i += 3
        elif b >= 0x20:
            st.text.append(b)
            i += 1
        else:
            raise DecodeError(f"unexpected control byte 0x{b:02x} at byte {i}")
    flush_text()
    return out


def _qr_function(body: bytes, st: _State, out: list[Element], flush_text: object) -> None:
    if len(body) < 2 or body[0] != ord("1"):
        raise DecodeError("GS ( k for a symbol other than QR")
    fn = body[1]
    if fn == 65:  # model
        return
    if fn == 67:
        st.qr_module = body[2]
    elif fn == 69:
        st.qr_ec = _EC.get(body[2], "L")
    elif fn == 80:  # store data (after m = '0')
        st.qr_data = body[3:].decode("utf-8")
    elif fn == 81:  # print the stored symbol
        if st.qr_data is None:
            raise DecodeError("QR print without stored data")
        if callable(flush_text):
            flush_text()
        out.append(QrCode(st.qr_data, st.qr_module, st.qr_ec, st.align))
    else:
        raise DecodeError(f"unknown QR function {fn}")


def text_lines(elements: list[Element]) -> list[str]:
    return [e.text for e in elements if isinstance(e, TextLine)]


def rasters(elements: list[Element]) -> list[Raster]:
    return [e for e in elements if isinstance(e, Raster)]


def qr_payloads(elements: list[Element]) -> list[str]:
    return [e.data for e in elements if isinstance(e, QrCode)]


_QR_EC = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


def _qr_image(code: QrCode) -> Image.Image:
    builder = qrcode.QRCode(box_size=code.module_size, border=2, error_correction=_QR_EC[code.error_correction])
    builder.add_data(code.data)
    builder.make(fit=True)
    matrix = builder.get_matrix()
    size = len(matrix) * code.module_size
    image = Image.new("1", (size, size), 1)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                m = code.module_size
                draw.rectangle((x * m, y * m, x * m + m - 1, y * m + m - 1), fill=0)
    return image


def _x_for(align: str, width: int, paper_dots: int) -> int:
    if align == "center":
        return max(0, (paper_dots - width) // 2)
    if align == "right":
        return max(0, paper_dots - width)
    return 0


def preview_png(stream: bytes, paper: Paper, *, margin: int = 16) -> Image.Image:
    """Draw the stream as the printer would: a white strip `paper.dots` wide (plus a grey margin)."""
    elements = decode(stream)
    regular = ImageFont.truetype(str(font_path(LATIN_REGULAR)), 20)
    bold = ImageFont.truetype(str(font_path(LATIN_BOLD)), 20)
    small = ImageFont.truetype(str(font_path(LATIN_REGULAR)), 15)
    pieces: list[tuple[Image.Image, int]] = []  # (strip, x)
    for element in elements:
        if isinstance(element, TextLine):
            scale_w = 2 if element.double_width else 1
            scale_h = 2 if element.double_height else 1
            base = FONT_B_WIDTH if element.font_b else CHAR_WIDTH
            cell = base * scale_w
            strip = Image.new("1", (paper.dots, LINE_HEIGHT * scale_h), 1)
            if element.text:
                font = bold if element.bold else regular
                glyphs = Image.new("1", (max(1, len(element.text) * base), LINE_HEIGHT), 1)
                draw = ImageDraw.Draw(glyphs)
                # Printers use fixed 12-dot cells; draw each character in its own cell.
                for k, ch in enumerate(element.text):
                    draw.text(
                        (k * base + base // 2, 3), ch, font=small if element.font_b else font, fill=0, anchor="ma"
                    )
                if scale_w > 1 or scale_h > 1:
                    glyphs = glyphs.resize((glyphs.width * scale_w, glyphs.height * scale_h))
                width = min(paper.dots, len(element.text) * cell)
                strip.paste(glyphs.crop((0, 0, width, glyphs.height)), (_x_for(element.align, width, paper.dots), 0))
            pieces.append((strip, 0))
        elif isinstance(element, Raster):
            image = element.to_image()
            pieces.append((image, _x_for(element.align, image.width, paper.dots)))
        elif isinstance(element, QrCode):
            image = _qr_image(element)
            pieces.append((image, _x_for(element.align, image.width, paper.dots)))
        elif isinstance(element, Feed):
            pieces.append((Image.new("1", (paper.dots, LINE_HEIGHT * element.lines), 1), 0))
        elif isinstance(element, Cut):
            strip = Image.new("1", (paper.dots, 12), 1)
            draw = ImageDraw.Draw(strip)
            for x in range(0, paper.dots, 12):
                draw.line((x, 6, x + 6, 6), fill=0)
            pieces.append((strip, 0))
    height = sum(p.height for p, _ in pieces) + 2 * margin
    sheet = Image.new("L", (paper.dots + 2 * margin, height), 200)
    paper_strip = Image.new("L", (paper.dots, height - 2 * margin), 255)
    sheet.paste(paper_strip, (margin, margin))
    y = margin
    for piece, x in pieces:
        sheet.paste(piece.convert("L"), (margin + x, y))
        y += piece.height
    return sheet
