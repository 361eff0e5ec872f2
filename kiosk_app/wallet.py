"""Financial → Wallet and Reconcile: Refill, Fund Payout, statement and Verify over the server's wallet routes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol, TypeVar, assert_never

from kiosk_app.api import ApiClient
from kiosk_app.connectivity import Connectivity
from kiosk_app.contract import (
    BankCreditPublic,
    DayEndPublic,
    FundTransferPublic,
    FundTransfersPublic,
    PaymentPublic,
    PaymentStatus,
    PayoutBreakdownPublic,
    PayoutByNetBanking,
    PayoutByWallet,
    PayoutPagePublic,
    ReconcilePaymentPublic,
    ReconcilePublic,
    RefillOrderPublic,
    RefillPagePublic,
    StatementPublic,
    VerifyPublic,
    parse_payout_public,
)
from kiosk_app.errors import (
    CugCodeRequired,
    FileNotSaved,
    InvalidAmount,
    InvalidRange,
    KioskError,
    ServerFault,
    ServerUnreachable,
)
from kiosk_app.money import MoneyState
from rules.ids import new_operation_id

log = logging.getLogger("emitra.wallet")

T = TypeVar("T")
GatewayChannel = Literal["net_banking", "aggregator"]
PayoutMethod = Literal["wallet", "net_banking"]
# An order still waiting for the gateway; every other status is final for the screen.
ORDER_OPEN = "created"


def reconcile_rank(status: PaymentStatus) -> int:
    """Reconcile lists failed payments first, then unfinished and partial ones: the operator's attention."""
    match status:
        case PaymentStatus.FAILED:
            return 0
        case PaymentStatus.INITIATED | PaymentStatus.PENDING:
            return 1
        case PaymentStatus.PARTIAL:
            return 2
        case PaymentStatus.SUCCESS:
            return 3
        case _:
            assert_never(status)


def needs_verify(status: PaymentStatus) -> bool:
    """Whether Verify may still change the payment: its department's answer is out, or some bills failed."""
    match status:
        case PaymentStatus.INITIATED | PaymentStatus.PENDING | PaymentStatus.PARTIAL:
            return True
        case PaymentStatus.SUCCESS | PaymentStatus.FAILED:
            return False
        case _:
            assert_never(status)


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
    def from_answer(cls, b: PayoutBreakdownPublic | None) -> PayoutBreakdown | None:
        if b is None:
            return None
        return cls(b.amount_paise, b.interest_paise, b.principal_paise, b.to_wallet_paise, b.paid_on)


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
        return cls.from_answer(RefillOrderPublic.parse(body), base_url)

    @classmethod
    def from_answer(cls, o: RefillOrderPublic, base_url: str) -> RefillOrder:
        # The aggregator's page (absolute), or the demo server's simulator (relative to the server).
        page = o.payment_url or ""
        url = page if "://" in page or not page else base_url.rstrip("/") + page
        return cls(
            o.order_id,
            o.operation_id,
            o.purpose,
            o.channel,
            o.amount_paise,
            o.status,
            o.confirmed_paise,
            o.failure_reason,
            o.created_at or "",
            o.expires_at or "",
            url,
            PayoutBreakdown.from_answer(o.breakdown),
        )


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
    def from_answer(cls, t: FundTransferPublic) -> FundTransfer:
        return cls(
            t.transfer_id,
            t.legacy_ref,
            t.amount_paise,
            t.status,
            t.due_at or "",
            t.due_at_ist,
            t.credited_at,
            t.message or "",
        )


@dataclass(frozen=True)
class BankCredit:
    utr: str
    amount_paise: int
    mode: str
    status: str
    received_at: str

    @classmethod
    def from_answer(cls, c: BankCreditPublic) -> BankCredit:
        return cls(c.utr, c.amount_paise, c.mode or "", c.status, c.received_at or "")


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
    def from_answer(cls, p: PayoutPagePublic, base_url: str = "") -> PayoutInfo:
        drawdowns = tuple(
            Drawdown(d.drawn_on, d.due_on, d.remaining_paise, d.overdue_days, d.state) for d in p.outstanding
        )
        return cls(
            p.as_of,
            p.credit_limit_paise,
            p.credit_used_paise,
            p.wallet_balance_paise,
            p.outstanding_paise,
            p.overdue_paise,
            p.next_due_on,
            drawdowns,
            p.interest_rate_percent,
            p.interest_accrued_paise,
            p.interest_paid_paise,
            p.interest_due_paise,
            p.total_payable_paise,
            p.rule,
            tuple(RefillOrder.from_answer(o, base_url) for o in p.open_orders),
        )


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
    def from_answer(cls, s: StatementPublic) -> Statement:
        lines = tuple(
            StatementLine(
                x.entry_id,
                x.at_ist,
                x.business_date,
                x.account,
                x.kind,
                x.description,
                x.reference or "",
                x.amount_paise,
                x.balance_paise,
            )
            for x in s.lines
        )
        accounts = {
            name: AccountTotals(a.opening_paise, a.closing_paise, a.credits_paise, a.debits_paise)
            for name, a in s.accounts.items()
        }
        return cls(date.fromisoformat(s.from_), date.fromisoformat(s.to), lines, accounts)


