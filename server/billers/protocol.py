"""The department protocol's wire format in one place: paths, headers, bodies, signatures, replay window.

Both ends import this module and nothing else of each other: the server's adapter (server/billers/http.py)
and a department (the simulated ones in departments/).  docs/DEPARTMENTS.md describes the protocol in
words; this is its one definition in code.

Every request and every answer is signed with HMAC-SHA256 (the `cryptography` library) over the exact
body bytes and a head of the fields that give them meaning (method, path, timestamp, request id, key id;
an answer's status, the request id it answers, its own timestamp).  An answer therefore belongs to one
request: an old answer replayed to a new request is refused, as is a request id seen before.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac
from pydantic import BaseModel, ConfigDict, Field, model_validator

PROTOCOL = "emitra-dept-v1"
REPLAY_WINDOW_S = 300  # a timestamp further than this from the receiver's clock is refused
MAX_ITEMS = 500  # items in one fetch, payment or status request

# -- headers ----------------------------------------------------------------------------------------------
KEY_ID_HEADER = "X-Emitra-Key-Id"
TIMESTAMP_HEADER = "X-Emitra-Timestamp"  # Unix seconds, an integer
REQUEST_ID_HEADER = "X-Emitra-Request-Id"  # on a request: new for every request; on an answer: the request's
SIGNATURE_HEADER = "X-Emitra-Signature"  # HMAC-SHA256, lowercase hex

# -- paths, below a department's base URL (e.g. https://discom.example.in/emitra) --------------------------
FETCH_PATH = "/v1/bills/fetch"
PAY_PATH = "/v1/payments"
STATUS_PATH = "/v1/payments/status"
SETTLEMENT_PATH = "/v1/settlement/{business_date}"  # GET; business_date as YYYY-MM-DD (IST)
HEALTH_PATH = "/v1/health"  # GET, signed like the others

SETTLEMENT_FORMAT = "emitra-dept-settlement-v1"
SETTLEMENT_MEDIA_TYPE = "application/x-ndjson"

_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{16,64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")

Reference = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
Code = Annotated[str, Field(min_length=1, max_length=64)]
Paise = Annotated[int, Field(ge=1, le=10**12)]


# -- keys ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DepartmentKey:
    """One shared secret of one department, named by its key id (several may be valid while keys rotate)."""

    key_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _KEY_ID.fullmatch(self.key_id):
            raise ValueError(f"a key id is 1–64 of A–Z a–z 0–9 . _ -, not {self.key_id!r}")
        if len(self.secret) < 32:
            raise ValueError(f"key {self.key_id}: a secret has at least 32 bytes")


DEMO_KEY_PREFIX = "demo-"


def demo_key(department: str) -> DepartmentKey:
    """The built-in key of a demo department: the same on the server and the simulated departments.

    Derived from the department's code, so it is public: a production server must refuse it (`is_demo`).
    """
    secret = hashlib.sha256(f"{PROTOCOL} demo key of {department}".encode()).digest()
    return DepartmentKey(f"{DEMO_KEY_PREFIX}{department}-1", secret)


def is_demo(key: DepartmentKey, department: str) -> bool:
    return key.key_id.startswith(DEMO_KEY_PREFIX) or key.secret == demo_key(department).secret


# -- bodies ----------------------------------------------------------------------------------------------
class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FetchItem(_Body):
    service_code: Code
    consumer_no: Annotated[str, Field(min_length=1, max_length=64)]
    fields: dict[str, Annotated[str, Field(max_length=200)]] = {}


class FetchRequest(_Body):
    items: Annotated[list[FetchItem], Field(min_length=1, max_length=MAX_ITEMS)]


class WireBill(_Body):
    consumer_no: str
    consumer_name: str
    bill_no: str | None
    bill_date: date | None
    due_date: date | None
    amount_due_paise: int | None  # None: the operator enters the amount (recharges)
    amount_after_due_paise: int | None
    partial_allowed: bool
    min_paise: int
    max_paise: int


FetchRefusal = Literal["consumer_not_found", "bill_already_paid", "declined"]


class FetchResult(_Body):
    """One bill fetch's answer: the bill, or why there is none."""

    result: Literal["bill", "refused"]
    bill: WireBill | None = None
    reason: FetchRefusal | None = None
    message: str = ""

    @model_validator(mode="after")
    def _complete(self) -> FetchResult:
        refused = self.result == "refused"
        if refused == (self.bill is not None) or refused != (self.reason is not None):
            raise ValueError("a bill comes with its bill, a refusal with its reason, and not the other")
        return self


