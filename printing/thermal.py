"""Renders receipts and reports as ESC/POS for 58 mm and 80 mm thermal printers (python-escpos)."""

from __future__ import annotations

import copy
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import qrcode
import qrcode.constants
from PIL import Image, ImageChops, ImageDraw, ImageFont

import words
from printing import profiles
from printing.fonts import LATIN_REGULAR, font_path
from printing.money import format_rupees
from printing.profiles import CHAR_WIDTH as CHAR_WIDTH
from printing.profiles import RULER_WIDTHS, Paper
from printing.raster import Align, TextStyle, cut_to_width, render_line
from printing.receipt import IST, Bilingual, Kiosk, Labels, PaymentMethod, Receipt, Report, ReportTable

if TYPE_CHECKING:
    from escpos.escpos import Escpos
    from escpos.printer import Dummy

# python-escpos loads its printer capabilities database when escpos.escpos is first imported (about half a
# second): it is imported where a document is rendered, not when this module is, so start-up does not pay for it.

__all__ = ["CHAR_WIDTH", "PAPERS", "PAPER_58MM", "PAPER_80MM", "Paper"]

# printing.profiles builds these on first use (the module __getattr__ below); declared for type checkers.
PAPER_58MM: Paper
PAPER_80MM: Paper
PAPERS: dict[str, Paper]


def __getattr__(name: str) -> Any:
    if name in ("PAPER_58MM", "PAPER_80MM", "PAPERS"):
        return getattr(profiles, name)
    raise AttributeError(name)


def escpos_profile(paper: Paper) -> object:
    """The python-escpos profile of this printer profile, at its width and columns.

    The stock 58 mm profiles (POS-5890, ZJ-5870) claim no cutter, which would make python-escpos drop
    the cut; most kiosk printers ignore commands they lack, so we send it. QR follows the profile:
    where it has none, ThermalWriter.qr sends the symbol as a raster image.
    """
    from escpos.capabilities import get_profile

    profile = get_profile(paper.escpos_profile)
    data = copy.deepcopy(profile.profile_data)
    data["media"]["width"] = {"mm": data["media"]["width"].get("mm", "Unknown"), "pixels": paper.dots}
    data["features"].update(
        {"paperFullCut": True, "paperPartCut": True, "qrCode": paper.native_qr, "bitImageRaster": True}
    )
    data["fonts"]["0"]["columns"] = paper.columns
    profile.profile_data = data
    return profile


def is_printer_text(text: str) -> bool:
    """Printable ASCII goes to the printer as characters; anything else (Hindi, ₹) as a raster."""
    return all(" " <= ch <= "~" for ch in text)


