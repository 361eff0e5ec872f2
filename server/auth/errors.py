"""Refusals of the sign-in and account endpoints, each with a stable code (docs/SECURITY.md lists them)."""

from __future__ import annotations

from server.core.errors import ApiError


class NotAuthenticated(ApiError):
    status = 401
    code = "not_authenticated"


class SessionExpired(ApiError):
    status = 401
    code = "session_expired"


class PasswordChangeRequired(ApiError):
    status = 403
    code = "password_change_required"


class ProfileIncomplete(ApiError):
    status = 403
    code = "profile_incomplete"


class KioskSuspended(ApiError):
    status = 403
    code = "kiosk_suspended"


class InvalidCredentials(ApiError):
    status = 401
    code = "invalid_credentials"


class WrongCurrentPassword(ApiError):
    status = 403
    code = "wrong_current_password"


class LoginThrottled(ApiError):
    status = 429
    code = "login_throttled"


class TooManyAttempts(ApiError):
    status = 429
    code = "too_many_attempts"


class PasswordRejected(ApiError):
    status = 422
    code = "password_rejected"


class OtpInvalid(ApiError):
    status = 400
    code = "otp_invalid"


class OtpExpired(ApiError):
    status = 410
    code = "otp_expired"


class OtpUsed(ApiError):
    status = 409
    code = "otp_used"


class OtpAttemptsExhausted(ApiError):
    status = 429
    code = "otp_attempts_exhausted"


class OtpRateLimited(ApiError):
    status = 429
    code = "otp_rate_limited"


class InvalidContact(ApiError):
    status = 422
    code = "invalid_contact"


class ProfileNotConfirmed(ApiError):
    status = 422
    code = "profile_not_confirmed"


class Refusal(Exception):
    """Carries an ApiError out of a transaction that must commit first (a counted failure, an audit row)."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.message)
        self.error = error
