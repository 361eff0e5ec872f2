"""HTTP shapes for the catalog, bill fetch and payments; amounts are strict integer paise."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.core.fields import Day, Text
from server.payments.status import PaymentStatus
from server.schemas import ErrorDetail, OperationId, Paise, Public, ReachabilityPublic

FieldValue = Annotated[str, Text(200)]
ServiceKind = Literal["bill", "recharge", "fee", "micro_atm"]
ServiceCode = Annotated[str, Text(40, min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FetchIn(Strict):
    service_code: ServiceCode
    fields: dict[Annotated[str, Text(40)], FieldValue] = Field(max_length=10)


class BillIn(FetchIn):
    amount_paise: Paise


class ContactIn(Strict):
    mobile: Annotated[str, Text(20)] | None = None
    email: Annotated[str, Text(254)] | None = None


class MethodIn(Strict):
    type: Literal["wallet", "cheque"]
    cheque_no: Annotated[str, Text(12)] | None = None
    bank: Annotated[str, Text(100)] | None = None
    date: Day | None = None


class PayIn(Strict):
    operation_id: OperationId
    bills: list[BillIn] = Field(min_length=1, max_length=10)
    contact: ContactIn
    method: MethodIn
    offline: bool = False


class FaultIn(Strict):
    fault: Literal["none", "timeout", "decline", "slow", "lost_answer"]
    times: Annotated[int, Field(strict=True, ge=-1, le=1000)] = -1
    delay_ms: Annotated[int, Field(strict=True, ge=0, le=60_000)] = 0
    applies_to: Literal["pay", "fetch", "both"] = "pay"


class ChequeStatusIn(Strict):
    status: Literal["cleared", "bounced"]


class PayBatchIn(Strict):
    items: list[PayIn] = Field(min_length=1, max_length=100)


class ContactPublic(Public):
    mobile: str | None
    email: str | None


class ChequePublic(Public):
    cheque_no: str | None
    bank: str | None
    date: str | None
    status: Literal["received", "cleared", "bounced"] | None


class PaymentWalletPublic(Public):
    wallet_balance_paise: int
    spendable_paise: int


class ServiceNamesPublic(Public):
    """A bill's service and department, by code and by name in both languages."""

    service_code: str
    service_name_en: str
    service_name_hi: str
    department: str
    department_name_en: str
    department_name_hi: str


class ConsumerBillPublic(ServiceNamesPublic):
    """Whose bill it is and what the department said was due (none: the operator enters the amount)."""

    consumer_no: str
    consumer_name: str
    bill_no: str | None
    bill_date: str | None
    due_date: str | None
    amount_due_paise: int | None


class PaymentBillPublic(ConsumerBillPublic):
    amount_paise: int
    reference: str
    biller_ref: str | None
    approval_no: str | None = None  # the department's approval number of a paid bill, where it gave one
    status: PaymentStatus
    failure_reason: str | None


class PaymentPublic(Public):
    """Everything a receipt needs, in one answer (the pay answer, its status, a batch item's payment)."""

    operation_id: str
    payment_id: int
    status: PaymentStatus
    method: Literal["wallet", "cheque", "micro_atm"]
    total_paise: int
    receipt_no: str | None
    # the public verification page's path for this receipt, signed by the server (its QR: the address + this)
    verify_path: str | None = None
    txn_id: str
    created_at: str
    created_at_ist: str
    kiosk_code: str
    kiosk_name: str
    contact: ContactPublic
    cheque: ChequePublic | None
    from_wallet_paise: int
    from_credit_paise: int
    reversed_paise: int
    failure_reason: str | None
    offline: bool
    bills: list[PaymentBillPublic]
    wallet: PaymentWalletPublic


class BatchDone(Public):
    """A batch item the server holds (a payment in whatever state it is)."""

    operation_id: str
    result: Literal["done"]
    payment: PaymentPublic


class BatchRefused(Public):
    """A batch item refused: nothing changed; it may be corrected and sent with a new operation id."""

    operation_id: str
    result: Literal["refused"]
    status_code: int
    error: ErrorDetail


BatchItemPublic = Annotated[BatchDone | BatchRefused, Field(discriminator="result")]


