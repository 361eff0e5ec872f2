"""The public receipt verification page a receipt's QR opens (server.payments.verification): server-rendered,
no script, Hindi and English, for a customer's phone. It shows only what the receipt says and the server
confirms; anything it cannot confirm is "not valid"."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

import words
from rules.money import format_rupees
from server.payments import Payments
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
    first = view["bills"][0]
    status_en, status_hi = words.pair(f"printed.status.{_receipt_status(view['status'])}")
    rows = [
        ("verify.receipt_no", escape(receipt_no)),
        ("verify.service", f"{escape(first['service_name_hi'])} / {escape(first['service_name_en'])}"),
        ("verify.consumer", escape(masked(first["consumer_no"]))),
        ("verify.amount", escape(format_rupees(view["total_paise"]))),
        ("verify.status", f"{escape(status_hi)} / {escape(status_en)}"),
        ("verify.date", escape(view["created_at_ist"] + " IST")),
    ]
    facts = "".join(f'<dt>{_both(key)}</dt><dd id="{key.split(".")[1]}">{value}</dd>' for key, value in rows)
    return _page(f'<p id="result" class="ok">{_both("verify.valid")}</p><dl>{facts}</dl>', 200)


def _receipt_status(status: str) -> str:
    """The receipt's word for a payment status (as kiosk_app.receipts.receipt_status gives it)."""
    return {"success": "success", "failed": "failed", "partial": "partial"}.get(status, "pending")
