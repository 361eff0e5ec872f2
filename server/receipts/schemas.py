"""The HTTP shapes of a kiosk's receipts: a search for a reprint, and a receipt sent by SMS or e-mail."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel

from server.core.fields import Text
from server.payments.schemas import PaymentPublic

ReceiptNo = Annotated[str, Text(40, min_length=1)]


class ReceiptSearchPublic(BaseModel):
    """The kiosk's own receipts that match, newest first (at most 20)."""

    receipts: list[PaymentPublic]
