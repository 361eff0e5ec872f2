"""The administrators' second factor: TOTP (RFC 6238, 30-second steps, 6 digits), with replay refused."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

ISSUER = "eMitra back office"
DIGITS = 6


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// address an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def code_at(secret: str, when: datetime) -> str:
    """The code an authenticator shows at `when` (the CLI's and the tests' use)."""
    return pyotp.TOTP(secret).at(when)


def matching_step(secret: str, code: str, now: datetime, window: int) -> int | None:
    """The time step whose code `code` is, within `window` steps of now; None when none is.

    Every step of the window is compared, in constant time, so the answer's timing does not tell which matched.
    The caller refuses a step it has accepted before (a replay)."""
    code = code.strip()
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    found = None
    for step in range(current - window, current + window + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found
