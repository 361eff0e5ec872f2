"""The session every kiosk request is looked up in: touched at most once a minute, the same OpenAPI security,
and a database that went away answered 503 on a kiosk route too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from server.core.config import Settings
from server.migrate import migrate
from tests.support.auth import ShiftedClock, ready_token
from tests.support.server import ServerProcess

API = "/api/v1"


def test_a_session_is_written_at_most_once_a_minute_and_each_write_keeps_it_alive(
    auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    token = ready_token(auth_server, "RJ-TCH-0001")
    headers = {"Authorization": f"Bearer {token}"}

    def session() -> dict[str, Any]:
        r = requests.get(auth_server.url + API + "/auth/session", headers=headers, timeout=30)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def balance() -> requests.Response:
        return requests.get(auth_server.url + API + "/wallet/balance", headers=headers, timeout=30)

    signed_in = session()
    auth_clock.advance(seconds=30)
    assert session()["idle_expires_at"] == signed_in["idle_expires_at"]  # not written within the minute
    auth_clock.advance(minutes=20)
    assert balance().status_code == 200  # a kiosk route writes last_seen_at too
    touched = session()
    moved = datetime.fromisoformat(touched["idle_expires_at"]) - datetime.fromisoformat(signed_in["idle_expires_at"])
    assert timedelta(minutes=20) <= moved < timedelta(minutes=22)
    auth_clock.advance(minutes=20)  # 40 minutes after sign-in, 20 after the last write: still alive
    assert balance().status_code == 200
    auth_clock.advance(minutes=31)
    expired = balance()
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "session_expired"
    assert expired.json()["error"]["reason"] == "idle"


def test_every_session_dependency_keeps_the_bearer_scheme_and_the_machine_id_header(
    tmp_path: Path, start_server: Callable[..., ServerProcess]
) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    schema = requests.get(start_server(url).url + API + "/openapi.json", timeout=30).json()
    bearer = schema["components"]["securitySchemes"]
    # The kiosks' sessions, and the administrators' (docs/BACKOFFICE.md): two issuers, both bearer tokens.
    assert list(bearer) == ["HTTPBearer", "AdminSession"]
    assert bearer["HTTPBearer"]["scheme"] == bearer["AdminSession"]["scheme"] == "bearer"
    routes = {
        ("get", "/wallet/balance"): "CurrentKiosk",
        ("post", "/wallet/refill/orders"): "CurrentKiosk",
        ("get", "/auth/session"): "CurrentSession",
        ("get", "/profile"): "CurrentAccount",
        ("post", "/payments/batch"): "SyncKiosk",
    }
    for (method, path), dependency in routes.items():
        operation = schema["paths"][API + path][method]
        assert operation["security"] == [{"HTTPBearer": []}], (path, dependency)
        headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert "x-machine-id" in headers, (path, dependency)
    assert "security" not in schema["paths"][API + "/health"]["get"]


@pytest.mark.postgres
def test_a_kiosk_route_answers_503_while_the_database_is_away_and_recovers(
    tmp_path: Path, start_server: Callable[..., ServerProcess]
) -> None:
    from tests.support.pgcluster import PgCluster, find_pg_bin

    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    cluster = PgCluster(bin_dir).start()
    try:
        url = cluster.create_database()
        migrate(Settings(database_url=url))
        server = start_server(url, EMITRA_ARGON2_PROFILE="fast")
        headers = {"Authorization": f"Bearer {ready_token(server, 'RJ-DB-0002')}"}
        balance = server.url + API + "/wallet/balance"
        for _ in range(3):  # several pooled connections are open when the database goes
            assert requests.get(balance, headers=headers, timeout=30).status_code == 200
        cluster.halt()
        down = requests.get(balance, headers=headers, timeout=30)
        assert down.status_code == 503, down.text
        assert down.json()["error"]["code"] == "database_unavailable"
        cluster.resume()
        answers = [requests.get(balance, headers=headers, timeout=30).status_code for _ in range(3)]
        assert answers[-1] == 200, answers  # the first failure dropped the pool's dead connections
        assert set(answers) <= {200, 503}, answers
    finally:
        cluster.stop()
