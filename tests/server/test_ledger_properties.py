"""Property and stateful tests of the ledger, in-process on a real SQLite file."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import Engine

from server.core.config import Settings
from server.core.db import make_engine
from server.kiosks import create_kiosk
from server.ledger import (
    ACCOUNTS,
    Debit,
    Debited,
    InsufficientBalance,
    LedgerTx,
    OperationIdReused,
    OperationRequest,
    OperationResult,
    UnbalancedEntry,
    audit,
    credit_kiosk,
    debit_kiosk,
    in_transaction,
    read_kiosk_balances,
    set_credit_limit,
)
from server.migrate import migrate
from server.schemas import KioskIn

KIOSKS = ["RJ-A-01", "RJ-B-02", "RJ-C-03"]
_TEMPLATE: Path | None = None


def migrated_copy() -> Path:
    """A migrated database file, copied from one template so each example starts clean and fast."""
    global _TEMPLATE
    if _TEMPLATE is None:
        _TEMPLATE = Path(tempfile.mkdtemp(prefix="emitra-ledger-")) / "template.sqlite3"
        migrate(Settings(database_url=f"sqlite:///{_TEMPLATE}", hot_account_shards=4))
    target = Path(tempfile.mkdtemp(prefix="emitra-ledger-")) / "db.sqlite3"
    shutil.copy(_TEMPLATE, target)
    return target


def post(engine: Engine, op: OperationRequest, direction: str, kiosk: str, amount: int) -> dict[str, object]:
    move = credit_kiosk if direction == "credit" else debit_kiosk

    def work(tx: LedgerTx) -> dict[str, object]:
        return tx.run(op, lambda tx, pk: move(tx, pk, kiosk, amount, "system:adjustments", direction)).response

    return in_transaction(engine, work)


class LedgerMachine(RuleBasedStateMachine):
    """A model of each kiosk's wallet and credit line, checked against the database after every step."""

    def __init__(self) -> None:
        super().__init__()
        ACCOUNTS.clear()
        self.path = migrated_copy()
        self.engine = make_engine(f"sqlite:///{self.path}")
        self.wallet: dict[str, int] = {}
        self.credit_used: dict[str, int] = {}
        self.limit: dict[str, int] = {}
        self.applied: list[tuple[OperationRequest, str, str, int, dict[str, object]]] = []

    @initialize(limits=st.lists(st.integers(0, 50_000), min_size=len(KIOSKS), max_size=len(KIOSKS)))
    def make_kiosks(self, limits: list[int]) -> None:
        with self.engine.begin() as conn:
            for i, (code, limit) in enumerate(zip(KIOSKS, limits, strict=True)):
                create_kiosk(
                    conn,
                    KioskIn(
                        code=code,
                        name=code,
                        holder_name="H",
                        district="Jaipur",
                        sso_id=f"SSO{i}XX",
                        mobile=f"98765432{i}0",
                        email=f"k{i}@example.in",
                        credit_limit_paise=limit,
                    ),
                )
                self.wallet[code], self.credit_used[code], self.limit[code] = 0, 0, limit

    def spendable(self, code: str) -> int:
        return self.wallet[code] + self.limit[code] - self.credit_used[code]

    @rule(kiosk=st.sampled_from(KIOSKS), amount=st.integers(1, 100_000))
    def credit(self, kiosk: str, amount: int) -> None:
        op = OperationRequest("admin", uuid.uuid4().hex, "adjustment", {"k": kiosk, "a": amount, "d": "credit"})
        response = post(self.engine, op, "credit", kiosk, amount)
        self.wallet[kiosk] += amount
        self.applied.append((op, "credit", kiosk, amount, response))

    @rule(kiosk=st.sampled_from(KIOSKS), amount=st.integers(1, 150_000))
    def debit(self, kiosk: str, amount: int) -> None:
        op = OperationRequest("admin", uuid.uuid4().hex, "adjustment", {"k": kiosk, "a": amount, "d": "debit"})
        if amount > self.spendable(kiosk):
            with pytest.raises(InsufficientBalance):
                post(self.engine, op, "debit", kiosk, amount)
            return
        response = post(self.engine, op, "debit", kiosk, amount)
        from_wallet = min(self.wallet[kiosk], amount)
        self.wallet[kiosk] -= from_wallet
        self.credit_used[kiosk] += amount - from_wallet
        assert response["from_wallet_paise"] == from_wallet
        self.applied.append((op, "debit", kiosk, amount, response))

    @rule(
        kiosk=st.sampled_from(KIOSKS), amounts=st.lists(st.integers(1, 60_000), min_size=1, max_size=6), data=st.data()
    )
    def debit_many(self, kiosk: str, amounts: list[int], data: st.DataObject) -> None:
        """The day-end batch's bulk debit, mixed with replays of earlier ones, in any order."""
        earlier = [a for a in self.applied if a[1] == "debit-many" and a[2] == kiosk]
        replays = data.draw(
            st.lists(st.sampled_from(earlier), max_size=2, unique_by=lambda a: a[0].operation_id)
            if earlier
            else st.just([])
        )
        fresh = [
            OperationRequest("admin", uuid.uuid4().hex, "adjustment", {"k": kiosk, "a": a, "d": "many"})
            for a in amounts
        ]
        debits = [Debit(op, a, [("system:adjustments", a)], "debit") for op, a in zip(fresh, amounts, strict=True)]
        debits += [Debit(op, a, [("system:adjustments", a)], "debit") for op, _, _, a, _ in replays]
        debits = data.draw(st.permutations(debits))

        def work(tx: LedgerTx) -> list[object]:
            answers = tx.debit_many(kiosk, debits)
            tx.store_responses(
                [
                    (a.operation_pk, {"from_wallet_paise": a.from_wallet_paise, "entry": a.entry_id})
                    for a in answers
                    if isinstance(a, Debited)
                ]
            )
            return list(answers)

        answers = in_transaction(self.engine, work)
        stored = {op.operation_id: response for op, _, _, _, response in replays}
        for debit, answer in zip(debits, answers, strict=True):
            if debit.op.operation_id in stored:
                assert isinstance(answer, OperationResult) and answer.replayed
                assert answer.response == stored[debit.op.operation_id]
            elif debit.amount > self.spendable(kiosk):
                assert isinstance(answer, InsufficientBalance)
            else:
                assert isinstance(answer, Debited)
                from_wallet = min(self.wallet[kiosk], debit.amount)
                assert (answer.from_wallet_paise, answer.from_credit_paise) == (from_wallet, debit.amount - from_wallet)
                self.wallet[kiosk] -= from_wallet
                self.credit_used[kiosk] += debit.amount - from_wallet
                response = {"from_wallet_paise": from_wallet, "entry": answer.entry_id}
                self.applied.append((debit.op, "debit-many", kiosk, debit.amount, response))

    @precondition(lambda self: bool(self.applied))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        op, direction, kiosk, amount, response = data.draw(st.sampled_from(self.applied))
        assert post(self.engine, op, direction, kiosk, amount) == response  # the first answer, unchanged

    @precondition(lambda self: bool(self.applied))
    @rule(data=st.data(), other=st.integers(1, 1000))
    def reuse_id_with_other_body(self, data: st.DataObject, other: int) -> None:
        op, direction, kiosk, amount, _ = data.draw(st.sampled_from(self.applied))
        changed = OperationRequest(op.scope, op.operation_id, op.kind, {**op.body, "a": amount + other})
        with pytest.raises(OperationIdReused):
            post(self.engine, changed, direction, kiosk, amount + other)
        refused = in_transaction(
            self.engine,
            lambda tx: tx.debit_many(
                kiosk, [Debit(changed, amount + other, [("system:adjustments", amount + other)], "debit")]
            ),
        )
        assert len(refused) == 1 and isinstance(refused[0], OperationIdReused)

    @rule(kiosk=st.sampled_from(KIOSKS), limit=st.integers(0, 80_000))
    def change_credit_limit(self, kiosk: str, limit: int) -> None:
        with self.engine.begin() as conn:
            if limit < self.credit_used[kiosk]:
                with pytest.raises(Exception, match="below the credit already used"):
                    set_credit_limit(conn, kiosk, limit)
                return
            set_credit_limit(conn, kiosk, limit)
        self.limit[kiosk] = limit

    @invariant()
    def books_are_right(self) -> None:
        if not self.wallet:
            return
        with self.engine.connect() as conn:
            assert audit(conn) == []
            for code in KIOSKS:
                b = read_kiosk_balances(conn, code)
                assert (b.wallet, b.credit_used, -b.credit_floor) == (
                    self.wallet[code],
                    self.credit_used[code],
                    self.limit[code],
                )
                assert b.spendable >= 0

    def teardown(self) -> None:
        self.engine.dispose()
        ACCOUNTS.clear()
        shutil.rmtree(self.path.parent, ignore_errors=True)


