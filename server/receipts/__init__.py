"""A kiosk's own receipts: found again for a reprint, and sent to the customer as a short SMS or e-mail.

A kiosk sees only its own payments (the session's kiosk, never one named in the request). A receipt message is
idempotent on its operation id (the `operations` table, scope `receipt-message:<kiosk>`) and rate-limited per
kiosk (the throttles table), and goes out through the message gateway inside the transaction that records it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Engine, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite

import words
from rules.contact import is_mobile, mobile_or_none, parse_contact
from rules.day import IST
from rules.money import format_rupees
from server.auth import throttle
from server.auth.messages import Message, MessageGateway, mask
from server.core.errors import ApiError, NotFound, Unprocessable
from server.ledger import OperationIdReused, operations_t
from server.payments import Payments
from server.payments.status import bills_t, payments_t

SEARCH_LIMIT = 20  # the newest matches; a narrower key finds an older one
MESSAGES_PER_HOUR = 30  # per kiosk: a counter serves a customer every few minutes
MESSAGE_KIND = "receipt"
OPERATION_KIND = "receipt_message"
Language = Literal["en", "hi", "both"]


class ReceiptNotFound(NotFound):
    code = "receipt_not_found"


class SearchKeyRequired(Unprocessable):
    code = "search_key_required"


class MessageRateLimited(ApiError):
    status = 429
    code = "receipt_message_rate_limited"


def searched_mobile(raw: str | None) -> str | None:
    """The customer's mobile as a search key: the normalised ten digits, None when none was typed; anything else
    is refused (422 invalid_mobile) rather than searched for."""
    mobile = mobile_or_none(raw)
    if mobile is not None and not is_mobile(mobile):
        raise Unprocessable("the customer's mobile number is not valid", code="invalid_mobile", field="mobile")
    return mobile


@dataclass(frozen=True)
class SearchKey:
    """What the operator typed: any one of them (several narrow the search)."""

    receipt_no: str | None = None
    consumer_no: str | None = None
    mobile: str | None = None
    day: date | None = None

    @property
    def empty(self) -> bool:
        return not (self.receipt_no or self.consumer_no or self.mobile or self.day)


def find_receipts(payments: Payments, kiosk_id: int, key: SearchKey) -> list[dict[str, Any]]:
    """The kiosk's payments that carry a receipt number and match `key`, newest first (ReceiptNotFound if none)."""
    if key.empty:
        raise SearchKeyRequired(
            "give a receipt number, a consumer number, a mobile number or a date", field="receipt_no"
        )
    query = select(payments_t.c.id).where(payments_t.c.kiosk_id == kiosk_id, payments_t.c.receipt_no.is_not(None))
    if key.receipt_no:
        query = query.where(payments_t.c.receipt_no == key.receipt_no.strip().upper())
    if key.mobile:
        query = query.where(payments_t.c.contact_mobile == key.mobile)
    if key.consumer_no:
        query = query.where(
            exists().where(bills_t.c.payment_id == payments_t.c.id, bills_t.c.consumer_no == key.consumer_no.strip())
        )
    if key.day:
        start = datetime.combine(key.day, time(), IST)
        query = query.where(payments_t.c.created_at >= start, payments_t.c.created_at < start + timedelta(days=1))
    with payments.reads.connect() as conn:
        ids = [int(r[0]) for r in conn.execute(query.order_by(payments_t.c.id.desc()).limit(SEARCH_LIMIT))]
    if not ids:
        raise ReceiptNotFound("no receipt of this kiosk matches", field=_field_of(key))
    return payments.viewer.views(ids)


def _field_of(key: SearchKey) -> str:
    if key.receipt_no:
        return "receipt_no"
    if key.consumer_no:
        return "consumer_no"
    return "mobile" if key.mobile else "date"


# -- the receipt by SMS or e-mail --------------------------------------------------------------------------------


class ReceiptRequired(Unprocessable):
    code = "receipt_required"


