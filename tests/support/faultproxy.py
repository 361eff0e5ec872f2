"""A small asyncio TCP proxy on 127.0.0.1 that breaks HTTP exchanges on purpose (toxiproxy is not available).

Faults are planned per request: each request that starts on any connection (the first bytes after the
previous answer) takes the next planned fault whose `match` occurs in those bytes, or passes untouched.

    drop          close the client's connection at once, forward nothing
    reset         RST the client's connection, forward nothing
    delay         wait `seconds`, then pass
    lost_answer   forward the request; when the server starts answering, RST the client (the server acted)
    cut           forward the request; relay `after_bytes` bytes of the answer, then RST the client
    blackhole     swallow the request and never answer (`forward=True`: the server gets it, the client never hears)
    offline       every connection is refused/reset until set_offline(False)
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections import deque
from dataclasses import dataclass
from typing import Literal

Kind = Literal["drop", "reset", "delay", "lost_answer", "cut", "blackhole"]


@dataclass(frozen=True)
class Fault:
    kind: Kind
    times: int = 1
    match: bytes | None = None  # only requests whose first bytes contain this, e.g. b"POST /api/v1/payments"
    seconds: float = 0.0
    after_bytes: int = 0
    forward: bool = False


def _rst(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.offline = False
        self.applied: list[str] = []
        self._plan: deque[list[Fault | int]] = deque()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy", daemon=True)
        self._conns: set[asyncio.StreamWriter] = set()
        self._upstreams: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for w in list(self._conns) + list(self._upstreams):
                w.transport.abort()
            for task in [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]:
                task.cancel()
            await asyncio.sleep(0.05)  # let the aborted transports finish closing

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    # -- the plan --------------------------------------------------------------------------------------
    def plan(self, *faults: Fault) -> None:
        with self._lock:
            for fault in faults:
                self._plan.append([fault, fault.times])

    def clear(self) -> None:
        with self._lock:
            self._plan.clear()

    def set_offline(self, offline: bool) -> None:
        """Offline: refuse new connections and cut the open ones (a pulled cable, a dead line)."""
        self.offline = offline
        if offline:

            def cut() -> None:
                for w in list(self._conns):
                    _rst(w)

            self._loop.call_soon_threadsafe(cut)

    def _next(self, first: bytes) -> Fault | None:
        with self._lock:
            for slot in self._plan:
                fault, left = slot
                assert isinstance(fault, Fault) and isinstance(left, int)
                if fault.match is not None and fault.match not in first:
                    continue
                if left > 0:
                    slot[1] = left - 1
                if slot[1] == 0:
                    self._plan.remove(slot)
                self.applied.append(fault.kind)
                return fault
        return None

    # -- one client connection -------------------------------------------------------------------------
    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if self.offline:
            _rst(client_w)
            return
        self._conns.add(client_w)
        upstream_w: asyncio.StreamWriter | None = None
        pump: asyncio.Task[None] | None = None
        state: dict[str, object] = {"answering": True, "fault": None, "sent": 0}
        try:
            while True:
                data = await client_r.read(65536)
                if not data or self.offline:
                    break
                if state["answering"]:  # a new request starts
                    state["answering"] = False
                    state["sent"] = 0
                    fault = self._next(data)
                    state["fault"] = fault
                    if fault is not None and fault.kind in ("drop", "reset"):
                        if fault.kind == "drop":
                            client_w.close()
                        else:
                            _rst(client_w)
                        return
                    if fault is not None and fault.kind == "delay":
                        await asyncio.sleep(fault.seconds)
                fault = state["fault"]
                assert fault is None or isinstance(fault, Fault)
                if fault is not None and fault.kind == "blackhole" and not fault.forward:
                    continue
                if upstream_w is None:
                    upstream_r, upstream_w = await asyncio.open_connection(*self.target)
                    self._upstreams.add(upstream_w)
                    pump = asyncio.ensure_future(self._pump_back(upstream_r, client_w, state))
                upstream_w.write(data)
                await upstream_w.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass  # a cancelled task (the proxy stopping) ends quietly
        finally:
            self._conns.discard(client_w)
            if pump is not None:
                pump.cancel()
            if upstream_w is not None:
                upstream_w.transport.abort()
                self._upstreams.discard(upstream_w)
            if not client_w.is_closing():
                client_w.close()

    async def _pump_back(
        self, upstream: asyncio.StreamReader, client_w: asyncio.StreamWriter, state: dict[str, object]
    ) -> None:
        try:
            while True:
                data = await upstream.read(65536)
                if not data:
                    client_w.close()
                    return
                fault = state["fault"]
                assert fault is None or isinstance(fault, Fault)
                if fault is not None:
                    if fault.kind == "lost_answer":
                        _rst(client_w)
                        return
                    if fault.kind == "blackhole":
                        continue  # the server answered; the client never hears it
                    if fault.kind == "cut":
                        room = fault.after_bytes - int(str(state["sent"]))
                        if room <= len(data):
                            client_w.write(data[: max(0, room)])
                            await client_w.drain()
                            _rst(client_w)
                            return
                    if fault.kind == "delay":
                        await asyncio.sleep(fault.seconds)
                state["sent"] = int(str(state["sent"])) + len(data)
                state["answering"] = True
                client_w.write(data)
                await client_w.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            client_w.transport.abort()