class ThermalWriter:
    """Writes one document to any python-escpos printer: text as characters, the rest as rasters."""

    HINDI_SIZE = 24
    HINDI_HEADING_SIZE = 30

    def __init__(self, printer: Escpos, paper: Paper) -> None:
        self.printer = printer
        self.paper = paper

    def begin(self) -> None:
        self.printer.hw("INIT")

    def text(self, text: str, *, align: Align = Align.LEFT, bold: bool = False, double: bool = False) -> None:
        if not is_printer_text(text):
            size = self.HINDI_HEADING_SIZE if double else self.HINDI_SIZE
            self.raster(text, TextStyle(size, bold, align))
            return
        # Size first: ESC ! (which python-escpos uses for sizes) also resets emphasis on real printers.
        if double:
            self.printer.set(double_width=True, double_height=True)
        self.printer.set(align=align.value, bold=bold)
        # Wrap here rather than let the printer wrap: alignment then holds for every line.
        width = self.paper.columns // 2 if double else self.paper.columns
        lines = textwrap.wrap(text, width, drop_whitespace=True) or [""]
        # Printable ASCII is the same in every code page, so it goes out as is: python-escpos'
        # MagicEncode would test each character against every code page (most of the render time).
        self.printer._raw("".join(f"{line}\n" for line in lines).encode("ascii"))
        if double:
            self.printer.set(normal_textsize=True)

    def one_line(self, text: str, *, align: Align = Align.CENTER) -> None:
        """A line that must not wrap (the kiosk's code and name): cut to the columns as printer text, or
        to the paper's dots when drawn, in both cases between grapheme clusters only."""
        if is_printer_text(text):
            self.text(text[: self.paper.columns], align=align)
            return
        style = TextStyle(self.HINDI_SIZE, False, align)
        self.raster(cut_to_width(text, self.paper.dots, style), style)

    def raster(self, text: str, style: TextStyle) -> None:
        image = render_line(text, self.paper.dots, style)
        self.image(image)

    def image(self, image: Image.Image) -> None:
        self.printer.set(align="left")
        self.printer.image(image, impl="bitImageRaster", center=False)

    def pair(self, label: str, value: str, *, bold: bool = False) -> None:
        """`label ........ value` on one line; a long value moves to its own right-aligned line.

        A value too long for a line of font A (an operation id on 58 mm) goes in the narrower font B, so it
        is never split; only a value too long for that too is cut into lines.
        """
        columns = self.paper.columns
        if not is_printer_text(label + value):
            self.raster(f"{label}  {value}", TextStyle(self.HINDI_SIZE, bold, Align.LEFT))
            return
        if len(label) + 1 + len(value) <= columns:
            self.text(label + " " * (columns - len(label) - len(value)) + value, bold=bold)
            return
        self.text(label, bold=bold)
        if columns < len(value) <= self.paper.font_b_columns:
            self.small_text(value, align=Align.RIGHT, bold=bold)
            return
        for start in range(0, len(value), columns):
            self.text(value[start : start + columns], align=Align.RIGHT, bold=bold)

    def small_text(self, text: str, *, align: Align = Align.LEFT, bold: bool = False) -> None:
        """One line of printable ASCII in font B (9 dots a character)."""
        self.printer.set(align=align.value, bold=bold, font="b")
        self.printer._raw(f"{text[: self.paper.font_b_columns]}\n".encode("ascii"))
        self.printer.set(font="a")

    def amount(self, label: Bilingual, paise: int, *, bold: bool = False) -> None:
        # ₹ is not in the printers' code pages, so the amount line goes as one raster.
        text_style = TextStyle(self.HINDI_SIZE, bold, Align.LEFT)
        image = _amount_line(label.joined(), format_rupees(paise), self.paper.dots, text_style)
        self.image(image)

    def rule(self, char: str = "-") -> None:
        self.text(char * self.paper.columns)

    def qr(self, data: str) -> None:
        """The printer's own QR (GS ( k) where its profile has one, else the same symbol as a raster image."""
        from escpos.constants import QR_ECLEVEL_M

        if not self.paper.native_qr:
            self.image(qr_image(data, self.paper))
            return
        self.printer.set(align="center")
        self.printer.qr(data, ec=QR_ECLEVEL_M, size=self.paper.qr_module, native=True)
        self.printer.set(align="left")

    def ruler(self) -> None:
        """A raster exactly as wide as the profile: both ends must reach the paper's edges."""
        self.image(width_ruler(self.paper.dots))

    def feed(self, lines: int = 1) -> None:
        self.printer.ln(lines)

    def cut(self) -> None:
        self.printer.cut()


