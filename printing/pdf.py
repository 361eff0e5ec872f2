"""Renders receipts and reports as A4 PDFs with reportlab, Hindi shaped by HarfBuzz (or drawn as images)."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from PIL import Image as PILImage
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from printing.fonts import DEVANAGARI_BOLD, DEVANAGARI_REGULAR, LATIN_BOLD, LATIN_REGULAR, font_path
from printing.money import format_rupees
from printing.receipt import IST, Bilingual, Kiosk, Labels, PaymentMethod, Receipt, Report

HINDI = "ReceiptHindi"
LATIN = "ReceiptLatin"
_fonts_lock = threading.Lock()
_fonts_ready = False

# Image fallback resolution: 300 dpi keeps Hindi crisp when printed on an office printer.
IMAGE_DPI = 300


def shaping_available() -> bool:
    """reportlab shapes complex scripts only with uharfbuzz installed (the reportlab[shaping] extra)."""
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    return True


def register_fonts() -> None:
    global _fonts_ready
    with _fonts_lock:
        if _fonts_ready:
            return
        for name, file_name in (
            (HINDI, DEVANAGARI_REGULAR),
            (HINDI + "-Bold", DEVANAGARI_BOLD),
            (LATIN, LATIN_REGULAR),
            (LATIN + "-Bold", LATIN_BOLD),
        ):
            pdfmetrics.registerFont(TTFont(name, str(font_path(file_name))))
        for family in (HINDI, LATIN):
            pdfmetrics.registerFontFamily(
                family, normal=family, bold=family + "-Bold", italic=family, boldItalic=family + "-Bold"
            )
        _fonts_ready = True


def is_devanagari(ch: str) -> bool:
    code = ord(ch)
    return 0x0900 <= code <= 0x097F or 0xA8E0 <= code <= 0xA8FF or 0x1CD0 <= code <= 0x1CFF or ch == "₹"


def has_devanagari(text: str) -> bool:
    return any(is_devanagari(ch) for ch in text)


def _hindi_cmap() -> set[int]:
    register_fonts()
    font = pdfmetrics.getFont(HINDI)
    assert isinstance(font, TTFont)
    return set(font.face.charToGlyph)


def _split_words(text: str) -> list[str]:
    """Words and the whitespace between them, in order (reportlab shapes one word at a time)."""
    parts: list[str] = []
    for ch in text:
        if parts and parts[-1][-1].isspace() == ch.isspace():
            parts[-1] += ch
        else:
            parts.append(ch)
    return parts


def pdf_shapeable(text: str) -> bool:
    """Whether reportlab can shape this line: every word must fit in one font.

    reportlab 5.1 shapes a word with the font of its first character and then looks the glyphs up in
    each fragment's own font, so a word that mixes Devanagari with Latin letters comes out garbled.
    """
    cmap = _hindi_cmap()
    return all(not has_devanagari(word) or all(ord(ch) in cmap for ch in word) for word in _split_words(text))


def _script_runs(text: str) -> list[tuple[bool, str]]:
    """(is Hindi, text) runs of whole words; spaces between Hindi words stay Hindi so runs stay long."""
    runs: list[tuple[bool, str]] = []
    for word in _split_words(text):
        hindi = has_devanagari(word) or (word.isspace() and bool(runs) and runs[-1][0])
        if runs and runs[-1][0] == hindi:
            runs[-1] = (hindi, runs[-1][1] + word)
        else:
            runs.append((hindi, word))
    return runs


def mixed_markup(text: str, *, bold: bool = False) -> str:
    """Paragraph markup with every word that holds Devanagari (or ₹) in the Devanagari font.

    The Devanagari font has no Latin letters, so English words use the Latin face; whole words
    switch font (see pdf_shapeable) and spaces between Hindi words stay Hindi so runs stay long.
    """
    runs = _script_runs(text)
    # An explicit face overrides <b>, so the bold Hindi face is named here.
    hindi_face = HINDI + "-Bold" if bold else HINDI
    markup = "".join(f'<font face="{hindi_face}">{escape(t)}</font>' if h else escape(t) for h, t in runs)
    return f"<b>{markup}</b>" if bold else markup


class _Styles:
    def __init__(self) -> None:
        base = ParagraphStyle("base", fontName=LATIN, fontSize=10, leading=15, shaping=1)
        self.body = base
        self.right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT)
        self.small = ParagraphStyle("small", parent=base, fontSize=9, leading=13)
        self.center = ParagraphStyle("center", parent=base, alignment=TA_CENTER)
        self.heading = ParagraphStyle("heading", parent=base, fontSize=16, leading=24, alignment=TA_CENTER)
        self.title = ParagraphStyle("title", parent=base, fontSize=13, leading=20, alignment=TA_CENTER)
        self.mark = ParagraphStyle(
            "mark", parent=base, fontSize=12, leading=18, alignment=TA_CENTER, textColor=colors.HexColor("#9b1c1c")
        )


def actual_text(text: str) -> str:
    """A PDF text string (UTF-16BE with its byte-order mark, in hex) for a marked-content ActualText."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


