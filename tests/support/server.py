"""Start the real server as a separate process on 127.0.0.1, and talk to it as an administrator."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from server.core.config import DEFAULT_ADMIN_TOKEN
from tests.support.departments import (
    ADMIN_TOKEN,
    DepartmentsProcess,
    acquire_departments,
    release_departments,
    running_departments,
)
from tests.support.pgcluster import free_port

ROOT = Path(__file__).resolve().parents[2]


def production_secrets() -> dict[str, str]:
    """Settings keyword arguments of a production server's secrets: each its own, long and random."""
    return {name: secrets.token_urlsafe(32) for name in ("admin_token", "secret_key", "gateway_secret", "bank_secret")}


def production_env() -> dict[str, str]:
    """The same as a production server's environment (EMITRA_MODE and the four secrets)."""
    return {"EMITRA_MODE": "production", **{f"EMITRA_{k.upper()}": v for k, v in production_secrets().items()}}


class ServerProcess:
    def __init__(self, database_url: str, *, log_path: Path, env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.log_path = log_path
        self.env = {
            **os.environ,
            "EMITRA_DATABASE_URL": database_url,
            "EMITRA_MODE": "demo",
            "EMITRA_DEPARTMENT_READ_TIMEOUT_S": "2",  # a held request (timeout, lost answer) costs this long
            **(env or {}),
        }
        # The simulated departments as their own process, shared by the servers of this database; a test may
        # name its own with EMITRA_DEPARTMENTS_URL.
        self.departments: DepartmentsProcess | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.http = requests.Session()
        self.http.headers["X-Admin-Token"] = DEFAULT_ADMIN_TOKEN

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> ServerProcess:
        env = dict(self.env)
        named = "EMITRA_DEPARTMENTS_URL" in env or "EMITRA_DEPARTMENTS_FILE" in env
        if env.get("EMITRA_MODE") == "production" and not named:
            # A production server refuses the simulated departments: give it departments of its own, on https
            # with keys of their own, that nobody serves (its tests pay no bills).
            path = self.log_path.with_suffix(".departments.json")
            path.write_text(json.dumps(unreachable_departments()), encoding="utf-8")
            env["EMITRA_DEPARTMENTS_FILE"] = str(path)
        elif not named:
            if self.departments is None:
                self.departments = acquire_departments(self.database_url)
            env.update(EMITRA_DEPARTMENTS_URL=self.departments.url, EMITRA_DEPARTMENTS_ADMIN_TOKEN=ADMIN_TOKEN)
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port), "--log-level", "warning"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or a loaded machine: ask again until the deadline
            time.sleep(0.05)
        self.kill9()  # never leave a half-started server behind
        raise RuntimeError(f"server did not become healthy in {timeout:g} s: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._release_departments()

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()
        self._release_departments()

    def _release_departments(self) -> None:
        if self.departments is not None:
            self.departments = None
            release_departments(self.database_url)

    def simulated_departments(self) -> DepartmentsProcess:
        """The departments of this server's database (this server may be down; another may hold them)."""
        found = self.departments or running_departments(self.database_url)
        if found is None:
            raise RuntimeError("no departments process runs for this database")
        return found

    def department_payments(self, reference: str | None = None) -> list[dict[str, Any]]:
        """What the departments recorded (declines too): their own books, from their admin API."""
        return self.simulated_departments().payments(reference=reference)

    # -- administrator calls --------------------------------------------------------------------------
    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, self.url + "/api/v1/admin" + path, timeout=30, **kwargs)

    def create_kiosk(self, code: str, credit_limit_paise: int = 0) -> None:
        digits = "".join(c for c in code if c.isdigit())[-9:].rjust(9, "0")
        r = self.admin(
            "POST",
            "/kiosks",
            json={
                "code": code,
                "name": f"Kiosk {code}",
                "holder_name": "Test Holder",
                "district": "Jaipur",
                "sso_id": f"SSO.{code.replace('-', '')}",
                "mobile": "9" + digits,
                "email": f"{code.lower()}@example.in",
                "credit_limit_paise": credit_limit_paise,
                "micro_atm_terminal_id": terminal_of(code),
            },
        )
        assert r.status_code == 201, r.text

    def adjust(self, code: str, operation_id: str, direction: str, amount: int) -> requests.Response:
        return self.admin(
            "POST",
            f"/kiosks/{code}/adjustments",
            json={"operation_id": operation_id, "direction": direction, "amount_paise": amount},
        )

    def balance(self, code: str) -> dict[str, Any]:
        r = self.admin("GET", f"/kiosks/{code}/balance")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def audit(self) -> list[str]:
        r = self.admin("GET", "/ledger/audit")
        assert r.status_code == 200, r.text
        problems: list[str] = r.json()["problems"]
        return problems


def unreachable_departments() -> dict[str, dict[str, str]]:
    """A production departments file: every biller of the catalog on https, with a random key, served nowhere."""
    from server.billers.departments import billers_of
    from server.catalog import load_catalog

    return {
        biller: {
            "url": f"https://{biller}.departments.invalid/emitra",
            "key_id": f"{biller}-test",
            "secret_hex": secrets.token_hex(32),
        }
        for biller in billers_of(load_catalog())
    }


def terminal_of(kiosk_code: str) -> str:
    """The micro-ATM terminal id the tests give a kiosk (the acquirer confirms withdrawals by terminal)."""
    return ("T" + "".join(c for c in kiosk_code.upper() if c.isalnum()))[:16].ljust(8, "0")
