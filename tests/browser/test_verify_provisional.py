"""A PROVISIONAL receipt anyone can verify: the kiosk signs its QR with its own Ed25519 key (kept in the keyring,
its public key registered at sign-in over the kiosk's session). Printed offline, the QR scans (printer's own QR
and the raster one) to the server's /v/p/... address; in a real headless Chromium it reads "provisional — not
yet received by the server", after the day-end sync the payment's final state; a forged signature, an altered
amount, an unknown kiosk and a key replaced since each read "not valid"."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from keyrings.alt.file import PlaintextKeyring
from playwright.sync_api import Browser, Page

from kiosk_app.api import ApiClient
from kiosk_app.auth import KioskAccount
from kiosk_app.config import KioskConfig
from kiosk_app.core import KioskCore
from kiosk_app.receipt_key import KEYRING_RECEIPT_SERVICE, ReceiptKey
from kiosk_app.services import OutcomeStatus
from kiosk_app.session import LocalSettings, TokenStore
from kiosk_app.worker import DbWorker
from printing.escpos_decode import decode, qr_payloads, rasters
from printing.profiles import profile
from printing.thermal import receipt_bytes
from rules import provisional_qr
from tests.browser.test_console import browser  # noqa: F401 - the fixture
from tests.printing.test_profiles import _scan
from tests.support.auth import ready_token
from tests.support.faultproxy import FaultProxy
from tests.support.kiosk_client import paper_bills
from tests.support.server import ServerProcess

CODE = "RJ-PRV-0042"


def _keyring(path: Path) -> PlaintextKeyring:
    backend = PlaintextKeyring()
    backend.file_path = str(path)
    return backend


def _result(page: Page, url: str) -> str:
    page.goto(url)
    return page.inner_text("#result")


def _not_valid(page: Page, url: str) -> bool:
    text = _result(page, url)
    return "Not valid" in text and "मान्य नहीं" in text and page.locator("#amount").count() == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_provisional_receipt_verifies_before_and_after_the_sync_and_anything_else_is_not_valid(
    browser: Browser,  # noqa: F811 - the fixture
    auth_server: ServerProcess,
    qapp: object,  # the receipt's Hindi lines are drawn with Qt
    tmp_path: Path,
) -> None:
    token = ready_token(auth_server, CODE)
    auth_server.adjust(CODE, "provisional-funds", "credit", 10_000_000).raise_for_status()
    proxy = FaultProxy(auth_server.port).start()
    backend = _keyring(tmp_path / "keyring.cfg")
    tokens = TokenStore(proxy.url, backend)
    tokens.save(token)
    account = KioskAccount(ApiClient(proxy.url, machine_id="pc-prv"), tokens, LocalSettings(tmp_path / "config"))
    assert account.resume() is not None  # signed in: the PC's key is made, kept in the keyring, registered
    assert account.receipt_key.registered_for == CODE
    kept = backend.get_password(KEYRING_RECEIPT_SERVICE, proxy.url)
    assert kept and ReceiptKey(proxy.url, backend).public_key == account.receipt_key.public_key  # the same key
    # The next start signed in offline (no registration possible): the kiosk the server took the key for is kept.
    assert ReceiptKey(proxy.url, backend).signed_path("op-next-run", 100).startswith(f"/v/p/{CODE}/op-next-run?")
    assert not any(kept in p.read_text(errors="replace") for p in (tmp_path / "config").glob("**/*") if p.is_file())
    core = KioskCore(
        KioskConfig(server_url=proxy.url, database=tmp_path / "kiosk.sqlite3"),
        worker=DbWorker(),
        api=account.api,
        operator=account.operator,
        receipt_key=account.receipt_key,
    )
    page = browser.new_context().new_page()
    try:
        core.catalog.refresh()
        assert core.connectivity.check() is True
        core.money.refresh()  # the wallet as the server holds it: the offline limit
        proxy.set_offline(True)
        assert core.connectivity.check() is False
        bill = paper_bills(1, series=42)[0]
        taken = core.payments.pay(bill.order())
        assert taken.status is OutcomeStatus.PROVISIONAL and taken.receipt is not None
        url = taken.receipt.verify_url
        assert url.startswith(f"{proxy.url}/v/p/{CODE}/{taken.operation_id}?a={bill.amount_paise}&s=")
        # The printed QR holds it: the printer's own QR and the raster one of a printer without QR.
        assert qr_payloads(decode(receipt_bytes(taken.receipt, profile("TM-T88V")))) == [url]
        scanned = [
            d for r in rasters(decode(receipt_bytes(taken.receipt, profile("POS-5890")))) for d in _scan(r.to_image())
        ]
        assert scanned == [url]

        proxy.set_offline(False)  # the phone reaches the server; the kiosk has not synced yet
        text = _result(page, url)
        assert "not yet received by the server" in text and "अभी सर्वर को प्राप्त नहीं" in text
        assert page.inner_text("#kiosk") == CODE and page.inner_text("#amount").startswith("₹")

        query = parse_qs(urlsplit(url).query)
        signature, amount = query["s"][0], int(query["a"][0])
        base = f"{proxy.url}/v/p/{CODE}/{taken.operation_id}"
        stranger = Ed25519PrivateKey.generate()
        forged = provisional_qr.path(
            CODE, taken.operation_id, amount, stranger.sign(provisional_qr.message(CODE, taken.operation_id, amount))
        )
        for bad in (
            f"{base}?a={amount + 100}&s={signature}",  # altered amount
            f"{proxy.url}{forged}",  # signed by another key
            f"{proxy.url}/v/p/RJ-NOPE-0001/{taken.operation_id}?a={amount}&s={signature}",  # unknown kiosk
            f"{base}?a={amount}&s=not-base64!!",
            base,
        ):
            assert _not_valid(page, bad), bad

        summary = core.sync.run()
        assert summary.complete and summary.done == 1
        text = _result(page, url)
        assert "reached the server" in text and "सर्वर तक पहुँच गई" in text
        assert "SUCCESS" in page.inner_text("#status") and page.inner_text("#consumer").endswith(bill.k_no[-4:])
        assert bill.k_no not in page.content()

        # Registering is idempotent; a new key replaces the old only with the session, and the old QR is void.
        key_url = f"{auth_server.url}/api/v1/kiosk/receipt-key"
        same = requests.post(
            key_url, json={"public_key": account.receipt_key.public_key},
            headers={"Authorization": f"Bearer {token}"}, timeout=30,
        )  # fmt: skip
        assert same.status_code == 200 and same.json()["replaced"] is False
        other = ReceiptKey(auth_server.url, _keyring(tmp_path / "other.cfg"))
        unsigned = requests.post(key_url, json={"public_key": other.public_key}, timeout=30)
        assert unsigned.status_code == 401
        assert _result(page, url) and "reached the server" in page.inner_text("#result")  # not replaced
        replaced = requests.post(
            key_url, json={"public_key": other.public_key}, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        assert replaced.status_code == 200 and replaced.json() == {
            "kiosk_code": CODE, "public_key": other.public_key, "replaced": True
        }  # fmt: skip
        assert _not_valid(page, url)
        bad_key = requests.post(
            key_url, json={"public_key": "short"}, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        assert bad_key.status_code == 422
    finally:
        core.close()
        proxy.stop()
