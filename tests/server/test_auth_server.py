"""Server-side sign-in guarantees: hashed tokens, parallel guesses against the lock, safe settings, audit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from server.core.config import InsecureSettingsError, Settings
from tests.support.auth import new_kiosk, ready_token
from tests.support.server import ServerProcess, production_secrets

API = "/api/v1"


def test_only_a_hash_of_the_session_token_is_stored(auth_server: ServerProcess, database_url: str) -> None:
    token = ready_token(auth_server, "RJ-JPR-0501")
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = [r.token_hash for r in conn.execute(text("SELECT token_hash FROM auth_sessions"))]
            hashes = [r.password_hash for r in conn.execute(text("SELECT password_hash FROM kiosk_credentials"))]
    finally:
        engine.dispose()
    assert stored and token not in stored and all(len(h) == 64 for h in stored)
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)


def test_parallel_wrong_guesses_cannot_outrun_the_delay(auth_server: ServerProcess) -> None:
    sso_id, issued = new_kiosk(auth_server, "RJ-JPR-0502")

    def guess(n: int) -> tuple[int, str]:
        r = requests.post(auth_server.url + API + "/auth/login", timeout=60,
                          json={"sso_id": sso_id, "password": f"wrong guess {n}"})
        return r.status_code, r.json()["error"]["code"]

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(guess, range(40)))
    assert all(status in (401, 429) for status, _ in answers)
    events = auth_server.admin("GET", "/auth-events", params={"kiosk_code": "RJ-JPR-0502"}).json()["events"]
    checked = [e for e in events if e["event"] == "login" and e["outcome"].startswith("wrong_password")]
    assert len(checked) <= 4, checked  # three free tries and the one that started the delay
    waits = requests.post(auth_server.url + API + "/auth/login", json={"sso_id": sso_id, "password": issued},
                          timeout=30)
    assert waits.status_code == 429 and waits.json()["error"]["code"] == "login_throttled"


def test_the_audit_log_records_who_when_where_and_the_outcome(auth_server: ServerProcess) -> None:
    sso_id, issued = new_kiosk(auth_server, "RJ-JPR-0503")
    for password in ("not it", issued):
        requests.post(auth_server.url + API + "/auth/login", json={"sso_id": sso_id, "password": password},
                      headers={"X-Machine-Id": "KIOSK-PC-7"}, timeout=30)
    requests.post(auth_server.url + API + "/auth/login", json={"sso_id": "NOBODY.AT.ALL", "password": "x"},
                  headers={"X-Machine-Id": "KIOSK-PC-8"}, timeout=30)
    events = auth_server.admin("GET", "/auth-events").json()["events"]
    logins = [(e["sso_id"], e["machine_id"], e["outcome"]) for e in events if e["event"] == "login"]
    assert logins[:3] == [("NOBODY.AT.ALL", "KIOSK-PC-8", "unknown_sso_id"), (sso_id, "KIOSK-PC-7", "success"),
                          (sso_id, "KIOSK-PC-7", "wrong_password")]
    assert all(e["at"] and e["client_ip"] == "127.0.0.1" for e in events if e["event"] == "login")


def test_test_conveniences_refuse_to_run_in_production(tmp_path: Path) -> None:
    secrets = production_secrets()
    assert Settings(mode="production", **secrets).argon2_profile == "default"
    with pytest.raises(InsecureSettingsError, match="ARGON2"):
        Settings(mode="production", argon2_profile="fast", **secrets)
    with pytest.raises(InsecureSettingsError, match="CLOCK"):
        Settings(mode="production", clock_offset_file=tmp_path / "offset", **secrets)
