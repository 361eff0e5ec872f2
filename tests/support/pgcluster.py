"""A throwaway PostgreSQL cluster on 127.0.0.1, started from the installed server binaries; optionally a WAL
archive, a synchronous standby made from it (pg_basebackup -R), a point-in-time restore of its backups."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg


def find_pg_bin() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    for directory in reversed(candidates):
        if Path(directory, "initdb").exists():
            return Path(directory)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def as_postgres() -> bool:
    """As root, PostgreSQL (and PgBouncer) run as the postgres user: neither starts as root."""
    return os.geteuid() == 0


def give_to_postgres(path: Path) -> None:
    if as_postgres():
        pw = pwd.getpwnam("postgres")
        os.chmod(path, 0o755)
        os.chown(path, pw.pw_uid, pw.pw_gid)


class PgCluster:
    """initdb + pg_ctl start in a temporary folder; as root, the server runs as the postgres user.

    `archive`: every finished WAL segment is copied to `self.archive` (archive_command), so a base backup
    (`base_backup`) and the archive restore the cluster to any moment since (`restore_to`).
    """

    def __init__(self, bin_dir: Path, *, options: str = "", archive: bool = False, name: str = "primary") -> None:
        self.bin = bin_dir
        self.options = options  # more `-c name=value` settings for the server
        self.name = name  # cluster_name: also the application_name a standby's WAL receiver reports
        self.root = Path(tempfile.mkdtemp(prefix="emitra-pg-"))
        self.data = self.root / "data"
        self.archive = self.root / "archive" if archive else None
        self.port = free_port()
        self._as_postgres = as_postgres()
        give_to_postgres(self.root)

    def _run(self, *args: str | Path) -> str:
        cmd = [str(a) for a in args]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

    def start(self) -> PgCluster:
        self._run(self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        if self.archive is not None:
            self._run("mkdir", "-p", self.archive)
            self.configure(
                archive_mode="on",
                archive_command=f"test ! -f {self.archive}/%f && cp %p {self.archive}/%f",
                archive_timeout="0",
            )
        self.resume()
        return self

    def configure(self, **settings: str) -> None:
        """Settings appended to postgresql.auto.conf, where they win over postgresql.conf and over what ALTER
        SYSTEM wrote before (a copied data directory carries its origin's); read at the next start or reload."""
        lines = "".join(f"{name} = '{value}'\n" for name, value in settings.items())
        with open(self.data / "postgresql.auto.conf", "a", encoding="utf-8") as conf:
            conf.write(lines)

    def resume(self) -> None:
        """Start the server again on the same data (after `halt`, or `kill9`: it recovers from its WAL)."""
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c max_connections=300 "
            f"-c shared_buffers=128MB -c cluster_name={self.name} " + self.options
        )
        self._run(self.bin / "pg_ctl", "-D", self.data, "-o", options, "-l", self.root / "log", "-w", "start")

    def halt(self) -> None:
        """Stop the server, keeping its data: PostgreSQL is down until `resume`."""
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.root / "log", "-w", "-m", "fast", "restart")

    def reload(self) -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "reload")

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def kill9(self, timeout: float = 15) -> None:
        """SIGKILL to the postmaster, as a crashed machine: no shutdown checkpoint, clients cut. Returns once
        its backends (which notice the postmaster's death) are gone and the port is free."""
        pid = self.postmaster_pid()
        if pid is None:
            raise RuntimeError("the cluster is not running")
        children = self._children(pid)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            alive = [c for c in (pid, *children) if Path(f"/proc/{c}").exists()]
            if not alive:
                return
            for child in alive:  # a backend busy on the CPU notices only at its next check: do not wait for it
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
            time.sleep(0.05)
        raise RuntimeError(f"processes of the killed cluster still run: {alive}")

    @staticmethod
    def _children(pid: int) -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry.name))
                except (OSError, ValueError, IndexError):
                    continue
        return found

    def running(self) -> bool:
        pid = self.postmaster_pid()
        return pid is not None and Path(f"/proc/{pid}").exists()

    def stop(self) -> None:
        try:
            if self.running():
                self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def sql(self, statement: str, database: str = "postgres") -> list[tuple[object, ...]]:
        """One statement in autocommit; its rows (none for a statement that returns none)."""
        with psycopg.connect(self.dsn(database), autocommit=True, connect_timeout=5) as conn:
            cur = conn.execute(statement)
            return cur.fetchall() if cur.description else []

    def create_database(self, prefix: str = "t") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def pgbench(self, *args: str, database: str = "postgres") -> str:
        cmd = [str(self.bin / "pgbench"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", *args, database]
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

    # -- replication: a standby, promotion, fencing -------------------------------------------------------
    def standby(self, name: str = "standby1", *, synchronous: bool = True) -> PgCluster:
        """A streaming standby of this cluster: pg_basebackup -R (standby.signal and primary_conninfo), started.

        `synchronous`: this cluster then names it in synchronous_standby_names with synchronous_commit=on, so
        a commit is answered only once the standby has it on disk (and waits while the standby is lost).
        """
        replica = PgCluster(self.bin, options=self.options, name=name)
        self._run(
            self.bin / "pg_basebackup",
            "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            "-D", replica.data, "-R", "-X", "stream", "-c", "fast", "--no-sync",
        )  # fmt: skip
        replica.resume()
        if synchronous:
            self.sql(f"ALTER SYSTEM SET synchronous_standby_names = '\"{name}\"'")
            self.sql("ALTER SYSTEM SET synchronous_commit = 'on'")
            self.sql("SELECT pg_reload_conf()")
            self.wait_synchronous(name)
        return replica

    def wait_synchronous(self, name: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.sql(f"SELECT 1 FROM pg_stat_replication WHERE application_name = '{name}' AND sync_state = 'sync'"):
                return
            time.sleep(0.05)
        raise RuntimeError(f"{name} did not become a synchronous standby in {timeout:g} s")

    def in_recovery(self) -> bool:
        return bool(self.sql("SELECT pg_is_in_recovery()")[0][0])

    def promote(self) -> float:
        """pg_ctl promote and wait until this standby takes writes; seconds it took."""
        started = time.perf_counter()
        self._run(self.bin / "pg_ctl", "-D", self.data, "-w", "-t", "60", "promote")
        while self.in_recovery():
            time.sleep(0.02)
        return time.perf_counter() - started

    def fence(self) -> None:
        """Make sure this (failed) primary can never again start as a writer: a standby.signal in its data
        directory. Started again by anyone (pg_ctl start, a reboot's service), it comes up in recovery:
        read-only, refusing every write, skipped by clients asking target_session_attrs=read-write. It rejoins
        only as a new standby of the promoted one (pg_basebackup again, or pg_rewind), by an operator."""
        self._run("touch", self.data / "standby.signal")

    # -- backups: base backup + WAL archive, restored to a point in time ---------------------------------
    def base_backup(self) -> Path:
        """A base backup (tar-free copy of the data directory) beside the archive; its path."""
        if self.archive is None:
            raise RuntimeError("a cluster without a WAL archive restores only to its backup's end")
        target = self.root / f"base-{int(time.time() * 1000)}"
        self._run(
            self.bin / "pg_basebackup",
            "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            "-D", target, "-X", "none", "-c", "fast", "--no-sync",
        )  # fmt: skip
        return target

    def switch_wal(self, timeout: float = 30) -> None:
        """Close the current WAL segment and wait until the archive holds it (what is committed is archived)."""
        (segment,) = self.sql("SELECT pg_walfile_name(pg_switch_wal())")[0]
        assert self.archive is not None
        deadline = time.monotonic() + timeout
        while not (self.archive / str(segment)).exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"WAL segment {segment} was not archived in {timeout:g} s")
            time.sleep(0.05)

    def restore_to(self, backup: Path, target_time: str) -> PgCluster:
        """A new cluster: `backup` copied, the archive replayed up to `target_time` (recovery_target_time,
        inclusive), then promoted to take writes."""
        assert self.archive is not None
        restored = PgCluster(self.bin, options=self.options, name="restored")
        self._run("cp", "-a", backup, restored.data)
        restored.configure(
            archive_mode="off",
            restore_command=f"cp {self.archive}/%f %p",
            recovery_target_time=target_time,
            recovery_target_action="promote",
            synchronous_standby_names="",
        )
        self._run("touch", restored.data / "recovery.signal")
        restored.resume()
        deadline = time.monotonic() + 60
        while restored.in_recovery():
            if time.monotonic() > deadline:
                raise RuntimeError("the restore did not finish in 60 s: " + (restored.root / "log").read_text()[-2000:])
            time.sleep(0.05)
        return restored