class FetchAnswer(_Body):
    items: list[FetchResult]  # one per request item, in the request's order


class PayItem(_Body):
    reference: Reference  # ours, one per bill; the department is idempotent on it
    service_code: Code
    consumer_no: Annotated[str, Field(min_length=1, max_length=64)]
    bill_no: Annotated[str, Field(min_length=1, max_length=64)] | None
    amount_paise: Paise


class PayRequest(_Body):
    items: Annotated[list[PayItem], Field(min_length=1, max_length=MAX_ITEMS)]


# A department's approval number for a payment it made (printed on the receipt beside its reference).
ApprovalNo = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9./-]+$")]

PayRefusal = Literal["declined", "bill_already_paid", "consumer_not_found"]


class PayResult(_Body):
    """A payment's answer, the same for this reference forever."""

    reference: Reference
    result: Literal["success", "declined"]
    reason: PayRefusal | None = None  # when declined
    department_ref: Annotated[str, Field(min_length=1, max_length=64)] | None = None  # success: the department's id
    approval_no: ApprovalNo | None = None  # success: the department's approval number, where it gives one
    message: str = ""

    @model_validator(mode="after")
    def _complete(self) -> PayResult:
        _check_outcome(self.result, self.reason, self.department_ref, self.approval_no)
        return self


class PayAnswer(_Body):
    items: list[PayResult]  # one per request item, in the request's order


class StatusRequest(_Body):
    references: Annotated[list[Reference], Field(min_length=1, max_length=MAX_ITEMS)]


class StatusResult(_Body):
    reference: Reference
    result: Literal["success", "declined", "not_found"]
    reason: PayRefusal | None = None
    department_ref: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    approval_no: ApprovalNo | None = None
    amount_paise: int | None = None

    @model_validator(mode="after")
    def _complete(self) -> StatusResult:
        if self.result != "not_found":
            _check_outcome(self.result, self.reason, self.department_ref, self.approval_no)
        elif self.approval_no is not None:
            raise ValueError("only a success has an approval number")
        return self


def _check_outcome(result: str, reason: str | None, department_ref: str | None, approval_no: str | None = None) -> None:
    """A success has the department's id and no reason; a decline has a reason, no id and no approval."""
    if (result == "success") != (department_ref is not None) or (result == "declined") != (reason is not None):
        raise ValueError("a success comes with department_ref, a decline with its reason, and not the other")
    if result != "success" and approval_no is not None:
        raise ValueError("only a success has an approval number")


class StatusAnswer(_Body):
    items: list[StatusResult]  # one per requested reference, in the request's order


class HealthAnswer(_Body):
    department: str
    status: Literal["ok"]


class ErrorDetail(_Body):
    code: str
    message: str


class ErrorAnswer(_Body):
    """A request refused as a whole (bad signature, stale, replayed, malformed): nothing was done."""

    error: ErrorDetail


