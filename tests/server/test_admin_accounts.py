"""Administrator accounts: the CLI makes the first, TOTP is wrong / replayed / skewed, sessions end, roles."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import requests

from server.admin import totp
from server.admin.accounts import typed_name_label
from server.core.config import Settings
from server.core.db import make_engine
from tests.support.admins import PASSWORD, Admin, make_admin
from tests.support.auth import ShiftedClock
from tests.support.server import ROOT, ServerProcess

API = "/api/v1/admin"


def trail_outcomes(server: ServerProcess, username: str) -> list[str]:
    """What the admin audit trail recorded for sign-ins of `username` (read from the database: the trail
    names the refusal the answer never tells)."""
    engine = make_engine(server.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT outcome FROM admin_audit WHERE action = 'POST /api/v1/admin/session' "
                "AND actor IN (?, ?) ORDER BY id"
                if server.database_url.startswith("sqlite")
                else "SELECT outcome FROM admin_audit WHERE action = 'POST /api/v1/admin/session' "
                "AND actor IN (%s, %s) ORDER BY id",
                (username, "?" + username),  # a name proven by its password, or one only tried
            ).all()
    finally:
        engine.dispose()
    return [r[0] for r in rows]


def test_totp_matches_only_within_the_window_of_steps() -> None:
    secret = totp.new_secret()
    now = datetime(2026, 12, 3, 6, 0, 10, tzinfo=UTC)
    step = pyotp.TOTP(secret).timecode(now)
    assert totp.matching_step(secret, totp.code_at(secret, now), now, 1) == step
    # A phone 30 s behind or ahead is accepted with a window of one step, and names its own step …
    assert totp.matching_step(secret, totp.code_at(secret, now - timedelta(seconds=30)), now, 1) == step - 1
    assert totp.matching_step(secret, totp.code_at(secret, now + timedelta(seconds=30)), now, 1) == step + 1
    # … 60 s is not, nor is anything with no window.
    assert totp.matching_step(secret, totp.code_at(secret, now - timedelta(seconds=60)), now, 1) is None
    assert totp.matching_step(secret, totp.code_at(secret, now + timedelta(seconds=60)), now, 1) is None
    assert totp.matching_step(secret, totp.code_at(secret, now - timedelta(seconds=30)), now, 0) is None
    wrong = f"{(int(totp.code_at(secret, now)) + 1) % 1_000_000:06d}"
    for bad in (wrong, "", "12345", "1234567", "abcdef", "١٢٣٤٥٦"):
        assert totp.matching_step(secret, bad, now, 1) is None, bad
    # Another administrator's secret gives other codes.
    assert totp.matching_step(totp.new_secret(), totp.code_at(secret, now), now, 0) in (None, step)


def test_the_cli_makes_the_first_administrator_who_then_signs_in_with_password_and_totp(
    database_url: str, auth_server: ServerProcess, tmp_path: Path
) -> None:
    env = {**os.environ, "EMITRA_DATABASE_URL": database_url, "EMITRA_MODE": "demo", "EMITRA_ARGON2_PROFILE": "fast"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.cli",
            "create-admin",
            "--username",
            "meena.support",
            "--role",
            "support",
            "--role",
            "auditor",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    secret = next(line.split(": ", 1)[1] for line in done.stdout.splitlines() if line.startswith("TOTP secret: "))
    assert "otpauth://totp/" in done.stdout
    admin = Admin(auth_server, "meena.support", ("support", "auditor"), secret)
    r = admin.sign_in()
    assert r.status_code == 200, r.text
    assert r.json()["roles"] == ["auditor", "support"]
    me = admin.call("GET", "/me")
    assert me.json() == {"username": "meena.support", "roles": ["auditor", "support"], "person": True}

    # The same rules as a kiosk holder's password: a common one, or one containing the username, is refused.
    for weak, rule in (("password123", "common"), ("x-meena.support-1", "contains_sso_id"), ("short", "too_short")):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "server.cli",
                "create-admin",
                "--username",
                "meena.support2",
                "--role",
                "support",
                "--password-stdin",
            ],
            input=weak.replace("meena.support", "meena.support2") + "\n",
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=120,
            check=False,
        )
        assert done.returncode == 1 and "password_rejected" in done.stderr, (rule, done.stderr)

    # The administrator then creates another; the secret is shown once, in that answer.
    r = admin.call(
        "POST", "/administrators", json={"username": "ravi.finance", "password": PASSWORD, "roles": ["finance"]}
    )
    assert r.status_code == 201, r.text
    ravi = Admin(auth_server, "ravi.finance", ("finance",), r.json()["totp_secret"])
    assert ravi.sign_in().status_code == 200
    listed = admin.call("GET", "/administrators").json()["administrators"]
    assert [(a["username"], a["totp_enrolled"]) for a in listed] == [("meena.support", True), ("ravi.finance", True)]
    refused = admin.call(
        "POST",
        "/administrators",
        json={"username": "both.eyes", "password": PASSWORD, "roles": ["finance", "approver"]},
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_roles")


def test_a_wrong_or_replayed_code_or_password_is_refused_with_one_answer(
    database_url: str, auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    admin = make_admin(auth_server, "asha.approver", "approver", clock=auth_clock, sign_in=False)
    totp_ = pyotp.TOTP(admin.totp_secret)
    now = admin.server_now()
    right = totp_.at(now)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    answers = [
        admin.sign_in(wrong),
        Admin(auth_server, "asha.approver", (), admin.totp_secret, password="Not-Her-Password-99").sign_in(right),
        Admin(auth_server, "nobody.here", (), admin.totp_secret).sign_in(right),
    ]
    for r in answers:
        assert (r.status_code, r.json()["error"]["code"]) == (401, "admin_sign_in_failed"), r.text
    first = admin.sign_in(right)
    assert first.status_code == 200, first.text
    replay = admin.sign_in(right)  # the same code again, within its 30 seconds
    assert (replay.status_code, replay.json()["error"]["code"]) == (401, "admin_sign_in_failed")
    # An earlier step's code (still inside the skew window) is a replay too: the accepted step only moves on.
    earlier = admin.sign_in(totp_.at(now - timedelta(seconds=30)))
    assert earlier.status_code == 401
    outcomes = trail_outcomes(auth_server, "asha.approver")
    assert outcomes == [
        "admin_sign_in_failed:totp_wrong",
        "admin_sign_in_failed:wrong_password",
        "ok",
        "admin_sign_in_failed:totp_replayed",
        "admin_sign_in_failed:totp_replayed",
    ], outcomes
    # A name that is no administrator's is kept only as a keyed hash (it may be a password in the wrong box).
    unknown = typed_name_label(Settings(), "nobody.here")
    assert trail_outcomes(auth_server, unknown.removeprefix("?")) == ["admin_sign_in_failed:unknown_username"]


def test_a_phone_a_step_off_signs_in_and_two_steps_off_does_not(
    auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    admin = make_admin(auth_server, "kavita.audit", "auditor", clock=auth_clock, sign_in=False)
    totp_ = pyotp.TOTP(admin.totp_secret)
    # Move the server's clock to the middle of a step, so that "one step behind" is one step on both sides.
    now = admin.server_now()
    auth_clock.advance(seconds=15 - (now.timestamp() % 30) + 30)
    now = admin.server_now()
    assert admin.sign_in(totp_.at(now - timedelta(seconds=65))).status_code == 401
    assert admin.sign_in(totp_.at(now + timedelta(seconds=65))).status_code == 401
    r = admin.sign_in(totp_.at(now - timedelta(seconds=30)))
    assert r.status_code == 200, r.text
    assert admin.sign_in(totp_.at(now + timedelta(seconds=30))).status_code == 200  # a later step: no replay


def test_a_session_ends_when_idle_signed_out_or_suspended(auth_server: ServerProcess, auth_clock: ShiftedClock) -> None:
    desk = make_admin(auth_server, "sunil.support", "support", clock=auth_clock)
    other = make_admin(auth_server, "gita.finance", "finance", clock=auth_clock)
    assert other.call("GET", "/me").status_code == 200
    r = desk.call("PUT", "/administrators/gita.finance/status", json={"status": "suspended"})
    assert r.status_code == 200, r.text
    ended = other.call("GET", "/me")
    assert (ended.status_code, ended.json()["error"]["code"]) == (401, "session_expired")
    assert other.sign_in().status_code == 401  # a suspended administrator cannot sign in
    assert desk.call("DELETE", "/session").json() == {"username": "sunil.support", "status": "signed_out"}
    assert desk.call("GET", "/me").json()["error"]["code"] == "session_expired"
    assert desk.sign_in().status_code == 200
    auth_clock.advance(minutes=16)  # past admin_session_idle_minutes
    idle = desk.call("GET", "/me")
    assert (idle.status_code, idle.json()["error"]["reason"]) == (401, "idle")


def test_the_static_token_is_everything_old_on_a_demo_server_and_only_automation_in_production(
    database_url: str, start_server: Callable[..., ServerProcess]
) -> None:
    from tests.support.server import production_env

    demo = start_server(database_url)
    assert demo.admin("GET", "/me").json()["error"]["code"] == "admin_role_refused"  # the token is no person
    demo.create_kiosk("RJ-TOK-0001")
    assert demo.adjust("RJ-TOK-0001", "token-adjust-0001", "credit", 100).status_code == 200
    env = production_env()
    production = start_server(database_url, **env)
    production.http.headers["X-Admin-Token"] = env["EMITRA_ADMIN_TOKEN"]
    production.create_kiosk("RJ-TOK-0002")  # onboarding: the automation scope
    assert production.balance("RJ-TOK-0002")["wallet_balance_paise"] == 0  # reads
    for method, path, body in (
        (
            "POST",
            "/kiosks/RJ-TOK-0002/adjustments",
            {"operation_id": "token-adjust-0002", "direction": "credit", "amount_paise": 100},
        ),
        ("POST", "/administrators", {"username": "token.made", "password": PASSWORD, "roles": ["support"]}),
        ("GET", "/proposals", None),
        ("GET", "/audit-trail", None),
    ):
        r = production.admin(method, path, json=body)
        assert (r.status_code, r.json()["error"]["code"]) == (403, "admin_role_refused"), (path, r.text)
    wrong = requests.get(production.url + API + "/ledger/audit", headers={"X-Admin-Token": "demo"}, timeout=10)
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "admin_unauthorized")


def test_a_production_server_signs_in_no_administrator_without_a_second_factor(
    database_url: str, start_server: Callable[..., ServerProcess]
) -> None:
    from server.admin.accounts import create_administrator
    from server.auth.passwords import Passwords
    from tests.support.server import production_env

    engine = make_engine(database_url)
    with engine.begin() as conn:
        for username, with_totp in (("no.factor", False), ("has.factor", True)):
            made = create_administrator(
                conn,
                Passwords("fast"),
                username=username,
                display_name="",
                password=PASSWORD,
                roles=["auditor"],
                now=datetime.now(UTC),
                created_by=None,
                with_totp=with_totp,
            )
            if with_totp:
                secret = made.totp_secret
    engine.dispose()
    demo = start_server(database_url)
    assert Admin(demo, "no.factor", (), "").sign_in("000000").status_code == 200  # a demo server lets it in
    production = start_server(database_url, **production_env())
    refused = Admin(production, "no.factor", (), "").sign_in("000000")
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "admin_sign_in_failed")
    assert trail_outcomes(production, "no.factor")[-1] == "admin_sign_in_failed:totp_not_enrolled"
    assert secret is not None and Admin(production, "has.factor", (), secret).sign_in().status_code == 200
    # The CLI refuses to make one there.
    env = {**os.environ, **production_env(), "EMITRA_DATABASE_URL": database_url}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.cli",
            "create-admin",
            "--username",
            "late.one",
            "--role",
            "auditor",
            "--password-stdin",
            "--no-totp",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2 and "only allowed on a demo server" in done.stderr


def test_wrong_tries_slow_down_as_the_kiosks_do(auth_server: ServerProcess, auth_clock: ShiftedClock) -> None:
    admin = make_admin(auth_server, "ramesh.support", "support", clock=auth_clock, sign_in=False)
    guesser = Admin(auth_server, "ramesh.support", (), admin.totp_secret, auth_clock, password="Guess-Number-One-1")
    for _ in range(4):  # login_free_failures (3) are checked at once; the 4th makes the next one wait 1 s
        assert guesser.sign_in().status_code == 401
    throttled = admin.sign_in()  # even the right password and code wait
    assert (throttled.status_code, throttled.json()["error"]["code"]) == (429, "login_throttled")
    assert throttled.json()["error"]["retry_after_seconds"] >= 1
    auth_clock.advance(seconds=2)
    assert admin.sign_in().status_code == 200
    assert trail_outcomes(auth_server, "ramesh.support")[-1] == "ok"
    # A refused try proves no name: the trail keeps it as the keyed hash of what was typed.
    typed = typed_name_label(Settings(), "ramesh.support").removeprefix("?")
    assert trail_outcomes(auth_server, typed) == ["login_throttled:throttled"]
