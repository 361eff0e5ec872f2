"""Each kiosk's Ed25519 public key, which checks the QR of the PROVISIONAL receipts it prints offline
(rules.provisional_qr): registered by the kiosk over its operator's session, one per kiosk. The same key again
changes nothing; another replaces it (QRs signed with the replaced key then read "not valid")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, select, update

from rules import provisional_qr
from server.models.base import table_of
from server.models.payments import KioskReceiptKey
from server.payments.post import kiosks_t

keys_t = table_of(KioskReceiptKey)


def register(conn: Connection, kiosk_id: int, public_key: str, now: datetime) -> bool:
    """Keep this kiosk's key; whether it replaced another (False: it was the key already, or the first)."""
    kept = conn.execute(select(keys_t.c.public_key).where(keys_t.c.kiosk_id == kiosk_id)).scalar()
    if kept == public_key:
        return False
    if kept is None:
        conn.execute(keys_t.insert().values(kiosk_id=kiosk_id, public_key=public_key, registered_at=now))
        return False
    conn.execute(update(keys_t).where(keys_t.c.kiosk_id == kiosk_id).values(public_key=public_key, registered_at=now))
    return True


@dataclass(frozen=True)
class KioskKey:
    kiosk_id: int
    public_key: str


def key_of(conn: Connection, kiosk_code: str) -> KioskKey | None:
    """The key registered for the kiosk of this code, None when it has none (or there is no such kiosk)."""
    row = conn.execute(
        select(keys_t.c.kiosk_id, keys_t.c.public_key)
        .join(kiosks_t, kiosks_t.c.id == keys_t.c.kiosk_id)
        .where(kiosks_t.c.code == kiosk_code)
    ).first()
    return None if row is None else KioskKey(int(row.kiosk_id), str(row.public_key))


def holds(key: KioskKey, kiosk_code: str, operation_id: str, amount_paise: int, signature: str) -> bool:
    """Whether `signature` is the kiosk's key's over this kiosk, operation and amount."""
    raw_key, raw_signature = provisional_qr.unb64(key.public_key), provisional_qr.unb64(signature)
    if raw_key is None or raw_signature is None or len(raw_key) != 32:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(
            raw_signature, provisional_qr.message(kiosk_code, operation_id, amount_paise)
        )
    except (InvalidSignature, ValueError):
        return False
    return True
