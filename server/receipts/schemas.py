"""The HTTP shapes of a kiosk's receipts: a search for a reprint, and a receipt sent by SMS or e-mail."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.core.fields import Text
from server.payments.schemas import PaymentPublic
from server.schemas import OperationId

ReceiptNo = Annotated[str, Text(40, min_length=1)]


class ReceiptSearchPublic(BaseModel):
    """The kiosk's own receipts that match, newest first (at most 20)."""

    receipts: list[PaymentPublic]


class ReceiptMessageIn(BaseModel):
    """Send the customer a short text of a receipt: amount, service, receipt number, verification link."""

    model_config = ConfigDict(extra="forbid")
    operation_id: OperationId = Field(description="the same id sends the message once, however often it comes")
    receipt_no: ReceiptNo | None = Field(None, description="the receipt's number (or payment_operation_id)")
    payment_operation_id: OperationId | None = Field(
        None, description="a PROVISIONAL receipt's payment (its operation id): sent once that payment is in"
    )
    to: Annotated[str, Text(254, min_length=1)] = Field(description="a 10-digit mobile number or an e-mail address")
    language: Literal["en", "hi", "both"] = "both"


class ReceiptMessagePublic(BaseModel):
    operation_id: str
    receipt_no: str
    channel: Literal["sms", "email"]
    to: str = Field(description="the address, masked")
    language: Literal["en", "hi", "both"]
    sent_at: str
    replayed: bool = Field(description="true when this operation id had been sent before (nothing sent now)")
