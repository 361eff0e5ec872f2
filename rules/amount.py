"""How much of a bill the department accepts: the amount due (with the late amount after the due date), a part
of it where the department allows, or any amount in a range where there is no bill (a recharge)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class AmountRule:
    due_paise: int | None  # None: no bill; the operator chooses within min..max (a recharge)
    after_due_paise: int | None  # the amount once the due date has passed (late fee included), if it differs
    due_date: date | None
    partial_allowed: bool
    min_paise: int
    max_paise: int

    def payable(self, today: date) -> int | None:
        """What is owed on `today`'s business day; None when the operator chooses the amount."""
        if self.due_paise is None:
            return None
        if self.due_date is not None and today > self.due_date and self.after_due_paise is not None:
            return self.after_due_paise
        return self.due_paise


@dataclass(frozen=True)
class AmountRefusal:
    code: str  # the server's InvalidField code: amount_out_of_range | amount_must_equal_due
    params: dict[str, int] = field(default_factory=dict)  # the bounds or the amount owed, in paise


def amount_refusal(rule: AmountRule, amount_paise: int, today: date) -> AmountRefusal | None:
    """Why the department would refuse `amount_paise` for this bill today, or None when it accepts it."""
    payable = rule.payable(today)
    if payable is None:
        if not rule.min_paise <= amount_paise <= rule.max_paise:
            return AmountRefusal("amount_out_of_range", {"min_paise": rule.min_paise, "max_paise": rule.max_paise})
        return None
    if rule.partial_allowed:
        low = min(rule.min_paise, payable)
        if not low <= amount_paise <= payable:
            return AmountRefusal("amount_out_of_range", {"min_paise": low, "max_paise": payable})
        return None
    if amount_paise != payable:
        return AmountRefusal("amount_must_equal_due", {"payable_paise": payable})
    return None


@dataclass(frozen=True)
class PaperBill:
    """What the operator reads off a paper bill while the kiosk is offline."""

    due_paise: int  # the amount by the due date
    due_date: date
    after_due_paise: int | None  # the amount once the due date has passed, if the bill prints one


def paper_bill_payable(paper: PaperBill, today: date) -> int | AmountRefusal:
    """What to collect today for a bill taken offline, or why it cannot be taken yet.

    Offline, a bill is taken in full only (no department has confirmed a part payment), by the same rule the
    server applies to the department's copy of the bill: the amount due, or after the due date the late amount.
    """
    if paper.after_due_paise is not None and paper.after_due_paise < paper.due_paise:
        return AmountRefusal("after_due_below_due", {"due_paise": paper.due_paise})
    if today > paper.due_date and paper.after_due_paise is None:
        return AmountRefusal("after_due_amount_required")
    rule = AmountRule(
        paper.due_paise, paper.after_due_paise, paper.due_date, False, paper.due_paise, paper.after_due_paise or 0
    )
    payable = rule.payable(today)
    assert payable is not None
    return payable
