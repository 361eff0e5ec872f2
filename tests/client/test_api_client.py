"""The client's transport and keyring rules: TLS, timeouts and retries, typed errors, explicit backends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import keyring
import pytest
from keyring.backends import fail
from keyrings.alt.file import PlaintextKeyring

from kiosk_app.api import ApiClient
from kiosk_app.errors import ConfigurationError, KeyringUnavailable, ServerFault, ServerUnreachable, TlsFailure
from kiosk_app.session import LocalSettings, TokenStore
from tests.support.pgcluster import free_port


class Busy(BaseHTTPRequestHandler):
    """Answers every request with 503 and counts them."""

    hits: ClassVar[list[str]] = []

    def _answer(self) -> None:
        Busy.hits.append(self.command)
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.send_header("Retry-After", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def busy_server() -> Iterator[str]:
    Busy.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_only_idempotent_requests_are_sent_again(busy_server: str) -> None:
    api = ApiClient(busy_server, machine_id="pc", retries=2, timeout=(2, 5))
    with pytest.raises(ServerFault) as failed:
        api.get("/auth/session", auth=False)
    assert Busy.hits == ["GET"] * 3 and failed.value.message_hi
    Busy.hits.clear()
    with pytest.raises(ServerFault):
        api.post("/auth/login", {"sso_id": "x", "password": "y"}, auth=False)
    assert Busy.hits == ["POST"]


def test_transport_failures_are_typed_for_the_operator() -> None:
    with pytest.raises(ConfigurationError):
        ApiClient("http://emitra.example.in", machine_id="pc")  # plain http off this PC
    with pytest.raises(ConfigurationError):
        ApiClient("ftp://127.0.0.1", machine_id="pc")
    with pytest.raises(ConfigurationError):
        ApiClient("https://emitra.example.in", machine_id="pc", ca_bundle="/no/such/ca.pem")
    closed = ApiClient(f"http://127.0.0.1:{free_port()}", machine_id="pc", retries=0, timeout=(1, 1))
    with pytest.raises(ServerUnreachable) as down:
        closed.get("/health", auth=False)
    assert "सर्वर" in down.value.message_hi


def test_tls_is_verified(busy_server: str) -> None:
    # A server that does not speak TLS where TLS is expected: the client refuses, never downgrades.
    api = ApiClient(busy_server.replace("http://", "https://"), machine_id="pc", retries=0, timeout=(2, 2))
    with pytest.raises(TlsFailure):
        api.get("/health", auth=False)


def test_no_keyring_or_an_unchosen_file_keyring_is_refused_with_instructions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    previous = keyring.get_keyring()
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    try:
        keyring.set_keyring(fail.Keyring())
        with pytest.raises(KeyringUnavailable) as none:
            TokenStore("http://127.0.0.1:1")
        assert "PYTHON_KEYRING_BACKEND" in none.value.message_en
        plain = PlaintextKeyring()
        plain.file_path = str(tmp_path / "k.cfg")
        keyring.set_keyring(plain)
        with pytest.raises(KeyringUnavailable) as unchosen:
            TokenStore("http://127.0.0.1:1")
        assert "keyrings.alt.file.PlaintextKeyring" in unchosen.value.message_en
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
        store = TokenStore("http://127.0.0.1:1")
        assert store.backend_name == "keyrings.alt.file.PlaintextKeyring"
        store.save("token-1")
        assert store.load() == "token-1"
        store.clear()
        store.clear()
        assert store.load() is None
    finally:
        keyring.set_keyring(previous)


def test_settings_remember_the_sso_id_and_a_stable_machine_id(tmp_path: Path) -> None:
    settings = LocalSettings(tmp_path / "cfg")
    assert settings.remembered_sso_id is None
    machine = settings.machine_id
    settings.remember_sso_id("SUNITA.SHARMA")
    again = LocalSettings(tmp_path / "cfg")
    assert (again.machine_id, again.remembered_sso_id) == (machine, "SUNITA.SHARMA")
    again.remember_sso_id(None)
    assert LocalSettings(tmp_path / "cfg").remembered_sso_id is None
    (tmp_path / "cfg" / "session.json").write_text("{not json", encoding="utf-8")
    assert LocalSettings(tmp_path / "cfg").remembered_sso_id is None
