"""What a PROVISIONAL receipt's QR holds, the same for the kiosk that signs it and the server that checks it:
the server's address + `/v/p/{kiosk code}/{operation id}?a={amount in paise}&s={signature}`, the signature the
kiosk's own Ed25519 key's over `message(...)` (the standard library only: the signing is each side's)."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote

PREFIX = "/v/p"


def message(kiosk_code: str, operation_id: str, amount_paise: int) -> bytes:
    """The bytes a kiosk signs for one provisional receipt: which kiosk, which operation, how much."""
    return f"emitra-provisional-v1|{kiosk_code}|{operation_id}|{amount_paise}".encode()


def path(kiosk_code: str, operation_id: str, amount_paise: int, signature: bytes) -> str:
    """The verification page's path of a provisional receipt (the QR: the server's address + this)."""
    return f"{PREFIX}/{quote(kiosk_code, safe='')}/{quote(operation_id, safe='')}?a={amount_paise}&s={b64(signature)}"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes | None:
    """The bytes of unpadded URL-safe base64, None when it is not that."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
