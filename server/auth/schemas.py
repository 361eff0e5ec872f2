"""Request and response shapes of the sign-in, recovery and profile endpoints."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints


def _no_control_characters(value: str) -> str:
    # NUL cannot be stored by PostgreSQL and lone surrogates cannot be encoded: refuse them at the edge.
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        raise ValueError("must not contain control characters")
    return value


NoControl = AfterValidator(_no_control_characters)
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024), NoControl]
SsoIdText = Annotated[str, StringConstraints(min_length=1, max_length=256), NoControl]
ChallengeId = Annotated[str, StringConstraints(min_length=1, max_length=64), NoControl]
Otp = Annotated[str, StringConstraints(min_length=1, max_length=16), NoControl]
Contact = Annotated[str, StringConstraints(min_length=1, max_length=254), NoControl]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=300), NoControl]
AlternateMobile = Annotated[str, StringConstraints(min_length=1, max_length=20), NoControl]


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


class ProfileIn(Strict):
    address: Address
    pincode: Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{5}$")]
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
