"""Sign-in helpers for tests: a shiftable server clock, issued passwords and OTPs read from the gateway."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.support.server import ServerProcess


class ShiftedClock:
    """The server's auth clock offset (EMITRA_CLOCK_OFFSET_FILE, honoured in demo mode only)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seconds = 0.0
        path.write_text("0", encoding="ascii")

    def advance(self, *, seconds: float = 0, minutes: float = 0, hours: float = 0) -> None:
        self.seconds += seconds + 60 * minutes + 3600 * hours
        self.path.write_text(repr(self.seconds), encoding="ascii")


def contacts(code: str) -> tuple[str, str, str]:
    """SSO ID, mobile and e-mail that ServerProcess.create_kiosk gives a kiosk."""
    digits = "".join(c for c in code if c.isdigit())[-9:].rjust(9, "0")
    return f"SSO.{code.replace('-', '')}", "9" + digits, f"{code.lower()}@example.in"


def messages(server: ServerProcess, to: str, kind: str | None = None) -> list[dict[str, Any]]:
    r = server.admin("GET", "/messages", params={"to": to, "limit": 100})
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()["messages"]
    return [m for m in found if kind is None or m["kind"] == kind]


def issue_password(server: ServerProcess, code: str) -> str:
    """Have the administrator issue a password, and read it from the SMS the gateway stored."""
    r = server.admin("POST", f"/kiosks/{code}/password")
    assert r.status_code == 200, r.text
    _, mobile, _ = contacts(code)
    body = messages(server, mobile)[0]["body"]
    match = re.search(r"Password: (\S+) ", body)
    assert match, body
    return match.group(1)


def latest_otp(server: ServerProcess, to: str) -> str:
    otp_messages = messages(server, to, "otp")
    assert otp_messages, f"no OTP was sent to {to}"
    match = re.search(r"\b(\d{6})\b is your OTP", otp_messages[0]["body"])
    assert match, otp_messages[0]["body"]
    return match.group(1)


def new_kiosk(server: ServerProcess, code: str, credit_limit_paise: int = 0) -> tuple[str, str]:
    """A kiosk with an issued password: (SSO ID, issued password)."""
    server.create_kiosk(code, credit_limit_paise)
    return contacts(code)[0], issue_password(server, code)


def ready_token(
    server: ServerProcess, code: str, password: str = "a quiet kiosk by the fort", credit_limit_paise: int = 0
) -> str:
    """Onboard a kiosk over raw HTTP (issued password → new password → profile) and return a session token."""
    import requests

    sso_id, issued = new_kiosk(server, code, credit_limit_paise)
    api = server.url + "/api/v1"
    first = requests.post(api + "/auth/login", json={"sso_id": sso_id, "password": issued}, timeout=30)
    assert first.status_code == 200, first.text
    token = first.json()["token"]
    r = requests.post(
        api + "/auth/password",
        json={"current_password": issued, "new_password": password},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    r = requests.post(api + "/auth/login", json={"sso_id": sso_id, "password": password}, timeout=30)
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    r = requests.put(
        api + "/profile",
        json={"address": f"Shop 1, {code} Road", "pincode": "302017", "confirm": True},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return str(token)