def qr_image(data: str, paper: Paper) -> Image.Image:
    """A QR symbol (error correction M, 4-module quiet zone) centred on a line `paper.dots` wide."""
    builder = qrcode.QRCode(box_size=paper.qr_module, border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    builder.add_data(data)
    builder.make(fit=True)
    symbol = builder.make_image().get_image().convert("1")
    if symbol.width > paper.dots:
        symbol = symbol.resize((paper.dots, paper.dots), Image.Resampling.NEAREST)
    line = Image.new("1", (paper.dots, symbol.height), 1)
    line.paste(symbol, ((paper.dots - symbol.width) // 2, 0))
    return line


def width_ruler(dots: int) -> Image.Image:
    """Ticks every 8 dots, a bar at each end, and the common widths (360, 384, 512, 576) marked and named.

    On a printer narrower than the profile the right end and its number are missing; on a wider one the
    ruler stops short of the right edge.
    """
    height = 48
    ruler = Image.new("1", (dots, height), 1)
    draw = ImageDraw.Draw(ruler)
    font = ImageFont.truetype(str(font_path(LATIN_REGULAR)), 14)
    draw.line((0, height - 1, dots - 1, height - 1), fill=0)
    for x in range(0, dots, 8):
        tick = 16 if x % 64 == 0 else 8
        draw.line((x, height - 1 - tick, x, height - 1), fill=0)
    for width in RULER_WIDTHS:
        if width <= dots:
            draw.line((width - 1, height - 30, width - 1, height - 1), fill=0, width=1)
            draw.text((width - 3, 2), str(width), font=font, fill=0, anchor="ra")
    draw.rectangle((0, 0, 3, height - 1), fill=0)
    draw.rectangle((dots - 4, 0, dots - 1, height - 1), fill=0)
    return ruler


def _amount_line(label: str, amount: str, width: int, style: TextStyle) -> Image.Image:
    """Label on the left, amount on the right, in one raster line."""
    left = render_line(label, width, TextStyle(style.pixel_size, style.bold, Align.LEFT))
    right = render_line(amount, width, TextStyle(style.pixel_size, style.bold, Align.RIGHT))
    height = max(left.height, right.height)
    line = Image.new("1", (width, height), 1)
    # Each part is white where it has no ink, so a logical AND keeps the ink of both.
    line.paste(left, (0, height - left.height))
    line = ImageChops.logical_and(line, _pad_to(right, width, height))
    return line


def _pad_to(image: Image.Image, width: int, height: int) -> Image.Image:
    if image.size == (width, height):
        return image
    padded = Image.new("1", (width, height), 1)
    padded.paste(image, (0, height - image.height))
    return padded


def _issuer(w: ThermalWriter, kiosk: Kiosk) -> None:
    """The kiosk line, its district, and the operator signed in: the same on every receipt and report."""
    w.one_line(f"{kiosk.code}  {kiosk.name}")
    if kiosk.district:
        w.text(kiosk.district, align=Align.CENTER)
    if kiosk.operator:
        w.pair(Labels.OPERATOR.en, kiosk.operator)
        w.raster(f"{Labels.OPERATOR.hi}: {kiosk.operator}", TextStyle(ThermalWriter.HINDI_SIZE))


def write_receipt(printer: Escpos, receipt: Receipt, paper: Paper) -> None:
    """Send one receipt to a python-escpos printer object (Usb, File, Network, Win32Raw or Dummy)."""
    w = ThermalWriter(printer, paper)
    w.begin()
    w.text("eMitra", align=Align.CENTER, bold=True, double=True)
    w.text(Labels.ISSUER.hi, align=Align.CENTER, bold=True)
    _issuer(w, receipt.kiosk)
    w.rule("=")
    if receipt.provisional is not None:
        w.text(f"*** {Labels.PROVISIONAL.en} ***", align=Align.CENTER, bold=True, double=paper.columns >= 48)
        w.raster(
            f"{Labels.PROVISIONAL.hi} — {Labels.PROVISIONAL_NOTE.hi}",
            TextStyle(ThermalWriter.HINDI_SIZE, True, Align.CENTER),
        )
        w.text(Labels.PROVISIONAL_NOTE.en, align=Align.CENTER)
        w.pair(Labels.OPERATION_ID.en, receipt.provisional.operation_id)
    if receipt.duplicate is not None:
        w.text(
            f"*** {Labels.DUPLICATE.en} - {Labels.COPY.en} {receipt.duplicate.copy_number} ***",
            align=Align.CENTER,
            bold=True,
        )
        w.raster(
            f"{Labels.DUPLICATE.hi} — {Labels.COPY.hi} {receipt.duplicate.copy_number}",
            TextStyle(ThermalWriter.HINDI_SIZE, True, Align.CENTER),
        )
    if receipt.corrected is not None:
        note = receipt.corrected_note()
        w.text(f"*** {Labels.CORRECTED.en.upper()} ***", align=Align.CENTER, bold=True)
        w.raster(f"{Labels.CORRECTED.hi} — {note.hi}", TextStyle(ThermalWriter.HINDI_SIZE, True, Align.CENTER))
        w.text(note.en, align=Align.CENTER)
    if receipt.provisional is not None or receipt.duplicate is not None or receipt.corrected is not None:
        w.rule("=")
    w.text(receipt.title.en.upper(), align=Align.CENTER, bold=True)
    w.raster(receipt.title.hi, TextStyle(ThermalWriter.HINDI_HEADING_SIZE, True, Align.CENTER))
    w.rule()
    w.pair(Labels.RECEIPT_NO.en, receipt.receipt_no)
    w.pair(Labels.TRANSACTION_ID.en, receipt.txn_id)
    w.pair(Labels.BILLER_REFERENCE.en, receipt.biller_reference)
    if receipt.approval_no:
        w.pair(Labels.APPROVAL_NO.en, receipt.approval_no)
    w.pair(Labels.DATE_TIME.en, receipt.paid_at_text)
    w.rule()
    w.text(f"{Labels.SERVICE.en}: {receipt.service.en}")
    w.raster(f"{Labels.SERVICE.hi}: {receipt.service.hi}", TextStyle(ThermalWriter.HINDI_SIZE))
    w.text(f"{Labels.DEPARTMENT.en}: {receipt.department.en}")
    w.raster(f"{Labels.DEPARTMENT.hi}: {receipt.department.hi}", TextStyle(ThermalWriter.HINDI_SIZE))
    w.pair(Labels.CONSUMER_NAME.en, receipt.consumer_name)
    w.pair(receipt.consumer_no_label.en, receipt.consumer_no)
    if receipt.masked_mobile:
        w.pair(Labels.MOBILE.en, receipt.masked_mobile)
    w.rule()
    for bill in receipt.bills:
        w.pair(Labels.BILL_NO.en, bill.bill_no)
        if bill.period:
            w.pair(Labels.PERIOD.en, bill.period)
        if bill.due_date:
            w.pair(Labels.DUE_DATE.en, bill.due_date.strftime("%d-%m-%Y"))
        w.amount(Labels.AMOUNT, bill.amount_paise)
    w.rule()
    w.amount(receipt.total_label, receipt.total_paise, bold=True)
    in_words = receipt.total_in_words()
    w.text(f"{Labels.IN_WORDS.en}: {in_words.en}")
    w.raster(f"{Labels.IN_WORDS.hi}: {in_words.hi}", TextStyle(ThermalWriter.HINDI_SIZE))
    w.rule()
    w.pair(Labels.PAYMENT_METHOD.en, receipt.payment.method.label.en)
    if receipt.payment.method is PaymentMethod.DEPARTMENTAL_CHEQUE and receipt.payment.cheque is not None:
        cheque = receipt.payment.cheque
        w.pair(Labels.CHEQUE_NO.en, cheque.number)
        w.pair(Labels.BANK.en, cheque.bank)
        w.pair(Labels.CHEQUE_DATE.en, cheque.dated.strftime("%d-%m-%Y"))
    w.pair(Labels.STATUS.en, receipt.status.label.en, bold=True)
    w.raster(f"{Labels.STATUS.hi}: {receipt.status.label.hi}", TextStyle(ThermalWriter.HINDI_SIZE, True))
    w.feed()
    w.qr(receipt.qr_data)
    w.text(receipt.txn_id, align=Align.CENTER)
    w.rule()
    w.raster(f"{Labels.HELP_DESK.hi} / {Labels.HELP_DESK.en}", TextStyle(ThermalWriter.HINDI_SIZE, False, Align.CENTER))
    for phone in receipt.help_desk.phones:
        w.text(phone, align=Align.CENTER)
    w.text(receipt.help_desk.email, align=Align.CENTER)
    w.raster(Labels.THANKS.joined(), TextStyle(ThermalWriter.HINDI_SIZE, False, Align.CENTER))
    w.text(Labels.COMPUTER_MADE.en, align=Align.CENTER)
    w.raster(Labels.COMPUTER_MADE.hi, TextStyle(ThermalWriter.HINDI_SIZE, False, Align.CENTER))
    w.cut()


def _table_fits(table: ReportTable, columns: int) -> list[int] | None:
    widths = [max([len(c.en), *(len(row[i]) for row in table.rows)]) for i, c in enumerate(table.columns)]
    if sum(widths) + len(widths) - 1 <= columns and all(is_printer_text(c.en) for c in table.columns):
        return widths
    return None


def _table_line(cells: Sequence[str], widths: list[int], right: frozenset[int], columns: int) -> str:
    parts = [
        cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
    ]
    return " ".join(parts)[:columns]


def write_report(printer: Escpos, report: Report, paper: Paper) -> None:
    """Send a day-end, statement or reconcile report to a python-escpos printer object."""
    w = ThermalWriter(printer, paper)
    w.begin()
    w.text(report.title.en, align=Align.CENTER, bold=True)
    w.raster(report.title.hi, TextStyle(ThermalWriter.HINDI_HEADING_SIZE, True, Align.CENTER))
    _issuer(w, report.kiosk)
    if report.subtitle:
        w.text(report.subtitle, align=Align.CENTER)
    w.text(report.generated_at.astimezone(IST).strftime("%d-%m-%Y %H:%M IST"), align=Align.CENTER)
    w.rule("=")
    for row in report.rows:
        w.pair(row.label.en, row.value)
    if report.table is not None:
        table = report.table
        w.rule()
        widths = _table_fits(table, paper.columns)
        if widths is not None:
            w.text(_table_line([c.en for c in table.columns], widths, table.right_aligned, paper.columns), bold=True)
            w.rule()
            for cells in table.rows:
                w.text(_table_line(cells, widths, table.right_aligned, paper.columns))
        else:
            # Too wide for the roll: one block per row, a "column: value" line per cell.
            for cells in table.rows:
                for column, cell in zip(table.columns, cells, strict=True):
                    w.pair(column.en, cell)
                w.rule()
    w.rule("=")
    for line in report.footer:  # the English as printer text (wrapped at the columns), the Hindi drawn
        w.text(line.en, align=Align.CENTER)
        w.raster(line.hi, TextStyle(ThermalWriter.HINDI_SIZE, False, Align.CENTER))
    w.cut()


def write_check_page(printer: Escpos, paper: Paper) -> None:
    """A short page that proves text, Hindi rasters, QR and the cutter all work."""
    w = ThermalWriter(printer, paper)
    w.begin()
    title = Bilingual.of("printed.test_print")
    w.text(title.en, align=Align.CENTER, bold=True, double=True)
    # Conjuncts, a matra before its consonant and the rupee sign: what broken shaping gets wrong first.
    w.raster(f"{title.hi} — क्षत्रिय श्री कुर्सी ₹1,23,456.50", TextStyle(ThermalWriter.HINDI_SIZE, False, Align.CENTER))
    w.text(
        words.english("printed.test_paper", paper=paper.name, columns=paper.columns),
        align=Align.CENTER,
    )
    w.rule()
    # A column ruler of exactly `columns` characters, then the dot ruler: both must reach the right edge.
    w.text(("1234567890" * (paper.columns // 10 + 1))[: paper.columns - 1] + "|")
    w.ruler()
    w.qr("EMITRA-TEST-PRINT")
    w.cut()


def use_paper(printer: Escpos, paper: Paper) -> Escpos:
    """Give a python-escpos printer our profile for this roll (its constructor takes only stock names)."""
    printer.profile = escpos_profile(paper)
    return printer


def new_buffer_printer(paper: Paper) -> Dummy:
    from escpos.printer import Dummy

    printer = Dummy()
    use_paper(printer, paper)
    return printer


def receipt_bytes(receipt: Receipt, paper: Paper) -> bytes:
    """The ESC/POS byte stream of a receipt, rendered once and then sent to any connection."""
    buffer = new_buffer_printer(paper)
    write_receipt(buffer, receipt, paper)
    return bytes(buffer.output)


def report_bytes(report: Report, paper: Paper) -> bytes:
    buffer = new_buffer_printer(paper)
    write_report(buffer, report, paper)
    return bytes(buffer.output)


def check_page_bytes(paper: Paper) -> bytes:
    buffer = new_buffer_printer(paper)
    write_check_page(buffer, paper)
    return bytes(buffer.output)
