"""The exactly-once checker (tests/support/checker.py) in its quick, bounded form: two server processes on one
SQLite file, then on one PostgreSQL database, random concurrent load with targeted races — and our books and
every other party's records (the departments, the old portal) must agree with what was answered.

On the code of 2026-12-02 both fail, as they should until issue 25 is fixed: bills refunded while the
department holds them paid, one bill paid twice under two operation ids, and (PostgreSQL) an old-portal limit
credited twice. The longer mode is `python -m bench.bench_exactly_once`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.checker import CheckerConfig, run
from tests.support.pgcluster import PgCluster

QUICK = CheckerConfig(seconds=12, kiosks=3, workers=3, seed=25, bursts=6, stale_rounds=2, resolve_seconds=30)


def test_two_processes_on_one_sqlite_file_agree_with_every_party(tmp_path: Path) -> None:
    config = replace(QUICK, backend="sqlite")
    verdict = run(config, tmp_path)
    report = verdict.report(config)
    print(report)
    assert verdict.figures["payment operations"] > 0 and verdict.figures["status polls"] > 0
    assert verdict.all_problems == [], report


@pytest.mark.postgres
def test_two_processes_on_one_postgresql_database_agree_with_every_party(tmp_path: Path, pg_cluster: PgCluster) -> None:
    config = replace(QUICK, backend="postgres")
    verdict = run(config, tmp_path, pg_cluster)
    report = verdict.report(config)
    print(report)
    assert verdict.figures["payment operations"] > 0 and verdict.figures["status polls"] > 0
    assert verdict.all_problems == [], report
