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


@dataclass(frozen=True)
class Message:
    channel: Channel
    to: str
    kind: str
    body: str
    subject: str = ""
    kiosk_id: int | None = None


class MessageGateway(Protocol):
    """Sends SMS and e-mail. `send` runs in the caller's transaction: a rolled-back OTP is never sent."""

    def send(self, conn: Connection, message: Message, now: datetime) -> None: ...


class SimulatedGateway:
    """Stores each message in `outbound_messages` (the outbox a real sender would drain) and logs it."""

    def __init__(self, *, log_bodies: bool) -> None:
        # Bodies carry OTPs and passwords: only the demo writes them to the log.
        self.log_bodies = log_bodies

    def send(self, conn: Connection, message: Message, now: datetime) -> None:
        conn.execute(
            insert(messages_t).values(
                created_at=now, channel=message.channel, to_address=message.to, kind=message.kind,
                subject=message.subject, body=message.body, kiosk_id=message.kiosk_id,
            )
        )
        if self.log_bodies:
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