@dataclass(frozen=True)
class MessageRequest:
    """Which receipt: its number, or (a PROVISIONAL receipt, taken offline) the payment's operation id."""

    operation_id: str
    receipt_no: str | None
    payment_operation_id: str | None
    to: str
    language: Language

    def digest(self) -> str:
        which = [self.receipt_no, self.payment_operation_id]
        body = json.dumps([*which, self.to.strip().lower(), self.language], ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()


def receipt_text(view: dict[str, Any], link: str, language: Language) -> tuple[str, str]:
    """(subject, body) of the message: amount, service, receipt number and the verification link."""
    first = view["bills"][0]
    number = view["receipt_no"] or view["txn_id"]
    values = {"amount": format_rupees(view["total_paise"]), "receipt_no": number, "link": link}
    en = words.english("message.receipt", service=first["service_name_en"], **values)
    hi = words.hindi("message.receipt", service=first["service_name_hi"], **values)
    body = {"en": en, "hi": hi, "both": f"{hi}\n{en}"}[language]
    subject_en, subject_hi = words.pair("message.receipt_subject", receipt_no=number)
    subject = {"en": subject_en, "hi": subject_hi, "both": f"{subject_hi} / {subject_en}"}[language]
    return subject, body


def _own_receipt(payments: Payments, kiosk_id: int, request: MessageRequest) -> dict[str, Any]:
    """Read before the message's transaction: on SQLite a second connection inside it would wait for its lock."""
    query = select(payments_t.c.id).where(payments_t.c.kiosk_id == kiosk_id)
    if request.receipt_no:
        query = query.where(payments_t.c.receipt_no == request.receipt_no.strip().upper())
    else:
        query = query.where(payments_t.c.operation_id == request.payment_operation_id)
    with payments.reads.connect() as conn:
        found = conn.execute(query).scalar()
    if found is None:
        raise ReceiptNotFound("no receipt of this kiosk is the one named", field="receipt_no")
    return payments.viewer.view(int(found))


def _claim(conn: Connection, scope: str, request: MessageRequest, now: datetime) -> dict[str, Any] | None:
    """Record the operation id; the stored answer when it was sent before (None: this is its first time)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    inserted = conn.execute(
        dialect.insert(operations_t)
        .values(
            scope=scope,
            operation_id=request.operation_id,
            kind=OPERATION_KIND,
            request_hash=request.digest(),
            response="{}",
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=[operations_t.c.scope, operations_t.c.operation_id])
        .returning(operations_t.c.id)
    ).first()
    if inserted is not None:
        return None
    stored = conn.execute(
        select(operations_t.c.request_hash, operations_t.c.response).where(
            operations_t.c.scope == scope, operations_t.c.operation_id == request.operation_id
        )
    ).one()
    if stored.request_hash != request.digest():
        raise OperationIdReused("this operation id was used for another message", operation_id=request.operation_id)
    answer: dict[str, Any] = json.loads(stored.response)
    return {**answer, "replayed": True}


def send_receipt(
    engine: Engine,
    payments: Payments,
    gateway: MessageGateway,
    *,
    kiosk_id: int,
    kiosk_code: str,
    request: MessageRequest,
    server_url: str,
    now: datetime,
) -> dict[str, Any]:
    """Send the receipt of one of the kiosk's payments to `request.to`, once per operation id."""
    if not request.receipt_no and not request.payment_operation_id:
        raise ReceiptRequired("name the receipt: its number or its payment's operation id", field="receipt_no")
    contact = parse_contact(request.to)
    if contact is None and "@" in request.to:
        raise Unprocessable("the customer's e-mail address is not valid", code="invalid_email", field="to")
    if contact is None:
        raise Unprocessable("the customer's mobile number is not valid", code="invalid_mobile", field="to")
    kind, address = contact
    scope = f"receipt-message:{kiosk_code}"[:64]
    view = _own_receipt(payments, kiosk_id, request)
    with engine.begin() as conn:
        replayed = _claim(conn, scope, request, now)
        if replayed is not None:
            return replayed
        wait = throttle.take(conn, f"receipt-messages:{kiosk_id}", now, throttle.HOUR, MESSAGES_PER_HOUR)
        if wait is not None:
            raise MessageRateLimited(
                f"this kiosk has sent {MESSAGES_PER_HOUR} receipt messages in the last hour; try again later",
                retry_after_seconds=wait,
            )
        link = f"{server_url.rstrip('/')}{view['verify_path']}" if view.get("verify_path") else ""
        subject, body = receipt_text(view, link, request.language)
        channel: Literal["sms", "email"] = "email" if kind == "email" else "sms"
        gateway.send(
            conn,
            Message(
                channel, address, MESSAGE_KIND, body, subject=subject if channel == "email" else "", kiosk_id=kiosk_id
            ),
            now,
        )
        answer = {
            "operation_id": request.operation_id,
            "receipt_no": view["receipt_no"] or view["txn_id"],
            "channel": channel,
            "to": mask(address),
            "language": request.language,
            "sent_at": now.isoformat(),
            "replayed": False,
        }
        conn.execute(
            update(operations_t)
            .where(operations_t.c.scope == scope, operations_t.c.operation_id == request.operation_id)
            .values(response=json.dumps(answer, ensure_ascii=False))
        )
    return answer
