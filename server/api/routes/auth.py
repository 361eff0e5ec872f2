"""Sign-in: login, logout, session, password change, and "Forget User name/SSO ID?" / "Forget Password?"."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from server.api.deps import AccountsDep, CurrentKiosk, CurrentSession, RequestContextDep, SettingsDep
from server.auth.otp import Challenge
from server.auth.schemas import (
    ChangePasswordIn,
    ForgotPasswordIn,
    ForgotSsoIdIn,
    LoginIn,
    LoginPublic,
    LogoutIn,
    NextStep,
    OtpChallengePublic,
    ResendOtpIn,
    ResetPasswordIn,
    SessionPublic,
    SsoIdsPublic,
    StatusPublic,
    SyncKeyInfo,
    SyncKeyPublic,
    SyncKeysPublic,
    VerifyOtpIn,
)
from server.core.config import Settings
from server.core.fields import RowId

router = APIRouter(tags=["auth"])

# Routes a caller may use without a session; every other kiosk route needs one.
PUBLIC_PATHS = frozenset(
    {"/login", "/forgot-sso-id", "/forgot-sso-id/verify", "/forgot-password", "/forgot-password/reset", "/otp/resend"}
)


def _next_step(must_change: bool, profile_completed: bool) -> NextStep:
    if must_change:
        return "change_password"
    return "ready" if profile_completed else "complete_profile"


def _challenge(challenge: Challenge, now: datetime, settings: Settings, message: str) -> OtpChallengePublic:
    resend_at = challenge.sent_at.timestamp() + settings.otp_resend_interval_seconds
    return OtpChallengePublic(
        challenge_id=challenge.public_id,
        message=message,
        expires_in_seconds=max(0, int(challenge.expires_at.timestamp() - now.timestamp())),
        resend_after_seconds=max(0, int(resend_at - now.timestamp())),
        resends_left=max(0, settings.otp_resend_limit - challenge.resends),
    )


@router.post("/login")
def login(data: LoginIn, accounts: AccountsDep, ctx: RequestContextDep, settings: SettingsDep) -> LoginPublic:
    """SSO ID + password → a session token. With an issued password the session may only change it."""
    result = accounts.login(ctx, data.sso_id, data.password)
    return LoginPublic(
        token=result.session.token,
        kiosk_code=result.holder.code,
        sso_id=result.holder.sso_id,
        kiosk_status=result.holder.status,
        must_change_password=result.must_change_password,
        profile_completed=result.profile_completed,
        next_step=_next_step(result.must_change_password, result.profile_completed),
        expires_at=result.session.expires_at,
        idle_expires_at=result.session.idle_expires_at,
        idle_timeout_seconds=settings.session_idle_minutes * 60,
    )


@router.get("/session")
def session_status(session: CurrentSession, settings: SettingsDep) -> SessionPublic:
    return SessionPublic(
        kiosk_code=session.kiosk_code,
        sso_id=session.sso_id,
        kiosk_status=session.kiosk_status,
        must_change_password=session.must_change_password,
        profile_completed=session.profile_completed,
        next_step=_next_step(session.must_change_password, session.profile_completed),
        expires_at=session.expires_at,
        idle_expires_at=session.idle_expires_at,
        idle_timeout_seconds=settings.session_idle_minutes * 60,
    )


@router.post("/logout")
def logout(
    session: CurrentSession, accounts: AccountsDep, ctx: RequestContextDep, data: LogoutIn | None = None
) -> StatusPublic:
    """End this session; with `end_sync_keys`, every day-end sync key of the kiosk too (else they are kept)."""
    accounts.logout(ctx, session, end_sync_keys=data is not None and data.end_sync_keys)
    return StatusPublic(status="logged_out", message="Signed out.")


@router.post("/sync-key")
def sync_key(kiosk: CurrentKiosk, accounts: AccountsDep, ctx: RequestContextDep) -> SyncKeyPublic:
    """A day-end sync key for the PC this session signed in from: it may only push the outbox and read those
    operations.

    No idle expiry; it ends after `sync_key_hours`, when a newer key is issued to the same PC, when ended
    (DELETE /sync-keys/{id}, or logout with end_sync_keys), or with every other session of the kiosk when the
    password changes. A kiosk has at most `sync_keys_per_kiosk` (409 sync_key_limit)."""
    key = accounts.issue_sync_key(ctx, kiosk.kiosk_id, kiosk.sso_id, kiosk.session_id)
    return SyncKeyPublic(sync_key=key.token, expires_at=key.expires_at)


@router.get("/sync-keys")
def list_sync_keys(kiosk: CurrentKiosk, accounts: AccountsDep, ctx: RequestContextDep) -> SyncKeysPublic:
    """The kiosk's live day-end sync keys: which PC, when issued, until when, last used."""
    return SyncKeysPublic(sync_keys=[SyncKeyInfo(**k) for k in accounts.sync_keys(ctx, kiosk.kiosk_id)])


