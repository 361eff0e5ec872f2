"""The request size limit (BodyLimit), driven as the ASGI server drives it: declared and streamed bodies."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from server.api.main import BodyLimit

LIMIT = 100


class Route:
    """The app behind the limit: reads the whole body, as FastAPI does before a route runs, and answers 200."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


def call(route: Route, chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> tuple[int, dict[str, Any]]:
    scope: Scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    pending = list(chunks)
    sent: list[Message] = []

    async def receive() -> Message:
        if not pending:
            return {"type": "http.disconnect"}
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(BodyLimit(route, LIMIT)(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], json.loads(body)


def declared(size: int) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"application/json"), (b"content-length", str(size).encode())]


CHUNKED = [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")]


def test_a_declared_body_within_the_limit_reaches_the_route_whole() -> None:
    route = Route()
    assert call(route, [b"x" * LIMIT], declared(LIMIT)) == (200, {})
    assert call(route, [b"x" * 40, b"y" * 60], declared(LIMIT)) == (200, {})
    assert route.bodies == [b"x" * LIMIT, b"x" * 40 + b"y" * 60]


def test_a_request_without_a_body_reaches_the_route() -> None:
    route = Route()
    assert call(route, [b""], [(b"host", b"127.0.0.1")]) == (200, {})
    assert route.bodies == [b""]


def test_a_declared_body_over_the_limit_is_refused_before_the_route_or_a_read() -> None:
    route = Route()
    status, body = call(route, [b"x" * (LIMIT + 1)], declared(LIMIT + 1))
    assert (status, body["error"]["code"]) == (413, "body_too_large")
    assert body["error"]["message"] == f"The request body exceeds {LIMIT} bytes."
    status, body = call(route, [b"x"], [(b"content-length", b"1e3")])
    assert (status, body["error"]["code"]) == (413, "body_too_large")
    assert route.bodies == []


def test_a_streamed_body_is_measured_whole_before_the_route_sees_it() -> None:
    route = Route()
    assert call(route, [b"x" * 50, b"y" * 50], CHUNKED) == (200, {})
    status, body = call(route, [b"x" * 60, b"y" * 41], CHUNKED)
    assert (status, body["error"]["code"]) == (413, "body_too_large")
    assert route.bodies == [b"x" * 50 + b"y" * 50]


def test_the_refusal_is_the_same_every_time() -> None:
    route = Route()
    answers = [call(route, [b"x" * 200], declared(200)) for _ in range(3)]
    answers += [call(route, [b"x" * 101], CHUNKED)]
    assert answers == [answers[0]] * 4
