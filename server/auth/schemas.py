"""Request and response shapes of the sign-in, recovery and profile endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from server.core.fields import Text

Password = Annotated[str, Text(1024, min_length=1)]
SsoIdText = Annotated[str, Text(256, min_length=1)]
ChallengeId = Annotated[str, Text(64, min_length=1)]
Otp = Annotated[str, Text(16, min_length=1)]
Contact = Annotated[str, Text(254, min_length=1)]
Address = Annotated[str, Text(300, min_length=5, strip=True)]
AlternateMobile = Annotated[str, Text(20, min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(Strict):
    sso_id: SsoIdText = Field(description="the SSO ID (case does not matter)")
    password: Password


class ChangePasswordIn(Strict):
    current_password: Password
    new_password: Password = Field(description="at least 8 characters; see docs/SECURITY.md")


class ForgotSsoIdIn(Strict):
    contact: Contact = Field(description="the registered mobile (10 digits, +91/0 allowed) or e-mail")


class ForgotPasswordIn(Strict):
    sso_id: SsoIdText


class VerifyOtpIn(Strict):
    challenge_id: ChallengeId
    otp: Otp


class ResetPasswordIn(Strict):
    challenge_id: ChallengeId
    otp: Otp
    new_password: Password


class ResendOtpIn(Strict):
    challenge_id: ChallengeId


NextStep = Literal["change_password", "complete_profile", "ready"]


class SessionPublic(BaseModel):
    kiosk_code: str
    sso_id: str
    kiosk_status: str
    must_change_password: bool
    profile_completed: bool
    next_step: NextStep
    expires_at: datetime
    idle_expires_at: datetime
    idle_timeout_seconds: int


class LoginPublic(SessionPublic):
    token: str
    token_type: Literal["bearer"] = "bearer"


class OtpChallengePublic(BaseModel):
    challenge_id: str
    message: str
    expires_in_seconds: int
    resend_after_seconds: int
    resends_left: int


class SsoIdsPublic(BaseModel):
    sso_ids: list[str]
    message: str


class StatusPublic(BaseModel):
    status: str
    message: str


class SyncKeyPublic(BaseModel):
    sync_key: str = Field(description="bearer token for POST /payments/batch and GET /payments/{id} only")
    expires_at: datetime


class SyncKeyInfo(BaseModel):
    id: int
    machine_id: str | None = Field(description="the PC (X-Machine-Id) whose operator signed in and asked for it")
    issued_at: datetime
    expires_at: datetime
    last_used_at: datetime


class SyncKeysPublic(BaseModel):
    sync_keys: list[SyncKeyInfo]


class LogoutIn(Strict):
    end_sync_keys: StrictBool = Field(False, description="also end every day-end sync key of the kiosk")


class ProfileIn(Strict):
    address: Address
    pincode: Annotated[str, Text(6, pattern=r"^[1-9][0-9]{5}$")]
    alternate_mobile: AlternateMobile | None = None
    confirm: StrictBool = Field(description="true: the operator confirms the registered details are right")


class ProfilePublic(BaseModel):
    kiosk_code: str
    kiosk_name: str
    holder_name: str
    district: str
    old_emitra_id: str | None
    sso_id: str
    mobile: str
    email: str
    kiosk_status: str
    address: str | None
    pincode: str | None
    alternate_mobile: str | None
    profile_completed: bool
    completed_at: datetime | None
