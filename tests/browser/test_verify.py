"""A receipt anyone can verify: the QR of a real payment's receipt holds the server's signed verification address;
opened in a real headless Chromium it shows the receipt's facts; an altered amount, a forged signature and an
unknown receipt number each show "not valid"."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser

from kiosk_app.config import DEFAULT_HELP_DESK
from kiosk_app.contract import PaymentPublic
from kiosk_app.receipts import from_payment
from printing.escpos_decode import decode, qr_payloads, rasters
from printing.profiles import profile
from printing.receipt import Bilingual
from printing.thermal import receipt_bytes
from server.payments.verification import ReceiptKeys
from tests.browser.test_console import browser  # noqa: F401 - the fixture
from tests.printing.test_profiles import _scan
from tests.support.server import ServerProcess
from tests.support.wallet import WalletKiosk, op


def _paid(kiosk: WalletKiosk) -> dict[str, object]:
    fields = {"k_no": "210412340321"}
    bill = kiosk.ok("POST", "/bills/fetch", json={"service_code": "ELEC-JVVNL", "fields": fields})
    body = {
        "operation_id": op(),
        "contact": {"mobile": "9876543210"},
        "method": {"type": "wallet"},
        "bills": [{"service_code": "ELEC-JVVNL", "fields": fields, "amount_paise": bill["payable_now_paise"]}],
    }
    return dict(kiosk.ok("POST", "/payments", json=body))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_real_receipt_verifies_and_anything_else_is_not_valid(
    browser: Browser,  # noqa: F811 - the fixture
    auth_server: ServerProcess,
    qapp: object,  # the receipt's Hindi lines are drawn with Qt: the application pytest-qt makes, made first
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-VER")
    kiosk.fund(50_000_00)
    payment = _paid(kiosk)
    receipt = from_payment(PaymentPublic.parse(payment), Bilingual("K No.", "के. नं."), DEFAULT_HELP_DESK,
                           auth_server.url)  # fmt: skip
    url = receipt.verify_url
    assert url.startswith(f"{auth_server.url}/v/{payment['receipt_no']}?")
    # The printed QR holds it: the printer's own QR, and the raster one of a printer without QR, both scan to it.
    assert qr_payloads(decode(receipt_bytes(receipt, profile("TM-T88V")))) == [url]
    scanned = [
        data for r in rasters(decode(receipt_bytes(receipt, profile("POS-5890")))) for data in _scan(r.to_image())
    ]
    assert scanned == [url]

    page = browser.new_context().new_page()
    page.goto(url)
    assert "genuine" in page.inner_text("#result") and "असली" in page.inner_text("#result")
    assert page.inner_text("#receipt_no") == payment["receipt_no"]
    assert page.inner_text("#consumer") == "XXXXXXXX0321"  # masked: the last four only
    assert "210412340321" not in page.content()
    assert page.inner_text("#amount").startswith("₹") and "SUCCESS" in page.inner_text("#status")

    query = parse_qs(urlsplit(url).query)
    base = f"{auth_server.url}/v/{payment['receipt_no']}"
    altered = f"{base}?a={int(query['a'][0]) + 100}&s={query['s'][0]}"
    forged_key = ReceiptKeys.from_secret(uuid.uuid4().hex)
    forged = f"{auth_server.url}{forged_key.path(str(payment['receipt_no']), int(query['a'][0]))}"
    unknown_no = "RCPT-19990101-000001"
    unknown = f"{auth_server.url}/v/{unknown_no}?a=100&s={query['s'][0]}"
    for bad in (altered, forged, unknown, base, f"{base}?a=1&s=not-base64!!"):
        page.goto(bad)
        assert "Not valid" in page.inner_text("#result") and "मान्य नहीं" in page.inner_text("#result"), bad
        assert page.locator("#amount").count() == 0
