"""The receipt benchmark runs in quick mode and prints its table (no assertion on time)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_receipt.py"


def test_quick_benchmark_prints_figures(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_receipt", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_receipt"] = module
    try:
        spec.loader.exec_module(module)
        assert module.main(["--quick"]) == 0
    finally:
        del sys.modules["bench_receipt"]
    out = capsys.readouterr().out
    assert "median ms" in out
    assert "ours 58mm-360 (360 dots), rasters cached" in out and "python-escpos plain text 80mm" in out
    assert "ours POS-5890 (384 dots), first print" in out
    assert "3 receipts, one connection" in out and "3 receipts, a connection per receipt" in out
