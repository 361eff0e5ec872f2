"""HTTP shapes of the wallet routes; amounts are strict integer paise."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from server.core.fields import Text
from server.payments.schemas import PaymentPublic
from server.schemas import KioskCode, OperationId, Paise, Public


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RefillOrderIn(Strict):
    operation_id: OperationId
    amount_paise: Paise
    channel: Literal["net_banking", "aggregator"]


class LegacyTransferIn(Strict):
    operation_id: OperationId
    cug_code: Annotated[str, Text(64, min_length=1)]


class PayoutIn(Strict):
    operation_id: OperationId
    amount_paise: Paise
    method: Literal["wallet", "net_banking"]


class SimCompleteIn(Strict):
    outcome: Literal["success", "failed"]
    amount_paise: Annotated[int, Field(strict=True, gt=0, le=10_000_000_000)] | None = None
    deliver: bool = True


class SuspenseAssignIn(Strict):
    kiosk_code: KioskCode


class LegacyLimitIn(Strict):
    limit_paise: Annotated[int, Field(strict=True, ge=0, le=10_000_000_000)]
    cug_code: Annotated[str, Text(32, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{3,31}$")]
    admin_name: Annotated[str, Text(100, min_length=1)] = "Old portal administrator"


# -- answers ------------------------------------------------------------------------------------------------

OrderStatus = Literal["created", "success", "failed", "expired"]


class PayoutBreakdownPublic(Public):
    """How a paid payout was applied: interest first, then the oldest outstanding, the rest to the wallet."""

    amount_paise: int
    interest_paise: int
    principal_paise: int
    to_wallet_paise: int
    paid_on: str


class RefillOrderPublic(Public):
    """A net banking / aggregator order, paid on the gateway's page and credited when the gateway confirms."""

    order_id: str
    operation_id: str
    purpose: Literal["refill", "payout"]
    channel: str
    amount_paise: int
    status: OrderStatus
    confirmed_paise: int | None
    gateway_ref: str | None
    failure_reason: str | None
    created_at: str | None
    expires_at: str | None
    completed_at: str | None
    payment_url: str | None
    breakdown: PayoutBreakdownPublic | None = None  # only on a payout order


class FundTransferPublic(Public):
    """A "Fund Receive Request from Existing Emitra": accepted now, credited after the configured delay."""

    transfer_id: int
    operation_id: str
    legacy_ref: str
    amount_paise: int
    status: Literal["scheduled", "credited"]
    requested_at: str | None
    due_at: str | None
    due_at_ist: str
    credited_at: str | None
    message: str | None = None  # on the answer to the request


class FundTransfersPublic(Public):
    transfers: list[FundTransferPublic]


class VirtualAccountPublic(Public):
    account_no: str
    ifsc: str
    bank_name: str
    beneficiary_name: str
    account_type: str


class BankCreditPublic(Public):
    utr: str
    amount_paise: int
    mode: str | None
    remitter_name: str | None
    value_date: str | None
    source: str
    status: Literal["credited", "suspense", "assigned"]
    received_at: str | None
    assigned_at: str | None


class ChannelPublic(Public):
    code: str
    label_en: str


class GatewayLimitsPublic(Public):
    min_paise: int
    max_paise: int
    order_ttl_minutes: int


class ExistingEmitraPublic(Public):
    credit_delay_minutes: float


class RefillPagePublic(Public):
    """Everything the Refill page shows."""

    virtual_account: VirtualAccountPublic
    channels: list[ChannelPublic]
    gateway: GatewayLimitsPublic
    existing_emitra: ExistingEmitraPublic
    orders: list[RefillOrderPublic]
    legacy_transfers: list[FundTransferPublic]
    bank_credits: list[BankCreditPublic]


class DrawdownPublic(Public):
    drawn_on: str
    due_on: str
    amount_paise: int
    remaining_paise: int
    overdue_days: int
    state: Literal["overdue", "due_today", "due"]


class PayoutPagePublic(Public):
    """Fund Payout: outstanding, due dates, interest so far, and the payout orders still waiting for the bank."""

    as_of: str
    credit_limit_paise: int
    credit_used_paise: int
    available_credit_paise: int
    wallet_balance_paise: int
    outstanding_paise: int
    overdue_paise: int
    next_due_on: date | None
    outstanding: list[DrawdownPublic]
    interest_rate_percent: int
    interest_accrued_paise: int
    interest_paid_paise: int
    interest_due_paise: int
    total_payable_paise: int
    rule: str
    open_orders: list[RefillOrderPublic]


class WalletPayoutPublic(Public):
    """A payout from the wallet, posted at once."""

    entry_id: int
    amount_paise: int
    interest_paise: int
    principal_paise: int
    to_wallet_paise: int
    paid_on: str
    wallet_balance_paise: int
    credit_used_paise: int
    replayed: bool


class PayoutByWallet(Public):
    method: Literal["wallet"]
    payout: WalletPayoutPublic


