"""The back office's HTTP shapes (pydantic only at the edge)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.auth.schemas import Password
from server.core.fields import MAX_INT64, Text
from server.schemas import KioskCode, Memo, Paise

Username = Annotated[str, Text(64, min_length=1)]
RowId = Annotated[int, Field(ge=1, le=MAX_INT64)]  # a BIGINT row id: larger is refused (422), never a 500
Role = Literal["support", "finance", "approver", "auditor"]
Note = Annotated[str, Text(200)]
TxnId = Annotated[str, Text(40, min_length=1)]
Utr = Annotated[str, Text(32, min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AdminSignInIn(Strict):
    username: Username
    password: Password
    code: Annotated[str, Text(8), Field(description="the authenticator app's 6-digit TOTP code")] = ""


class AdminSessionPublic(BaseModel):
    token: str
    username: str
    roles: list[str]
    expires_at: str
    idle_expires_at: str


class AdminSignedOutPublic(BaseModel):
    username: str
    status: Literal["signed_out"]


class AdminMePublic(BaseModel):
    username: str
    roles: list[str]
    person: bool


class AdministratorIn(Strict):
    username: Username
    display_name: Annotated[str, Text(120)] = ""
    password: Password
    roles: Annotated[list[Role], Field(min_length=1, max_length=4)]


class AdministratorPublic(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    status: str
    totp_enrolled: bool
    created_at: str


class AdministratorCreatedPublic(BaseModel):
    username: str
    roles: list[str]
    totp_secret: str | None = Field(description="shown once: enter it in the authenticator app")
    totp_uri: str | None = Field(description="the same as an otpauth:// address (for a QR code)")


class AdministratorsPublic(BaseModel):
    administrators: list[AdministratorPublic]


class AdministratorStatusIn(Strict):
    status: Literal["active", "suspended"]


class AdjustmentProposalIn(Strict):
    kind: Literal["adjustment"]
    kiosk_code: KioskCode
    direction: Literal["credit", "debit"]
    amount_paise: Paise
    memo: Memo = ""
    note: Note = ""


class SuspenseProposalIn(Strict):
    kind: Literal["suspense_assign"]
    utr: Utr
    kiosk_code: KioskCode
    note: Note = ""


class ChequeBounceProposalIn(Strict):
    kind: Literal["cheque_bounce"]
    txn_id: TxnId
    note: Note = ""


ProposalIn = Annotated[AdjustmentProposalIn | SuspenseProposalIn | ChequeBounceProposalIn, Field(discriminator="kind")]


class RejectIn(Strict):
    reason: Note = ""


class ProposalPublic(BaseModel):
    id: int
    kind: Literal["adjustment", "suspense_assign", "cheque_bounce"]
    payload: dict[str, Any]
    amount_paise: int | None
    note: str | None
    status: Literal["pending", "approving", "approved", "rejected", "failed"]
    proposed_by: str
    proposed_at: str
    decided_by: str | None
    decided_at: str | None
    reason: str | None
    result: dict[str, Any] | None
    replayed: bool = False


class ProposalsPublic(BaseModel):
    proposals: list[ProposalPublic]


class AuditEventPublic(BaseModel):
    id: int
    at: str
    actor: str
    client_ip: str | None
    action: str
    target: str | None
    status: int
    outcome: str
    before: str | None
    after: str | None


class AuditTrailPublic(BaseModel):
    events: list[AuditEventPublic]
