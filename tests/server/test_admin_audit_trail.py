"""The admin audit trail: who, when, from where, what, before and after, for every administrator action;
append-only in the database itself; read and exported (CSV) by auditors."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from server.admin.trail import csv_text
from server.core.db import make_engine
from tests.support.admins import PASSWORD, make_admin
from tests.support.auth import ShiftedClock
from tests.support.server import ServerProcess
from tests.support.wallet import WalletKiosk


def test_every_action_is_recorded_with_who_when_where_what_before_and_after(
    auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-AT")
    started = datetime.now(UTC) - timedelta(seconds=5)
    desk = make_admin(auth_server, "sunil.support", "support", clock=auth_clock)
    finance = make_admin(auth_server, "ravi.finance", "finance", clock=auth_clock)
    approver = make_admin(auth_server, "asha.approver", "approver", clock=auth_clock)
    auditor = make_admin(auth_server, "kavita.audit", "auditor", clock=auth_clock)

    assert desk.call("PUT", f"/kiosks/{kiosk.code}/status", json={"status": "suspended"}).status_code == 200
    made = desk.call(
        "POST", "/administrators", json={"username": "new.desk", "password": PASSWORD, "roles": ["support"]}
    )
    assert made.status_code == 201
    proposal = finance.call(
        "POST",
        "/proposals",
        json={
            "kind": "adjustment",
            "kiosk_code": kiosk.code,
            "direction": "credit",
            "amount_paise": 2_00,
        },
    ).json()
    assert approver.call("POST", f"/proposals/{proposal['id']}/approve").status_code == 200
    assert finance.call("POST", f"/proposals/{proposal['id']}/approve").status_code == 403  # refused: recorded too
    assert desk.call("GET", "/audit-trail").status_code == 403

    events = auditor.call("GET", "/audit-trail", params={"limit": 1000}).json()["events"]
    by_action = {(e["actor"], e["action"]): e for e in events}
    status = by_action[("sunil.support", "PUT /api/v1/admin/kiosks/{kiosk_code}/status")]
    assert status["client_ip"] == "127.0.0.1" and status["status"] == 200 and status["outcome"] == "ok"
    assert json.loads(status["target"]) == {"kiosk_code": kiosk.code}
    assert (json.loads(status["before"]), json.loads(status["after"])) == (
        {"status": "active"},
        {"status": "suspended"},
    )
    assert started <= datetime.fromisoformat(status["at"]) <= datetime.now(UTC) + timedelta(seconds=5)
    created = by_action[("sunil.support", "POST /api/v1/admin/administrators")]
    assert json.loads(created["after"]) == {"username": "new.desk", "roles": ["support"]}
    approved = by_action[("asha.approver", "POST /api/v1/admin/proposals/{proposal_id}/approve")]
    before, after = json.loads(approved["before"]), json.loads(approved["after"])
    assert (before["status"], after["status"], after["decided_by"]) == ("pending", "approved", "asha.approver")
    assert after["result"]["amount_paise"] == 2_00
    refused = by_action[("ravi.finance", "POST /api/v1/admin/proposals/{proposal_id}/approve")]
    assert (refused["status"], refused["outcome"]) == (403, "admin_role_refused")
    signed_in = [e for e in events if e["action"] == "POST /api/v1/admin/session" and e["actor"] == "kavita.audit"]
    assert len(signed_in) == 1 and signed_in[0]["outcome"] == "ok"
    # Reads are no actions; no password, code or token is ever kept.
    assert not [e for e in events if e["action"].startswith("GET ")]
    everything = json.dumps(events)
    assert PASSWORD not in everything and desk.token not in everything and "[hidden]" in everything

    # The export: the same rows, oldest first, and the export itself is recorded.
    r = auditor.call("GET", "/audit-trail.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [int(row["id"]) for row in rows] == sorted(e["id"] for e in events)
    assert rows[-1]["action"] == events[0]["action"]
    again = auditor.call("GET", "/audit-trail", params={"limit": 1}).json()["events"][0]
    assert (again["actor"], again["action"]) == ("kavita.audit", "GET /api/v1/admin/audit-trail.csv")


def test_a_failed_sign_in_keeps_no_typed_text_and_no_cell_runs_as_a_formula(
    auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    auditor = make_admin(auth_server, "kavita.audit", "auditor", clock=auth_clock)
    typed = "My-Secret-Passphrase-1"  # a password typed into the username box
    for body in ({"username": typed, "password": "x"}, {"username": typed}):
        r = auth_server.http.post(auth_server.url + "/api/v1/admin/session", json=body, timeout=30)
        assert r.status_code in (401, 422)
    wrong = {"username": "kavita.audit", "password": "not her password at all"}
    assert auth_server.http.post(auth_server.url + "/api/v1/admin/session", json=wrong, timeout=30).status_code == 401
    exported = auditor.call("GET", "/audit-trail.csv").text
    assert typed not in exported and typed.lower() not in exported
    rows = list(csv.DictReader(io.StringIO(exported)))
    failed = [(row["actor"][:5], row["status"], row["outcome"]) for row in rows if row["status"] != "200"]
    assert failed == [
        ("hash:", "401", "admin_sign_in_failed:unknown_username"),
        ("anony", "422", "invalid_request"),
        ("?kavi", "401", "admin_sign_in_failed:wrong_password"),
    ], failed
    # A cell that starts like a formula is written as text, whatever column it is in.
    row = SimpleNamespace(
        id=1,
        at=datetime.now(UTC),
        actor="=1+2",
        client_ip=None,
        action="@SUM(A1)",
        target="-1",
        status=200,
        outcome="ok",
        before=None,
        after="+1",
    )
    exported = next(csv.DictReader(io.StringIO(csv_text([row]))))
    assert [exported[c] for c in ("actor", "action", "target", "after")] == ["'=1+2", "'@SUM(A1)", "'-1", "'+1"]


def test_the_database_refuses_to_change_or_remove_the_trail(
    database_url: str, auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    make_admin(auth_server, "kavita.audit", "auditor", clock=auth_clock)  # its sign-in is one row
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM admin_audit")).scalar_one() == 1
        statements = ["UPDATE admin_audit SET actor = 'someone.else'", "DELETE FROM admin_audit"]
        if engine.dialect.name == "postgresql":
            statements.append("TRUNCATE admin_audit")
        for statement in statements:
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT actor FROM admin_audit")).scalars().all() == ["kavita.audit"]
    finally:
        engine.dispose()


def test_the_trail_hides_secrets_but_shows_identifiers_that_end_in_code() -> None:
    from server.admin.trail import is_secret_field, redacted

    assert [is_secret_field(k) for k in ("code", "totp", "new_password", "cug_code", "csrf_token")] == [True] * 5
    assert [is_secret_field(k) for k in ("kiosk_code", "service_code", "amount_paise")] == [False] * 3
    assert redacted({"kiosk_code": "RJ-1", "code": "123456"}) == {"kiosk_code": "RJ-1", "code": "[hidden]"}