class PayoutByNetBanking(Public):
    method: Literal["net_banking"]
    order: RefillOrderPublic


class PayoutPublic(RootModel[Annotated[PayoutByWallet | PayoutByNetBanking, Field(discriminator="method")]]):
    """A Fund Payout: paid from the wallet at once, or an order at the gateway to pay by net banking."""


class StatementLinePublic(Public):
    entry_id: int
    at: str | None
    at_ist: str
    business_date: str
    account: Literal["wallet", "credit"]
    kind: str
    description: str
    reference: str | None
    amount_paise: int
    balance_paise: int


class AccountTotalsPublic(Public):
    opening_paise: int
    closing_paise: int
    credits_paise: int
    debits_paise: int


class StatementPublic(Public):
    """Every line on the wallet and the credit line in the range, with running balances."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    kiosk_code: str
    from_: str = Field(alias="from")
    to: str
    accounts: dict[str, AccountTotalsPublic]
    lines: list[StatementLinePublic]


class ReconcilePaymentPublic(PaymentPublic):
    """A payment as Reconcile lists it: its view, and whether it needs the operator's Verify."""

    verify_needed: bool
    can_verify: bool


class ReconcilePublic(Public):
    date: str
    counts: dict[str, int]
    payments: list[ReconcilePaymentPublic]


class VerifyPublic(Public):
    result: Literal["confirmed", "reversed", "partly_reversed", "still_pending"]
    deemed_failed: list[str]
    payment: PaymentPublic


class CountAmountPublic(Public):
    count: int
    amount_paise: int


class ServiceCollectionPublic(CountAmountPublic):
    service_code: str
    service_name_en: str
    service_name_hi: str


class MethodTotalPublic(CountAmountPublic):
    method: str


class ChannelTotalPublic(CountAmountPublic):
    channel: str


class DayPaymentsPublic(CountAmountPublic):
    by_status: dict[str, int]


class CollectionsPublic(CountAmountPublic):
    by_service: list[ServiceCollectionPublic]
    by_method: list[MethodTotalPublic]


class CashPaidOutPublic(CountAmountPublic):
    credited: CountAmountPublic
    awaiting_bank: CountAmountPublic


class RefillTotalsPublic(CountAmountPublic):
    by_channel: list[ChannelTotalPublic]


class OpeningClosingPublic(Public):
    opening_paise: int
    closing_paise: int


class CreditLineDayPublic(Public):
    opening_used_paise: int
    closing_used_paise: int


class OutstandingPublic(Public):
    outstanding_paise: int
    overdue_paise: int
    interest_due_paise: int
    next_due_on: date | None


class DayEndPublic(Public):
    """Collections by service and method, reversals, refills, balances and outstanding of one business date."""

    date: str
    kiosk_code: str
    kiosk_name: str
    generated_at: str | None
    payments: DayPaymentsPublic
    collections: CollectionsPublic
    cash_paid_out: CashPaidOutPublic
    reversals: CountAmountPublic
    refills: RefillTotalsPublic
    payouts: CountAmountPublic
    wallet: OpeningClosingPublic
    credit_line: CreditLineDayPublic
    outstanding: OutstandingPublic


# -- administrators' answers -------------------------------------------------------------------------------


class StatementLineSkipped(Public):
    line: int
    result: Literal["skipped"]
    reason: str


class StatementLineBooked(Public):
    """A credit line of a bank statement: to its kiosk, to suspense, or a UTR already known."""

    line: int
    utr: str
    result: Literal["credited", "suspense", "duplicate", "conflict"]
    amount_paise: int


class BankStatementPublic(Public):
    lines: int
    counts: dict[str, int]
    results: list[Annotated[StatementLineSkipped | StatementLineBooked, Field(discriminator="result")]]


class SuspenseCreditPublic(BankCreditPublic):
    account_no: str
    kiosk_id: int | None


class SuspensePublic(Public):
    credits: list[SuspenseCreditPublic]


class SuspenseAssignedPublic(Public):
    utr: str
    kiosk_code: str
    amount_paise: int
    status: Literal["assigned"]


class LegacyLimitPublic(Public):
    old_emitra_id: str
    limit_paise: int
    cug_code: str


class SchedulerRunPublic(Public):
    done: int


# -- answers to the gateway and the bank, and the demo gateway's ----------------------------------------------


class GatewayNotifiedPublic(Public):
    """What a gateway notification did: credited once, a duplicate, a failure recorded, or nothing to do."""

    order_id: str
    result: Literal["credited", "duplicate", "failed", "ignored"]
    credited_paise: int | None = None


class BankNotifiedPublic(Public):
    utr: str
    result: Literal["credited", "suspense", "duplicate"]
    amount_paise: int


class SimulatedPaymentPublic(Public):
    """The demo gateway's signed notification of a payment, and what delivering it did (none: not delivered)."""

    body: str
    signature: str
    delivery: GatewayNotifiedPublic | None
