"""The server process's HTTP edge: header count and size limits in the parser, and the security headers."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from server.core.config import Settings

HSTS = b"max-age=31536000; includeSubDomains"


def refusal_bytes(status: int, reason: str, code: str, message: str) -> bytes:
    """A whole HTTP/1.1 answer in the server's error shape, for a request refused before any route saw it."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class HeaderLimits(HttpToolsProtocol):
    """uvicorn's httptools protocol that refuses a request line + headers over `max_bytes` or with more than
    `max_count` headers with 431, as the bytes arrive (a 64 MB header is not read whole first)."""

    max_bytes = 32_768
    max_count = 100

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading_head = True
        self._head_bytes = 0
        self._over = False  # a limit was passed: nothing more of this connection reaches the app
        self._answered = False

    def data_received(self, data: bytes) -> None:
        if self._over:
            return
        if self._reading_head:
            self._head_bytes += len(data)
        super().data_received(data)
        # Still inside the head after this chunk: everything received so far is request line and headers.
        if self._reading_head and self._head_bytes > self.max_bytes:
            self._over = True
        if self._over:
            self._refuse()

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(self.headers) >= self.max_count:
            self._over = True
        if not self._over:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if self._over or size > self.max_bytes:
            self._over = True
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._over:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._over:
            return
        super().on_message_complete()
        self._reading_head, self._head_bytes = True, 0

    def _refuse(self) -> None:
        if self._answered:
            return
        self._answered = True
        self.transport.write(
            refusal_bytes(
                431,
                "Request Header Fields Too Large",
                "headers_too_large",
                f"At most {self.max_count} request headers of {self.max_bytes} bytes in all are accepted.",
            )
        )
        self.transport.close()


def header_limits(settings: Settings) -> type[HeaderLimits]:
    """The protocol class for `uvicorn.run(http=…)`, with the configured limits."""

    class Configured(HeaderLimits):
        max_bytes = settings.max_header_bytes
        max_count = settings.max_header_count

    return Configured


class SecurityHeaders:
    """Adds HSTS, nosniff, no framing and (unless a route chose its own) Cache-Control: no-store to every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [
                    (b"strict-transport-security", HSTS),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                ]
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", b"frame-ancestors 'none'"))
                if b"cache-control" not in names:
                    # Answers carry session tokens, sync keys, balances: no cache on the way may keep them.
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
