""" "Pay Via NEFT/RTGS": each kiosk's virtual account, the bank's credit notifications and statement files.

A credit lands once: the UTR is unique in `bank_credits`, and the posting's operation id is
``bank-<UTR>``.  A credit to an account that is no kiosk's goes to system:suspense until an administrator
assigns it to a kiosk (once: ``suspense-<UTR>``).  The same UTR arriving again — a replayed
notification, the statement file after the notification — is a duplicate and moves nothing; the same
UTR with another account or amount is a conflict for a person to look at.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from server.core.config import Settings
from server.core.errors import Conflict, NotFound
from server.core.fields import Text
from server.kiosks import kiosk_id_by_code
from server.ledger import ACCOUNTS, LedgerTx, OperationRequest, credit_kiosk, in_transaction
from server.wallet.books import SYSTEM_SCOPE, InvalidInput, bank_credits_t, iso, kiosks_t
from server.wallet.signatures import BANK_HEADER, verify

log = logging.getLogger("emitra.wallet")

BANK_CLEARING = "clearing:bank"
SUSPENSE = "system:suspense"
MAX_STATEMENT_LINES = 20_000


class BankCreditNotice(BaseModel):
    """One credit to a virtual account, as the bank notifies it or as a statement line says."""

    model_config = ConfigDict(extra="ignore")

    utr: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{12,22}$")]
    account_no: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{6,34}$")]
    amount_paise: Annotated[int, Field(strict=True, gt=0, le=10_000_000_000)]
    ifsc: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{4}0[A-Za-z0-9]{6}$")] | None = None
    mode: Literal["NEFT", "RTGS", "IMPS"] = "NEFT"
    remitter_name: Annotated[str, Text(140, strip=True)] | None = None
    value_date: date | None = None

    @field_validator("utr", "ifsc")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


def virtual_account(settings: Settings, kiosk_id: int) -> str:
    """A kiosk's own account number at the collecting bank: the prefix and its id in 8 digits."""
    return f"{settings.virtual_account_prefix}{kiosk_id:08d}"


def kiosk_of_account(conn: Connection, settings: Settings, account_no: str) -> tuple[int, str] | None:
    prefix = settings.virtual_account_prefix
    rest = account_no[len(prefix) :]
    if not account_no.startswith(prefix) or len(rest) != 8 or not rest.isdigit():
        return None
    row = conn.execute(select(kiosks_t.c.id, kiosks_t.c.code).where(kiosks_t.c.id == int(rest))).first()
    return (int(row.id), str(row.code)) if row else None


