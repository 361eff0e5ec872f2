"""HTTP shapes for the catalog, bill fetch and payments; amounts are strict integer paise."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.core.fields import Day, Text
from server.schemas import ErrorDetail, OperationId, Paise, Public

FieldValue = Annotated[str, Text(200)]
ServiceCode = Annotated[str, Text(40, min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FetchIn(Strict):
    service_code: ServiceCode
    fields: dict[Annotated[str, Text(40)], FieldValue] = Field(max_length=10)


class BillIn(FetchIn):
    amount_paise: Paise


class ContactIn(Strict):
    mobile: Annotated[str, Text(20)] | None = None
    email: Annotated[str, Text(254)] | None = None


class MethodIn(Strict):
    type: Literal["wallet", "cheque"]
    cheque_no: Annotated[str, Text(12)] | None = None
    bank: Annotated[str, Text(100)] | None = None
    date: Day | None = None


class PayIn(Strict):
    operation_id: OperationId
    bills: list[BillIn] = Field(min_length=1, max_length=10)
    contact: ContactIn
    method: MethodIn
    offline: bool = False


class FaultIn(Strict):
    fault: Literal["none", "timeout", "decline", "slow", "lost_answer"]
    times: Annotated[int, Field(strict=True, ge=-1, le=1000)] = -1
    delay_ms: Annotated[int, Field(strict=True, ge=0, le=60_000)] = 0
    applies_to: Literal["pay", "fetch", "both"] = "pay"


class ChequeStatusIn(Strict):
    status: Literal["cleared", "bounced"]


class PayBatchIn(Strict):
    items: list[PayIn] = Field(min_length=1, max_length=100)


class PaymentStatus(StrEnum):
    """Where a payment or one of its bills stands; "partial" is a payment whose bills ended differently."""

    INITIATED = "initiated"
    PENDING = "pending"
    SUCCESS = "success"
    FAILED = "failed"
    PARTIAL = "partial"


class ContactPublic(Public):
    mobile: str | None
    email: str | None


class ChequePublic(Public):
    cheque_no: str | None
    bank: str | None
    date: str | None
    status: Literal["received", "cleared", "bounced"] | None


class PaymentWalletPublic(Public):
    wallet_balance_paise: int
    spendable_paise: int


class PaymentBillPublic(Public):
    service_code: str
    service_name_en: str
    service_name_hi: str
    department: str
    department_name_en: str
    department_name_hi: str
    consumer_no: str
    consumer_name: str
    bill_no: str | None
    bill_date: str | None
    due_date: str | None
    amount_due_paise: int | None
    amount_paise: int
    reference: str
    biller_ref: str | None
    status: PaymentStatus
    failure_reason: str | None


class PaymentPublic(Public):
    """Everything a receipt needs, in one answer (the pay answer, its status, a batch item's payment)."""

    operation_id: str
    payment_id: int
    status: PaymentStatus
    method: Literal["wallet", "cheque", "micro_atm"]
    total_paise: int
    receipt_no: str | None
    txn_id: str
    created_at: str
    created_at_ist: str
    kiosk_code: str
    kiosk_name: str
    contact: ContactPublic
    cheque: ChequePublic | None
    from_wallet_paise: int
    from_credit_paise: int
    reversed_paise: int
    failure_reason: str | None
    offline: bool
    bills: list[PaymentBillPublic]
    wallet: PaymentWalletPublic


class BatchDone(Public):
    """A batch item the server holds (a payment in whatever state it is)."""

    operation_id: str
    result: Literal["done"]
    payment: PaymentPublic


class BatchRefused(Public):
    """A batch item refused: nothing changed; it may be corrected and sent with a new operation id."""

    operation_id: str
    result: Literal["refused"]
    status_code: int
    error: ErrorDetail


BatchItemPublic = Annotated[BatchDone | BatchRefused, Field(discriminator="result")]


class PayBatchPublic(Public):
    results: list[BatchItemPublic]


class BillPublic(Public):
    """Get Bill Details: what the department says is due (for recharges, its limits)."""

    service_code: str
    service_name_en: str
    service_name_hi: str
    department: str
    department_name_en: str
    department_name_hi: str
    kind: str
    consumer_no: str
    consumer_name: str
    bill_no: str | None
    bill_date: str | None
    due_date: str | None
    amount_due_paise: int | None
    amount_after_due_paise: int | None
    payable_now_paise: int | None
    partial_allowed: bool
    min_paise: int
    max_paise: int
