"""Request and response shapes at the HTTP edge; amounts are strict integers (paise)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

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


class ReachabilityPublic(Public):
    """What this server process last heard from a department (no call is made to tell): never its key."""

    biller: str
    last_answer_at: float | None
    last_latency_ms: float | None
    last_problem: str | None


class HealthPublic(Public):
    """Up and able to reach its database; version, mode and the departments only where details are shown."""

    status: Literal["ok", "degraded"]
    database: Literal["ok", "unreachable"]
    version: str | None = None
    mode: Literal["demo", "production"] | None = None
    departments: list[ReachabilityPublic] | None = None


# -- administrators' answers -------------------------------------------------------------------------------


class KioskCreatedPublic(Public):
    id: int
    code: str


class KioskBatchCreated(Public):
    code: str
    status: Literal["created"]
    id: int


class KioskBatchNotCreated(Public):
    """A kiosk of the list not created: it exists already (left as it is), or it was refused."""

    code: str
    status: Literal["exists", "refused"]
    error: ErrorDetail


class KioskBatchPublic(Public):
    results: list[Annotated[KioskBatchCreated | KioskBatchNotCreated, Field(discriminator="status")]]


class AdjustmentPublic(Public):
    """An adjustment posted (or its first answer, replayed), with the kiosk's balances after it."""

    operation_id: str
    kiosk_code: str
    direction: Literal["credit", "debit"]
    amount_paise: int
    entry_id: int
    wallet_balance_paise: int
    credit_used_paise: int
    spendable_paise: int
    from_wallet_paise: int | None = None  # a debit: what came from the wallet, and from the credit line
    from_credit_paise: int | None = None
    replayed: bool | None = None  # on the single adjustment's answer


class AdjustmentDone(Public):
    operation_id: str
    status: Literal["applied", "replayed"]
    response: AdjustmentPublic


class AdjustmentRefused(Public):
    operation_id: str
    status: Literal["refused"]
    error: ErrorDetail


class AdjustmentBatchPublic(Public):
    results: list[Annotated[AdjustmentDone | AdjustmentRefused, Field(discriminator="status")]]


class OperationPublic(Public):
    """An administrator's operation and the answer it was given (the shape depends on its kind)."""

    operation_id: str
    kind: str
    status: Literal["applied"]
    response: dict[str, Any]


class LedgerAuditPublic(Public):
    balanced: bool
    problems: list[str]
    entries: int
    operations: int


class PasswordIssuedPublic(Public):
    kiosk_code: str
    status: Literal["issued"]
    kind: Literal["first_password", "reset_password"]
    sent_to: list[str]


class KioskStatusPublic(Public):
    kiosk_code: str
    status: Literal["active", "suspended"]


class MessagePublic(Public):
    """A message the simulated SMS / e-mail gateway sent."""

    id: int
    created_at: str
    channel: str
    to: str
    kind: str
    subject: str | None
    body: str


class MessagesPublic(Public):
    messages: list[MessagePublic]


class AuthEventPublic(Public):
    id: int
    at: str
    event: str
    outcome: str
    kiosk_id: int | None
    sso_id: str | None
    machine_id: str | None
    client_ip: str | None
    session_id: int | None
    detail: str | None


class AuthEventsPublic(Public):
    events: list[AuthEventPublic]
