"""The kiosk's receipt key on its own: kept in the keyring (the same key on the next start), never signing before
the server took it (the QR then holds the operation id), and a failed registration never stops the sign-in."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from keyrings.alt.file import PlaintextKeyring

from kiosk_app.api import ApiClient
from kiosk_app.receipt_key import KEYRING_RECEIPT_SERVICE, ReceiptKey
from kiosk_app.receipts import provisional
from printing.receipt import Bilingual, Kiosk
from printing.samples import SAMPLE_HELP_DESK
from rules import provisional_qr
from tests.support.pgcluster import free_port

URL = "http://127.0.0.1:9"


def _backend(tmp_path: Path) -> PlaintextKeyring:
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    return backend


def test_the_key_is_kept_in_the_keyring_and_made_again_only_when_it_is_unreadable(tmp_path: Path) -> None:
    backend = _backend(tmp_path)
    first = ReceiptKey(URL, backend).public_key
    assert backend.get_password(KEYRING_RECEIPT_SERVICE, URL) and ReceiptKey(URL, backend).public_key == first
    backend.set_password(KEYRING_RECEIPT_SERVICE, URL, "not a key")
    assert ReceiptKey(URL, backend).public_key != first


def test_nothing_is_signed_before_the_server_took_the_key_and_a_failed_registration_is_no_error(
    tmp_path: Path,
) -> None:
    key = ReceiptKey(URL, _backend(tmp_path))
    api = ApiClient(f"http://127.0.0.1:{free_port()}", machine_id="pc-key", timeout=(0.5, 0.5), retries=0)
    assert key.register(api) is False and key.signed_path("op-1", 100) == ""
    receipt = provisional(
        operation_id="op-1",
        taken_at=datetime(2026, 12, 7, tzinfo=UTC),
        kiosk=Kiosk("RJ-KEY-0001", "Kiosk"),
        service=Bilingual("Electricity", "बिजली"),
        department=Bilingual("JVVNL", "जयपुर"),
        label=Bilingual("K No.", "के. नं."),
        consumer_no="210012345678",
        consumer_name="A",
        bills=[("B1", 100)],
        method="wallet",
        cheque=None,
        help_desk=SAMPLE_HELP_DESK,
    )
    assert receipt.qr_data == "op-1"  # unsigned: the operation id, as before
    key.registered_for = "RJ-KEY-0001"  # as the server's answer sets it
    path = key.signed_path("op-1", 100)
    assert path.startswith("/v/p/RJ-KEY-0001/op-1?a=100&s=")
    raw_key = provisional_qr.unb64(key.public_key)
    signature = provisional_qr.unb64(path.rsplit("&s=", 1)[1])
    assert raw_key is not None and signature is not None
    Ed25519PublicKey.from_public_bytes(raw_key).verify(signature, provisional_qr.message("RJ-KEY-0001", "op-1", 100))
