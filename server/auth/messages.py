"""The SMS + e-mail gateway: an interface, and the simulated one that stores messages and logs them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from sqlalchemy import Connection, insert

from server.models import OutboundMessage
from server.models.base import table_of

log = logging.getLogger("emitra.messages")

messages_t = table_of(OutboundMessage)

Channel = Literal["sms", "email"]


HIDDEN = "[hidden]"


@dataclass(frozen=True)
class Message:
    """One SMS or e-mail; `secret` is the code or password its body carries (sent, never kept outside demo)."""

    channel: Channel
    to: str
    kind: str
    body: str
    subject: str = ""
    kiosk_id: int | None = None
    secret: str = ""

    def kept_body(self, *, demo: bool) -> str:
        """The body as it may be stored and shown: the secret hidden, except on a demo server."""
        return self.body if demo or not self.secret else self.body.replace(self.secret, HIDDEN)


class MessageGateway(Protocol):
    """Sends SMS and e-mail. `send` runs in the caller's transaction: a rolled-back OTP is never sent."""

    def send(self, conn: Connection, message: Message, now: datetime) -> None: ...


class SimulatedGateway:
    """Records each message in `outbound_messages` and logs it; a real gateway sends the body as it is and
    records it as this one does.

    Bodies carry OTPs and passwords: only a demo server keeps them in clear (its operators read their OTPs in
    `GET /admin/messages`); elsewhere the record and the log hide the secret (OTPs are kept only as an HMAC)."""

    def __init__(self, *, demo: bool) -> None:
        self.demo = demo

    def send(self, conn: Connection, message: Message, now: datetime) -> None:
        conn.execute(
            insert(messages_t).values(
                created_at=now,
                channel=message.channel,
                to_address=message.to,
                kind=message.kind,
                subject=message.subject,
                body=message.kept_body(demo=self.demo),
                kiosk_id=message.kiosk_id,
            )
        )
        if self.demo:
            log.info("%s to %s [%s]: %s", message.channel, message.to, message.kind, message.body)
        else:
            log.info("%s to %s [%s] queued", message.channel, mask(message.to), message.kind)


def mask(address: str) -> str:
    """98******10 or s****@example.in: enough for an operator to recognise, not to harvest."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return (local[:1] + "*" * max(len(local) - 1, 1)) + "@" + domain
    if len(address) <= 4:
        return "*" * len(address)
    return address[:2] + "*" * (len(address) - 4) + address[-2:]
