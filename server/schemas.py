"""Request and response shapes at the HTTP edge; amounts are strict integers (paise)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.core.fields import Text

OperationId = Annotated[str, Text(64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{7,63}$")]
KioskCode = Annotated[str, Text(32, pattern=r"^[A-Z0-9][A-Z0-9-]{2,31}$")]
# 1 paisa up to ₹10 crore in one operation; StrictInt refuses 1.5, "100" and true.
Paise = Annotated[int, Field(strict=True, gt=0, le=10_000_000_000)]
Memo = Annotated[str, Text(200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AdjustmentIn(Strict):
    operation_id: OperationId
    direction: Literal["credit", "debit"]
    amount_paise: Paise
    memo: Memo = ""


class BatchAdjustmentIn(AdjustmentIn):
    kiosk_code: KioskCode


class AdjustmentBatchIn(Strict):
    items: list[BatchAdjustmentIn] = Field(min_length=1, max_length=500)


class KioskIn(Strict):
    code: KioskCode
    name: Annotated[str, Text(200, min_length=1, strip=True)]
    holder_name: Annotated[str, Text(200, min_length=1, strip=True)]
    district: Annotated[str, Text(100, min_length=1, strip=True)]
    sso_id: Annotated[str, Text(64, pattern=r"^[A-Za-z0-9._]{4,64}$")]
    mobile: Annotated[str, Text(10, pattern=r"^[6-9][0-9]{9}$")]
    email: Annotated[str, Text(254, pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")]
    old_emitra_id: Annotated[str, Text(64)] | None = None
    micro_atm_terminal_id: Annotated[str, Text(16, pattern=r"^[A-Z0-9]{8,16}$")] | None = None
    credit_limit_paise: Annotated[int, Field(strict=True, ge=0, le=10_000_000_000)] = 0


class BalancePublic(BaseModel):
    kiosk_code: str
    wallet_balance_paise: int
    credit_limit_paise: int
    credit_used_paise: int
    spendable_paise: int


class Public(BaseModel):
    """An answer's shape: exactly these fields, so a field the code adds or drops fails a test, not a client."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    """A refusal: a stable machine-readable code, a message, and details that depend on the code."""

    model_config = ConfigDict(extra="allow")
    code: str
    message: str


class ErrorPublic(Public):
    error: ErrorDetail
