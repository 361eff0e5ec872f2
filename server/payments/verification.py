"""A receipt anyone can verify: its QR holds the path of this server's public verification page with the receipt
number, the amount and an Ed25519 signature over both, made with a key only the server holds (derived from
EMITRA_SECRET_KEY with HKDF, so there is no second secret to keep). The page shows the facts of a receipt whose
signature holds and whose amount is the payment's — service, masked consumer number, amount, status, date — and
"not valid" for anything else (an altered amount, a forged signature, an unknown number)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import quote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERIFY_PREFIX = "/v"


def _message(receipt_no: str, total_paise: int) -> bytes:
    return f"emitra-receipt-v1|{receipt_no}|{total_paise}".encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class ReceiptKeys:
    private: Ed25519PrivateKey

    @classmethod
    def from_secret(cls, secret_key: str) -> ReceiptKeys:
        seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"emitra receipt signing v1").derive(
            secret_key.encode()
        )
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    def sign(self, receipt_no: str, total_paise: int) -> str:
        return _b64(self.private.sign(_message(receipt_no, total_paise)))

    def path(self, receipt_no: str, total_paise: int) -> str:
        """The verification page's path for a receipt (the QR holds the server's address + this)."""
        return f"{VERIFY_PREFIX}/{quote(receipt_no, safe='')}?a={total_paise}&s={self.sign(receipt_no, total_paise)}"

    def holds(self, receipt_no: str, total_paise: int, signature: str) -> bool:
        """Whether `signature` is this server's over this receipt number and amount."""
        try:
            self.public.verify(_unb64(signature), _message(receipt_no, total_paise))
        except (InvalidSignature, ValueError, binascii.Error):
            return False
        return True


def masked(consumer_no: str) -> str:
    """A consumer number as the public page shows it: its last four characters."""
    return ("X" * max(len(consumer_no) - 4, 0)) + consumer_no[-4:]
