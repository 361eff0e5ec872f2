"""Hindi rasters: Qt's shaping matches an independent shaping (Pillow + RAQM), and not a broken one."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image

from printing.raster import Align, TextStyle, render_line
from tests.printing.ink_pixels import ink_match, pillow_render

# Conjuncts, reph and pre-base matras: what a naive renderer gets wrong.
HARD_LINES = ["क्षत्रिय प्रमाण श्री कुर्सी", "विद्युत बिल भुगतान", "ज्ञान त्र क्षि"]


@pytest.mark.parametrize("text", HARD_LINES)
@pytest.mark.parametrize(("size", "bold"), [(24, False), (30, True)])
def test_qt_raster_matches_reference_shaping(text: str, size: int, bold: bool) -> None:
    raster = render_line(text, 384, TextStyle(size, bold))
    assert raster.mode == "1" and raster.width == 384
    assert ink_match(raster, pillow_render(text, size, bold=bold)) >= 0.95


@pytest.mark.parametrize("text", HARD_LINES)
def test_broken_shaping_does_not_match(text: str) -> None:
    """The check can fail: Pillow's BASIC layout (no shaping) breaks conjuncts and is rejected."""
    raster = render_line(text, 384, TextStyle(24))
    assert ink_match(raster, pillow_render(text, 24, basic=True)) < 0.9


def test_alignment_and_wrapping() -> None:
    left = render_line("सेवा", 384, TextStyle(24, False, Align.LEFT))
    right = render_line("सेवा", 384, TextStyle(24, False, Align.RIGHT))
    left_ink = left.convert("L").point(lambda v: 255 - v).getbbox()
    right_ink = right.convert("L").point(lambda v: 255 - v).getbbox()
    assert left_ink is not None and right_ink is not None
    assert left_ink[0] < 10 and right_ink[2] > 374
    long_line = render_line("जयपुर विद्युत वितरण निगम लिमिटेड " * 3, 384, TextStyle(24))
    assert long_line.height > 2 * left.height, "a long line wraps instead of running off the paper"


def test_rendering_from_worker_threads_matches_main_thread() -> None:
    text = "कुर्सी प्रमाण ₹1,23,456.50"
    expected = render_line(text, 576, TextStyle(26)).tobytes()
    from printing.raster import render_gray, to_mono

    results: list[bytes] = []

    def work() -> None:
        results.append(to_mono(render_gray(text, 576, TextStyle(26))).tobytes())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 4


def test_fresh_process_gets_offscreen_qguiapplication_without_widgets(tmp_path: Path) -> None:
    """The product's own start-up path: no QApplication, no display, and QtWidgets never imported."""
    script = tmp_path / "probe.py"
    out = tmp_path / "line.png"
    script.write_text(
        "import os, sys\n"
        "os.environ.pop('QT_QPA_PLATFORM', None); os.environ.pop('DISPLAY', None)\n"
        "from printing.raster import ensure_qt_gui, render_line, TextStyle\n"
        "app = ensure_qt_gui()\n"
        "import printing.thermal, printing.pdf, printing.spool_runner, printing.escpos_decode, printing.connections\n"
        f"render_line('श्री', 384, TextStyle(24)).save({str(out)!r})\n"
        "print(type(app).__name__, os.environ.get('QT_QPA_PLATFORM'), 'PySide6.QtWidgets' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["QGuiApplication", "offscreen", "False"]
    assert ink_match(Image.open(out), pillow_render("श्री", 24)) >= 0.95
