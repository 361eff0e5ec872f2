"""HTTP shapes for the catalog, bill fetch and payments; amounts are strict integer paise."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.core.fields import Day, Text
from server.schemas import OperationId, Paise

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
