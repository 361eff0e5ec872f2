"""Pixel comparison helpers: reference renderings with Pillow and an ink-overlap score."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from printing.fonts import DEVANAGARI_BOLD, DEVANAGARI_REGULAR, font_path


def pillow_render(text: str, pixel_size: int, *, bold: bool = False, basic: bool = False) -> Image.Image:
    """The text drawn by Pillow: RAQM shapes Devanagari correctly, BASIC breaks conjuncts and matras."""
    engine = ImageFont.Layout.BASIC if basic else ImageFont.Layout.RAQM
    font = ImageFont.truetype(
        str(font_path(DEVANAGARI_BOLD if bold else DEVANAGARI_REGULAR)), pixel_size, layout_engine=engine
    )
    left, top, right, bottom = font.getbbox(text)
    image = Image.new("L", (right - left + 20, bottom - top + 20), 255)
    ImageDraw.Draw(image).text((10 - left, 10 - top), text, font=font, fill=0)
    return image


def ink(image: Image.Image) -> Image.Image:
    """Mode "1" image where 1 = ink, cropped to the ink's bounding box."""
    mask = image.convert("L").point(lambda v: 255 if v < 128 else 0).convert("1")
    box = mask.getbbox()
    assert box is not None, "no ink at all"
    return mask.crop(box)


def ink_iou(candidate: Image.Image, reference: Image.Image) -> float:
    """Intersection over union of the ink after aligning bounding boxes (candidate scaled to the reference)."""
    a = ink(candidate)
    b = ink(reference)
    if a.size != b.size:
        a = a.resize(b.size, Image.Resampling.NEAREST)
    a_px, b_px = a.convert("L").tobytes(), b.convert("L").tobytes()
    both = sum(1 for x, y in zip(a_px, b_px, strict=True) if x and y)
    either = sum(1 for x, y in zip(a_px, b_px, strict=True) if x or y)
    return both / either if either else 0.0


def ink_match(candidate: Image.Image, reference: Image.Image) -> float:
    """Like ink_iou, but a pixel counts as matched when the other image has ink within 1 pixel.

    Two rasterisers (Qt and Pillow's FreeType use) may round a stem to a neighbouring pixel; a
    wrong shaping moves whole glyph parts, far more than one pixel. Returns min(precision, recall).
    """
    from PIL import ImageFilter

    a = ink(candidate)
    b = ink(reference)
    if a.size != b.size:
        a = a.resize(b.size, Image.Resampling.NEAREST)
    a_l, b_l = a.convert("L"), b.convert("L")
    a_wide = a_l.filter(ImageFilter.MaxFilter(3))
    b_wide = b_l.filter(ImageFilter.MaxFilter(3))
    a_px, b_px = a_l.tobytes(), b_l.tobytes()
    a_hit = sum(1 for x, y in zip(a_px, b_wide.tobytes(), strict=True) if x and y)
    b_hit = sum(1 for x, y in zip(b_px, a_wide.tobytes(), strict=True) if x and y)
    a_count = sum(1 for x in a_px if x)
    b_count = sum(1 for x in b_px if x)
    return min(a_hit / a_count, b_hit / b_count)
