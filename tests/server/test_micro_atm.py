"""Micro-ATM cash withdrawal entries are claims the acquirer confirms: credited once, on its word only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from server.core.config import Settings
from server.migrate import migrate
from tests.support.server import ServerProcess, terminal_of
from tests.support.wallet import LONG_SESSIONS, WalletKiosk, around_today

SERVICE = "MICROATM-CW-ENTRY"
FUNDS = 1_000_00


def claim(kiosk: WalletKiosk, rrn: str, amount: int, operation_id: str | None = None) -> requests.Response:
    body = {
        "operation_id": operation_id or uuid.uuid4().hex,
        "contact": {"mobile": "9876543210"},
        "method": {"type": "wallet"},
        "bills": [{"service_code": SERVICE, "fields": {"rrn": rrn, "aadhaar_last4": "1234"}, "amount_paise": amount}],
    }
    return kiosk.call("POST", "/payments", json=body)


@pytest.fixture(scope="module")
def acquirer_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("micro-atm")
    url = f"sqlite:///{tmp / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    server = ServerProcess(url, log_path=tmp / "server.log", env={"EMITRA_ARGON2_PROFILE": "fast", **LONG_SESSIONS})
    yield server.start()
    server.stop()


def test_a_claim_is_awaiting_the_bank_until_it_confirms_and_is_credited_once(acquirer_server: ServerProcess) -> None:
    server = acquirer_server
    kiosk = WalletKiosk(server, "RJ-MATM")
    kiosk.fund(FUNDS)
    rrn = server.simulated_departments().withdraw(terminal_of(kiosk.code), 2_500_00)
    # Get Bill Details asks the acquirer nothing: the operator types the amount on the slip.
    fields = {"rrn": rrn, "aadhaar_last4": "1234"}
    form = kiosk.ok("POST", "/bills/fetch", json={"service_code": SERVICE, "fields": fields})
    assert form["amount_due_paise"] is None and form["kind"] == "micro_atm"
    r = claim(kiosk, rrn, 2_500_00)
    assert r.status_code == 200, r.text
    entry = r.json()
    assert entry["method"] == "micro_atm" and entry["status"] == "success"
    assert entry["bills"][0]["biller_ref"]  # the acquirer's confirmation
    assert kiosk.wallet == FUNDS + 2_500_00
    again = claim(kiosk, rrn, 2_500_00)  # the same withdrawal entered again
    assert (again.status_code, again.json()["error"]["code"]) == (409, "bill_already_paid")
    lines = kiosk.ok("GET", "/wallet/statement", params=around_today())
    assert [line["kind"] for line in lines["lines"]].count("micro_atm_entry") == 1
    assert kiosk.wallet == FUNDS + 2_500_00
    assert server.audit() == []


def test_no_confirmation_no_credit_and_the_claim_stays_visible(acquirer_server: ServerProcess) -> None:
    server = acquirer_server
    kiosk = WalletKiosk(server, "RJ-MATW")
    kiosk.fund(FUNDS)
    departments = server.simulated_departments()
    departments.set_fault("microatm", "timeout", times=1)
    rrn = departments.withdraw(terminal_of(kiosk.code), 1_000_00)
    op = uuid.uuid4().hex
    waiting = claim(kiosk, rrn, 1_000_00, op).json()
    assert waiting["status"] == "pending" and kiosk.wallet == FUNDS  # awaiting the bank: nothing credited
    assert kiosk.ok("GET", f"/payments/{op}")["status"] == "success"  # asked again: the bank confirms
    assert kiosk.wallet == FUNDS + 1_000_00
    assert kiosk.ok("GET", f"/payments/{op}")["status"] == "success"  # and again: credited once
    assert kiosk.wallet == FUNDS + 1_000_00


class Claims(RuleBasedStateMachine):
    """Withdrawals at two kiosks' terminals; claims right and wrong; replays; the wallets credited exactly so."""

    server: ServerProcess
    withdrawals = Bundle("withdrawals")

    @initialize()
    def kiosks(self) -> None:
        self.kiosks = [WalletKiosk(self.server, "RJ-MATS") for _ in range(2)]
        self.expected = [0, 0]
        self.credited: set[str] = set()  # RRNs credited to their own kiosk
        self.sent: list[tuple[int, str, int, str]] = []  # kiosk, rrn, amount, operation id of each claim

    @rule(target=withdrawals, at=st.integers(0, 1), amount=st.integers(100, 10_000).map(lambda r: r * 100))
    def withdraw(self, at: int, amount: int) -> tuple[int, str, int]:
        """A customer takes cash at kiosk `at`'s micro-ATM."""
        rrn = self.server.simulated_departments().withdraw(terminal_of(self.kiosks[at].code), amount)
        return at, rrn, amount

    @rule(withdrawal=withdrawals, by=st.integers(0, 1), wrong=st.sampled_from([0, 0, 100, -100]))
    def enter(self, withdrawal: tuple[int, str, int], by: int, wrong: int) -> None:
        """Kiosk `by` enters a withdrawal (maybe another kiosk's, maybe with a wrong amount)."""
        at, rrn, amount = withdrawal
        op = uuid.uuid4().hex
        r = claim(self.kiosks[by], rrn, amount + wrong, op)
        assert r.status_code in (200, 409, 422), r.text  # 422: a wrong amount outside the service's range
        if r.status_code == 200:
            self.sent.append((by, rrn, amount + wrong, op))
        if by == at and not wrong and rrn not in self.credited:
            assert r.json()["status"] == "success", r.text
            self.credited.add(rrn)
            self.expected[by] += amount
        elif r.status_code == 200:
            assert r.json()["status"] == "failed" and r.json()["reversed_paise"] == 0, r.text

    @rule(rrn=st.from_regex(r"\A[1-9][0-9]{11}\Z"), by=st.integers(0, 1))
    def made_up(self, rrn: str, by: int) -> None:
        r = claim(self.kiosks[by], rrn, 5_000_00)
        assert r.status_code in (200, 409), r.text
        if r.status_code == 200:
            assert r.json()["status"] == "failed"

    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        """A claim sent again with its operation id (the same body), or its status asked: nothing moves twice."""
        if not self.sent:
            return
        by, rrn, amount, op = data.draw(st.sampled_from(self.sent))
        first = self.kiosks[by].ok("GET", f"/payments/{op}")
        assert claim(self.kiosks[by], rrn, amount, op).json()["status"] == first["status"]

    @invariant()
    def wallets_hold_exactly_the_confirmed_claims(self) -> None:
        for kiosk, expected in zip(self.kiosks, self.expected, strict=True):
            assert kiosk.wallet == expected


def test_claims_credit_exactly_the_confirmed_withdrawals(acquirer_server: ServerProcess) -> None:
    Claims.server = acquirer_server
    run = Claims.TestCase
    run.settings = settings(
        max_examples=6, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)
    )
    run().runTest()
    assert acquirer_server.audit() == []
