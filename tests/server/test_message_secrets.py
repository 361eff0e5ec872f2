"""Outside demo mode no issued password or OTP is kept or shown in clear: not in the messages, not in the log."""

from __future__ import annotations

import re
from collections.abc import Callable

import requests

from server.core.db import make_engine
from tests.support.auth import contacts
from tests.support.server import ServerProcess, production_env

API = "/api/v1"


def test_a_production_server_keeps_no_password_or_otp_in_clear(
    database_url: str, start_server: Callable[..., ServerProcess]
) -> None:
    env = production_env()
    server = start_server(database_url, **env)
    server.http.headers["X-Admin-Token"] = env["EMITRA_ADMIN_TOKEN"]
    server.create_kiosk("RJ-SEC-0001")
    sso_id = contacts("RJ-SEC-0001")[0]
    assert server.admin("POST", "/kiosks/RJ-SEC-0001/password").status_code == 200
    r = requests.post(server.url + API + "/auth/forgot-password", json={"sso_id": sso_id}, timeout=30)
    assert r.status_code == 202, r.text
    shown = server.admin("GET", "/messages", params={"kiosk_code": "RJ-SEC-0001"}).json()["messages"]
    assert {(m["channel"], m["kind"]) for m in shown} == {
        ("sms", "first_password"),
        ("email", "first_password"),
        ("sms", "otp"),
        ("email", "otp"),
    }
    for message in shown:
        assert "[hidden]" in message["body"], message
        assert not re.search(r"\b\d{6}\b is your OTP|Password: (?!\[hidden\])", message["body"]), message
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = [row[0] for row in conn.exec_driver_sql("SELECT body FROM outbound_messages")]
    finally:
        engine.dispose()
    assert stored and all("[hidden]" in body for body in stored)
    assert "Password:" not in server.log_path.read_text(encoding="utf-8", errors="replace")
