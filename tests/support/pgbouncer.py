"""PgBouncer (the installed binary, Debian's 1.18) in transaction pooling in front of one PostgreSQL cluster.

    bouncer = PgBouncer(cluster).start()      # a generated pgbouncer.ini and userlist on a free port
    bouncer.url("emitra")                      # postgresql+psycopg://… through the pooler
    bouncer.stop()

Transaction pooling: a server connection belongs to a client only for one transaction, so a client must keep
no session state (SET, session advisory locks, LISTEN, temporary tables, protocol-level prepared
statements: 1.18 does not track them, the server turns them off with EMITRA_DB_PREPARED_STATEMENTS=false).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.support.pgcluster import PgCluster, as_postgres, free_port, give_to_postgres


def find_pgbouncer() -> Path | None:
    found = shutil.which("pgbouncer") or next((p for p in ("/usr/sbin/pgbouncer",) if Path(p).exists()), None)
    return Path(found) if found else None


class PgBouncer:
    """One PgBouncer process for `cluster`: every database of it, as the postgres user (trust, as the cluster)."""

    def __init__(self, cluster: PgCluster, *, pool_size: int = 20, query_wait_timeout: int = 3) -> None:
        binary = find_pgbouncer()
        if binary is None:
            raise RuntimeError("pgbouncer is not installed (apt-get install pgbouncer)")
        self.binary = binary
        self.cluster = cluster
        self.pool_size = pool_size
        # A client waits this long for a server connection (its PostgreSQL down: refused at once would be
        # better; 1.18 waits for a login retry). Short, so a client with a multi-host URL moves on.
        self.query_wait_timeout = query_wait_timeout
        self.root = Path(tempfile.mkdtemp(prefix="emitra-pgbouncer-"))
        give_to_postgres(self.root)
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def ini(self) -> Path:
        return self.root / "pgbouncer.ini"

    def _write_config(self) -> None:
        (self.root / "userlist.txt").write_text('"postgres" ""\n', encoding="utf-8")
        self.ini.write_text(
            "\n".join(
                (
                    "[databases]",
                    f"* = host=127.0.0.1 port={self.cluster.port}",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {self.port}",
                    "unix_socket_dir =",
                    "auth_type = trust",
                    "admin_users = postgres",
                    f"auth_file = {self.root / 'userlist.txt'}",
                    "pool_mode = transaction",
                    "max_client_conn = 4000",
                    f"default_pool_size = {self.pool_size}",
                    "max_db_connections = 0",
                    "server_login_retry = 1",
                    f"query_wait_timeout = {self.query_wait_timeout}",
                    "server_connect_timeout = 2",
                    "server_reset_query =",
                    "ignore_startup_parameters = extra_float_digits",
                    f"logfile = {self.root / 'pgbouncer.log'}",
                    f"pidfile = {self.root / 'pgbouncer.pid'}",
                    "log_connections = 0",
                    "log_disconnections = 0",
                    "",
                )
            ),
            encoding="utf-8",
        )

    def start(self, timeout: float = 15) -> PgBouncer:
        self._write_config()
        user = "postgres" if as_postgres() else None
        self.proc = subprocess.Popen(
            [str(self.binary), str(self.ini)],
            user=user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {self.log()[-2000:]}")
            try:
                with psycopg.connect(self.dsn("pgbouncer"), autocommit=True, connect_timeout=1) as conn:
                    conn.execute("SHOW VERSION")
                return self
            except psycopg.Error:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"pgbouncer did not answer in {timeout:g} s: {self.log()[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def reconnect(self) -> None:
        """RECONNECT: every server connection is closed once released, and the parameters PgBouncer reports to
        a new client (in_hot_standby …) are taken afresh from the next one. Needed after its PostgreSQL was
        promoted: until then it keeps telling clients the session is read-only."""
        with psycopg.connect(self.dsn("pgbouncer"), autocommit=True, prepare_threshold=None) as conn:
            conn.execute("RECONNECT")

    def show(self, what: str) -> list[dict[str, object]]:
        """An admin console listing (SHOW POOLS, SHOW STATS …), rows as dicts."""
        with psycopg.connect(self.dsn("pgbouncer"), autocommit=True, prepare_threshold=None) as conn:
            cur = conn.execute(f"SHOW {what}")
            names = [c.name for c in cur.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def database_of(url: str) -> str:
    """The database name of a cluster URL (postgresql+psycopg://…/name)."""
    return url.rsplit("/", 1)[1].split("?", 1)[0]


def pgbouncer_version() -> str:
    binary = find_pgbouncer()
    if binary is None:
        return "not installed"
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True).stdout
    return out.split()[1] if out.startswith("PgBouncer") else out.strip()
