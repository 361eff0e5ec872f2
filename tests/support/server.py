"""Start the real server as a separate process on 127.0.0.1, and talk to it as an administrator."""

from __future__ import annotations

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
        self.env = {**os.environ, "EMITRA_DATABASE_URL": database_url, "EMITRA_MODE": "demo", **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.http = requests.Session()
        self.http.headers["X-Admin-Token"] = DEFAULT_ADMIN_TOKEN

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> ServerProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port), "--log-level", "warning"],
            cwd=ROOT,
            env=self.env,
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

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

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
