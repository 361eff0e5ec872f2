"""The demo's network switch (kiosk_app.demo_network): a relay that passes bytes, cuts, goes silent and comes back."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from kiosk_app.demo_network import DemoRelay, NetworkState
from kiosk_app.errors import ConfigurationError

BIG = bytes(range(256)) * 4096  # 1 MiB: more than one relay chunk and more than a socket buffer


class Upstream(ThreadingHTTPServer):
    """A real HTTP server on 127.0.0.1: /echo answers the body back, /big a large body, /held waits for `release`."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.release = threading.Event()
        self.held = threading.Event()
        self.requests = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the kiosk's requests.Session uses it
    server: Upstream

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.requests += 1
        if self.path == "/held":
            self.server.held.set()
            self.server.release.wait(30)
        self._answer(BIG if self.path == "/big" else b"ok")

    def do_POST(self) -> None:
        self.server.requests += 1
        self._answer(self.rfile.read(int(self.headers["Content-Length"])))


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def relay(upstream: Upstream) -> Iterator[DemoRelay]:
    r = DemoRelay(upstream.url).start()
    yield r
    r.stop()


def test_connected_the_relay_passes_requests_and_answers_unchanged(upstream: Upstream, relay: DemoRelay) -> None:
    assert relay.state is NetworkState.CONNECTED and relay.url != upstream.url
    with requests.Session() as http:
        for _ in range(3):  # one kept-alive connection, several exchanges
            assert http.post(relay.url + "/echo", data=BIG, timeout=10).content == BIG
        assert http.get(relay.url + "/big", timeout=10).content == BIG
    assert upstream.requests == 4


def test_cut_refuses_new_and_open_connections_and_restore_brings_them_back(
    upstream: Upstream, relay: DemoRelay
) -> None:
    with requests.Session() as http:
        assert http.get(relay.url + "/small", timeout=10).content == b"ok"  # a kept-alive connection is open
        relay.set_state(NetworkState.CUT)
        assert relay.state is NetworkState.CUT
        with pytest.raises(requests.ConnectionError):
            http.get(relay.url + "/small", timeout=10)
    with pytest.raises(requests.ConnectionError):
        requests.post(relay.url + "/echo", data=b"payment", timeout=10)
    assert upstream.requests == 1  # nothing reached the server while the network was cut

    relay.set_state(NetworkState.CONNECTED)
    assert requests.post(relay.url + "/echo", data=b"payment", timeout=10).content == b"payment"
    assert upstream.requests == 2


def test_cut_breaks_an_exchange_in_progress(upstream: Upstream, relay: DemoRelay) -> None:
    errors: list[BaseException] = []

    def call() -> None:
        try:
            requests.get(relay.url + "/held", timeout=30)
        except requests.RequestException as exc:
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    assert upstream.held.wait(10)  # the server has the request and has not answered
    relay.set_state(NetworkState.CUT)
    caller.join(30)
    assert not caller.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], requests.ConnectionError)


def test_silent_answers_nothing_until_restored(upstream: Upstream, relay: DemoRelay) -> None:
    relay.set_state(NetworkState.SILENT)
    with pytest.raises(requests.ReadTimeout):  # connected, but nothing ever comes back
        requests.get(relay.url + "/small", timeout=(5, 0.5))
    assert upstream.requests == 0  # and nothing went through

    # A request the server answers while the line is silent: the answer never reaches the kiosk.
    relay.set_state(NetworkState.CONNECTED)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            requests.get(relay.url + "/held", timeout=(5, 30))
        except requests.RequestException as exc:
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    assert upstream.held.wait(10)
    relay.set_state(NetworkState.SILENT)
    upstream.release.set()  # the server answers into the silence
    # Restoring the network ends the held connection at once rather than leaving the kiosk waiting on it.
    relay.set_state(NetworkState.CONNECTED)
    caller.join(30)
    assert not caller.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], requests.ConnectionError)
    assert requests.get(relay.url + "/small", timeout=10).content == b"ok"


def test_a_server_that_is_not_running_looks_like_a_failed_connection() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed
    relay = DemoRelay(f"http://127.0.0.1:{port}").start()
    try:
        with pytest.raises(requests.ConnectionError):
            requests.get(relay.url + "/health", timeout=10)
    finally:
        relay.stop()


def test_the_relay_says_what_it_cannot_do(relay: DemoRelay) -> None:
    with pytest.raises(ConfigurationError, match="plain http only"):
        DemoRelay("https://emitra.example.in")
    with pytest.raises(OSError):  # the port is taken: the caller picks another
        DemoRelay(relay.upstream_url, port=relay.port).start()
    relay.stop()
    relay.stop()  # stopping twice is harmless