class SearchableParagraph(Paragraph):  # type: ignore[misc]  # reportlab ships no type hints
    """A Paragraph whose shaped Hindi copies and searches as the text that was drawn.

    HarfBuzz turns a conjunct, a reph or the ि matra into glyphs that the font's ToUnicode map can only
    give back one character each, out of order ("ई-म, राजान सरकार"). PDF's marked content with an
    ActualText (PDF 32000-1, 14.9.4) says which text the glyphs stand for: pdftotext, Acrobat and
    pdf.js copy and search that instead.
    """

    def __init__(self, markup: str | None, style: ParagraphStyle, *args: Any, actual: str = "", **kwargs: Any) -> None:
        # Paragraph.split() makes its parts with self.__class__(None, style, frags=...): the same signature.
        super().__init__(markup, style, *args, **kwargs)
        self.actual = actual

    def draw(self) -> None:
        if not self.actual:
            super().draw()
            return
        code = self.canv._code  # reportlab's content stream: the operators go in around the paragraph's BT..ET
        code.append(f"/Span <</ActualText {actual_text(self.actual)}>> BDC")
        super().draw()
        code.append("EMC")

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        parts: list[Flowable] = super().split(availWidth, availHeight)
        # A paragraph split over two pages: its whole text is searchable on the first part.
        if parts and isinstance(parts[0], SearchableParagraph):
            parts[0].actual = self.actual
        return parts


