"""The home dashboard's benchmark (bench/bench_ui.py (d)) in its quick mode, so it keeps working: its figures and
the bare PySide6 baseline beside them are printed, never asserted on time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_dashboard_benchmark_quick_mode_prints_the_refresh_beside_its_baselines() -> None:
    # A process of its own: the benchmark makes its own QApplication.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_ui", "--dashboard", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    page = re.search(
        r"home dashboard refresh after an operation, 1,800 journal entries, 60 today\s+median (\d+\.\d+) ms", out
    )
    bare = re.search(r"baseline: bare PySide6 thread-pool round trip to a QLabel\s+median (\d+\.\d+) ms", out)
    read = re.search(r"the figures' read alone \(kiosk_app/dashboard.py\)\s+median (\d+\.\d+) ms", out)
    assert page and bare and read, out
    assert "≤ 50 ms" in out
    assert all(float(m.group(1)) > 0 for m in (page, bare, read))
