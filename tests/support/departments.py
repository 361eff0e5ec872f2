"""Start the simulated departments (`python -m departments`) as a process on 127.0.0.1; stop, kill -9, restart it.

departments = DepartmentsProcess(tmp_path).start()
discom = departments.adapter("discom", read_timeout_s=0.5)      # an HttpDepartment, demo key
departments.set_fault("discom", "lost_answer", times=1)
departments.kill9(); departments.start()                         # same port, same database
"""

from __future__ import annotations

import atexit
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from server.billers.http import DepartmentConfig, HttpDepartment
from tests.support.pgcluster import free_port

ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "departments-test-admin-token"


class DepartmentsProcess:
    def __init__(self, workdir: Path, *, database_url: str | None = None, env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.database_url = database_url or f"sqlite:///{workdir / 'departments.sqlite3'}"
        self.port = free_port()
        self.log_path = workdir / "departments.log"
        self.env = {
            **os.environ,
            "EMITRA_DEPARTMENTS_ADMIN_TOKEN": ADMIN_TOKEN,
            "EMITRA_DEPARTMENTS_HOLD_S": "30",
            **(env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.headers["X-Admin-Token"] = ADMIN_TOKEN
        self._adapters: list[HttpDepartment] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> DepartmentsProcess:
        """Start (or start again after stop / kill9) on the same port and database."""
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "departments",
                "--port",
                str(self.port),
                "--database-url",
                self.database_url,
                "--log-level",
                "info",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the departments exited: {self.log()[-2000:]}")
            try:
                if self.http.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet
            time.sleep(0.05)
        self.kill9()
        raise RuntimeError(f"the departments did not start in {timeout:g} s: {self.log()[-2000:]}")

    def stop(self) -> None:
        for adapter in self._adapters:
            adapter.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # -- the server's side ----------------------------------------------------------------------------
    def config(self, biller: str, *, via: str | None = None, **options: Any) -> DepartmentConfig:
        """The DepartmentConfig the server would use (`via`: a proxy's URL in front of the process)."""
        options.setdefault("connect_timeout_s", 1.0)
        options.setdefault("read_timeout_s", 5.0)
        return DepartmentConfig.demo(biller, via or self.url, **options)

    def adapter(self, biller: str, *, via: str | None = None, **options: Any) -> HttpDepartment:
        adapter = HttpDepartment(self.config(biller, via=via, **options))
        self._adapters.append(adapter)
        return adapter

    # -- its admin API ------------------------------------------------------------------------------------
    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, self.url + "/admin" + path, timeout=10, **kwargs)

    def set_fault(
        self, department: str, fault: str, *, times: int = -1, delay_ms: int = 0, applies_to: str = "pay"
    ) -> None:
        body = {"fault": fault, "times": times, "delay_ms": delay_ms, "applies_to": applies_to}
        r = self.admin("PUT", f"/faults/{department}", json=body)
        assert r.status_code == 200, r.text

    def clear_faults(self) -> None:
        assert self.admin("DELETE", "/faults").status_code == 200

    def faults(self) -> dict[str, Any]:
        r = self.admin("GET", "/faults")
        assert r.status_code == 200, r.text
        found: dict[str, Any] = r.json()["faults"]
        return found

    def payments(self, department: str | None = None, reference: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": 100_000}
        params.update({k: v for k, v in (("department", department), ("reference", reference)) if v is not None})
        r = self.admin("GET", "/payments", params=params)
        assert r.status_code == 200, r.text
        found: list[dict[str, Any]] = r.json()["payments"]
        return found

    def withdraw(self, terminal_id: str, amount_paise: int, aadhaar_last4: str = "1234") -> str:
        """A customer takes cash at a micro-ATM terminal; the RRN the slip shows."""
        body = {"terminal_id": terminal_id, "amount_paise": amount_paise, "aadhaar_last4": aadhaar_last4}
        r = self.admin("POST", "/withdrawals", json=body)
        assert r.status_code == 200, r.text
        return str(r.json()["rrn"])

    def wait_for(self, check: Callable[[], bool], timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"not so within {timeout:g} s")
            time.sleep(0.05)


@pytest.fixture(scope="session")
def departments(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DepartmentsProcess]:
    """One departments process for the session (tests keep apart by their own references and consumers)."""
    process = DepartmentsProcess(tmp_path_factory.mktemp("departments")).start()
    yield process
    process.stop()


@pytest.fixture
def fresh_departments(tmp_path: Path) -> Iterator[DepartmentsProcess]:
    """A departments process of this test alone (to kill, restart, or fill)."""
    process = DepartmentsProcess(tmp_path).start()
    yield process
    process.stop()


# -- the departments of a server under test ---------------------------------------------------------------
# Every server process under test reaches its departments over HTTP, as in production: the servers of one
# database share one departments process (with a database of its own beside theirs), started with the first
# and stopped with the last.  A restarted server gets the same departments' records back.
_shared: dict[str, tuple[DepartmentsProcess, int]] = {}
_shared_lock = threading.Lock()


def _workdir_for(database_url: str) -> Path:
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        folder = path.parent / f"{path.stem}.departments"
    else:
        digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
        folder = Path(tempfile.gettempdir()) / "emitra-departments" / digest
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def acquire_departments(database_url: str) -> DepartmentsProcess:
    """The departments process of this database's servers (started if none is running)."""
    with _shared_lock:
        found = _shared.get(database_url)
        if found is None or found[0].proc is None or found[0].proc.poll() is not None:
            process = DepartmentsProcess(_workdir_for(database_url)).start()
            found = (process, 0)
        _shared[database_url] = (found[0], found[1] + 1)
        return found[0]


def running_departments(database_url: str) -> DepartmentsProcess | None:
    """The departments process this database's servers share now, if one runs (no reference taken)."""
    with _shared_lock:
        found = _shared.get(database_url)
        return found[0] if found is not None else None


def release_departments(database_url: str) -> None:
    with _shared_lock:
        found = _shared.get(database_url)
        if found is None:
            return
        process, users = found
        if users > 1:
            _shared[database_url] = (process, users - 1)
            return
        del _shared[database_url]
    process.stop()


@atexit.register
def _stop_all() -> None:
    for process, _ in list(_shared.values()):
        process.stop()
