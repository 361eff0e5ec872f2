"""The day-end sync benchmark runs in quick mode and prints its figures (no assertion on time)."""

from __future__ import annotations

import pytest

from bench import bench_sync


def test_quick_benchmark_prints_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_sync.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "day-end sync, 300 ops" in out and "ops/s" in out
    assert "raw ledger posting rate" in out and "local search per keystroke" in out
    assert "server per batch item: total per item" in out