class PayBatchPublic(Public):
    results: list[BatchItemPublic]


class BillPublic(ConsumerBillPublic):
    """Get Bill Details: what the department says is due (for recharges, its limits)."""

    kind: ServiceKind
    amount_after_due_paise: int | None
    payable_now_paise: int | None
    partial_allowed: bool
    min_paise: int
    max_paise: int


class CategoryPublic(Public):
    code: str
    name_en: str
    name_hi: str


class DepartmentPublic(Public):
    code: str
    category: str
    name_en: str
    name_hi: str


class ChoicePublic(Public):
    """One value a field takes (a recharge's operator)."""

    code: str
    name_en: str
    name_hi: str


class PlanPublic(Public):
    """A recharge plan: picked, it fills the amount (for one operator, or for all when `operator` is null)."""

    amount_paise: int
    name_en: str
    name_hi: str
    operator: str | None = None


class InputFieldPublic(Public):
    """One input of a service (e.g. K No.), with the pattern the department's numbers follow."""

    name: str
    label_en: str
    label_hi: str
    pattern: str
    min_length: int
    max_length: int
    example: str
    help_en: str
    help_hi: str
    check_digit: Literal["verhoeff"] | None = None  # the last digit checks the others (Aadhaar: Verhoeff)
    choices: list[ChoicePublic] = Field(default_factory=list)  # given: the field takes one of these codes


class ServicePublic(Public):
    code: str
    department: str
    category: str
    kind: ServiceKind
    name_en: str
    name_hi: str
    keywords: list[str]
    offline_capable: bool
    min_paise: int | None
    max_paise: int | None
    fee_paise: int | None
    fields: list[InputFieldPublic]
    plans: list[PlanPublic] = Field(default_factory=list)
    # what a bill collected earns the kiosk: flat paise plus basis points of the bill (rules/commission.py)
    commission_paise: int = Field(default=0, ge=0)
    commission_bp: int = Field(default=0, ge=0, le=10_000)


class CatalogPublic(Public):
    """The whole catalog, for the client's offline cache; its version is a hash of its content (the ETag)."""

    version: str
    categories: list[CategoryPublic]
    departments: list[DepartmentPublic]
    services: list[ServicePublic]


class SearchHitPublic(ServicePublic):
    score: int


class SearchPublic(Public):
    version: str
    results: list[SearchHitPublic]


# -- the departments, for administrators and trainers ------------------------------------------------------

FaultName = Literal["none", "timeout", "decline", "slow", "lost_answer"]
FaultTarget = Literal["pay", "fetch", "both"]


class BillerDepartmentPublic(Public):
    code: str
    name_en: str
    name_hi: str


class BillerFaultPublic(Public):
    """A simulated biller (one may serve several departments) and the fault switched on for it."""

    biller: str
    departments: list[BillerDepartmentPublic]
    fault: FaultName
    remaining: int
    delay_ms: int
    applies_to: FaultTarget
    active: bool


class BillersPublic(Public):
    billers: list[BillerFaultPublic]


class FaultSwitchedPublic(Public):
    biller: str
    fault: FaultName
    times: int
    delay_ms: int
    applies_to: FaultTarget


class DepartmentsPublic(Public):
    departments: list[ReachabilityPublic]


class SettlementFindingPublic(Public):
    line: int | None  # none: one of our bills missing from the file
    reference: str
    amount_paise: int
    finding: str


class SettlementPublic(Public):
    """What an imported settlement file came to: counts per finding, and the lines for an administrator."""

    biller: str
    business_date: str
    lines: int
    total_paise: int
    counts: dict[str, int]
    for_administrators: list[SettlementFindingPublic]
    duplicate: bool | None = None  # on the answer to an import: the same file again


class ReceiptKeyIn(Strict):
    """The kiosk PC's Ed25519 public key: 32 bytes, URL-safe base64 without padding (43 characters)."""

    public_key: Annotated[str, Field(min_length=43, max_length=43, pattern=r"^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$")]


class ReceiptKeyPublic(Public):
    """The key the server now checks this kiosk's PROVISIONAL receipts with."""

    kiosk_code: str
    public_key: str
    replaced: bool  # a key of another PC (or an older one) was replaced; false when it was this one already
