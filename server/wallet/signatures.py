"""HMAC-SHA256 signatures of the notifications the gateway and the bank send us (and the simulators sign)."""

from __future__ import annotations

import hashlib
import hmac

from server.core.errors import ApiError

GATEWAY_HEADER = "X-Gateway-Signature"
BANK_HEADER = "X-Bank-Signature"


class SignatureRefused(ApiError):
    status = 401
    code = "bad_signature"


def sign(secret: str, body: bytes) -> str:
    """Lower-case hex HMAC-SHA256 of the exact body bytes."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str | None, header: str) -> None:
    """Refuse a missing or wrong signature before the body is even parsed (constant-time compare)."""
    if not signature:
        raise SignatureRefused(f"the {header} header is missing", code="signature_missing")
    if not hmac.compare_digest(sign(secret, body).encode(), signature.strip().lower().encode()):
        raise SignatureRefused("the notification's signature does not match its body")