@router.delete("/sync-keys/{key_id}")
def end_sync_key(key_id: RowId, kiosk: CurrentKiosk, accounts: AccountsDep, ctx: RequestContextDep) -> StatusPublic:
    """End one day-end sync key of the kiosk (a PC given away, a key that should not exist)."""
    accounts.end_sync_key(ctx, kiosk.kiosk_id, kiosk.sso_id, kiosk.session_id, key_id)
    return StatusPublic(status="sync_key_ended", message="The day-end sync key was ended.")


@router.post("/password")
def change_password(
    data: ChangePasswordIn, session: CurrentSession, accounts: AccountsDep, ctx: RequestContextDep
) -> StatusPublic:
    """Set a new password; every session of the kiosk ends, this one included: sign in again."""
    accounts.change_password(ctx, session, data.current_password, data.new_password)
    return StatusPublic(status="password_changed", message="Password changed. Sign in again with the new password.")


@router.post("/forgot-sso-id", status_code=202)
def forgot_sso_id(
    data: ForgotSsoIdIn, accounts: AccountsDep, ctx: RequestContextDep, settings: SettingsDep
) -> OtpChallengePublic:
    challenge = accounts.start_forgot_sso_id(ctx, data.contact)
    return _challenge(
        challenge, ctx.now, settings, "If this mobile number or e-mail is registered, an OTP has been sent to it."
    )


@router.post("/forgot-sso-id/verify")
def forgot_sso_id_verify(data: VerifyOtpIn, accounts: AccountsDep, ctx: RequestContextDep) -> SsoIdsPublic:
    ids = accounts.finish_forgot_sso_id(ctx, data.challenge_id, data.otp)
    return SsoIdsPublic(sso_ids=ids, message="Your SSO ID has also been sent to you.")


@router.post("/forgot-password", status_code=202)
def forgot_password(
    data: ForgotPasswordIn, accounts: AccountsDep, ctx: RequestContextDep, settings: SettingsDep
) -> OtpChallengePublic:
    challenge = accounts.start_forgot_password(ctx, data.sso_id)
    return _challenge(
        challenge, ctx.now, settings, "If this SSO ID exists, an OTP has been sent to its registered mobile and e-mail."
    )


@router.post("/forgot-password/reset")
def forgot_password_reset(data: ResetPasswordIn, accounts: AccountsDep, ctx: RequestContextDep) -> StatusPublic:
    accounts.finish_forgot_password(ctx, data.challenge_id, data.otp, data.new_password)
    return StatusPublic(status="password_changed", message="Password set. Sign in with the new password.")


@router.post("/otp/resend", status_code=202)
def resend_otp(
    data: ResendOtpIn, accounts: AccountsDep, ctx: RequestContextDep, settings: SettingsDep
) -> OtpChallengePublic:
    challenge = accounts.resend_otp(ctx, data.challenge_id)
    return _challenge(challenge, ctx.now, settings, "If the request is valid, a new OTP has been sent.")
