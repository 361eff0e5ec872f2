"""Financial → Wallet and Reconcile: Refill, Fund Payout, statement and Verify over the server's wallet routes."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from kiosk_app.api import ApiClient
from kiosk_app.connectivity import Connectivity
from kiosk_app.errors import (
    CugCodeRequired,
    FileNotSaved,
    InvalidAmount,
    InvalidRange,
    ServerFault,
    ServerUnreachable,
)

log = logging.getLogger("emitra.wallet")

T = TypeVar("T")
GatewayChannel = Literal["net_banking", "aggregator"]
PayoutMethod = Literal["wallet", "net_banking"]
# An order still waiting for the gateway; every other status is final for the screen.
ORDER_OPEN = "created"
# Reconcile lists these first: the operator's attention is needed there.
RECONCILE_ORDER = {"failed": 0, "initiated": 1, "pending": 1, "partial": 2, "success": 3}
UNFINISHED = frozenset({"initiated", "pending", "partial"})


IST = ZoneInfo("Asia/Kolkata")


def business_today() -> date:
    """Today's business date: the server reports and reconciles by the Indian (IST) calendar day."""
    return datetime.now(IST).date()


def new_operation_id() -> str:
    return uuid.uuid4().hex


class ActionId:
    """The operation id of one operator action: kept while the same request is retried after a lost answer,
    replaced when the request changes or the server has answered (accepted or refused)."""

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._id: str | None = None

    def for_request(self, *key: object) -> str:
        if self._id is None or key != self._key:
            self._key, self._id = key, new_operation_id()
        return self._id

    def answered(self) -> None:
        self._key, self._id = None, None

    @property
    def current(self) -> str | None:
        return self._id


# -- values --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    wallet_balance_paise: int
    credit_limit_paise: int
    credit_used_paise: int
    spendable_paise: int

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> Balance:
        return cls(int(body["wallet_balance_paise"]), int(body.get("credit_limit_paise") or 0),
                   int(body.get("credit_used_paise") or 0), int(body["spendable_paise"]))


@dataclass(frozen=True)
class VirtualAccount:
    """The kiosk's own NEFT/RTGS account: the operator adds it as a payee in personal net banking."""

    account_no: str
    ifsc: str
    bank_name: str
    beneficiary_name: str
    account_type: str


@dataclass(frozen=True)
class PayoutBreakdown:
    """How the bank's confirmed amount of a net banking payout was applied, as the server posted it: the
    interest due first, then the oldest outstanding, anything left over to the wallet (integer paise)."""

    amount_paise: int
    interest_paise: int
    principal_paise: int
    to_wallet_paise: int
    paid_on: str

    @classmethod
    def from_body(cls, body: Mapping[str, Any] | None) -> PayoutBreakdown | None:
        if not body:
            return None
        return cls(int(body["amount_paise"]), int(body["interest_paise"]), int(body["principal_paise"]),
                   int(body.get("to_wallet_paise") or 0), str(body.get("paid_on", "")))


@dataclass(frozen=True)
class RefillOrder:
    """A net banking / aggregator order: paid on the gateway's page, credited when the gateway confirms."""

    order_id: str
    operation_id: str
    purpose: str
    channel: str
    amount_paise: int
    status: str  # created | success | failed | expired
    confirmed_paise: int | None
    failure_reason: str | None
    created_at: str
    expires_at: str
    payment_url: str
    breakdown: PayoutBreakdown | None = None  # a paid Fund Payout order: interest, outstanding, to the wallet

    @property
    def finished(self) -> bool:
        return self.status != ORDER_OPEN

    @property
    def credited(self) -> bool:
        return self.status == "success"

    @classmethod
    def from_body(cls, body: Mapping[str, Any], base_url: str) -> RefillOrder:
        # The aggregator's page (absolute), or the demo server's simulator (relative to the server).
        page = str(body.get("payment_url") or "")
        url = page if "://" in page or not page else base_url.rstrip("/") + page
        return cls(str(body["order_id"]), str(body.get("operation_id", "")), str(body.get("purpose", "refill")),
                   str(body.get("channel", "")), int(body["amount_paise"]), str(body["status"]),
                   None if body.get("confirmed_paise") is None else int(body["confirmed_paise"]),
                   body.get("failure_reason"), str(body.get("created_at", "")), str(body.get("expires_at", "")),
                   url, PayoutBreakdown.from_body(body.get("breakdown")))


