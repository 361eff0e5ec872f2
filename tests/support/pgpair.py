"""The central database as production runs it, made from the installed binaries: a PostgreSQL primary, optionally
a synchronous standby (streaming, pg_basebackup -R) and a PgBouncer in transaction pooling in front of each;
the servers get one multi-host URL (target_session_attrs=read-write) that finds whichever node takes writes.

    pair = PgPair(find_pg_bin(), standby=True, pooler=True).start()
    url = pair.create_database("storm")      # migrate with it (direct to the primary)
    pair.server_url(url)                      # what EMITRA_DATABASE_URL says: both poolers, read-write
    took = pair.failover()                    # kill -9 the primary, fence it, promote the standby
    pair.stop()
"""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.pgbouncer import PgBouncer, database_of
from tests.support.pgcluster import PgCluster

# What a server process needs behind PgBouncer 1.18 and a synchronous standby (server/core/config.py).
POOLED_SERVER_ENV = {"EMITRA_DB_PREPARED_STATEMENTS": "false"}
TRANSACTION_TIMEOUT_S = 5.0
STANDBY_SERVER_ENV = {"EMITRA_DB_TRANSACTION_TIMEOUT_S": f"{TRANSACTION_TIMEOUT_S:g}"}


class PgPair:
    def __init__(
        self,
        bin_dir: Path,
        *,
        standby: bool = False,
        pooler: bool = False,
        archive: bool = False,
        options: str = "",
        pool_size: int = 20,
    ) -> None:
        self.bin = bin_dir
        self.with_standby = standby
        self.with_pooler = pooler
        self.archive = archive
        self.options = options
        self.pool_size = pool_size
        self.nodes: list[PgCluster] = []  # [primary, standby] as made; `primary` follows promotion
        self.bouncers: list[PgBouncer] = []  # one per node, in the same order
        self.fenced: list[PgCluster] = []
        self.failover_seconds: float | None = None

    def start(self) -> PgPair:
        try:
            first = PgCluster(self.bin, options=self.options, archive=self.archive).start()
            self.nodes.append(first)
            if self.with_standby:
                self.nodes.append(first.standby())
            if self.with_pooler:
                for node in self.nodes:
                    self.bouncers.append(PgBouncer(node, pool_size=self.pool_size).start())
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def primary(self) -> PgCluster:
        """The node that takes writes now (the promoted standby after a failover)."""
        for node in self.nodes:
            if node not in self.fenced:
                return node
        raise RuntimeError("no primary left")

    @property
    def standby(self) -> PgCluster | None:
        live = [n for n in self.nodes if n not in self.fenced and n is not self.primary]
        return live[0] if live else None

    def create_database(self, prefix: str = "t") -> str:
        """A new database (on the primary; the standby gets it by replication); its direct URL."""
        return self.primary.create_database(prefix)

    def server_url(self, direct_url: str) -> str:
        """The URL a server process is given: every node (through its pooler, if any), read-write wanted."""
        name = database_of(direct_url)
        ports = [b.port for b in self.bouncers] if self.bouncers else [n.port for n in self.nodes]
        if len(ports) == 1:
            return f"postgresql+psycopg://postgres@127.0.0.1:{ports[0]}/{name}"
        hosts = "&".join(f"host=127.0.0.1:{port}" for port in ports)
        return f"postgresql+psycopg://postgres@/{name}?{hosts}&target_session_attrs=read-write"

    def direct_dsn(self, direct_url: str) -> str:
        """libpq DSN of the database on the current primary, not through the pooler (checks, tampering)."""
        return self.primary.dsn(database_of(direct_url))

    @property
    def server_env(self) -> dict[str, str]:
        env: dict[str, str] = {}
        if self.with_pooler:
            env.update(POOLED_SERVER_ENV)
        if self.with_standby:
            env.update(STANDBY_SERVER_ENV)
        return env

    def failover(self) -> float:
        """The primary's postmaster killed (-9); the old primary fenced — its PgBouncer stopped, a standby.signal
        in its data directory (PgCluster.fence) — and the standby promoted; seconds from the kill until the new
        primary takes writes.

        PgBouncer answers a client's login from the server parameters it cached (in_hot_standby,
        default_transaction_read_only), and libpq's target_session_attrs judges by them. So the old node's
        PgBouncer must go with it (else it keeps claiming read-write for a dead PostgreSQL, and no server looks
        further down its URL), and the new primary's PgBouncer is told to RECONNECT once it is promoted (else
        it keeps claiming "read-only" for a PostgreSQL that now takes writes).
        """
        old, new = self.primary, self.standby
        if new is None:
            raise RuntimeError("no standby to promote")
        started = time.perf_counter()
        old.kill9()
        if self.bouncers:
            self.bouncers[self.nodes.index(old)].stop()
        old.fence()
        self.fenced.append(old)
        new.promote()
        if self.bouncers:
            self.bouncers[self.nodes.index(new)].reconnect()
        self.failover_seconds = time.perf_counter() - started
        return self.failover_seconds

    def stop(self) -> None:
        for bouncer in self.bouncers:
            bouncer.stop()
        for node in reversed(self.nodes):
            node.stop()