class HindiLineImage(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """A line of text drawn by Qt as an image, for PDFs made where reportlab cannot shape Hindi."""

    def __init__(self, text: str, style: ParagraphStyle, bold: bool = False) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self.bold = bold
        self._image: PILImage.Image | None = None
        self._draw_size = (0.0, 0.0)

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        from printing.raster import Align, TextStyle, render_gray

        align = {TA_CENTER: Align.CENTER, TA_RIGHT: Align.RIGHT}.get(self.style.alignment, Align.LEFT)
        scale = IMAGE_DPI / 72.0
        gray = render_gray(
            self.text, max(1, int(aw * scale)), TextStyle(round(self.style.fontSize * scale), self.bold, align)
        )
        ink = gray.point(lambda v: 255 - v).getbbox()
        if ink is not None:
            gray = gray.crop((0, max(0, ink[1] - 4), gray.width, min(gray.height, ink[3] + 4)))
        self._image = gray
        self._draw_size = (gray.width / scale, gray.height / scale)
        return aw, self._draw_size[1] + 2

    def draw(self) -> None:
        assert self._image is not None
        canvas = self.canv
        canvas.drawImage(ImageReader(self._image), 0, 1, width=self._draw_size[0], height=self._draw_size[1])
        # The picture has no text: the same words go underneath as invisible text (render mode 3), each
        # character its own glyph in logical order, inside an ActualText span like a shaped paragraph's.
        canvas._code.append(f"/Span <</ActualText {actual_text(self.text)}>> BDC")
        words = canvas.beginText(0, 1 + self._draw_size[1] / 3)
        words.setTextRenderMode(3)
        size = self.style.fontSize
        for hindi, run in _script_runs(self.text):
            words.setFont(HINDI if hindi else LATIN, size)
            words.textOut(run)
        canvas.drawText(words)
        canvas._code.append("EMC")


class PdfWriter:
    """Builds flowables; `text()` decides between a shaped Paragraph and the image fallback."""

    def __init__(self, *, hindi_as_images: bool | None = None) -> None:
        register_fonts()
        self.styles = _Styles()
        self.hindi_as_images = (not shaping_available()) if hindi_as_images is None else hindi_as_images

    def text(self, text: str, style: ParagraphStyle | None = None, *, bold: bool = False) -> Flowable:
        style = style or self.styles.body
        if has_devanagari(text) and (self.hindi_as_images or not pdf_shapeable(text)):
            return HindiLineImage(text, style, bold)
        if has_devanagari(text):
            return SearchableParagraph(mixed_markup(text, bold=bold), style, actual=text)
        return Paragraph(mixed_markup(text, bold=bold), style)

    def label(self, label: Bilingual) -> Flowable:
        return self.text(label.joined(), self.styles.small)

    def field_table(self, rows: Sequence[tuple[Bilingual, str]], *, bold_last: bool = False) -> Table:
        data = [
            [self.label(label), self.text(value, bold=bold_last and i == len(rows) - 1)]
            for i, (label, value) in enumerate(rows)
        ]
        table = Table(data, colWidths=[62 * mm, None])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        return table

    def grid(
        self,
        header: Sequence[Bilingual],
        rows: Sequence[Sequence[str]],
        right: frozenset[int],
        widths: Sequence[float | None] | None = None,
    ) -> Table:
        head = [self.text(h.joined(), self.styles.small, bold=True) for h in header]
        body = [
            [self.text(cell, self.styles.right if i in right else self.styles.body) for i, cell in enumerate(row)]
            for row in rows
        ]
        table = Table([head, *body], colWidths=list(widths) if widths else None, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        return table


def _qr_drawing(data: str, size: float = 32 * mm) -> Drawing:
    widget = QrCodeWidget(data, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _watermark(text: str) -> Callable[[Canvas, SimpleDocTemplate], None]:
    def draw(canvas: Canvas, _doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(LATIN + "-Bold", 70)
        canvas.setFillColor(colors.Color(0.85, 0.1, 0.1, alpha=0.12))
        canvas.translate(A4[0] / 2, A4[1] / 2)
        canvas.rotate(45)
        canvas.drawCentredString(0, 0, text)
        canvas.restoreState()

    return draw


def _build(flowables: list[Flowable], title: str, watermark: str | None) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author="eMitra kiosk",
        creator="eMitra kiosk",
    )
    if watermark:
        mark = _watermark(watermark)
        doc.build(flowables, onFirstPage=mark, onLaterPages=mark)
    else:
        doc.build(flowables)
    return buffer.getvalue()


def _header(w: PdfWriter, kiosk: Kiosk) -> list[Flowable]:
    """The issuer, the kiosk line and the operator signed in: the same on every receipt and report."""
    operator = [w.text(f"{Labels.OPERATOR.joined()}: {kiosk.operator}", w.styles.center)] if kiosk.operator else []
    return [
        w.text(Labels.ISSUER.joined(), w.styles.heading, bold=True),
        w.text(f"{kiosk.code}  {kiosk.name}  {kiosk.district}".strip(), w.styles.center),
        *operator,
        Spacer(1, 4 * mm),
    ]


def receipt_pdf(receipt: Receipt, *, hindi_as_images: bool | None = None) -> bytes:
    """An A4 PDF of the receipt, for the customer's e-mail or an office printer."""
    w = PdfWriter(hindi_as_images=hindi_as_images)
    story: list[Flowable] = _header(w, receipt.kiosk)
    if receipt.provisional is not None:
        story.append(
            w.text(f"{Labels.PROVISIONAL.joined()} — {Labels.PROVISIONAL_NOTE.joined()}", w.styles.mark, bold=True)
        )
        story.append(w.text(f"{Labels.OPERATION_ID.en}: {receipt.provisional.operation_id}", w.styles.center))
    if receipt.corrected is not None:
        note = receipt.corrected_note()
        story.append(w.text(f"{Labels.CORRECTED.hi} — {note.hi}", w.styles.mark, bold=True))
        story.append(w.text(f"{Labels.CORRECTED.en} — {note.en}", w.styles.mark, bold=True))
    if receipt.duplicate is not None:
        story.append(
            w.text(
                f"{Labels.DUPLICATE.joined()} — {Labels.COPY.joined()} {receipt.duplicate.copy_number}",
                w.styles.mark,
                bold=True,
            )
        )
    story.append(w.text(receipt.title.joined(), w.styles.title, bold=True))
    story.append(Spacer(1, 3 * mm))
    rows: list[tuple[Bilingual, str]] = [
        (Labels.RECEIPT_NO, receipt.receipt_no),
        (Labels.TRANSACTION_ID, receipt.txn_id),
        (Labels.BILLER_REFERENCE, receipt.biller_reference),
        *([(Labels.APPROVAL_NO, receipt.approval_no)] if receipt.approval_no else []),
        (Labels.DATE_TIME, receipt.paid_at_text),
        (Labels.SERVICE, receipt.service.joined()),
        (Labels.DEPARTMENT, receipt.department.joined()),
        (Labels.CONSUMER_NAME, receipt.consumer_name),
        (receipt.consumer_no_label, receipt.consumer_no),
        *([(Labels.MOBILE, receipt.masked_mobile)] if receipt.masked_mobile else []),
    ]
    story.append(w.field_table(rows))
    story.append(Spacer(1, 4 * mm))
    bill_rows = [
        (b.bill_no, b.period, b.due_date.strftime("%d-%m-%Y") if b.due_date else "", format_rupees(b.amount_paise))
        for b in receipt.bills
    ]
    story.append(
        w.grid(
            (Labels.BILL_NO, Labels.PERIOD, Labels.DUE_DATE, Labels.AMOUNT),
            [*bill_rows, ("", "", receipt.total_label.joined(), format_rupees(receipt.total_paise))],
            right=frozenset({3}),
            widths=(52 * mm, 32 * mm, 40 * mm, None),
        )
    )
    in_words = receipt.total_in_words()
    story.append(Spacer(1, 2 * mm))
    story.append(w.field_table([(Labels.IN_WORDS, f"{in_words.en} / {in_words.hi}")]))
    story.append(Spacer(1, 4 * mm))
    pay_rows: list[tuple[Bilingual, str]] = [(Labels.PAYMENT_METHOD, receipt.payment.method.label.joined())]
    if receipt.payment.method is PaymentMethod.DEPARTMENTAL_CHEQUE and receipt.payment.cheque is not None:
        cheque = receipt.payment.cheque
        pay_rows += [
            (Labels.CHEQUE_NO, cheque.number),
            (Labels.BANK, cheque.bank),
            (Labels.CHEQUE_DATE, cheque.dated.strftime("%d-%m-%Y")),
        ]
    pay_rows.append((Labels.STATUS, receipt.status.label.joined()))
    story.append(w.field_table(pay_rows, bold_last=True))
    story.append(Spacer(1, 5 * mm))
    qr = Table(
        [[_qr_drawing(receipt.qr_data), [w.text(Labels.SCAN.joined(), w.styles.small), w.text(receipt.txn_id)]]],
        colWidths=[36 * mm, None],
    )
    qr.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story.append(qr)
    story.append(Spacer(1, 4 * mm))
    desk = receipt.help_desk
    story.append(w.text(f"{Labels.HELP_DESK.joined()}: {', '.join(desk.phones)}  {desk.email}", w.styles.small))
    story.append(w.text(Labels.COMPUTER_MADE.joined(), w.styles.small))
    watermark = (
        "PROVISIONAL"
        if receipt.provisional
        else "DUPLICATE"
        if receipt.duplicate
        else "CORRECTED"
        if receipt.corrected
        else None
    )
    return _build(story, f"Receipt {receipt.receipt_no}", watermark)


def report_pdf(report: Report, *, hindi_as_images: bool | None = None) -> bytes:
    """An A4 PDF of a day-end, statement or reconcile report."""
    w = PdfWriter(hindi_as_images=hindi_as_images)
    story: list[Flowable] = _header(w, report.kiosk)
    story.append(w.text(report.title.joined(), w.styles.title, bold=True))
    generated = report.generated_at.astimezone(IST)
    when = generated.strftime("%d-%m-%Y %H:%M IST")
    # A subtitle that names the day ("Business day 25-11-2025") is followed by the time alone.
    if report.subtitle and generated.strftime("%d-%m-%Y") in report.subtitle:
        when = generated.strftime("%H:%M IST")
    line = f"{report.subtitle}  {when}" if report.subtitle else when
    story.append(w.text(line, w.styles.center))
    story.append(Spacer(1, 4 * mm))
    if report.rows:
        story.append(w.field_table([(row.label, row.value) for row in report.rows]))
        story.append(Spacer(1, 4 * mm))
    if report.table is not None:
        story.append(w.grid(report.table.columns, report.table.rows, report.table.right_aligned))
        story.append(Spacer(1, 6 * mm))
    for footer in report.footer:
        story.append(Spacer(1, 10 * mm))
        story.append(w.text(footer.joined(), ParagraphStyle("footer", parent=w.styles.body, alignment=TA_LEFT)))
    return _build(story, report.title.en, None)