class BankCredits:
    def __init__(self, engine: Engine, settings: Settings, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.settings = settings
        self.now = now

    def account_details(self, kiosk_id: int) -> dict[str, str]:
        return {
            "account_no": virtual_account(self.settings, kiosk_id),
            "ifsc": self.settings.virtual_account_ifsc,
            "bank_name": self.settings.virtual_account_bank,
            "beneficiary_name": self.settings.virtual_account_beneficiary,
            "account_type": "Current (virtual account)",
        }

    # -- arrival ----------------------------------------------------------------------------------------
    def notify(self, raw: bytes, signature: str | None) -> dict[str, Any]:
        verify(self.settings.bank_secret, raw, signature, BANK_HEADER)
        try:
            notice = BankCreditNotice.model_validate_json(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise InvalidInput(
                "the notification is not a valid bank credit",
                code="invalid_notification",
                field=".".join(str(p) for p in first.get("loc", ())),
            ) from exc
        result = self.receive(notice, "notification")
        if result["result"] == "conflict":
            raise Conflict(
                "this UTR was already received with another account or amount", code="utr_conflict", utr=notice.utr
            )
        return result

    def receive(self, notice: BankCreditNotice, source: str) -> dict[str, Any]:
        """Book one credit: to its kiosk, or to suspense; a known UTR is a duplicate (or a conflict)."""

        def work(tx: LedgerTx) -> dict[str, Any]:
            conn = tx.conn
            known = _known(conn, notice)
            if known is not None:
                return known
            target = kiosk_of_account(conn, self.settings, notice.account_no)
            try:
                with conn.begin_nested():
                    credit_id = conn.execute(
                        insert(bank_credits_t)
                        .values(
                            utr=notice.utr,
                            account_no=notice.account_no,
                            ifsc=notice.ifsc,
                            amount_paise=notice.amount_paise,
                            mode=notice.mode,
                            remitter_name=notice.remitter_name,
                            value_date=notice.value_date,
                            source=source,
                            kiosk_id=target[0] if target else None,
                            status="credited" if target else "suspense",
                            received_at=self.now(),
                        )
                        .returning(bank_credits_t.c.id)
                    ).scalar_one()
            except IntegrityError:  # the same UTR committed a moment ago by a concurrent request
                again = _known(conn, notice)
                assert again is not None
                return again
            op = OperationRequest(
                SYSTEM_SCOPE,
                f"bank-{notice.utr}",
                "bank_credit",
                {"utr": notice.utr, "account_no": notice.account_no, "amount_paise": notice.amount_paise},
            )
            memo = f"{notice.mode} UTR {notice.utr}" + (f" from {notice.remitter_name}" if notice.remitter_name else "")

            def post(tx: LedgerTx, op_pk: int) -> dict[str, Any]:
                if target:
                    return credit_kiosk(tx, op_pk, target[1], notice.amount_paise, BANK_CLEARING, "refill_bank", memo)
                lines = [
                    (ACCOUNTS.get(conn, BANK_CLEARING).id, -notice.amount_paise),
                    (ACCOUNTS.get(conn, SUSPENSE).id, notice.amount_paise),
                ]
                return {"entry_id": tx.post_entry(op_pk, "suspense_in", lines, memo=f"{memo} to unknown account")}

            posted = tx.run(op, post).response
            conn.execute(
                update(bank_credits_t).where(bank_credits_t.c.id == credit_id).values(entry_id=posted["entry_id"])
            )
            return {
                "utr": notice.utr,
                "result": "credited" if target else "suspense",
                "amount_paise": notice.amount_paise,
            }

        return in_transaction(self.engine, work)

    # -- suspense ---------------------------------------------------------------------------------------
    def suspense(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(bank_credits_t).where(bank_credits_t.c.status == "suspense").order_by(bank_credits_t.c.id)
            ).all()
        return [_view(r) for r in rows]

    def assign(self, utr: str, kiosk_code: str) -> dict[str, Any]:
        """Move a suspense credit to a kiosk's wallet, once."""
        utr = utr.upper()

        def work(tx: LedgerTx) -> dict[str, Any]:
            conn = tx.conn
            kiosk_id = kiosk_id_by_code(conn, kiosk_code)
            row = conn.execute(select(bank_credits_t).where(bank_credits_t.c.utr == utr)).first()
            if row is None:
                raise NotFound("no bank credit with this UTR", code="unknown_utr", field="utr")
            moved = conn.execute(
                update(bank_credits_t)
                .where(bank_credits_t.c.id == row.id, bank_credits_t.c.status == "suspense")
                .values(status="assigned", kiosk_id=kiosk_id, assigned_at=self.now())
            ).rowcount
            if moved != 1:
                raise Conflict(
                    "this credit is not in suspense (already credited or assigned)", code="not_in_suspense", field="utr"
                )
            op = OperationRequest("admin", f"suspense-{utr}", "suspense_assign", {"utr": utr})
            posted = tx.run(
                op,
                lambda tx, pk: credit_kiosk(
                    tx,
                    pk,
                    kiosk_code,
                    row.amount_paise,
                    SUSPENSE,
                    "suspense_assign",
                    f"{row.mode} UTR {utr} (assigned)",
                ),
            ).response
            conn.execute(
                update(bank_credits_t).where(bank_credits_t.c.id == row.id).values(assigned_entry_id=posted["entry_id"])
            )
            return {"utr": utr, "kiosk_code": kiosk_code, "amount_paise": row.amount_paise, "status": "assigned"}

        return in_transaction(self.engine, work)

    def for_kiosk(self, kiosk_id: int, limit: int = 20) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(bank_credits_t)
                .where(bank_credits_t.c.kiosk_id == kiosk_id)
                .order_by(bank_credits_t.c.id.desc())
                .limit(limit)
            ).all()
        return [{k: v for k, v in _view(r).items() if k not in ("account_no", "kiosk_id")} for r in rows]

    # -- statement files --------------------------------------------------------------------------------
    def import_statement(self, text: str) -> dict[str, Any]:
        """Book every credit line of a bank statement (CSV) once the whole file is valid; each line's outcome is
        reported.  One bad line refuses the file (422 statement_invalid, every bad line numbered) and books nothing.

        Columns (header row, any order, case-insensitive): utr, account_no, amount (rupees, e.g. 1234.50);
        optional: value_date (YYYY-MM-DD or DD-MM-YYYY or DD/MM/YYYY), mode, remitter_name, ifsc, type
        (lines whose type is DR/debit are skipped).
        """
        lines = read_statement(text)
        results: list[dict[str, Any]] = []
        for number, notice in lines:
            if notice is None:
                results.append({"line": number, "result": "skipped", "reason": "debit line"})
            else:
                results.append({"line": number, **self.receive(notice, "statement")})
        return _counted(results)

    def preview_statement(self, text: str) -> dict[str, Any]:
        """What `import_statement` would do with each line, booking nothing: the same reading of the file (and
        the same refusal of a bad one), each credit's kiosk by its virtual account or suspense, and a UTR
        already received (or earlier in the file) a duplicate — or a conflict when its account or amount differ."""
        lines = read_statement(text)
        results: list[dict[str, Any]] = []
        earlier: dict[str, BankCreditNotice] = {}
        with self.engine.connect() as conn:
            for number, notice in lines:
                if notice is None:
                    results.append({"line": number, "result": "skipped", "reason": "debit line"})
                    continue
                line = {
                    "line": number,
                    "utr": notice.utr,
                    "account_no": notice.account_no,
                    "amount_paise": notice.amount_paise,
                    "remitter_name": notice.remitter_name,
                    "kiosk_code": None,
                }
                seen = earlier.get(notice.utr)
                row = conn.execute(
                    select(bank_credits_t.c.account_no, bank_credits_t.c.amount_paise).where(
                        bank_credits_t.c.utr == notice.utr
                    )
                ).first()
                if row is not None:
                    line["result"] = _repeat(row.account_no, row.amount_paise, notice)
                elif seen is not None:
                    line["result"] = _repeat(seen.account_no, seen.amount_paise, notice)
                else:
                    target = kiosk_of_account(conn, self.settings, notice.account_no)
                    line["result"] = "credited" if target else "suspense"
                    line["kiosk_code"] = target[1] if target else None
                    earlier[notice.utr] = notice
                results.append(line)
        return _counted(results)


def _counted(results: list[dict[str, Any]]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for r in results:
        counts[r["result"]] = counts.get(r["result"], 0) + 1
    return {"lines": len(results), "counts": counts, "results": results}


def _repeat(account_no: str, amount_paise: int, notice: BankCreditNotice) -> str:
    """A UTR seen before: the same credit again is a duplicate; another account or amount is a conflict."""
    return "duplicate" if (account_no, amount_paise) == (notice.account_no, notice.amount_paise) else "conflict"


def read_statement(text: str) -> list[tuple[int, BankCreditNotice | None]]:
    """Each line of a statement as (line number, credit) — None for a debit line — or InvalidInput naming every
    line that is not a valid credit (and why)."""
    # Lines end at LF (CRLF too); a CR anywhere else is an error of the file, never a line break.
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as exc:
        raise _invalid([{"line": 1, "reason": str(exc)}]) from exc
    columns = {(c or "").strip().lower() for c in fieldnames}
    missing = sorted({"utr", "account_no", "amount"} - columns)
    if missing:
        raise InvalidInput(
            "the statement lacks required columns: " + ", ".join(missing),
            code="statement_columns_missing",
            field="statement",
            missing=missing,
        )
    lines: list[tuple[int, BankCreditNotice | None]] = []
    errors: list[dict[str, Any]] = []
    while True:
        before = reader.line_num
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # a stray CR or quote, a field past the csv module's size limit
            errors.append({"line": before + 1, "reason": str(exc)})
            break
        number = reader.line_num
        if len(lines) + len(errors) >= MAX_STATEMENT_LINES:
            raise InvalidInput("the statement has too many lines", code="statement_too_long", field="statement")
        if None in raw or None in raw.values():
            if any(raw.values()):
                errors.append({"line": number, "reason": f"not the {len(fieldnames)} columns of the header"})
            continue
        row = {k.strip().lower(): v.strip() for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}
        if not any(row.values()):
            continue
        if row.get("type", "").upper() in ("DR", "D", "DEBIT"):
            lines.append((number, None))
            continue
        try:
            notice = BankCreditNotice(
                utr=row["utr"],
                account_no=row["account_no"],
                amount_paise=_paise(row["amount"]),
                ifsc=row.get("ifsc") or None,
                mode=(row.get("mode") or "NEFT").upper(),
                remitter_name=row.get("remitter_name") or None,
                value_date=_date(row.get("value_date", "")),
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first.get("loc", ()))
            errors.append({"line": number, "field": field, "reason": first["msg"]})
            continue
        except ValueError as exc:
            errors.append({"line": number, "reason": str(exc)})
            continue
        lines.append((number, notice))
    if errors:
        raise _invalid(errors)
    return lines


def _invalid(errors: list[dict[str, Any]]) -> InvalidInput:
    first = errors[0]
    return InvalidInput(
        f"the statement was not booked: line {first['line']}: {first['reason']}"
        + (f" (and {len(errors) - 1} more line(s))" if len(errors) > 1 else ""),
        code="statement_invalid",
        field="statement",
        errors=errors[:100],
    )


def _known(conn: Connection, notice: BankCreditNotice) -> dict[str, Any] | None:
    row = conn.execute(select(bank_credits_t).where(bank_credits_t.c.utr == notice.utr)).first()
    if row is None:
        return None
    result = _repeat(row.account_no, row.amount_paise, notice)
    if result == "conflict":
        log.warning("UTR %s arrived again with another account or amount; left for a person", notice.utr)
    return {"utr": notice.utr, "result": result, "amount_paise": row.amount_paise}


def _paise(text: str) -> int:
    cleaned = text.replace(",", "").replace("₹", "").strip()
    if not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", cleaned):
        raise ValueError("amount must be rupees with at most two decimals, e.g. 1234.50")
    try:
        return int(Decimal(cleaned) * 100)
    except InvalidOperation as exc:
        raise ValueError("amount is not a number") from exc


def _date(text: str) -> date | None:
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError("value_date must look like 2026-11-25 or 25-11-2026")


def _view(row: Any) -> dict[str, Any]:
    return {
        "utr": row.utr,
        "account_no": row.account_no,
        "amount_paise": row.amount_paise,
        "mode": row.mode,
        "remitter_name": row.remitter_name,
        "value_date": row.value_date.isoformat() if row.value_date else None,
        "source": row.source,
        "status": row.status,
        "kiosk_id": row.kiosk_id,
        "received_at": iso(row.received_at),
        "assigned_at": iso(row.assigned_at),
    }
