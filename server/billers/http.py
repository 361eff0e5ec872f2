"""`HttpDepartment`: a department reached over the department protocol (server/billers/protocol.py).

One pooled HTTP client per department, connect and read timeouts apart, every answer's signature checked.
An answer that is missing, late, cut, unsigned, wrongly signed, stale, to another request or malformed is
logged and taken as no answer (BillerTimeout): never as a success, never as a decline.  Only the status
enquiry is retried (it changes nothing); a payment is sent once per call, and the caller resends it with the
same reference when it wants to (the department answers a reference the same way forever).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, ValidationError
from requests.adapters import HTTPAdapter

from server.billers import (
    Bill,
    BillAlreadyPaid,
    BillerDeclined,
    BillerError,
    BillerPayment,
    BillerTimeout,
    ConsumerNotFound,
    PayLine,
)
from server.billers.protocol import (
    FETCH_PATH,
    HEALTH_PATH,
    PAY_PATH,
    REQUEST_ID_HEADER,
    SETTLEMENT_PATH,
    STATUS_PATH,
    DepartmentKey,
    ErrorAnswer,
    FetchAnswer,
    FetchItem,
    FetchRequest,
    FetchResult,
    HealthAnswer,
    PayAnswer,
    PayItem,
    PayRequest,
    PayResult,
    SettlementFile,
    SettlementFileError,
    SignatureRefused,
    StatusAnswer,
    StatusRequest,
    StatusResult,
    demo_key,
    is_demo,
    read_settlement_file,
    sign_request,
    verify_answer,
)
from server.catalog import Service

log = logging.getLogger("emitra.departments")
Answer = TypeVar("Answer", bound=BaseModel)

UNKNOWN_CONSUMER = "no consumer with this number at the department; check the number on the bill"
NOTHING_DUE = "this bill is already paid; nothing is due"


@dataclass(frozen=True)
class DepartmentConfig:
    """How the server reaches one department (biller code): its base URL, its key, its timeouts."""

    biller: str
    url: str  # base URL; the protocol's paths are appended (https://…/emitra + /v1/payments)
    key: DepartmentKey
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 10.0
    status_attempts: int = 3  # a status enquiry is asked up to this often while no answer comes
    settlement_timeout_s: float = 120.0  # read timeout of the settlement file (it may be large)
    pool_size: int = 16  # pooled connections kept to the department (more are opened, not kept, under load)
    verify_tls: bool | str = True  # True, a CA bundle's path, or False (never in production)

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"department {self.biller}: the URL {self.url!r} is not http(s)://host[:port][/path]")
        if not (0 < self.connect_timeout_s <= 60 and 0 < self.read_timeout_s <= 600):
            raise ValueError(f"department {self.biller}: timeouts out of range")
        if self.status_attempts < 1 or self.pool_size < 1:
            raise ValueError(f"department {self.biller}: status_attempts and pool_size are at least 1")

    @classmethod
    def demo(cls, biller: str, base_url: str, **options: Any) -> DepartmentConfig:
        """A simulated department of `emitra-departments` at base_url (http://127.0.0.1:8790), demo key."""
        return cls(biller, f"{base_url.rstrip('/')}/{biller}", demo_key(biller), **options)

    @classmethod
    def from_mapping(cls, biller: str, data: Mapping[str, Any]) -> DepartmentConfig:
        """From configuration: {"url", "key_id", "secret_hex", optional timeouts, pool_size, verify_tls}."""
        known = {
            "connect_timeout_s",
            "read_timeout_s",
            "status_attempts",
            "settlement_timeout_s",
            "pool_size",
            "verify_tls",
        }
        unknown = sorted(set(data) - known - {"url", "key_id", "secret_hex"})
        if unknown:
            raise ValueError(f"department {biller}: unknown settings {', '.join(unknown)}")
        try:
            key = DepartmentKey(str(data["key_id"]), bytes.fromhex(str(data["secret_hex"])))
            return cls(biller, str(data["url"]), key, **{k: v for k, v in data.items() if k in known})
        except KeyError as exc:
            raise ValueError(f"department {biller}: {exc.args[0]} is missing") from exc

    def problems(self, *, production: bool) -> list[str]:
        """Why this configuration is not fit for a production server (empty: it is)."""
        if not production:
            return []
        found = []
        if urlsplit(self.url).scheme != "https":
            found.append(f"department {self.biller}: the URL must be https in production")
        if is_demo(self.key, self.biller):
            found.append(f"department {self.biller}: the demo key is public; configure the department's own key")
        if self.verify_tls is False:
            found.append(f"department {self.biller}: TLS certificates must be verified in production")
        return found


class NoAnswer(BillerTimeout):
    """Nothing usable came back: whether the department acted is unknown until its status is asked."""


class HttpDepartment:
    """One department over HTTP: the `Biller` interface plus its batch forms, status enquiry and settlement."""

    def __init__(self, config: DepartmentConfig) -> None:
        self.config = config
        self.code = config.biller
        parts = urlsplit(config.url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._base_path = parts.path.rstrip("/")
        self.http = requests.Session()
        self.http.trust_env = False  # no proxy or .netrc from the environment between us and a department
        self.http.verify = config.verify_tls
        pool = HTTPAdapter(pool_connections=1, pool_maxsize=config.pool_size, max_retries=0)
        self.http.mount("https://", pool)
        self.http.mount("http://", pool)
        self.last_answer_at: float | None = None  # time.time() of the last verified answer
        self.last_latency_ms: float | None = None
        self.last_problem: str | None = None

    def close(self) -> None:
        self.http.close()

    def reachability(self) -> dict[str, Any]:
        """For health reports: the last verified answer and its latency, the last problem; never the key."""
        return {
            "biller": self.code,
            "last_answer_at": self.last_answer_at,
            "last_latency_ms": self.last_latency_ms,
            "last_problem": self.last_problem,
        }

    # -- one exchange -------------------------------------------------------------------------------------
    def _no_answer(self, path: str, why: str) -> NoAnswer:
        log.warning("department %s %s: no answer (%s)", self.code, path, why)
        self.last_problem = why
        return NoAnswer(f"{self.code} did not answer")

    def _exchange(self, method: str, path: str, request: BaseModel | None, *, read_timeout_s: float) -> bytes:
        """Send one signed request, once; the verified body of its 200 answer, or NoAnswer."""
        body = b"" if request is None else request.model_dump_json().encode()
        full_path = self._base_path + path
        headers = sign_request(self.config.key, method, full_path, body)
        request_id = headers[REQUEST_ID_HEADER]
        if request is not None:
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        deadline = started + self.config.connect_timeout_s + read_timeout_s
        try:
            with self.http.request(
                method,
                self._origin + full_path,
                data=body,
                headers=headers,
                timeout=(self.config.connect_timeout_s, read_timeout_s),
                stream=True,
                allow_redirects=False,
            ) as response:
                chunks = []
                # read1: whatever one receive brought, so an answer trickling in is cut at the deadline
                # (iter_content would wait for a whole chunk, each receive within the read timeout).
                while chunk := response.raw.read1(65536, decode_content=True):
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise self._no_answer(path, "the answer kept coming past the deadline")
                content = b"".join(chunks)
                status = response.status_code
                answer_headers = response.headers
        except requests.RequestException as exc:
            raise self._no_answer(path, f"{type(exc).__name__}: {exc}") from exc
        try:
            verify_answer(self.config.key, status, answer_headers, content, request_id)
        except SignatureRefused as exc:
            raise self._no_answer(path, f"HTTP {status}, answer refused: {exc}") from exc
        if status != 200:
            try:
                error = ErrorAnswer.model_validate_json(content).error
                why = f"HTTP {status}, the department refused the request: {error.code} ({error.message})"
            except ValidationError:
                why = f"HTTP {status}"
            raise self._no_answer(path, why)
        self.last_answer_at = time.time()
        self.last_latency_ms = round((time.monotonic() - started) * 1000, 1)
        self.last_problem = None
        return content

    def _call(self, path: str, request: BaseModel, answer_type: type[Answer], references: list[str | None]) -> Answer:
        """POST a batch; its answer parsed, one item per request item in order (`references`: None unchecked)."""
        content = self._exchange("POST", path, request, read_timeout_s=self.config.read_timeout_s)
        try:
            answer = answer_type.model_validate_json(content)
        except ValidationError as exc:
            raise self._no_answer(path, f"a malformed answer ({exc.error_count()} problems)") from exc
        answered = [getattr(item, "reference", None) for item in getattr(answer, "items", [])]
        if len(answered) != len(references) or any(
            want is not None and got != want for want, got in zip(references, answered, strict=True)
        ):
            raise self._no_answer(path, f"the answer's {len(answered)} items do not match the request's")
        return answer

    # -- bill fetch ---------------------------------------------------------------------------------------
    def fetch(self, service: Service, consumer_no: str, values: dict[str, str], today: date) -> Bill:
        answer = self.fetch_many([(service, consumer_no, values)], today)[0]
        if isinstance(answer, BillerError):
            raise answer
        return answer

    def fetch_many(self, items: list[tuple[Service, str, dict[str, str]]], today: date) -> list[Bill | BillerError]:
        """Many bills in one request; each item a Bill or the error for it (BillerTimeout for all: no answer).

        `today` is the server's; the department dates its bills by its own clock.
        """
        if not items:
            return []
        request = FetchRequest(
            items=[FetchItem(service_code=s.code, consumer_no=c, fields=dict(values)) for s, c, values in items]
        )
        try:
            answer = self._call(FETCH_PATH, request, FetchAnswer, [None] * len(items))
        except NoAnswer:
            return [BillerTimeout(f"{self.code} did not answer; try Get Bill Details again") for _ in items]
        return [self._bill(result) for result in answer.items]

    def _bill(self, result: FetchResult) -> Bill | BillerError:
        if result.result == "bill" and result.bill is not None:
            b = result.bill
            return Bill(
                consumer_no=b.consumer_no,
                consumer_name=b.consumer_name,
                bill_no=b.bill_no,
                bill_date=b.bill_date,
                due_date=b.due_date,
                amount_due_paise=b.amount_due_paise,
                amount_after_due_paise=b.amount_after_due_paise,
                partial_allowed=b.partial_allowed,
                min_paise=b.min_paise,
                max_paise=b.max_paise,
            )
        if result.reason == "consumer_not_found":
            return ConsumerNotFound(UNKNOWN_CONSUMER)
        if result.reason == "bill_already_paid":
            return BillAlreadyPaid(NOTHING_DUE)
        log.info("department %s declined a bill fetch: %s", self.code, result.message)
        return BillerDeclined(f"{self.code} declined the bill enquiry")

    # -- payment ------------------------------------------------------------------------------------------
    def pay(
        self, service: Service, reference: str, consumer_no: str, bill_no: str | None, amount_paise: int
    ) -> BillerPayment:
        """One payment, sent once: success, or BillerDeclined / BillAlreadyPaid / ConsumerNotFound, or BillerTimeout."""
        answer = self.pay_answers([(service, reference, consumer_no, bill_no, amount_paise)])[reference]
        if isinstance(answer, BillerError):
            raise answer
        return answer

    def pay_many(self, items: list[PayLine]) -> dict[str, BillerPayment]:
        """Many payments in one request, as SimulatedBiller.pay_many answers them: per reference its answer.

        A success is status "success", a decline status "failed"; a reference left out got no answer (the
        whole request went unanswered): ask its status, or send it again with the same reference.
        """
        answers: dict[str, BillerPayment] = {}
        for reference, answer in self.pay_answers(items).items():
            if isinstance(answer, BillerPayment):
                answers[reference] = answer
            elif not isinstance(answer, BillerTimeout):
                answers[reference] = BillerPayment(reference, "", "failed")
        return answers

    def pay_answers(self, items: list[PayLine]) -> dict[str, BillerPayment | BillerError]:
        """Many payments in one request: per reference a success, the refusal, or BillerTimeout (no answer)."""
        if not items:
            return {}
        request = PayRequest(
            items=[
                PayItem(reference=r, service_code=s.code, consumer_no=c, bill_no=b, amount_paise=a)
                for s, r, c, b, a in items
            ]
        )
        try:
            answer = self._call(PAY_PATH, request, PayAnswer, [r for _, r, _, _, _ in items])
        except NoAnswer as exc:
            return {reference: exc for _, reference, _, _, _ in items}
        return {result.reference: self._payment(result) for result in answer.items}

    def _payment(self, result: PayResult) -> BillerPayment | BillerError:
        if result.result == "success" and result.department_ref is not None:
            return BillerPayment(result.reference, result.department_ref, "success", result.approval_no or "")
        return _refusal(self.code, result.reason, result.message)

    # -- status enquiry -----------------------------------------------------------------------------------
    def status(self, reference: str) -> BillerPayment | None:
        """The department's record of this reference: success, failed (declined), None (it has none).

        Raises BillerTimeout when it does not answer after `status_attempts` tries.  A None is final only
        once no payment request for the reference can still arrive (docs/DEPARTMENTS.md, "not found").
        """
        return self.status_many([reference])[reference]

    def status_many(self, references: list[str]) -> dict[str, BillerPayment | None]:
        """`status` for many references in one request (retried whole, freshly signed, while unanswered)."""
        if not references:
            return {}
        request = StatusRequest(references=references)
        for attempt in range(1, self.config.status_attempts + 1):
            try:
                answer = self._call(STATUS_PATH, request, StatusAnswer, list(references))
                break
            except NoAnswer:
                if attempt == self.config.status_attempts:
                    raise
                time.sleep(min(0.2 * attempt, 1.0))
        return {result.reference: _status(result) for result in answer.items}

    # -- settlement and health ----------------------------------------------------------------------------
    def settlement(self, business_date: date) -> tuple[SettlementFile, bytes]:
        """The department's signed settlement file of a business date (IST): parsed, and its bytes to keep."""
        path = SETTLEMENT_PATH.format(business_date=business_date.isoformat())
        data = self._exchange("GET", path, None, read_timeout_s=self.config.settlement_timeout_s)
        try:
            found = read_settlement_file(self.config.key, self.code, data)
        except SettlementFileError as exc:
            raise self._no_answer(path, f"settlement file refused: {exc}") from exc
        if found.business_date != business_date:
            raise self._no_answer(path, f"the settlement file is of {found.business_date}")
        return found, data

    def read_settlement(self, data: bytes) -> SettlementFile:
        """A settlement file of this department brought by hand (CLI, admin upload): verified with its key."""
        return read_settlement_file(self.config.key, self.code, data)

    def ping(self) -> float:
        """Ask the department's signed health route; the round trip in milliseconds, or BillerTimeout."""
        started = time.monotonic()
        content = self._exchange("GET", HEALTH_PATH, None, read_timeout_s=self.config.read_timeout_s)
        try:
            HealthAnswer.model_validate_json(content)
        except ValidationError as exc:
            raise self._no_answer(HEALTH_PATH, "a malformed answer") from exc
        return round((time.monotonic() - started) * 1000, 1)


def _refusal(code: str, reason: str | None, message: str) -> BillerError:
    if reason == "consumer_not_found":
        return ConsumerNotFound(UNKNOWN_CONSUMER)
    if reason == "bill_already_paid":
        return BillAlreadyPaid(NOTHING_DUE)
    log.info("department %s declined a payment: %s", code, message)
    return BillerDeclined(f"{code} declined the payment")


def _status(result: StatusResult) -> BillerPayment | None:
    if result.result == "not_found":
        return None
    if result.result == "success" and result.department_ref is not None:
        return BillerPayment(result.reference, result.department_ref, "success", result.approval_no or "")
    return BillerPayment(result.reference, "", "failed")