@dataclass(frozen=True)
class FundTransfer:
    """A "Fund Receive Request from Existing Emitra": accepted now, credited about an hour later."""

    transfer_id: int
    legacy_ref: str
    amount_paise: int
    status: str  # scheduled | credited
    due_at: str
    due_at_ist: str
    credited_at: str | None
    message: str

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> FundTransfer:
        return cls(int(body["transfer_id"]), str(body.get("legacy_ref", "")), int(body["amount_paise"]),
                   str(body["status"]), str(body.get("due_at", "")), str(body.get("due_at_ist", "")),
                   body.get("credited_at"), str(body.get("message", "")))


@dataclass(frozen=True)
class BankCredit:
    utr: str
    amount_paise: int
    mode: str
    status: str
    received_at: str

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> BankCredit:
        return cls(str(body["utr"]), int(body["amount_paise"]), str(body.get("mode") or ""),
                   str(body.get("status", "")), str(body.get("received_at") or ""))


@dataclass(frozen=True)
class RefillInfo:
    """Everything the Refill page shows."""

    virtual_account: VirtualAccount
    min_paise: int
    max_paise: int
    order_ttl_minutes: int
    credit_delay_minutes: int
    channels: tuple[str, ...]
    orders: tuple[RefillOrder, ...]
    transfers: tuple[FundTransfer, ...]
    bank_credits: tuple[BankCredit, ...]


@dataclass(frozen=True)
class Drawdown:
    drawn_on: str
    due_on: str
    remaining_paise: int
    overdue_days: int
    state: str


@dataclass(frozen=True)
class PayoutInfo:
    """Fund Payout: what is outstanding on the credit line, when it is due, and the interest so far."""

    as_of: str
    credit_limit_paise: int
    credit_used_paise: int
    wallet_balance_paise: int
    outstanding_paise: int
    overdue_paise: int
    next_due_on: str | None
    drawdowns: tuple[Drawdown, ...]
    interest_rate_percent: int  # simple interest per year, in whole percent (the server keeps it an int)
    interest_accrued_paise: int
    interest_paid_paise: int
    interest_due_paise: int
    total_payable_paise: int
    rule: str
    # Net banking payout orders still waiting for the bank (newest first): made before a restart, say.
    open_orders: tuple[RefillOrder, ...] = ()

    @property
    def nothing_due(self) -> bool:
        return self.total_payable_paise <= 0

    @classmethod
    def from_body(cls, body: Mapping[str, Any], base_url: str = "") -> PayoutInfo:
        drawdowns = tuple(Drawdown(str(d.get("drawn_on", "")), str(d.get("due_on", "")),
                                   int(d.get("remaining_paise", 0)), int(d.get("overdue_days", 0)),
                                   str(d.get("state", ""))) for d in body.get("outstanding", []))
        return cls(str(body.get("as_of", "")), int(body.get("credit_limit_paise", 0)),
                   int(body.get("credit_used_paise", 0)), int(body.get("wallet_balance_paise", 0)),
                   int(body["outstanding_paise"]), int(body.get("overdue_paise", 0)), body.get("next_due_on"),
                   drawdowns, int(body.get("interest_rate_percent", 0)), int(body.get("interest_accrued_paise", 0)),
                   int(body.get("interest_paid_paise", 0)), int(body["interest_due_paise"]),
                   int(body["total_payable_paise"]), str(body.get("rule", "")),
                   tuple(RefillOrder.from_body(o, base_url) for o in body.get("open_orders", [])))


@dataclass(frozen=True)
class PayoutResult:
    """A Fund Payout: paid from the wallet at once, or a gateway order to pay by net banking."""

    method: str
    paid_paise: int
    order: RefillOrder | None
    details: Mapping[str, Any]


@dataclass(frozen=True)
class StatementLine:
    entry_id: int
    at_ist: str
    business_date: str
    account: str  # wallet | credit
    kind: str
    description: str
    reference: str
    amount_paise: int
    balance_paise: int


@dataclass(frozen=True)
class AccountTotals:
    opening_paise: int
    closing_paise: int
    credits_paise: int
    debits_paise: int


