"""The public receipt verification page a receipt's QR opens (server.payments.verification): server-rendered,
no script, Hindi and English, for a customer's phone. It shows only what the receipt says and the server
confirms; anything it cannot confirm is "not valid"."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

import words
from rules.money import format_rupees
from server.payments import Payments, receipt_keys
from server.payments.verification import masked

router = APIRouter(tags=["verify"], include_in_schema=False)

STYLE = (
    "body{font-family:'Noto Sans','Noto Sans Devanagari',sans-serif;margin:0;padding:16px;max-width:520px;"
    "color:#1b1b1b}h1{font-size:1.3rem}.ok{background:#e8f4ea;border:1px solid #b7dfbf;padding:12px}"
    ".bad{background:#fdecea;border:1px solid #f5c2c0;padding:12px}dt{font-weight:bold;margin-top:8px}"
    "dd{margin:0}.hi{display:block}"
)


def _both(key: str, **values: object) -> str:
    en, hi = words.pair(key, **values)
    return f'<span class="hi" lang="hi">{escape(hi)}</span><span lang="en">{escape(en)}</span>'


def _page(body: str, status: int) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="hi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(' / '.join(words.pair('verify.title')))}</title><style>{STYLE}</style></head>"
        f"<body><h1>{_both('verify.title')}</h1>{body}</body></html>"
    )
    response = HTMLResponse(html, status_code=status)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "no-store"
    return response


def not_valid() -> HTMLResponse:
    return _page(f'<p id="result" class="bad">{_both("verify.not_valid")}</p>', 404)


@router.get("/v/{receipt_no}", response_class=HTMLResponse)
def verify_receipt(
    receipt_no: str,
    request: Request,
    a: Annotated[int | None, Query(ge=0, le=10**13)] = None,
    s: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    payments: Payments = request.app.state.payments
    keys = payments.viewer.receipt_keys
    if keys is None or a is None or s is None or len(receipt_no) > 40 or not keys.holds(receipt_no, a, s):
        return not_valid()
    view = payments.by_receipt_no(receipt_no)
    if view is None or view["total_paise"] != a:
        return not_valid()
    return _payment_page(view, "verify.valid")


@router.get("/v/p/{kiosk_code}/{operation_id}", response_class=HTMLResponse)
def verify_provisional(
    kiosk_code: str,
    operation_id: str,
    request: Request,
    a: Annotated[int | None, Query(ge=0, le=10**13)] = None,
    s: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    """A PROVISIONAL receipt's QR (rules.provisional_qr): signed by its kiosk's own key, checked with the key that
    kiosk registered. Not at the server yet: "provisional — not yet received"; once synced: the payment's final
    state; a bad signature, an altered amount or an unknown kiosk: "not valid"."""
    payments: Payments = request.app.state.payments
    if a is None or s is None or len(kiosk_code) > 32 or len(operation_id) > 64:
        return not_valid()
    with payments.reads.connect() as conn:
        key = receipt_keys.key_of(conn, kiosk_code)
    if key is None or not receipt_keys.holds(key, kiosk_code, operation_id, a, s):
        return not_valid()
    found = payments.viewer.payment_ids(key.kiosk_id, [operation_id]).get(operation_id)
    if found is None:
        rows = [
            ("verify.kiosk", escape(kiosk_code)),
            ("verify.operation_id", escape(operation_id)),
            ("verify.amount", escape(format_rupees(a))),
        ]
        return _page(f'<p id="result" class="ok">{_both("verify.provisional")}</p>{_facts(rows)}', 200)
    view = payments.view(found[0])
    if view["total_paise"] != a:
        return not_valid()
    return _payment_page(view, "verify.provisional_received")


def _facts(rows: list[tuple[str, str]]) -> str:
    return (
        "<dl>"
        + "".join(f'<dt>{_both(key)}</dt><dd id="{key.split(".")[1]}">{value}</dd>' for key, value in rows)
        + "</dl>"
    )


def _payment_page(view: dict[str, Any], result_key: str) -> HTMLResponse:
    """What the server holds of a payment: service, the consumer number's last four, amount, status, time."""
    receipt_no = str(view["receipt_no"] or view["txn_id"])
    first = view["bills"][0]
    status_en, status_hi = words.pair(f"printed.status.{_receipt_status(str(view['status']))}")
    rows = [
        ("verify.receipt_no", escape(receipt_no)),
        ("verify.service", f"{escape(first['service_name_hi'])} / {escape(first['service_name_en'])}"),
        ("verify.consumer", escape(masked(first["consumer_no"]))),
        ("verify.amount", escape(format_rupees(view["total_paise"]))),
        ("verify.status", f"{escape(status_hi)} / {escape(status_en)}"),
        ("verify.date", escape(f"{view['created_at_ist']} IST")),
    ]
    return _page(f'<p id="result" class="ok">{_both(result_key)}</p>{_facts(rows)}', 200)


def _receipt_status(status: str) -> str:
    """The receipt's word for a payment status (as kiosk_app.receipts.receipt_status gives it)."""
    return {"success": "success", "failed": "failed", "partial": "partial"}.get(status, "pending")