# -- signatures ------------------------------------------------------------------------------------------
class SignatureRefused(Exception):
    """A request or answer that is not signed as the protocol says; `code` is stable and machine-readable.

    unsigned · unknown_key · bad_signature · stale_timestamp · replayed_request · wrong_request_id;
    stale_timestamp and replayed_request are only said of a message whose signature held.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _message(kind: str, parts: Iterable[str], body: bytes) -> bytes:
    return "\n".join([PROTOCOL, kind, *parts, ""]).encode() + body


def _mac(key: DepartmentKey, message: bytes) -> str:
    h = hmac.HMAC(key.secret, hashes.SHA256())
    h.update(message)
    return h.finalize().hex()


def _verify(key: DepartmentKey, message: bytes, signature: str) -> None:
    try:
        expected = bytes.fromhex(signature)
    except ValueError as exc:
        raise SignatureRefused("bad_signature", "the signature is not hex") from exc
    h = hmac.HMAC(key.secret, hashes.SHA256())
    h.update(message)
    try:
        h.verify(expected)  # constant time
    except InvalidSignature as exc:
        raise SignatureRefused("bad_signature", f"the signature does not match key {key.key_id}") from exc


def new_request_id() -> str:
    return secrets.token_hex(16)


_SIGNED_BY = (KEY_ID_HEADER, TIMESTAMP_HEADER, REQUEST_ID_HEADER, SIGNATURE_HEADER)


def _headers(headers: Mapping[str, str]) -> tuple[str, str, str, str]:
    """Key id, timestamp, request id and signature of a signed message, checked for shape."""
    missing = [name for name in _SIGNED_BY if headers.get(name) is None]
    if missing:
        raise SignatureRefused("unsigned", f"missing {', '.join(missing)}")
    key_id, timestamp, request_id, signature = (headers[name] for name in _SIGNED_BY)
    if not _KEY_ID.fullmatch(key_id):
        raise SignatureRefused("unknown_key", "the key id is malformed")
    if not _TIMESTAMP.fullmatch(timestamp) or not _REQUEST_ID.fullmatch(request_id):
        raise SignatureRefused("unsigned", "the timestamp or the request id is malformed")
    return key_id, timestamp, request_id, signature


def _fresh(timestamp: str, now: float, window_s: float) -> None:
    if abs(now - int(timestamp)) > window_s:
        raise SignatureRefused("stale_timestamp", f"timestamp {timestamp} is more than {window_s:g} s from now")


def sign_request(
    key: DepartmentKey, method: str, path: str, body: bytes, *, now: float | None = None, request_id: str | None = None
) -> dict[str, str]:
    """The headers that sign this request (`path` as sent, without scheme and host)."""
    timestamp = str(int(time.time() if now is None else now))
    request_id = request_id or new_request_id()
    message = _message("request", [method.upper(), path, timestamp, request_id, key.key_id], body)
    return {
        KEY_ID_HEADER: key.key_id,
        TIMESTAMP_HEADER: timestamp,
        REQUEST_ID_HEADER: request_id,
        SIGNATURE_HEADER: _mac(key, message),
    }


@dataclass(frozen=True)
class SignedRequest:
    """A request whose signature checked out: whose key, which request id, when it was signed."""

    key: DepartmentKey
    request_id: str
    timestamp: int


def verify_request(
    keys: Callable[[str], DepartmentKey | None],
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    guard: ReplayGuard | None = None,
    now: float | None = None,
    window_s: float = REPLAY_WINDOW_S,
) -> SignedRequest:
    """Check a request's signature, its timestamp and (with `guard`) that its id is new; else SignatureRefused.

    `keys` answers the key for a key id, or None when the receiver does not know it for this path.
    """
    key_id, timestamp, request_id, signature = _headers(headers)
    key = keys(key_id)
    if key is None:
        raise SignatureRefused("unknown_key", f"no key {key_id} here")
    _verify(key, _message("request", [method.upper(), path, timestamp, request_id, key_id], body), signature)
    now = time.time() if now is None else now
    _fresh(timestamp, now, window_s)
    if guard is not None:
        guard.claim(request_id, int(timestamp), now)
    return SignedRequest(key, request_id, int(timestamp))


def sign_answer(
    key: DepartmentKey, status: int, request_id: str, body: bytes, *, now: float | None = None
) -> dict[str, str]:
    """The headers that sign an answer to request `request_id`."""
    timestamp = str(int(time.time() if now is None else now))
    message = _message("answer", [str(status), request_id, timestamp, key.key_id], body)
    return {
        KEY_ID_HEADER: key.key_id,
        TIMESTAMP_HEADER: timestamp,
        REQUEST_ID_HEADER: request_id,
        SIGNATURE_HEADER: _mac(key, message),
    }


def verify_answer(
    key: DepartmentKey,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    request_id: str,
    *,
    now: float | None = None,
    window_s: float = REPLAY_WINDOW_S,
) -> None:
    """Check that this answer is signed with `key`, fresh, and answers request `request_id`."""
    key_id, timestamp, answered, signature = _headers(headers)
    if key_id != key.key_id:
        raise SignatureRefused("unknown_key", f"the answer is signed with key {key_id}, not {key.key_id}")
    _verify(key, _message("answer", [str(status), answered, timestamp, key_id], body), signature)
    if answered != request_id:
        raise SignatureRefused("wrong_request_id", f"the answer is to request {answered}, not {request_id}")
    _fresh(timestamp, time.time() if now is None else now, window_s)


class ReplayGuard:
    """Request ids seen inside the replay window, in memory (a receiver that writes may also keep them)."""

    def __init__(self, window_s: float = REPLAY_WINDOW_S) -> None:
        self.window_s = window_s
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()
        self._next_prune = 0.0

    def claim(self, request_id: str, timestamp: int, now: float) -> None:
        with self._lock:
            if now >= self._next_prune:
                horizon = now - 2 * self.window_s
                self._seen = {r: t for r, t in self._seen.items() if t >= horizon}
                self._next_prune = now + self.window_s / 10
            if request_id in self._seen:
                raise SignatureRefused("replayed_request", f"request {request_id} was seen before")
            self._seen[request_id] = timestamp


# -- the settlement file -------------------------------------------------------------------------------------
class SettlementHeader(_Body):
    file: Literal["emitra-dept-settlement-v1"]
    department: str
    business_date: date


class SettlementLine(_Body):
    reference: Reference
    department_ref: str
    service_code: str
    consumer_no: str
    bill_no: str | None
    amount_paise: Paise
    paid_at: str  # ISO 8601 with offset, when the department recorded it


class SettlementTrailer(_Body):
    count: int
    total_paise: int
    key_id: str
    signature: str


@dataclass(frozen=True)
class SettlementFile:
    department: str
    business_date: date
    lines: tuple[SettlementLine, ...]

    @property
    def total_paise(self) -> int:
        return sum(line.amount_paise for line in self.lines)


class SettlementFileError(ValueError):
    """A settlement file that is malformed or not signed as it should be; `line` is 1-based (0: the file)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line
        self.message = message