@dataclass(frozen=True)
class ReconcilePayment:
    """One payment of the day as Reconcile lists it."""

    payment_id: int
    operation_id: str
    receipt_no: str
    txn_id: str
    status: str  # a PaymentStatus
    total_paise: int
    reversed_paise: int
    created_at_ist: str
    service_en: str
    service_hi: str
    consumer_no: str
    failure_reason: str | None
    verify_needed: bool

    @classmethod
    def from_answer(cls, p: PaymentPublic | ReconcilePaymentPublic) -> ReconcilePayment:
        first = p.bills[0] if p.bills else None
        more = f" +{len(p.bills) - 1}" if len(p.bills) > 1 else ""
        verify_needed = p.verify_needed if isinstance(p, ReconcilePaymentPublic) else needs_verify(p.status)
        return cls(
            p.payment_id,
            p.operation_id,
            p.receipt_no or "",
            p.txn_id,
            p.status,
            p.total_paise,
            p.reversed_paise,
            p.created_at_ist,
            (first.service_name_en if first else "") + more,
            (first.service_name_hi or first.service_name_en if first else "") + more,
            first.consumer_no if first else "",
            p.failure_reason,
            verify_needed,
        )


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


class Counted(Protocol):
    """Any total of the contract: how many, and how much."""

    @property
    def count(self) -> int: ...

    @property
    def amount_paise(self) -> int: ...


@dataclass(frozen=True)
class CountAmount:
    count: int
    amount_paise: int

    @classmethod
    def from_answer(cls, c: Counted) -> CountAmount:
        return cls(c.count, c.amount_paise)


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
        """A report in the server's JSON; a sample written by hand (ui/screenshots.py) may leave out the cash
        paid out, which then is none."""
        none = {"count": 0, "amount_paise": 0}
        cash = {"cash_paid_out": {**none, "credited": none, "awaiting_bank": none}}
        return cls.from_answer(DayEndPublic.parse({**cash, **body}))

    @classmethod
    def from_answer(cls, r: DayEndPublic) -> DayEndReport:
        collections, refills, outstanding = r.collections, r.refills, r.outstanding
        return cls(
            date.fromisoformat(r.date),
            r.kiosk_code,
            r.kiosk_name,
            r.generated_at or "",
            r.payments.count,
            dict(r.payments.by_status),
            r.payments.amount_paise,
            CountAmount.from_answer(collections),
            tuple(
                ServiceCollection(
                    s.service_code,
                    s.service_name_en or s.service_code,
                    s.service_name_hi or s.service_name_en or s.service_code,
                    s.count,
                    s.amount_paise,
                )
                for s in collections.by_service
            ),
            tuple(KeyedTotal(m.method, m.count, m.amount_paise) for m in collections.by_method),
            CountAmount.from_answer(r.reversals),
            CountAmount.from_answer(r.cash_paid_out.credited),
            CountAmount.from_answer(r.cash_paid_out.awaiting_bank),
            CountAmount.from_answer(refills),
            tuple(KeyedTotal(c.channel, c.count, c.amount_paise) for c in refills.by_channel),
            CountAmount.from_answer(r.payouts),
            r.wallet.opening_paise,
            r.wallet.closing_paise,
            r.credit_line.opening_used_paise,
            r.credit_line.closing_used_paise,
            outstanding.outstanding_paise,
            outstanding.overdue_paise,
            outstanding.interest_due_paise,
            outstanding.next_due_on,
        )


# -- the use-cases -------------------------------------------------------------------------------------


