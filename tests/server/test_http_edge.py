"""The server process's HTTP edge: header limits, security headers on every answer, nothing told in production."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest
import requests

from tests.support.server import ServerProcess, production_env

API = "/api/v1"


def _raw(server: ServerProcess, head: bytes, *, chunk: int = 65_536) -> tuple[bytes, float]:
    """Send `head` (request line and headers) in chunks; the answer and how long it took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        try:
            for at in range(0, len(head), chunk):
                sock.sendall(head[at : at + chunk])
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before everything was sent: what the limit is for
        answer = b""
        try:
            while part := sock.recv(65_536):
                answer += part
        except ConnectionResetError:
            pass
    return answer, time.monotonic() - started


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_oversized_or_too_many_headers_are_refused_with_431_as_they_arrive(server: ServerProcess) -> None:
    request = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n"
    answer, _ = _raw(server, request + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 200")
    # One header of 64 MB: refused when the limit is passed, not after reading it all.
    answer, took = _raw(server, request + b"X-Big: " + b"a" * (64 * 1024 * 1024) + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    assert b'"code": "headers_too_large"' in answer and took < 3
    # 20,000 small headers.
    answer, _ = _raw(server, request + b"".join(b"X-%d: 1\r\n" % i for i in range(20_000)) + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    # More headers than the count limit, though small in bytes.
    answer, _ = _raw(server, request + b"".join(b"X-%d: 1\r\n" % i for i in range(101)) + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    # Keep-alive: a refused request does not disturb the server; the next connection is answered.
    assert requests.get(server.url + API + "/health", timeout=10).status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_answer_carries_the_security_headers_and_no_store(server: ServerProcess) -> None:
    for r in (
        requests.post(server.url + API + "/auth/login", json={"sso_id": "NOBODY.HERE", "password": "x"}, timeout=30),
        requests.get(server.url + API + "/health", timeout=10),
        requests.get(server.url + API + "/wallet/balance", timeout=10),  # 401
        requests.post(server.url + API + "/auth/login", data=b"x" * 2_000_000, timeout=30),  # 413
    ):
        assert r.headers["Strict-Transport-Security"].startswith("max-age=31536000"), r.url
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
        assert r.headers["Cache-Control"] == "no-store"


def test_a_production_server_serves_no_api_documentation_and_tells_no_version(
    database_url: str, start_server: Callable[..., ServerProcess]
) -> None:
    server = start_server(database_url, **production_env())
    assert requests.get(server.url + API + "/docs", timeout=10).status_code == 404
    assert requests.get(server.url + API + "/openapi.json", timeout=10).status_code == 404
    assert requests.get(server.url + API + "/health", timeout=10).json() == {"status": "ok", "database": "ok"}
    shown = start_server(database_url, **production_env(), EMITRA_PUBLIC_DETAILS="true")
    assert requests.get(shown.url + API + "/openapi.json", timeout=10).status_code == 200
    assert requests.get(shown.url + API + "/health", timeout=10).json()["mode"] == "production"
