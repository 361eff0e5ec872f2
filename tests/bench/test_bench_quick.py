"""The benchmarks' quick modes, so they keep working; figures are printed, never asserted on time."""

from __future__ import annotations

import pytest

from bench import bench_catalog, bench_ledger


@pytest.mark.slow
def test_ledger_benchmark_runs_and_reports_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    figures = bench_ledger.run(quick=True)
    print(bench_ledger.table(figures))
    names = " ".join(f.name for f in figures)
    assert "SQLite ledger, in-process" in names and "100 ops/request" in names
    if bench_ledger.find_pg_bin() is not None:
        assert "PostgreSQL ledger, in-process" in names
    assert all(f.ops_per_s > 0 and f.baseline_ops_per_s > 0 for f in figures)
    assert "ratio" in capsys.readouterr().out


def test_catalog_benchmark_runs_and_reports_search_and_payments() -> None:
    figures = bench_catalog.run(quick=True)
    assert figures["search"]["services"] == 500 and figures["search"]["keystrokes"] > 0
    assert figures["payments"]["payments_per_s"] > 0 and figures["payments"]["ledger_postings_per_s"] > 0


def test_update_benchmark_runs_and_reports_check_cost_and_patch_size() -> None:
    from bench import bench_update

    figures = bench_update.run(quick=True, rounds=3)
    assert figures.check_ms > 0 and figures.bare_get_ms > 0 and figures.start_decision_ms > 0
    assert 0 < figures.patch_bytes < figures.full_bytes
    assert "patch" in bench_update.table(figures)


def test_fleet_benchmark_lists_every_kiosk_under_its_problem() -> None:
    from bench import bench_fleet

    figures = bench_fleet.run(quick=True)
    assert figures.counts == figures.expected
    assert figures.refused_again == figures.kiosks
    assert figures.reports_per_s > 0 and figures.bare_per_s > 0 and figures.list_ms > 0
    assert "reports/s" in bench_fleet.table(figures)
