"""This kiosk's own Ed25519 key pair, which signs the QR of every PROVISIONAL receipt it prints offline
(rules.provisional_qr), so anyone can check one on the server's public page before the payment reaches it.

The private key never leaves the PC: it is kept in the OS keyring beside the session token and the sync key
(service `emitra-kiosk-receipt-key`, user = server URL), made on first use. The public key is registered with
the server over the signed-in kiosk API at every sign-in (the same key again changes nothing)."""

from __future__ import annotations

import logging
import threading

import keyring.errors
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from keyring.backend import KeyringBackend

from kiosk_app.api import ApiClient
from kiosk_app.contract import ReceiptKeyPublic
from kiosk_app.errors import KeyringUnavailable, KioskError
from rules import provisional_qr

log = logging.getLogger("emitra.receipt_key")

KEYRING_RECEIPT_SERVICE = "emitra-kiosk-receipt-key"
REGISTER_PATH = "/kiosk/receipt-key"


class ReceiptKey:
    """The key pair of this PC for one server; `registered_for` is the kiosk the server took it for."""

    def __init__(self, server_url: str, backend: KeyringBackend) -> None:
        self.server_url = server_url.rstrip("/")
        self.backend = backend
        self._lock = threading.Lock()
        self._private: Ed25519PrivateKey | None = None
        self.registered_for = ""  # the kiosk code the server registered this key for (kept in the keyring too)

    def _load_or_make(self) -> Ed25519PrivateKey:
        with self._lock:
            if self._private is not None:
                return self._private
            try:
                kept = self.backend.get_password(KEYRING_RECEIPT_SERVICE, self.server_url)
                raw = provisional_qr.unb64(kept) if kept else None
                if raw is not None and len(raw) == 32:
                    self._private = Ed25519PrivateKey.from_private_bytes(raw)
                else:
                    self._private = Ed25519PrivateKey.generate()
                    seed = self._private.private_bytes(
                        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
                    )
                    self.backend.set_password(KEYRING_RECEIPT_SERVICE, self.server_url, provisional_qr.b64(seed))
            except keyring.errors.KeyringError as exc:
                raise KeyringUnavailable(f"the keyring could not keep the receipt key: {exc}") from exc
            return self._private

    @property
    def public_key(self) -> str:
        """The public key as the server takes it: 32 raw bytes, URL-safe base64 without padding."""
        raw = self._load_or_make().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return provisional_qr.b64(raw)

    def register(self, api: ApiClient) -> bool:
        """Give the server this PC's public key (signed in: the server names the kiosk from the session).

        A failure never stops the sign-in: PROVISIONAL receipts then carry only their operation id in the QR.
        """
        try:
            answer = ReceiptKeyPublic.parse(api.post(REGISTER_PATH, {"public_key": self.public_key}))
        except (KioskError, KeyringUnavailable) as exc:
            log.warning("the receipt key was not registered this time: %s", exc)
            return False
        self.registered_for = answer.kiosk_code
        try:  # kept, so that a run signed in offline (the server out of reach) still signs what it prints
            self.backend.set_password(KEYRING_RECEIPT_SERVICE, self._kiosk_entry, answer.kiosk_code)
        except keyring.errors.KeyringError as exc:
            log.warning("the receipt key's kiosk was not kept: %s", exc)
        return True

    @property
    def _kiosk_entry(self) -> str:
        return self.server_url + "#kiosk"

    def _registered_kiosk(self) -> str:
        if not self.registered_for:
            try:
                self.registered_for = self.backend.get_password(KEYRING_RECEIPT_SERVICE, self._kiosk_entry) or ""
            except keyring.errors.KeyringError:
                return ""
        return self.registered_for

    def signed_path(self, operation_id: str, amount_paise: int) -> str:
        """The verification path of a PROVISIONAL receipt, signed; "" when the server has not taken the key
        (in this run or an earlier one)."""
        kiosk_code = self._registered_kiosk()
        if not kiosk_code:
            return ""
        signature = self._load_or_make().sign(provisional_qr.message(kiosk_code, operation_id, amount_paise))
        return provisional_qr.path(kiosk_code, operation_id, amount_paise, signature)