def _json_line(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode() + b"\n"


def write_settlement_file(
    key: DepartmentKey, department: str, business_date: date, lines: Iterable[SettlementLine]
) -> bytes:
    """JSON lines: a header, one line per payment received, a trailer signing every byte before it."""
    lines = list(lines)
    head = _json_line(
        SettlementHeader(file=SETTLEMENT_FORMAT, department=department, business_date=business_date).model_dump(
            mode="json"
        )
    )
    data = head + b"".join(_json_line(line.model_dump(mode="json")) for line in lines)
    signature = _mac(key, _message("settlement", [department, business_date.isoformat(), key.key_id], data))
    trailer = SettlementTrailer(
        count=len(lines), total_paise=sum(line.amount_paise for line in lines), key_id=key.key_id, signature=signature
    )
    return data + _json_line(trailer.model_dump())


def read_settlement_file(key: DepartmentKey, department: str, data: bytes) -> SettlementFile:
    """Parse and verify a settlement file of `department` signed with `key`, or SettlementFileError."""
    if not data.endswith(b"\n"):
        raise SettlementFileError(0, "the file does not end with a newline (cut short?)")
    rows = data[:-1].split(b"\n")
    if len(rows) < 2:
        raise SettlementFileError(0, "a settlement file has a header line and a trailer line at least")
    try:
        header = SettlementHeader.model_validate_json(rows[0])
    except ValueError as exc:
        raise SettlementFileError(1, f"not a settlement header: {exc}") from exc
    try:
        trailer = SettlementTrailer.model_validate_json(rows[-1])
    except ValueError as exc:
        raise SettlementFileError(len(rows), f"not a settlement trailer: {exc}") from exc
    if header.department != department:
        raise SettlementFileError(1, f"the file is of department {header.department}, not {department}")
    if trailer.key_id != key.key_id:
        raise SettlementFileError(len(rows), f"signed with key {trailer.key_id}, not {key.key_id}")
    signed = data[: len(data) - len(rows[-1]) - 1]
    try:
        _verify(
            key,
            _message("settlement", [department, header.business_date.isoformat(), key.key_id], signed),
            trailer.signature,
        )
    except SignatureRefused as exc:
        raise SettlementFileError(len(rows), f"the signature does not match: {exc.message}") from exc
    lines = []
    for number, row in enumerate(rows[1:-1], start=2):
        try:
            lines.append(SettlementLine.model_validate_json(row))
        except ValueError as exc:
            raise SettlementFileError(number, f"not a settlement line: {exc}") from exc
    found = SettlementFile(header.department, header.business_date, tuple(lines))
    if trailer.count != len(lines) or trailer.total_paise != found.total_paise:
        raise SettlementFileError(len(rows), "the trailer's count or total does not match the lines")
    return found