@dataclass(frozen=True)
class Statement:
    start: date
    end: date
    lines: tuple[StatementLine, ...]
    accounts: Mapping[str, AccountTotals]

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> Statement:
        lines = tuple(StatementLine(int(x["entry_id"]), str(x.get("at_ist", "")), str(x.get("business_date", "")),
                                    str(x["account"]), str(x.get("kind", "")), str(x.get("description", "")),
                                    str(x.get("reference") or ""), int(x["amount_paise"]), int(x["balance_paise"]))
                      for x in body.get("lines", []))
        accounts = {name: AccountTotals(int(a["opening_paise"]), int(a["closing_paise"]), int(a["credits_paise"]),
                                        int(a["debits_paise"])) for name, a in body.get("accounts", {}).items()}
        return cls(date.fromisoformat(body["from"]), date.fromisoformat(body["to"]), lines, accounts)


@dataclass(frozen=True)
class ReconcilePayment:
    """One payment of the day as Reconcile lists it."""

    payment_id: int
    operation_id: str
    receipt_no: str
    txn_id: str
    status: str  # failed | pending | initiated | partial | success
    total_paise: int
    reversed_paise: int
    created_at_ist: str
    service_en: str
    service_hi: str
    consumer_no: str
    failure_reason: str | None
    verify_needed: bool

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> ReconcilePayment:
        bills = body.get("bills") or [{}]
        first = bills[0]
        more = f" +{len(bills) - 1}" if len(bills) > 1 else ""
        return cls(int(body["payment_id"]), str(body.get("operation_id", "")), str(body.get("receipt_no", "")),
                   str(body.get("txn_id", "")), str(body["status"]), int(body["total_paise"]),
                   int(body.get("reversed_paise") or 0), str(body.get("created_at_ist", "")),
                   str(first.get("service_name_en", first.get("service_code", ""))) + more,
                   str(first.get("service_name_hi") or first.get("service_name_en", "")) + more,
                   str(first.get("consumer_no", "")), body.get("failure_reason"),
                   bool(body.get("verify_needed", body["status"] != "success")))


@dataclass(frozen=True)
class ReconcileReport:
    day: date
    counts: Mapping[str, int]
    payments: tuple[ReconcilePayment, ...]


@dataclass(frozen=True)
class VerifyResult:
    """Verify's answer: confirmed | reversed | partly_reversed | still_pending, and the payment after it."""

    payment_id: int
    result: str
    deemed_failed: tuple[str, ...]
    payment: ReconcilePayment


@dataclass(frozen=True)
class CountAmount:
    count: int
    amount_paise: int

    @classmethod
    def from_body(cls, body: Mapping[str, Any] | None) -> CountAmount:
        body = body or {}
        return cls(int(body.get("count") or 0), int(body.get("amount_paise") or 0))


@dataclass(frozen=True)
class ServiceCollection:
    service_code: str
    name_en: str
    name_hi: str
    count: int
    amount_paise: int


@dataclass(frozen=True)
class KeyedTotal:
    """A count and amount under one key: a payment method or a refill channel."""

    key: str
    count: int
    amount_paise: int


@dataclass(frozen=True)
class DayEndReport:
    """The server's day-end report of one business date (GET /wallet/day-end); amounts in integer paise."""

    day: date
    kiosk_code: str
    kiosk_name: str
    generated_at: str
    payments_count: int
    payments_by_status: Mapping[str, int]
    payments_amount_paise: int
    collections: CountAmount
    by_service: tuple[ServiceCollection, ...]
    by_method: tuple[KeyedTotal, ...]
    reversals: CountAmount
    cash_out_credited: CountAmount  # micro-ATM cash paid out to customers, credited by the bank
    cash_out_awaiting: CountAmount  # … and still awaiting the bank's confirmation
    refills: CountAmount
    refills_by_channel: tuple[KeyedTotal, ...]
    payouts: CountAmount
    wallet_opening_paise: int
    wallet_closing_paise: int
    credit_opening_used_paise: int
    credit_closing_used_paise: int
    outstanding_paise: int
    overdue_paise: int
    interest_due_paise: int
    next_due_on: str | None

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> DayEndReport:
        payments = body.get("payments") or {}
        collections = body.get("collections") or {}
        refills = body.get("refills") or {}
        wallet = body.get("wallet") or {}
        credit = body.get("credit_line") or {}
        outstanding = body.get("outstanding") or {}
        return cls(
            date.fromisoformat(str(body["date"])), str(body.get("kiosk_code", "")), str(body.get("kiosk_name", "")),
            str(body.get("generated_at", "")), int(payments.get("count") or 0),
            {str(k): int(v) for k, v in (payments.get("by_status") or {}).items()},
            int(payments.get("amount_paise") or 0), CountAmount.from_body(collections),
            tuple(ServiceCollection(str(s["service_code"]), str(s.get("service_name_en") or s["service_code"]),
                                    str(s.get("service_name_hi") or s.get("service_name_en") or s["service_code"]),
                                    int(s["count"]), int(s["amount_paise"]))
                  for s in collections.get("by_service", [])),
            tuple(KeyedTotal(str(m["method"]), int(m["count"]), int(m["amount_paise"]))
                  for m in collections.get("by_method", [])),
            CountAmount.from_body(body.get("reversals")),
            CountAmount.from_body((body.get("cash_paid_out") or {}).get("credited")),
            CountAmount.from_body((body.get("cash_paid_out") or {}).get("awaiting_bank")),
            CountAmount.from_body(refills),
            tuple(KeyedTotal(str(c["channel"]), int(c["count"]), int(c["amount_paise"]))
                  for c in refills.get("by_channel", [])),
            CountAmount.from_body(body.get("payouts")),
            int(wallet.get("opening_paise") or 0), int(wallet.get("closing_paise") or 0),
            int(credit.get("opening_used_paise") or 0), int(credit.get("closing_used_paise") or 0),
            int(outstanding.get("outstanding_paise") or 0), int(outstanding.get("overdue_paise") or 0),
            int(outstanding.get("interest_due_paise") or 0),
            None if outstanding.get("next_due_on") is None else str(outstanding["next_due_on"]),
        )


