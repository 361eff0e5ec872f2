"""The screens benchmark's quick mode, so it keeps working: figures are printed, never asserted on time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_ui_benchmark_quick_mode_runs_and_prints_every_figure() -> None:
    # A process of its own: the benchmark makes its own QApplication and spawns the cold starts it times.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_ui", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    cold = re.search(r"cold start to the login window \(median of 2\)\s+(\d+\.\d+) s", out)
    bare = re.search(r"baseline: import PySide6 \+ show an empty QWidget\s+(\d+\.\d+) s", out)
    page = re.search(
        r"Avail Service keystroke to results, 1,000 cached services \+ 2,000 customers' payments\s+"
        r"median (\d+\.\d+) ms",
        out,
    )
    customers = re.search(r"customer memory over 2,000 payments \(raw, SQLite FTS5\)\s+median (\d+\.\d+) ms", out)
    raw = re.search(r"baseline: raw catalog cache search\s+median (\d+\.\d+) ms", out)
    memory = re.search(r"client memory \(RSS\) after 10 payments\s+(\d+) MB \(peak (\d+) MB\)", out)
    baseline = re.search(r"at the login window / after the first payment\s+(\d+) / (\d+) MB", out)
    printed = re.search(r"growth per payment after the first; receipts printed; session time\s+-?\d+ kB; (\d+);", out)
    assert cold and bare and page and raw and customers and memory and baseline and printed, out
    assert all(float(m.group(1)) > 0 for m in (cold, bare, page, raw, memory, baseline))
    assert int(memory.group(2)) >= int(memory.group(1))  # the peak is at least the figure after the session
    assert printed.group(1) == "10"  # every customer's receipt reached the (virtual) printer
    keys = re.search(r"main window to printed receipt, keyboard only\s+(\d+) keys, (\d+\.\d) s", out)
    silent = re.search(
        r"over a silent network \(no answer, no close\)\s+(\d+\.\d) s \(the kiosk's limit (\S+) s\)", out
    )
    assert keys and silent, out
    assert int(keys.group(1)) < 34  # the keys an ordinary payment takes: counted, so fewer is a fact, not a time
    returning = re.search(r"for a returning customer \(pay again from the customer memory\)\s+(\d+) keys", out)
    assert returning and int(returning.group(1)) <= 34 // 2, out
    assert float(silent.group(1)) > 0 and float(silent.group(2)) > 0
