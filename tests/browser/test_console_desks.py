"""The back office's desks in a real headless Chromium: the fleet's health by problem, a new kiosk, reconcile
and settlements, the demo's fault switches, the ledger audit, the administrators, a statement file uploaded.
Each test drives the page and checks the server's own state through its HTTP API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser

from rules.day import IST
from tests.browser.test_console import browser, shot, signed_in  # noqa: F401 - the fixture
from tests.server.test_settlement import fault, pay
from tests.support.admins import Admin, make_admin
from tests.support.auth import ShiftedClock, new_kiosk, ready_token
from tests.support.fleet import health_facts
from tests.support.server import ServerProcess, production_env
from tests.support.wallet import WalletKiosk


def health(**overrides: Any) -> dict[str, Any]:
    return health_facts(**({"version": "0.2.0", "last_sync_at": datetime.now(UTC).isoformat()} | overrides))


def report(server: ServerProcess, token: str, body: dict[str, Any]) -> None:
    r = requests.post(
        server.url + "/api/v1/kiosk/health", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_fleet_desk_lists_each_kiosk_under_its_problem_with_its_last_report(
    browser: Browser,  # noqa: F811 - the fixture
    auth_server: ServerProcess,
    auth_clock: ShiftedClock,
) -> None:
    reports = {
        "FLW-OK": health(),
        "FLW-OLD": health(version="0.1.9"),
        "FLW-PRN": health(printer_status="failing", print_failures=3),
        "FLW-QUE": health(queue_length=7, oldest_queued_seconds=2 * 86_400 + 60),
        "FLW-CLK": health(client_time=(datetime.now(UTC) + timedelta(minutes=7)).isoformat()),
    }
    for code, body in reports.items():
        report(auth_server, ready_token(auth_server, code), body)
    new_kiosk(auth_server, "FLW-SIL")  # onboarded, never reported
    api = auth_server.admin("GET", "/fleet").json()
    sheela = make_admin(auth_server, "sheela.support", "support", clock=auth_clock, sign_in=False)

    desk = signed_in(browser, auth_server, sheela)
    desk.click("#nav-fleet")
    desk.wait_for_url(f"{auth_server.url}/admin/fleet")

    def listed(problem: str) -> list[str]:
        ids = desk.locator(f"#problem-{problem} tbody tr").evaluate_all("rows => rows.map(r => r.id)")
        return sorted(i.removeprefix(problem + "-") for i in ids)

    assert listed("old_version") == ["FLW-OLD"]
    assert listed("printer_failing") == ["FLW-PRN"]
    assert listed("queue_stale") == ["FLW-QUE"]
    assert listed("clock_off") == ["FLW-CLK"]
    assert listed("silent") == ["FLW-SIL"]
    assert desk.locator("#problem-old_version tr#old_version-FLW-OK").count() == 0
    # The page is the API's listing: the same kiosks under the same problems.
    by_api = {p: sorted(k["kiosk_code"] for k in api["kiosks"] if p in k["problems"]) for p in api["counts"]}
    assert {p: listed(p) for p in by_api} == by_api
    # Each kiosk's last report.
    assert desk.inner_text("#old_version-FLW-OLD .version") == "0.1.9"
    assert desk.inner_text("#printer_failing-FLW-PRN .printer") == "Failing · 3×"
    assert desk.inner_text("#queue_stale-FLW-QUE .queue") == "7 · 2 d"
    assert desk.inner_text("#clock_off-FLW-CLK .clock").startswith("+4")  # 7 minutes ahead: +420 s
    assert "40.0 GB" in desk.inner_text("#clock_off-FLW-CLK")
    assert desk.inner_text("#silent-FLW-SIL .reported") == "never"
    shot(desk, "09-fleet-en", tablet=True)

    # One problem only, in Hindi.
    desk.goto(f"{auth_server.url}/admin/fleet?problem=printer_failing&lang=hi")
    assert desk.locator("section").count() == 1 and listed("printer_failing") == ["FLW-PRN"]
    assert "प्रिंटर विफल" in desk.inner_text("h2")
    # Nothing heard for longer than the server's limit: every kiosk is silent (a new session: 27 h passed).
    auth_clock.advance(hours=27)
    desk = signed_in(browser, auth_server, sheela)
    desk.goto(f"{auth_server.url}/admin/fleet?problem=silent")
    assert len(listed("silent")) == 6
    assert auth_server.audit() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_support_creates_a_kiosk_the_form_says_what_is_wrong_and_the_holder_gets_the_first_password(
    browser: Browser,  # noqa: F811 - the fixture
    auth_server: ServerProcess,
    auth_clock: ShiftedClock,
) -> None:
    meena = make_admin(auth_server, "meena.support", "support", clock=auth_clock, sign_in=False)
    ravi = make_admin(auth_server, "ravi.finance", "finance", clock=auth_clock, sign_in=False)
    desk = signed_in(browser, auth_server, meena, lang="hi")
    desk.click("#nav-kiosks")
    good = {
        "code": "rj-new-0001",
        "name": "Sanganer e-Mitra",
        "holder_name": "Kavita Meena",
        "district": "Jaipur",
        "sso_id": "kavita.meena",
        "mobile": "9812345670",
        "email": "kavita@example.in",
        "credit_limit": "25,000",
    }
    for field, value in good.items():
        desk.fill(f"#new-{field}", value)
    # Wrong values: each is marked beside its field, in the page's language, and nothing is created.
    desk.fill("#new-mobile", "12345")
    desk.fill("#new-email", "not an address")
    desk.click("#create-kiosk")
    assert desk.inner_text("#problem-mobile") == "6, 7, 8 या 9 से शुरू होने वाले 10 अंक।"
    assert "ई-मेल पता" in desk.inner_text("#problem-email")
    assert desk.locator(".field-problem").count() == 2
    assert desk.input_value("#new-name") == "Sanganer e-Mitra"  # what was typed stays
    shot(desk, "10-new-kiosk-refused-hi", tablet=True)
    assert auth_server.admin("GET", "/kiosks/RJ-NEW-0001/balance").status_code == 404
    desk.goto(f"{auth_server.url}/admin/kiosks?lang=en")
    for field, value in good.items():
        desk.fill(f"#new-{field}", value)
    desk.fill("#new-credit_limit", "25,000.5x")
    desk.click("#create-kiosk")
    assert "rupees" in desk.inner_text("#problem-credit_limit")

    desk.fill("#new-credit_limit", "25,000")
    desk.click("#create-kiosk")
    assert "The kiosk was created." in desk.inner_text("#kiosk-created")
    assert "sent by SMS and e-mail" in desk.inner_text("#password-sent")
    assert "9812345670" not in desk.inner_text("main")  # masked
    shot(desk, "11-kiosk-created-en")
    balance = auth_server.admin("GET", "/kiosks/RJ-NEW-0001/balance").json()
    assert (balance["credit_limit_paise"], balance["wallet_balance_paise"]) == (25_000_00, 0)
    messages = auth_server.admin("GET", "/messages", params={"kiosk_code": "RJ-NEW-0001"}).json()["messages"]
    assert len(messages) == 2  # the first password: one SMS, one e-mail
    # The same code again is refused; finance sees no form and cannot post one.
    desk.goto(f"{auth_server.url}/admin/kiosks")
    for field, value in good.items():
        desk.fill(f"#new-{field}", value)
    desk.click("#create-kiosk")
    assert "already exists" in desk.inner_text("#problem")
    finance = signed_in(browser, auth_server, ravi)
    finance.goto(f"{auth_server.url}/admin/kiosks")
    assert finance.locator("#new-kiosk").count() == 0
    cookies = {c["name"]: c["value"] for c in finance.context.cookies()}
    posted = requests.post(
        f"{auth_server.url}/admin/kiosks",
        data={"csrf": cookies["emitra_admin_csrf"], **good, "code": "RJ-NEW-0002", "sso_id": "other.one"},
        cookies=cookies,
        timeout=10,
        allow_redirects=False,
    )
    assert posted.status_code == 403
    assert auth_server.admin("GET", "/kiosks/RJ-NEW-0002/balance").status_code == 404
    assert auth_server.audit() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_reconcile_lists_payments_in_doubt_and_a_departments_settlement_read_only(
    browser: Browser,  # noqa: F811 - the fixture
    auth_server: ServerProcess,
    auth_clock: ShiftedClock,
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-WRC")
    kiosk.fund(10_000_00)
    paid = pay(kiosk, "210455501235")
    fault(auth_server, "timeout")  # never reaches the department: in doubt here, in no file
    doubtful = pay(kiosk, "210455503235")
    assert (paid["status"], doubtful["status"]) == ("success", "pending")
    uma = make_admin(auth_server, "uma.auditor", "auditor", clock=auth_clock, sign_in=False)

    auditor = signed_in(browser, auth_server, uma)
    auditor.click("#nav-reconcile")
    auditor.wait_for_url(f"{auth_server.url}/admin/reconcile")
    rows = auditor.locator("#in-doubt tbody tr")
    assert rows.count() == 1
    assert kiosk.code in rows.first.inner_text() and doubtful["txn_id"] in rows.first.inner_text()
    assert auditor.locator(f"#doubt-{paid['operation_id']}").count() == 0  # answered: not in doubt
    # No file yet for that date: said in the page's words.
    day = datetime.now(IST).date()
    auditor.goto(f"{auth_server.url}/admin/reconcile?biller=discom&date={day}")
    assert "no such settlement file" in auditor.inner_text("#problem")
    assert auditor.locator("button, input[type=submit]").all_inner_texts() == ["Sign out", "Show"]  # read-only

    # The next day the department's file settles both: the one in doubt is reversed, no longer in doubt.
    auth_clock.advance(hours=24 + 8)
    fetched = auth_server.admin("POST", f"/billers/discom/settlements/{day}/fetch")
    assert fetched.status_code == 200, fetched.text
    api = auth_server.admin("GET", f"/billers/discom/settlements/{day}").json()
    auditor = signed_in(browser, auth_server, uma, lang="hi")
    auditor.click("#nav-reconcile")
    auditor.select_option("#biller", "discom")
    auditor.fill("#date", day.isoformat())
    auditor.click("#show-settlement")
    auditor.wait_for_selector("#settlement")
    shown = {f: int(auditor.inner_text(f"#finding-{f} td")) for f in api["counts"]}
    assert shown == api["counts"] == {"matched": 1, "missing_reversed": 1}
    assert auditor.inner_text("#settlement-lines") == str(api["lines"])
    assert "कोई भुगतान संदिग्ध नहीं है।" in auditor.inner_text("#in-doubt")
    shot(auditor, "12-reconcile-hi", tablet=True)
    balance = auth_server.admin("GET", f"/kiosks/{kiosk.code}/balance").json()["wallet_balance_paise"]
    assert balance == 10_000_00 - paid["total_paise"]  # the one in doubt was given back, once
    assert auth_server.audit() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_support_switches_a_departments_fault_and_the_department_answers_differently(
    browser: Browser,  # noqa: F811 - the fixture
    auth_server: ServerProcess,
    auth_clock: ShiftedClock,
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-WFL")
    kiosk.fund(10_000_00)
    meena = make_admin(auth_server, "meena.support", "support", clock=auth_clock, sign_in=False)
    uma = make_admin(auth_server, "uma.auditor", "auditor", clock=auth_clock, sign_in=False)
    ravi = make_admin(auth_server, "ravi.finance", "finance", clock=auth_clock, sign_in=False)

    desk = signed_in(browser, auth_server, meena)
    desk.click("#nav-faults")
    desk.wait_for_url(f"{auth_server.url}/admin/faults")
    row = desk.locator("#biller-discom")
    assert row.get_attribute("data-fault") == "none"
    row.locator(".choose-fault").select_option("decline")
    row.locator(".choose-applies").select_option("pay")
    row.locator(".switch").click()
    desk.wait_for_url(f"{auth_server.url}/admin/faults")
    assert desk.locator("#biller-discom").get_attribute("data-active") == "yes"
    assert "Declines · Payments" in desk.inner_text("#biller-discom .fault")
    shot(desk, "13-faults-en", tablet=True)
    declined = pay(kiosk, "210455501235")
    assert declined["status"] == "failed", declined

    desk.locator("#biller-discom .choose-fault").select_option("none")
    desk.locator("#biller-discom .switch").click()
    desk.wait_for_url(f"{auth_server.url}/admin/faults")
    assert desk.locator("#biller-discom").get_attribute("data-active") == "no"
    assert pay(kiosk, "210455502235")["status"] == "success"
    billers = {b["biller"]: b for b in auth_server.admin("GET", "/billers").json()["billers"]}
    assert billers["discom"]["active"] is False

    # The auditor reads the switches but has none; finance may not open the page.
    auditor = signed_in(browser, auth_server, uma)
    auditor.click("#nav-faults")
    assert auditor.locator("#biller-discom").count() == 1 and auditor.locator(".switch").count() == 0
    finance = signed_in(browser, auth_server, ravi)
    assert finance.locator("#nav-faults").count() == 0
    refused = finance.goto(f"{auth_server.url}/admin/faults")
    assert refused is not None and refused.status == 403
    assert finance.locator("#faults").count() == 0
    # The switches are in the admin audit trail, by whom.
    trail = make_admin(auth_server, "una.auditor", "auditor", clock=auth_clock)
    events = trail.call("GET", "/audit-trail", params={"actor": meena.username}).json()["events"]
    assert [e["action"] for e in events if "faults" in e["action"]] == ["POST /admin/faults/{biller}"] * 2
    assert auth_server.audit() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_ledger_audit_page_is_the_apis_check(
    browser: Browser,  # noqa: F811 - the fixture
    auth_server: ServerProcess,
    auth_clock: ShiftedClock,
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-WLA")
    kiosk.fund(2_500_00)
    pay(kiosk, "210455501235")
    api = auth_server.admin("GET", "/ledger/audit").json()
    assert api["balanced"] and api["entries"] >= 2
    asha = make_admin(auth_server, "asha.approver", "approver", clock=auth_clock, sign_in=False)
    approver = signed_in(browser, auth_server, asha, lang="hi")
    approver.click("#nav-ledger-audit")
    approver.wait_for_url(f"{auth_server.url}/admin/ledger-audit")
    assert approver.locator("#balanced").get_attribute("data-balanced") == "yes"
    assert "खाता-बही संतुलित है" in approver.inner_text("#balanced")
    assert int(approver.inner_text("#entries")) == api["entries"]
    assert int(approver.inner_text("#operations")) == api["operations"]
    assert approver.locator("#ledger-problems").count() == 0
    shot(approver, "14-ledger-audit-hi")
    assert auth_server.audit() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_support_makes_an_administrator_sees_the_totp_secret_once_and_suspends_them(
    browser: Browser,  # noqa: F811 - the fixture
    auth_server: ServerProcess,
    auth_clock: ShiftedClock,
) -> None:
    meena = make_admin(auth_server, "meena.support", "support", clock=auth_clock, sign_in=False)
    uma = make_admin(auth_server, "uma.auditor", "auditor", clock=auth_clock, sign_in=False)
    ravi = make_admin(auth_server, "ravi.finance", "finance", clock=auth_clock, sign_in=False)
    desk = signed_in(browser, auth_server, meena)
    desk.click("#nav-administrators")
    desk.wait_for_url(f"{auth_server.url}/admin/administrators")
    assert desk.locator("#administrators tbody tr").count() == 3

    # Finance with approver, and a common password: each refused beside its field; nobody is made.
    desk.fill("#admin-username-field", "neha.finance")
    desk.fill("#admin-display_name-field", "Neha Jain")
    desk.fill("#admin-password-field", "password")
    desk.check("#role-finance")
    desk.check("#role-approver")
    desk.click("#create-admin")
    assert "never together" in desk.inner_text("#problem-roles")
    assert desk.locator("#problem-password").count() == 0  # the roles are checked first
    assert desk.input_value("#admin-username-field") == "neha.finance" and desk.is_checked("#role-finance")
    assert desk.input_value("#admin-password-field") == ""  # a password is never sent back
    desk.uncheck("#role-approver")
    desk.fill("#admin-password-field", "password")
    desk.click("#create-admin")
    assert "too common" in desk.inner_text("#problem-password")
    shot(desk, "15-new-administrator-refused-en", tablet=True)
    listed = {
        a["username"]
        for a in make_admin(auth_server, "ila.auditor", "auditor")
        .call("GET", "/administrators")
        .json()["administrators"]
    }
    assert "neha.finance" not in listed

    desk.fill("#admin-password-field", "Neha-Jain-Ajmer-2026")
    desk.click("#create-admin")
    secret = desk.inner_text("#totp-secret")
    assert len(secret) >= 16 and desk.inner_text("#totp-uri").startswith("otpauth://totp/")
    assert "neha.finance" in desk.inner_text("#made")
    shot(desk, "16-administrator-made-en")
    neha = Admin(auth_server, "neha.finance", ("finance",), secret, auth_clock, password="Neha-Jain-Ajmer-2026")
    assert neha.sign_in().status_code == 200  # the secret shown is the account's
    assert neha.call("GET", "/me").json()["roles"] == ["finance"]
    desk.goto(f"{auth_server.url}/admin/administrators")
    assert desk.locator("#totp-secret").count() == 0  # shown once
    assert desk.locator("#admin-neha\\.finance").get_attribute("data-status") == "active"

    # Suspended: their session ends at once.
    desk.locator("#admin-neha\\.finance .suspend").click()
    desk.wait_for_url(f"{auth_server.url}/admin/administrators")
    assert desk.locator("#admin-neha\\.finance").get_attribute("data-status") == "suspended"
    assert neha.call("GET", "/me").status_code == 401
    assert neha.sign_in().status_code == 401

    # The auditor reads the list and changes nothing; finance may not open it.
    auditor = signed_in(browser, auth_server, uma, lang="hi")
    auditor.click("#nav-administrators")
    assert auditor.locator("#admin-neha\\.finance .status").inner_text() == "निलंबित"
    assert auditor.locator("#new-admin").count() == 0 and auditor.locator(".suspend").count() == 0
    finance = signed_in(browser, auth_server, ravi)
    assert finance.locator("#nav-administrators").count() == 0
    refused = finance.goto(f"{auth_server.url}/admin/administrators")
    assert refused is not None and refused.status == 403
    events = uma_trail(auth_server, auth_clock, meena.username)
    made = [e for e in events if e["action"] == "POST /admin/administrators" and e["outcome"] == "ok"]
    assert [e["target"] for e in events if "status" in e["action"]] == ['{"username": "neha.finance"}']
    assert len(made) == 1 and secret not in str(events) and "Neha-Jain" not in str(events)
    assert auth_server.audit() == []


def uma_trail(server: ServerProcess, clock: ShiftedClock, actor: str) -> list[dict[str, Any]]:
    reader = make_admin(server, "tara.auditor", "auditor", clock=clock)
    events: list[dict[str, Any]] = reader.call("GET", "/audit-trail", params={"actor": actor}).json()["events"]
    return events


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_finance_uploads_a_statement_file_previews_it_and_books_it_once(
    browser: Browser,  # noqa: F811 - the fixture
    auth_server: ServerProcess,
    auth_clock: ShiftedClock,
    tmp_path: Path,
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-WUP")
    account = kiosk.ok("GET", "/wallet/refill")["virtual_account"]["account_no"]
    lines = [
        "Value_Date,UTR,Account_No,Amount,Remitter_Name,Mode,Type",
        f"25-11-2026,ICICN52026112500501,{account},1500.00,Kiosk Holder,NEFT,CR",
        "25-11-2026,ICICN52026112500502,224400000000,42.00,Unknown Sender,NEFT,CR",
    ]
    # As a bank's export is: Windows line ends and a byte-order mark.
    statement = tmp_path / "statement.csv"
    statement.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("\n".join(lines).replace("Unknown Sender", "Jos\xe9").encode("latin-1"))
    ravi = make_admin(auth_server, "ravi.finance", "finance", clock=auth_clock, sign_in=False)
    asha = make_admin(auth_server, "asha.approver", "approver", clock=auth_clock, sign_in=False)

    finance = signed_in(browser, auth_server, ravi)
    finance.click("#nav-statements")
    finance.set_input_files("#statement-file", str(latin))
    finance.click("#upload-button")
    assert finance.inner_text("#problem") == "The bank statement is not a text (CSV) file."
    finance.set_input_files("#statement-file", str(statement))
    finance.click("#upload-button")
    finance.wait_for_selector("#preview")
    results = {n: finance.locator(f"#preview #line-{n}").get_attribute("data-result") for n in (2, 3)}
    assert results == {2: "credited", 3: "suspense"}
    shot(finance, "17-statement-uploaded-en", tablet=True)
    assert kiosk.wallet == 0  # the preview booked nothing
    finance.click("#book-button")
    finance.wait_for_selector("#booked")
    assert kiosk.wallet == 1_500_00
    suspense = auth_server.admin("GET", "/wallet/suspense").json()["credits"]
    assert [(c["utr"], c["amount_paise"]) for c in suspense] == [("ICICN52026112500502", 42_00)]
    # The same file again: each UTR lands once.
    finance.set_input_files("#statement-file", str(statement))
    finance.click("#upload-button")
    finance.wait_for_selector("#preview")
    assert finance.locator("#preview #line-2").get_attribute("data-result") == "duplicate"
    finance.click("#book-button")
    finance.wait_for_selector("#booked")
    assert kiosk.wallet == 1_500_00

    # Only finance uploads; a forged upload (no CSRF token of this browser's) is refused.
    approver = signed_in(browser, auth_server, asha)
    approver.click("#nav-statements")
    assert approver.locator("#upload").count() == 0
    cookies = {c["name"]: c["value"] for c in finance.context.cookies()}
    forged = requests.post(
        f"{auth_server.url}/admin/statements/upload",
        files={"statement_file": ("s.csv", statement.read_bytes(), "text/csv")},
        data={"csrf": "forged"},
        cookies=cookies,
        timeout=10,
        allow_redirects=False,
    )
    assert forged.status_code == 403
    events = uma_trail(auth_server, auth_clock, ravi.username)
    uploads = [e for e in events if e["action"] == "POST /admin/statements/upload"]
    assert len(uploads) == 4 and all("ICICN" not in str(e) for e in uploads)
    assert auth_server.audit() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_production_server_has_no_fault_switches(
    browser: Browser,  # noqa: F811 - the fixture
    database_url: str,
    start_server: Callable[..., ServerProcess],
) -> None:
    production = start_server(database_url, **production_env())
    meena = make_admin(production, "meena.support", "support", sign_in=False)
    desk = signed_in(browser, production, meena)
    assert desk.locator("#nav-fleet").count() == 1 and desk.locator("#nav-faults").count() == 0
    refused = desk.goto(f"{production.url}/admin/faults")
    assert refused is not None and refused.status == 403
    assert desk.inner_text("#problem") == "This works only on a demo server."
    assert desk.locator("#faults").count() == 0