# -- the use-cases -------------------------------------------------------------------------------------


class Wallet:
    """The wallet screens' use-cases; every call goes to the server (none of this works offline)."""

    def __init__(self, api: ApiClient, connectivity: Connectivity | None = None) -> None:
        self.api = api
        self.connectivity = connectivity

    def _online(self, call: Callable[[], T]) -> T:
        try:
            result = call()
        except ServerUnreachable:
            if self.connectivity is not None:
                self.connectivity.report(False)
            raise
        if self.connectivity is not None:
            self.connectivity.report(True)
        return result

    def _send(self, path: str, body: dict[str, Any]) -> Any:
        """POST a money request carrying an operation id; a lost answer is sent again once with the same id
        (the server answers a replay with the first result, so nothing happens twice)."""
        try:
            return self._online(lambda: self.api.post(path, body))
        except (ServerUnreachable, ServerFault) as exc:
            log.warning("%s %s: no answer (%s); sending again with the same id", path, body["operation_id"], exc)
            return self._online(lambda: self.api.post(path, body))

    # -- balance, Refill --------------------------------------------------------------------------------
    def balance(self) -> Balance:
        return Balance.from_body(self._online(lambda: self.api.get("/wallet/balance")))

    def refill_info(self) -> RefillInfo:
        body = self._online(lambda: self.api.get("/wallet/refill"))
        va = body["virtual_account"]
        gateway = body.get("gateway", {})
        return RefillInfo(
            VirtualAccount(str(va["account_no"]), str(va["ifsc"]), str(va.get("bank_name", "")),
                           str(va.get("beneficiary_name", "")), str(va.get("account_type", ""))),
            int(gateway.get("min_paise", 0)), int(gateway.get("max_paise", 0)),
            int(gateway.get("order_ttl_minutes", 0)),
            round(float(body.get("existing_emitra", {}).get("credit_delay_minutes", 60))),
            tuple(str(c["code"]) for c in body.get("channels", [])),
            tuple(RefillOrder.from_body(o, self.api.base_url) for o in body.get("orders", [])),
            tuple(FundTransfer.from_body(x) for x in body.get("legacy_transfers", [])),
            tuple(BankCredit.from_body(x) for x in body.get("bank_credits", [])),
        )

    def start_refill(self, amount_paise: int, channel: GatewayChannel, operation_id: str) -> RefillOrder:
        """Net banking / aggregator: an order and the page where it is paid."""
        _check_amount(amount_paise)
        body = self._send("/wallet/refill/orders",
                          {"operation_id": operation_id, "amount_paise": amount_paise, "channel": channel})
        return RefillOrder.from_body(body, self.api.base_url)

    def order_status(self, order_id: str) -> RefillOrder:
        body = self._online(lambda: self.api.get(f"/wallet/refill/orders/{order_id}"))
        return RefillOrder.from_body(body, self.api.base_url)

    def request_fund_transfer(self, cug_code: str, operation_id: str) -> FundTransfer:
        """Fund Receive Request from Existing Emitra, with the old portal administrator's CUG code."""
        code = "".join(cug_code.split()).upper()
        if not code:
            raise CugCodeRequired("enter the CUG code from the old portal administrator",
                                  details={"field": "cug_code"})
        body = self._send("/wallet/refill/existing-emitra", {"operation_id": operation_id, "cug_code": code})
        return FundTransfer.from_body(body)

    def fund_transfers(self) -> tuple[FundTransfer, ...]:
        body = self._online(lambda: self.api.get("/wallet/refill/existing-emitra"))
        return tuple(FundTransfer.from_body(x) for x in body.get("transfers", []))

    # -- Fund Payout --------------------------------------------------------------------------------------
    def payout_info(self) -> PayoutInfo:
        """The credit line's figures, and the payout orders still waiting for the bank."""
        return PayoutInfo.from_body(self._online(lambda: self.api.get("/wallet/payout")), self.api.base_url)

    def pay_payout(self, amount_paise: int, method: PayoutMethod, operation_id: str) -> PayoutResult:
        """Pay interest, then the oldest outstanding: from the wallet at once, or an order for net banking."""
        _check_amount(amount_paise)
        body = self._send("/wallet/payout",
                          {"operation_id": operation_id, "amount_paise": amount_paise, "method": method})
        if body.get("method") == "net_banking":
            order = RefillOrder.from_body(body["order"], self.api.base_url)
            return PayoutResult("net_banking", 0, order, body)
        payout = body.get("payout") or {}
        paid = payout.get("amount_paise", amount_paise)
        return PayoutResult("wallet", int(paid), None, payout)

    # -- statement ----------------------------------------------------------------------------------------
    def statement(self, start: date, end: date) -> Statement:
        _check_range(start, end)
        params = {"from": start.isoformat(), "to": end.isoformat(), "format": "json"}
        return Statement.from_body(self._online(lambda: self.api.get("/wallet/statement", params=params)))

    def statement_csv(self, start: date, end: date) -> bytes:
        """The statement as the server's CSV (UTF-8, formula cells made harmless), to save as a file."""
        _check_range(start, end)
        params = {"from": start.isoformat(), "to": end.isoformat(), "format": "csv"}
        return self._online(lambda: self.api.get_bytes("/wallet/statement", params=params))

    def export_statement(self, start: date, end: date, path: str) -> int:
        """Write the CSV to `path`; the number of bytes written."""
        data = self.statement_csv(start, end)
        try:
            with open(path, "wb") as f:
                f.write(data)
        except OSError as exc:
            raise FileNotSaved(f"the statement could not be saved to {path}: {exc.strerror or exc}",
                               details={"path": path}) from exc
        return len(data)

    # -- Reconcile Finance Transaction --------------------------------------------------------------------
    def reconcile(self, day: date) -> ReconcileReport:
        body = self._online(lambda: self.api.get("/wallet/reconcile", params={"date": day.isoformat()}))
        payments = sorted((ReconcilePayment.from_body(p) for p in body.get("payments", [])),
                          key=lambda p: RECONCILE_ORDER.get(p.status, 1))  # stable: the server's order within
        counts = {str(k): int(v) for k, v in body.get("counts", {}).items()}
        return ReconcileReport(date.fromisoformat(body.get("date", day.isoformat())), counts, tuple(payments))

    def verify(self, payment_id: int) -> VerifyResult:
        """Ask the department the final status; a failed bill is reversed once (Verify twice = once)."""
        body = self._online(lambda: self.api.post(f"/wallet/reconcile/payments/{payment_id}/verify"))
        view = {**body["payment"], "verify_needed": body["payment"]["status"] in UNFINISHED}
        return VerifyResult(payment_id, str(body["result"]), tuple(str(r) for r in body.get("deemed_failed", [])),
                            ReconcilePayment.from_body(view))

    # -- Day End report -----------------------------------------------------------------------------------
    def day_end_report(self, day: date) -> DayEndReport:
        """Collections by service and method, reversals, refills, balances and outstanding of one business date."""
        body = self._online(lambda: self.api.get("/wallet/day-end", params={"date": day.isoformat()}))
        return DayEndReport.from_body(body)


def _check_amount(amount_paise: int) -> None:
    if isinstance(amount_paise, bool) or not isinstance(amount_paise, int) or amount_paise <= 0:
        raise InvalidAmount("enter an amount in rupees greater than zero", details={"field": "amount_paise"})


def _check_range(start: date, end: date) -> None:
    if start > end:
        raise InvalidRange("the start date is after the end date", details={"field": "from"})