class Wallet:
    """The wallet screens' use-cases; every call goes to the server (none of this works offline)."""

    def __init__(
        self, api: ApiClient, connectivity: Connectivity | None = None, money: MoneyState | None = None
    ) -> None:
        self.api = api
        self.connectivity = connectivity
        self.money = money  # told again after every operation here that moves the wallet

    def _money_moved(self) -> None:
        if self.money is None:
            return
        try:
            self.money.refresh()
        except KioskError as exc:  # the operation itself succeeded; the screens show the last known money
            log.info("the wallet could not be read again after a change: %s", exc)

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
    def refill_info(self) -> RefillInfo:
        page = RefillPagePublic.parse(self._online(lambda: self.api.get("/wallet/refill")))
        va = page.virtual_account
        return RefillInfo(
            VirtualAccount(va.account_no, va.ifsc, va.bank_name, va.beneficiary_name, va.account_type),
            page.gateway.min_paise,
            page.gateway.max_paise,
            page.gateway.order_ttl_minutes,
            round(page.existing_emitra.credit_delay_minutes),
            tuple(c.code for c in page.channels),
            tuple(RefillOrder.from_answer(o, self.api.base_url) for o in page.orders),
            tuple(FundTransfer.from_answer(x) for x in page.legacy_transfers),
            tuple(BankCredit.from_answer(x) for x in page.bank_credits),
        )

    def start_refill(self, amount_paise: int, channel: GatewayChannel, operation_id: str) -> RefillOrder:
        """Net banking / aggregator: an order and the page where it is paid."""
        _check_amount(amount_paise)
        body = self._send(
            "/wallet/refill/orders", {"operation_id": operation_id, "amount_paise": amount_paise, "channel": channel}
        )
        return RefillOrder.from_body(body, self.api.base_url)

    def order_status(self, order_id: str) -> RefillOrder:
        body = self._online(lambda: self.api.get(f"/wallet/refill/orders/{order_id}"))
        order = RefillOrder.from_body(body, self.api.base_url)
        if order.credited:
            self._money_moved()
        return order

    def request_fund_transfer(self, cug_code: str, operation_id: str) -> FundTransfer:
        """Fund Receive Request from Existing Emitra, with the old portal administrator's CUG code."""
        code = "".join(cug_code.split()).upper()
        if not code:
            raise CugCodeRequired("enter the CUG code from the old portal administrator", details={"field": "cug_code"})
        body = self._send("/wallet/refill/existing-emitra", {"operation_id": operation_id, "cug_code": code})
        return FundTransfer.from_answer(FundTransferPublic.parse(body))

    def fund_transfers(self) -> tuple[FundTransfer, ...]:
        body = self._online(lambda: self.api.get("/wallet/refill/existing-emitra"))
        return tuple(FundTransfer.from_answer(x) for x in FundTransfersPublic.parse(body).transfers)

    # -- Fund Payout --------------------------------------------------------------------------------------
    def payout_info(self) -> PayoutInfo:
        """The credit line's figures, and the payout orders still waiting for the bank."""
        body = self._online(lambda: self.api.get("/wallet/payout"))
        return PayoutInfo.from_answer(PayoutPagePublic.parse(body), self.api.base_url)

    def pay_payout(self, amount_paise: int, method: PayoutMethod, operation_id: str) -> PayoutResult:
        """Pay interest, then the oldest outstanding: from the wallet at once, or an order for net banking."""
        _check_amount(amount_paise)
        body = self._send(
            "/wallet/payout", {"operation_id": operation_id, "amount_paise": amount_paise, "method": method}
        )
        match parse_payout_public(body):
            case PayoutByNetBanking(order=order):
                return PayoutResult("net_banking", 0, RefillOrder.from_answer(order, self.api.base_url), body)
            case PayoutByWallet(payout=payout):
                self._money_moved()
                return PayoutResult("wallet", payout.amount_paise, None, body["payout"])

    # -- statement ----------------------------------------------------------------------------------------
    def statement(self, start: date, end: date) -> Statement:
        _check_range(start, end)
        params = {"from": start.isoformat(), "to": end.isoformat(), "format": "json"}
        body = self._online(lambda: self.api.get("/wallet/statement", params=params))
        return Statement.from_answer(StatementPublic.parse(body))

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
            raise FileNotSaved(
                f"the statement could not be saved to {path}: {exc.strerror or exc}", details={"path": path}
            ) from exc
        return len(data)

    # -- Reconcile Finance Transaction --------------------------------------------------------------------
    def reconcile(self, day: date) -> ReconcileReport:
        body = self._online(lambda: self.api.get("/wallet/reconcile", params={"date": day.isoformat()}))
        report = ReconcilePublic.parse(body)
        ranked = sorted(report.payments, key=lambda p: reconcile_rank(p.status))  # stable: the server's order within
        payments = [ReconcilePayment.from_answer(p) for p in ranked]
        return ReconcileReport(date.fromisoformat(report.date), dict(report.counts), tuple(payments))

    def verify(self, payment_id: int) -> VerifyResult:
        """Ask the department the final status; a failed bill is reversed once (Verify twice = once)."""
        body = self._online(lambda: self.api.post(f"/wallet/reconcile/payments/{payment_id}/verify"))
        verified = VerifyPublic.parse(body)
        return VerifyResult(
            payment_id, verified.result, verified.deemed_failed, ReconcilePayment.from_answer(verified.payment)
        )

    # -- Day End report -----------------------------------------------------------------------------------
    def day_end_report(self, day: date) -> DayEndReport:
        """Collections by service and method, reversals, refills, balances and outstanding of one business date."""
        body = self._online(lambda: self.api.get("/wallet/day-end", params={"date": day.isoformat()}))
        return DayEndReport.from_answer(DayEndPublic.parse(body))


def _check_amount(amount_paise: int) -> None:
    if isinstance(amount_paise, bool) or not isinstance(amount_paise, int) or amount_paise <= 0:
        raise InvalidAmount("enter an amount in rupees greater than zero", details={"field": "amount_paise"})


def _check_range(start: date, end: date) -> None:
    if start > end:
        raise InvalidRange("the start date is after the end date", details={"field": "from"})
