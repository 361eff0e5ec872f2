"""The demo's network switch: a TCP relay on 127.0.0.1 between the kiosk and the demo server that training cuts.

`python -m ui --demo` points the client at the relay, so a trainer can take the kiosk offline without touching the
server or the PC's network: the status bar goes Offline, electricity bills are paid offline with PROVISIONAL
receipts, and Day End sync sends them once the network is restored.

    connected  bytes pass both ways
    cut        like a pulled cable that the PC notices: open connections are reset, new ones reset at once
    silent     like a dead line: connections open but nothing comes back; requests wait for their time limit

The relay runs its own asyncio loop on a daemon thread; `set_state` may be called from any thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
import sys
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from kiosk_app.errors import ConfigurationError

log = logging.getLogger("emitra.sync")

CHUNK = 65536


class NetworkState(StrEnum):
    CONNECTED = "connected"
    CUT = "cut"
    SILENT = "silent"


@dataclass(eq=False)
class _Link:
    """One client connection and, once opened, its connection to the server."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    silent: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (linger 0), as a broken line does, not with a polite FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        linger = struct.pack("HH", 1, 0) if sys.platform == "win32" else struct.pack("ii", 1, 0)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
    writer.transport.abort()


class DemoRelay:
    """Relays 127.0.0.1:`port` (0: any free port) to the server at `upstream_url` (plain http only)."""

    def __init__(self, upstream_url: str, *, port: int = 0) -> None:
        parts = urlsplit(upstream_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ConfigurationError(f"the demo network relays plain http only, not {upstream_url!r}")
        self.upstream_url = upstream_url.rstrip("/")
        self.upstream = (parts.hostname, parts.port or 80)
        self.port = port
        self._state = NetworkState.CONNECTED
        self._links: set[_Link] = set()
        self._server: asyncio.Server | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="demo-network", daemon=True)

    @property
    def url(self) -> str:
        """The address the kiosk uses instead of the server's."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def state(self) -> NetworkState:
        return self._state

    def start(self) -> DemoRelay:
        """Listen (raises OSError when the port is taken) and start relaying."""
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        except BaseException:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
            raise
        log.info("demo network: %s relays to %s", self.url, self.upstream_url)
        return self

    def set_state(self, state: NetworkState) -> None:
        """Connect, cut or silence the network; takes effect for open connections too."""
        asyncio.run_coroutine_threadsafe(self._apply(state), self._loop).result(10)
        log.info("demo network: %s", state.value)

    def stop(self) -> None:
        if not self._thread.is_alive():
            if not self._loop.is_closed():
                self._loop.close()  # never started (or already stopped)
            return
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    # -- on the relay's loop --------------------------------------------------------------------------------
    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _apply(self, state: NetworkState) -> None:
        previous, self._state = self._state, state
        for link in list(self._links):
            if state is NetworkState.CUT or (state is NetworkState.CONNECTED and previous is NetworkState.SILENT):
                self._drop(link)  # back from silence, a held connection fails at once instead of hanging on
            elif state is NetworkState.SILENT:
                link.silent = True

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            self._drop(link)
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _drop(self, link: _Link) -> None:
        _reset(link.client)
        if link.upstream is not None:
            link.upstream.transport.abort()
        for task in link.tasks:
            task.cancel()
        self._links.discard(link)

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if self._state is NetworkState.CUT:
            _reset(client_w)
            return
        link = _Link(client_w, silent=self._state is NetworkState.SILENT)
        self._links.add(link)
        try:
            if not link.silent:
                try:
                    upstream_r, link.upstream = await asyncio.open_connection(*self.upstream)
                except OSError as exc:  # the server is not running: the kiosk sees a failed connection
                    log.info("demo network: the server at %s does not answer: %s", self.upstream_url, exc)
                    _reset(client_w)
                    return
                link.tasks.append(asyncio.ensure_future(self._pump(upstream_r, client_w, link)))
            link.tasks.append(asyncio.ensure_future(self._pump(client_r, link.upstream, link)))
            await asyncio.wait(link.tasks, return_when=asyncio.FIRST_COMPLETED)
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            if link in self._links:  # ended by one side: close the other politely, flushing what it was sent
                self._links.discard(link)
                for task in link.tasks:
                    task.cancel()
                for writer in (client_w, link.upstream):
                    if writer is not None and not writer.is_closing():
                        writer.close()

    async def _pump(self, source: asyncio.StreamReader, target: asyncio.StreamWriter | None, link: _Link) -> None:
        """Copy until end of stream; a silenced link swallows everything from then on."""
        try:
            while data := await source.read(CHUNK):
                if link.silent or target is None:
                    continue
                target.write(data)
                await target.drain()
        except (ConnectionError, OSError):
            pass
