"""The central database with a synchronous standby, through PgBouncer: the primary killed mid-storm and the
standby promoted with nothing acknowledged lost or doubled; the standby lost (what the servers answer, and
how soon); the old primary fenced so that it never comes back as a second writer."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests

from bench import bench_storm
from bench.bench_storm import Rig, StormConfig
from tests.support.pgbouncer import database_of, find_pgbouncer
from tests.support.pgcluster import find_pg_bin
from tests.support.pgpair import TRANSACTION_TIMEOUT_S

pytestmark = pytest.mark.postgres

QUICK = StormConfig(
    kiosks=16,
    ops_per_kiosk=10,
    concurrency=8,
    batch_size=5,
    duplicates=0.1,
    batch_replays=0.1,
    pooler=True,
    standby=True,
)


@pytest.fixture
def ha_rig() -> Iterator[Rig]:
    if find_pg_bin() is None or find_pgbouncer() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL or PgBouncer is missing; .ci/run must install them")
        pytest.skip("PostgreSQL server binaries or pgbouncer not installed")
    rig = Rig(Path(tempfile.mkdtemp(prefix="emitra-ha-")), proxies=False, pooler=True, standby=True).start()
    yield rig
    rig.stop()


def test_the_primary_killed_mid_storm_and_the_standby_promoted_loses_and_doubles_nothing(ha_rig: Rig) -> None:
    assert ha_rig.pair is not None
    old, standby = ha_rig.pair.primary, ha_rig.pair.standby
    assert standby is not None and standby.in_recovery()
    # A client of the standby's PgBouncer (a report reading the standby) makes it cache the standby's
    # parameters (in_hot_standby=on): after the promotion it must not go on reporting them.
    standby_bouncer = ha_rig.pair.bouncers[ha_rig.pair.nodes.index(standby)]
    with psycopg.connect(standby_bouncer.dsn(database_of(ha_rig.url)), prepare_threshold=None) as reader:
        assert reader.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
    config = StormConfig(**{**QUICK.__dict__, "drills": ("failover",)})
    storm = bench_storm.storm(ha_rig, config, print)
    f = storm.figures
    print(bench_storm.report(f, config, ha_rig))
    assert [name for name, _, _ in f.drills] == ["failover"], f.drills
    assert "not run" not in f.drills[0][2] and "failed" not in f.drills[0][2], f.drills
    assert sum(f.errors.values()) > 0, "the failover cut no request: it proved nothing"
    # Checked on the new primary: every operation a kiosk holds as done there once, every entry balanced,
    # balances equal the journal, each wallet equal to its own books; nothing left in doubt.
    assert ha_rig.cluster is standby and not standby.in_recovery()
    assert set(f.problems) == {"after failover", "final"}
    assert f.all_problems == []
    held = [op for k in storm.kiosks for op in k.ops]
    assert all(op.state in ("done", "refused") for op in held)
    assert ha_rig.pair.failover_seconds is not None and ha_rig.pair.failover_seconds < 15

    # The old primary, started again by anyone, comes up fenced: in recovery, refusing writes; the servers
    # keep writing to the new primary.
    old.resume()
    try:
        assert old.in_recovery()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            old.sql("CREATE TABLE second_writer (x int)", database=database_of(ha_rig.url))
        server = ha_rig.servers[0]
        code = storm.kiosks[0].code
        before = server.balance(code)["wallet_balance_paise"]
        r = server.adjust(code, f"after-fence-{code}", "credit", 777)
        assert r.status_code == 200, r.text
        assert server.balance(code)["wallet_balance_paise"] == before + 777
        assert old.sql("SELECT 1", database=database_of(ha_rig.url)) == [(1,)]  # reachable, yet not written
    finally:
        old.halt()


def test_the_standby_lost_writes_are_answered_503_in_bounded_time_and_resolve_when_it_returns(ha_rig: Rig) -> None:
    assert ha_rig.pair is not None
    standby = ha_rig.pair.standby
    assert standby is not None
    server = ha_rig.servers[0]
    code = "RJ-JPR-0950"
    server.create_kiosk(code)
    assert server.adjust(code, "fund-standby-0001", "credit", 100_000).status_code == 200

    standby.kill9()
    started = time.perf_counter()
    lost = server.adjust(code, "debit-standby-0002", "debit", 1_000)
    waited = time.perf_counter() - started
    # The commit waits for the synchronous standby; the server's transaction timeout cancels the wait and the
    # request is answered as "not known": 503 with a machine-readable code, after about the timeout.
    assert (lost.status_code, lost.json()["error"]["code"]) == (503, "database_unavailable"), lost.text
    assert TRANSACTION_TIMEOUT_S - 0.5 < waited < TRANSACTION_TIMEOUT_S + 5, waited
    server.http.close()  # the server closes the line after an unhandled database error (uvicorn's rule)
    # Reads are answered at once: they wait for no standby.
    started = time.perf_counter()
    balance = server.balance(code)
    assert time.perf_counter() - started < 2
    # PostgreSQL cannot take back a commit it has made locally: the debit stands on the primary. An
    # administrator's action is answered only once its trail row is written, which waits for the standby too:
    # the same request again is a 503 as well (a clean one), and nothing more moves.
    assert balance["wallet_balance_paise"] == 100_000 - 1_000
    again = server.adjust(code, "debit-standby-0002", "debit", 1_000)
    assert (again.status_code, again.json()["error"]["code"]) == (503, "database_unavailable"), again.text
    server.http.close()
    assert server.balance(code)["wallet_balance_paise"] == 100_000 - 1_000

    # The standby back: it catches up, the kiosk's rule for a 503 (the same operation id again) finds the
    # debit applied, once, and writes are answered at once again.
    standby.resume()
    ha_rig.pair.primary.wait_synchronous(standby.name)
    again = server.adjust(code, "debit-standby-0002", "debit", 1_000)
    assert again.status_code == 200 and again.json()["replayed"] is True, again.text
    started = time.perf_counter()
    ok = server.adjust(code, "debit-standby-0003", "debit", 1_000)
    assert ok.status_code == 200, ok.text
    assert time.perf_counter() - started < 2
    assert server.balance(code)["wallet_balance_paise"] == 100_000 - 2_000
    assert server.audit() == []
    assert requests.get(server.url + "/api/v1/health", timeout=5).status_code == 200
