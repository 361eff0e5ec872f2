"""Named administrators for tests: made in the database as `emitra-server create-admin` makes them, signed in
over HTTP with a TOTP code of the server's clock, and their calls with the session token."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import requests

from server.admin.accounts import create_administrator
from server.auth.passwords import Passwords
from server.core.db import make_engine
from tests.support.auth import ShiftedClock
from tests.support.server import ServerProcess

PASSWORD = "Kesar-Baag-1947-Jodhpur"


@dataclass
class Admin:
    """One administrator of a test: their TOTP secret, and their session once signed in."""

    server: ServerProcess
    username: str
    roles: tuple[str, ...]
    totp_secret: str
    clock: ShiftedClock | None = None
    password: str = PASSWORD
    token: str | None = None
    used_steps: set[int] = field(default_factory=set)

    def server_now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.clock.seconds if self.clock else 0)

    def fresh_code(self) -> str:
        """A code the server has not seen from this administrator: this step's, or the next one's."""
        totp = pyotp.TOTP(self.totp_secret)
        step = totp.timecode(self.server_now())
        while step in self.used_steps or any(s > step for s in self.used_steps):
            step += 1
        self.used_steps.add(step)
        return totp.generate_otp(step)

    def sign_in(self, code: str | None = None) -> requests.Response:
        r = requests.post(
            self.server.url + "/api/v1/admin/session",
            json={"username": self.username, "password": self.password, "code": code or self.fresh_code()},
            timeout=30,
        )
        if r.status_code == 200:
            self.token = r.json()["token"]
        return r

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        assert self.token is not None, "sign in first"
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return requests.request(method, self.server.url + "/api/v1/admin" + path, headers=headers, timeout=60, **kwargs)


def make_admin(
    server: ServerProcess, username: str, *roles: str, clock: ShiftedClock | None = None, sign_in: bool = True
) -> Admin:
    engine = make_engine(server.database_url)
    try:
        with engine.begin() as conn:
            made = create_administrator(
                conn,
                Passwords("fast"),
                username=username,
                display_name=username.title(),
                password=PASSWORD,
                roles=list(roles),
                now=datetime.now(UTC),
                created_by=None,
            )
    finally:
        engine.dispose()
    assert made.totp_secret is not None
    admin = Admin(server, made.username, roles, made.totp_secret, clock)
    if sign_in:
        r = admin.sign_in()
        assert r.status_code == 200, r.text
    return admin