TestLedgerMachine = LedgerMachine.TestCase
TestLedgerMachine.settings = settings(
    max_examples=30, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def test_unbalanced_entry_never_reaches_the_database(tmp_path: Path) -> None:
    ACCOUNTS.clear()
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    migrate(Settings(database_url=url))
    engine = make_engine(url)
    with engine.begin() as conn:
        create_kiosk(
            conn,
            KioskIn(
                code="RJ-X-01",
                name="x",
                holder_name="h",
                district="d",
                sso_id="SSOX1",
                mobile="9876543210",
                email="x@example.in",
            ),
        )
    op = OperationRequest("admin", "unbalanced-1", "test", {})

    def work(tx: LedgerTx) -> object:
        def apply(tx: LedgerTx, pk: int) -> dict[str, object]:
            wallet = tx.lock_kiosk("RJ-X-01").wallet_id
            adj = ACCOUNTS.get(tx.conn, "system:adjustments").id
            tx.post_entry(pk, "broken", [(wallet, 100), (adj, -99)])
            return {}

        return tx.run(op, apply)

    with pytest.raises(UnbalancedEntry):
        in_transaction(engine, work)
    with engine.connect() as conn:
        assert audit(conn) == []
        assert read_kiosk_balances(conn, "RJ-X-01").wallet == 0
    engine.dispose()


def test_debit_many_takes_the_wallet_first_then_credit_to_the_last_paisa_and_refuses_past_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    migrate(Settings(database_url=url))
    wallet_first_then_credit(url)


def wallet_first_then_credit(url: str, then: Callable[[Engine, list[Debit]], None] | None = None) -> None:
    """`debit_many` on a migrated database at `url`; `then(engine, debits)` checks more before the books."""
    ACCOUNTS.clear()
    engine = make_engine(url)
    with engine.begin() as conn:
        create_kiosk(
            conn,
            KioskIn(
                code="RJ-M-01",
                name="m",
                holder_name="h",
                district="d",
                sso_id="SSOM1",
                mobile="9876543211",
                email="m@example.in",
                credit_limit_paise=500,
            ),
        )
    post(engine, OperationRequest("admin", "fund", "adjustment", {}), "credit", "RJ-M-01", 1_000)
    amounts = [600, 600, 300, 1, 2]
    debits = [
        Debit(OperationRequest("admin", f"many-{n}", "adjustment", {"a": a}), a, [("system:adjustments", a)], "debit")
        for n, a in enumerate(amounts)
    ]
    answers = in_transaction(engine, lambda tx: tx.debit_many("RJ-M-01", debits))
    taken = [
        (a.from_wallet_paise, a.from_credit_paise) if isinstance(a, Debited) else type(a).__name__ for a in answers
    ]
    assert taken == [(600, 0), (400, 200), (0, 300), "InsufficientBalance", "InsufficientBalance"]
    if then is not None:
        then(engine, debits)
    with engine.connect() as conn:
        b = read_kiosk_balances(conn, "RJ-M-01")
        assert (b.wallet, b.credit_used, b.spendable) == (0, 500, 0)
        assert audit(conn) == []
    with pytest.raises(ValueError, match="distinct"):
        in_transaction(engine, lambda tx: tx.debit_many("RJ-M-01", [debits[0], debits[0]]))
    engine.dispose()
    ACCOUNTS.clear()
