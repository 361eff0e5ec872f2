"""Four eyes on money: proposals move nothing until a second administrator approves; one approval, one posting."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from sqlalchemy import text

from server.core.db import make_engine
from tests.support.admins import Admin, make_admin
from tests.support.auth import ShiftedClock
from tests.support.server import ServerProcess
from tests.support.wallet import WalletKiosk


def error(r: requests.Response) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"]


def desks(server: ServerProcess, clock: ShiftedClock | None = None) -> tuple[Admin, Admin, Admin]:
    return (
        make_admin(server, "ravi.finance", "finance", clock=clock),
        make_admin(server, "asha.approver", "approver", clock=clock),
        make_admin(server, "vikram.approver", "approver", clock=clock),
    )


def postings(server: ServerProcess) -> int:
    """Ledger operations posted for proposals (their operation ids are the proposals')."""
    engine = make_engine(server.database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(text("SELECT count(*) FROM operations WHERE operation_id LIKE 'proposal-%'")).scalar_one()
            )
    finally:
        engine.dispose()


def adjustment(kiosk: WalletKiosk, amount: int, direction: str = "credit") -> dict[str, Any]:
    return {
        "kind": "adjustment",
        "kiosk_code": kiosk.code,
        "direction": direction,
        "amount_paise": amount,
        "memo": "excess debit of 2 Dec refunded",
        "note": "ticket 4411",
    }


def test_an_adjustment_moves_only_when_a_second_administrator_approves_it(
    auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-FE")
    finance, approver, _ = desks(auth_server, auth_clock)
    direct = finance.call(
        "POST",
        f"/kiosks/{kiosk.code}/adjustments",
        json={"operation_id": "direct-by-person-1", "direction": "credit", "amount_paise": 100},
    )
    assert error(direct) == (403, "proposal_required")
    r = finance.call("POST", "/proposals", json=adjustment(kiosk, 750_00))
    assert r.status_code == 201, r.text
    proposal = r.json()
    assert (proposal["status"], proposal["proposed_by"], proposal["amount_paise"]) == (
        "pending",
        "ravi.finance",
        750_00,
    )
    assert kiosk.wallet == 0
    assert error(finance.call("POST", f"/proposals/{proposal['id']}/approve")) == (403, "admin_role_refused")
    queue = approver.call("GET", "/proposals", params={"status": "pending"}).json()["proposals"]
    assert [p["id"] for p in queue] == [proposal["id"]]

    approved = approver.call("POST", f"/proposals/{proposal['id']}/approve")
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["status"], body["decided_by"], body["replayed"]) == ("approved", "asha.approver", False)
    assert body["result"]["operation_id"] == f"proposal-{proposal['id']:08d}"
    assert kiosk.wallet == 750_00
    again = approver.call("POST", f"/proposals/{proposal['id']}/approve").json()
    assert (again["status"], again["replayed"], again["result"]) == ("approved", True, body["result"])
    assert kiosk.wallet == 750_00 and postings(auth_server) == 1
    assert error(approver.call("POST", f"/proposals/{proposal['id']}/reject", json={})) == (409, "proposal_decided")
    assert auth_server.audit() == []


def test_the_proposer_cannot_approve_even_with_both_roles(auth_server: ServerProcess, auth_clock: ShiftedClock) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-FS")
    # Finance and approver are never one account's (refused at creation); an account that has both anyway —
    # roles edited in the database — still cannot approve what it proposed.
    both = make_admin(auth_server, "both.eyes", "finance", clock=auth_clock, sign_in=False)
    engine = make_engine(auth_server.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE administrators SET roles = 'approver,finance' WHERE username = 'both.eyes'"))
    engine.dispose()
    assert both.sign_in().status_code == 200
    proposal = both.call("POST", "/proposals", json=adjustment(kiosk, 10_00)).json()
    assert error(both.call("POST", f"/proposals/{proposal['id']}/approve")) == (403, "self_approval")
    assert kiosk.wallet == 0 and both.call("GET", f"/proposals/{proposal['id']}").json()["status"] == "pending"


def test_a_rejected_proposal_moves_nothing_and_a_failed_one_moves_nothing_either(
    auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-FR")
    finance, approver, other = desks(auth_server, auth_clock)
    proposal = finance.call("POST", "/proposals", json=adjustment(kiosk, 5_000_00)).json()
    rejected = approver.call("POST", f"/proposals/{proposal['id']}/reject", json={"reason": "no ticket"})
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["reason"]) == ("rejected", "no ticket")
    assert error(other.call("POST", f"/proposals/{proposal['id']}/approve")) == (409, "proposal_decided")
    assert kiosk.wallet == 0 and postings(auth_server) == 0
    # A debit the wallet cannot pay when it is approved: the proposal fails, with the ledger's refusal.
    debit = finance.call("POST", "/proposals", json=adjustment(kiosk, 1_00, "debit")).json()
    failed = approver.call("POST", f"/proposals/{debit['id']}/approve").json()
    assert failed["status"] == "failed" and failed["result"]["refused"]["code"] == "insufficient_balance", failed
    assert kiosk.wallet == 0 and auth_server.audit() == []
    unknown = finance.call("POST", "/proposals", json={**adjustment(kiosk, 1_00), "kiosk_code": "RJ-NONE-0001"})
    assert unknown.status_code == 404


def test_a_large_suspense_credit_and_a_cheque_bounce_wait_for_a_second_administrator(
    auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-FC")
    finance, approver, _ = desks(auth_server, auth_clock)
    statement = (
        "Value_Date,UTR,Account_No,Amount,Remitter_Name,Mode,Type\n"
        "25-11-2026,ICICN52026112500101,224400000000,75000.00,Big Sender,RTGS,CR\n"
        "25-11-2026,ICICN52026112500102,224400000000,100.00,Small Sender,NEFT,CR\n"
    )
    booked = finance.call(
        "POST", "/wallet/bank-statements", data=statement.encode(), headers={"Content-Type": "text/csv"}
    )
    assert booked.status_code == 200 and booked.json()["counts"] == {"suspense": 2}, booked.text
    big, small = "ICICN52026112500101", "ICICN52026112500102"
    # Up to the limit (₹50,000) one finance administrator assigns; above it only a proposal does.
    assert finance.call("POST", f"/wallet/suspense/{small}/assign", json={"kiosk_code": kiosk.code}).status_code == 200
    refused = finance.call("POST", f"/wallet/suspense/{big}/assign", json={"kiosk_code": kiosk.code})
    assert error(refused) == (403, "proposal_required") and refused.json()["error"]["limit_paise"] == 50_000_00
    assert kiosk.wallet == 100_00
    proposal = finance.call(
        "POST", "/proposals", json={"kind": "suspense_assign", "utr": big.lower(), "kiosk_code": kiosk.code}
    ).json()
    assert (proposal["amount_paise"], proposal["payload"]["utr"]) == (75_000_00, big)
    assert kiosk.wallet == 100_00
    done = approver.call("POST", f"/proposals/{proposal['id']}/approve").json()
    assert done["status"] == "approved" and done["result"]["status"] == "assigned", done
    assert kiosk.wallet == 75_100_00

    # A cheque payment: clearing it is finance's alone, bouncing it is a proposal.
    bill_fields = {"k_no": "310411113333"}
    fetched = kiosk.ok("POST", "/bills/fetch", json={"service_code": "ELEC-AVVNL", "fields": bill_fields})
    cheque = {
        "type": "cheque",
        "cheque_no": "004513",
        "bank": "State Bank of India",
        "date": datetime.now(UTC).date().isoformat(),
    }
    paid = kiosk.ok(
        "POST",
        "/payments",
        json={
            "operation_id": "four-eyes-cheque-0001",
            "bills": [
                {"service_code": "ELEC-AVVNL", "fields": bill_fields, "amount_paise": fetched["payable_now_paise"]}
            ],
            "contact": {"mobile": "9876543210"},
            "method": cheque,
        },
    )
    txn = paid["txn_id"]
    assert error(finance.call("POST", f"/cheques/{txn}", json={"status": "bounced"})) == (403, "proposal_required")
    bounce = finance.call("POST", "/proposals", json={"kind": "cheque_bounce", "txn_id": txn}).json()
    assert bounce["status"] == "pending"
    done = approver.call("POST", f"/proposals/{bounce['id']}/approve").json()
    assert done["status"] == "approved" and done["result"]["cheque"]["status"] == "bounced", done
    assert error(finance.call("POST", "/proposals", json={"kind": "cheque_bounce", "txn_id": txn})) == (
        409,
        "cheque_already_settled",
    )
    assert auth_server.audit() == []


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_approvers_at_once_on_two_server_processes_post_exactly_once(
    database_url: str, start_server: Callable[..., ServerProcess]
) -> None:
    one = start_server(database_url, EMITRA_ARGON2_PROFILE="fast")
    two = start_server(database_url, EMITRA_ARGON2_PROFILE="fast")
    kiosk = WalletKiosk(one, "RJ-FX")
    finance = make_admin(one, "ravi.finance", "finance")
    asha = make_admin(one, "asha.approver", "approver")
    vikram = make_admin(two, "vikram.approver", "approver")  # signs in on, and talks to, the second process
    rounds = 12
    ids = [
        finance.call("POST", "/proposals", json=adjustment(kiosk, (i + 1) * 1_00)).json()["id"] for i in range(rounds)
    ]
    answers: dict[int, list[requests.Response]] = {i: [] for i in ids}
    barrier = threading.Barrier(2)

    def approve(admin: Admin) -> None:
        for proposal_id in ids:
            barrier.wait(timeout=30)
            answers[proposal_id].append(admin.call("POST", f"/proposals/{proposal_id}/approve"))

    threads = [threading.Thread(target=approve, args=(a,)) for a in (asha, vikram)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for pair in answers.values():
        assert len(pair) == 2
        posted = [r for r in pair if r.status_code == 200 and not r.json()["replayed"]]
        others = [r for r in pair if r not in posted]
        assert len(posted) == 1, [(r.status_code, r.text) for r in pair]
        other = others[0]
        assert (other.status_code == 409 and other.json()["error"]["code"] == "proposal_decided") or (
            other.status_code == 200 and other.json()["replayed"] is True
        ), other.text
    assert kiosk.wallet == sum((i + 1) * 1_00 for i in range(rounds))
    assert postings(one) == rounds
    deciders = {finance.call("GET", f"/proposals/{i}").json()["decided_by"] for i in ids}
    assert deciders <= {"asha.approver", "vikram.approver"}
    assert one.audit() == []


def test_an_approval_cut_short_is_finished_by_its_approver_only_when_the_ledger_can_tell_a_repeat(
    auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    """A server stopped between claiming a proposal and posting leaves it `approving`: its approver's next
    approval posts an adjustment (once: the ledger knows its operation id); anything else stays refused."""
    kiosk = WalletKiosk(auth_server, "RJ-FK")
    finance, approver, other = desks(auth_server, auth_clock)
    statement = (
        "Value_Date,UTR,Account_No,Amount,Remitter_Name,Mode,Type\n"
        "25-11-2026,ICICN52026112500201,224400000000,10.00,X,NEFT,CR\n"
    )
    assert finance.call("POST", "/wallet/bank-statements", data=statement.encode()).status_code == 200
    credit = finance.call(
        "POST", "/proposals", json={"kind": "suspense_assign", "utr": "ICICN52026112500201", "kiosk_code": kiosk.code}
    ).json()
    money = finance.call("POST", "/proposals", json=adjustment(kiosk, 3_00)).json()
    engine = make_engine(auth_server.database_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE admin_proposals SET status = 'approving', decided_by = "
                "(SELECT id FROM administrators WHERE username = 'asha.approver')"
            )
        )
    engine.dispose()
    assert error(other.call("POST", f"/proposals/{money['id']}/approve")) == (409, "proposal_decided")
    assert error(approver.call("POST", f"/proposals/{credit['id']}/approve")) == (409, "proposal_decided")
    finished = approver.call("POST", f"/proposals/{money['id']}/approve").json()
    assert (finished["status"], finished["replayed"]) == ("approved", False)
    assert approver.call("POST", f"/proposals/{money['id']}/approve").json()["replayed"] is True
    assert kiosk.wallet == 3_00 and postings(auth_server) == 1
