"""Two server processes through PgBouncer (Debian's 1.18, transaction pooling) on PostgreSQL: a storm of kiosks'
payments and refills, replays and whole batches sent again, and the books checked — by the storm's own checks
straight in PostgreSQL and by `emitra-server check-ledger` through the pooler."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bench import bench_storm
from bench.bench_storm import Rig, StormConfig
from tests.support.pgbouncer import PgBouncer, database_of, find_pgbouncer
from tests.support.pgcluster import PgCluster, find_pg_bin
from tests.support.server import ROOT

pytestmark = pytest.mark.postgres

QUICK = StormConfig(
    kiosks=16, ops_per_kiosk=10, concurrency=8, batch_size=5, duplicates=0.1, batch_replays=0.1, pooler=True
)


def _need_binaries() -> None:
    if find_pg_bin() is None or find_pgbouncer() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL or PgBouncer is missing; .ci/run must install them")
        pytest.skip("PostgreSQL server binaries or pgbouncer not installed")


@pytest.fixture(scope="module")
def pooled() -> Iterator[Rig]:
    _need_binaries()
    rig = Rig(Path(tempfile.mkdtemp(prefix="emitra-pooled-")), proxies=False, pooler=True).start()
    yield rig
    rig.stop()


def test_a_storm_through_pgbouncer_leaves_every_operation_exactly_once(pooled: Rig) -> None:
    assert pooled.pair is not None
    bouncer = pooled.pair.bouncers[0]
    assert str(bouncer.port) in pooled.server_url  # the servers are given the pooler, not PostgreSQL
    storm = bench_storm.storm(pooled, QUICK, print)
    f = storm.figures
    print(bench_storm.report(f, QUICK, pooled))
    assert f.all_problems == []
    held = [op for k in storm.kiosks for op in k.ops]
    assert all(op.state in ("done", "refused") for op in held)
    assert sum(1 for op in held if op.kind == "payment" and op.state == "done") > 100
    assert f.events["replays answered with the first payment"] > 0
    assert f.events["whole batches sent again to the other server process"] > 0
    assert sum(f.errors.values()) == 0, f.errors  # no prepared statement lost between server connections

    # The traffic went through the pooler, which held far fewer PostgreSQL connections than it had clients.
    stats = {row["database"]: row for row in bouncer.show("STATS")}
    name = database_of(pooled.url)
    assert int(str(stats[name]["total_xact_count"])) > 500
    assert pooled.cluster is not None
    backends = pooled.cluster.sql(f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}'")
    assert 0 < int(str(backends[0][0])) <= bouncer.pool_size

    # The operator's own check, through the pooler as the servers reach the database.
    out = subprocess.run(
        [sys.executable, "-m", "server.cli", "check-ledger"],
        cwd=ROOT,
        env={**os.environ, "EMITRA_DATABASE_URL": pooled.server_url, "EMITRA_DB_PREPARED_STATEMENTS": "false"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0 and "ledger balanced" in out.stdout, out.stdout + out.stderr


def test_session_state_and_prepared_statements_cross_between_clients_of_one_server_connection() -> None:
    """Why the server keeps no session state and prepares nothing behind PgBouncer 1.18: in transaction pooling
    two clients share one PostgreSQL connection (here the pool has one), so a SET made by one is seen by the
    other, and psycopg's prepared statements (named per client: _pg3_0, _pg3_1 …) collide on it."""
    _need_binaries()
    bin_dir = find_pg_bin()
    assert bin_dir is not None
    cluster = PgCluster(bin_dir).start()
    bouncer = PgBouncer(cluster, pool_size=1).start()
    try:
        with (
            psycopg.connect(bouncer.dsn("postgres"), autocommit=True, prepare_threshold=None) as one,
            psycopg.connect(bouncer.dsn("postgres"), autocommit=True, prepare_threshold=None) as two,
        ):
            one.execute("SET statement_timeout = '4321ms'")
            assert two.execute("SHOW statement_timeout").fetchone() == ("4321ms",)
            for i in range(20):  # unprepared, as the server sends them: always fine
                assert one.execute("SELECT %s::int", (i,)).fetchone() == (i,)
                assert two.execute("SELECT %s::int", (-i,)).fetchone() == (-i,)
        with (
            psycopg.connect(bouncer.dsn("postgres"), autocommit=True, prepare_threshold=0) as one,
            psycopg.connect(bouncer.dsn("postgres"), autocommit=True, prepare_threshold=0) as two,
        ):
            assert one.execute("SELECT %s::int", (1,)).fetchone() == (1,)
            with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
                two.execute("SELECT %s::int", (2,))
    finally:
        bouncer.stop()
        cluster.stop()
