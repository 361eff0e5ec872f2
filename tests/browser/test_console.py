"""The back-office console in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
two people sign in with TOTP; one proposes an adjustment, the other approves it; the money moves once."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.admins import Admin, make_admin
from tests.support.auth import ShiftedClock
from tests.support.server import ServerProcess
from tests.support.wallet import WalletKiosk

CHROMIUM = Path("/usr/bin/chromium")
# scripts/console_screenshots.sh sets this to docs/screenshots: the pages as the test sees them.
SHOTS = os.environ.get("EMITRA_CONSOLE_SCREENSHOTS")


def shot(page: Page, name: str, *, tablet: bool = False) -> None:
    """The page at a laptop's 1024 px (and, with `tablet`, also at a portrait tablet's 768 px)."""
    if SHOTS:
        page.set_viewport_size({"width": 1024, "height": 640})
        page.screenshot(path=str(Path(SHOTS) / f"admin-{name}.png"), full_page=True)
        if tablet:
            page.set_viewport_size({"width": 768, "height": 1024})
            page.screenshot(path=str(Path(SHOTS) / f"admin-{name}-tablet.png"), full_page=True)
            page.set_viewport_size({"width": 1024, "height": 640})


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing; .ci/run must install it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


def signed_in(browser: Browser, server: ServerProcess, admin: Admin, lang: str = "en") -> Page:
    page = browser.new_context().new_page()
    page.goto(f"{server.url}/admin/sign-in?lang={lang}")
    page.fill("#username", admin.username)
    page.fill("#password", admin.password)
    page.fill("#code", admin.fresh_code())
    page.click("#sign-in")
    page.wait_for_url(f"{server.url}/admin/proposals")
    assert admin.username in page.inner_text("#who")
    return page


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_two_people_propose_and_approve_an_adjustment_in_the_browser(
    browser: Browser, auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-WEB")
    ravi = make_admin(auth_server, "ravi.finance", "finance", clock=auth_clock, sign_in=False)
    asha = make_admin(auth_server, "asha.approver", "approver", clock=auth_clock, sign_in=False)

    # A wrong code: the page says so in the chosen language, and nothing is signed in.
    page = browser.new_context().new_page()
    page.goto(f"{auth_server.url}/admin/sign-in?lang=hi")
    assert page.inner_text("h1") == "साइन इन करें"
    page.fill("#username", ravi.username)
    page.fill("#password", ravi.password)
    page.fill("#code", "000000" if ravi.fresh_code() != "000000" else "111111")
    page.click("#sign-in")
    assert "ऑथेंटिकेटर कोड गलत है" in page.inner_text("#problem")
    shot(page, "01-sign-in-wrong-code-hi")
    csp = requests.get(f"{auth_server.url}/admin/sign-in", timeout=10).headers["content-security-policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp

    finance = signed_in(browser, auth_server, ravi)
    assert finance.locator(".approve").count() == 0  # finance proposes, never approves
    finance.fill("#kiosk_code", kiosk.code)
    finance.select_option("#direction", "credit")
    finance.fill("#amount", "1,250.50")
    finance.fill("#memo", "refund of a double debit")
    finance.click("#propose-button")
    finance.wait_for_url(f"{auth_server.url}/admin/proposals")
    shot(finance, "02-proposed-en")
    row = finance.locator("#proposals tbody tr").first
    assert "pending" in row.inner_text() and "1,250.50" in row.inner_text()
    assert kiosk.wallet == 0

    approver = signed_in(browser, auth_server, asha, lang="hi")
    assert approver.locator("#propose").count() == 0  # the approver proposes nothing
    approver.locator("#proposals tbody tr").first.locator(".approve").click()
    approver.wait_for_url(f"{auth_server.url}/admin/proposals")
    assert "स्वीकृत · asha.approver" in approver.locator("#proposals tbody tr").first.inner_text()
    assert kiosk.wallet == 1_250_50
    shot(approver, "03-approved-hi")
    assert approver.locator(".approve").count() == 0  # nothing left to approve
    finance.reload()
    assert "approved" in finance.locator("#proposals tbody tr").first.inner_text()
    assert auth_server.audit() == []

    # A form posted from elsewhere (no CSRF token of this browser's) is refused and moves nothing.
    cookies = {c["name"]: c["value"] for c in approver.context.cookies()}
    forged = requests.post(
        f"{auth_server.url}/admin/proposals/1/approve",
        data={"csrf": "forged"},
        cookies={"emitra_admin_session": cookies["emitra_admin_session"], "emitra_admin_csrf": "other"},
        timeout=10,
        allow_redirects=False,
    )
    assert forged.status_code == 403
    session_cookie = next(c for c in approver.context.cookies() if c["name"] == "emitra_admin_session")
    assert session_cookie["httpOnly"] and session_cookie["sameSite"] == "Strict"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_finance_assigns_a_small_suspense_credit_and_a_large_one_waits_for_an_approver(
    browser: Browser, auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-WSU")
    statement = (
        "Value_Date,UTR,Account_No,Amount,Remitter_Name,Mode,Type\n"
        "25-11-2026,ICICN52026112500301,224400000000,75000.00,Big Sender,RTGS,CR\n"
        "25-11-2026,ICICN52026112500302,224400000000,100.00,Small Sender,NEFT,CR\n"
    )
    booked = auth_server.admin("POST", "/wallet/bank-statements", data=statement.encode())
    assert booked.json()["counts"] == {"suspense": 2}, booked.text
    ravi = make_admin(auth_server, "ravi.finance", "finance", clock=auth_clock, sign_in=False)
    asha = make_admin(auth_server, "asha.approver", "approver", clock=auth_clock, sign_in=False)

    finance = signed_in(browser, auth_server, ravi)
    finance.click("#nav-suspense")
    small = finance.locator("#credit-ICICN52026112500302")
    small.locator(".kiosk").fill(kiosk.code)
    small.locator(".assign").click()
    finance.wait_for_url(f"{auth_server.url}/admin/suspense")
    assert finance.locator("#credit-ICICN52026112500302").count() == 0
    assert kiosk.wallet == 100_00
    large = finance.locator("#credit-ICICN52026112500301")
    assert large.locator(".assign").inner_text() == "Propose"  # above the ₹50,000 limit
    large.locator(".kiosk").fill(kiosk.code)
    large.locator(".assign").click()
    finance.wait_for_url(f"{auth_server.url}/admin/proposals")
    row = finance.locator("#proposals tbody tr").first
    assert "suspense credit" in row.inner_text() and "75,000.00" in row.inner_text()
    shot(finance, "04-suspense-proposed-en")
    assert kiosk.wallet == 100_00

    approver = signed_in(browser, auth_server, asha)
    approver.locator("#proposals tbody tr").first.locator(".approve").click()
    approver.wait_for_url(f"{auth_server.url}/admin/proposals")
    assert approver.locator("#proposals tbody tr").first.locator(".status").get_attribute("data-status") == "approved"
    assert kiosk.wallet == 75_100_00
    approver.click("#nav-suspense")
    assert approver.locator(".assign").count() == 0  # an approver assigns nothing
    assert "No credits in suspense." in approver.inner_text("#suspense")
    assert auth_server.audit() == []


def pay_by_cheque(kiosk: WalletKiosk, operation_id: str, k_no: str, cheque_no: str) -> dict[str, Any]:
    """A departmental cheque payment of the kiosk's bill: it moves no wallet money and awaits clearing."""
    fields = {"k_no": k_no}
    fetched = kiosk.ok("POST", "/bills/fetch", json={"service_code": "ELEC-AVVNL", "fields": fields})
    paid: dict[str, Any] = kiosk.ok(
        "POST",
        "/payments",
        json={
            "operation_id": operation_id,
            "bills": [{"service_code": "ELEC-AVVNL", "fields": fields, "amount_paise": fetched["payable_now_paise"]}],
            "contact": {"mobile": "9876543210"},
            "method": {
                "type": "cheque",
                "cheque_no": cheque_no,
                "bank": "State Bank of India",
                "date": datetime.now(UTC).date().isoformat(),
            },
        },
    )
    assert paid["cheque"]["status"] == "received", paid
    return paid


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_finance_clears_a_cheque_and_a_bounce_waits_for_an_approver(
    browser: Browser, auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-WCQ")
    good = pay_by_cheque(kiosk, "console-cheque-0001", "310411114444", "004601")
    bad = pay_by_cheque(kiosk, "console-cheque-0002", "310411115555", "004602")
    ravi = make_admin(auth_server, "ravi.finance", "finance", clock=auth_clock, sign_in=False)
    asha = make_admin(auth_server, "asha.approver", "approver", clock=auth_clock, sign_in=False)

    def cheque_status(paid: dict[str, Any]) -> str:
        status: str = kiosk.ok("GET", f"/payments/{paid['operation_id']}")["cheque"]["status"]
        return status

    finance = signed_in(browser, auth_server, ravi)
    finance.click("#nav-cheques")
    finance.wait_for_url(f"{auth_server.url}/admin/cheques")
    row = finance.locator(f"#cheque-{good['txn_id']}")
    assert "004601" in row.inner_text() and kiosk.code in row.inner_text()
    shot(finance, "05-cheques-en")
    row.locator(".clear").click()
    finance.wait_for_url(f"{auth_server.url}/admin/cheques")
    assert finance.locator(f"#cheque-{good['txn_id']}").count() == 0  # no longer awaiting clearing
    assert cheque_status(good) == "cleared"

    # A bounce is a proposal: nothing changes until a second person approves it.
    finance.locator(f"#cheque-{bad['txn_id']}").locator(".bounce").click()
    finance.wait_for_url(f"{auth_server.url}/admin/proposals")
    proposal = finance.locator("#proposals tbody tr").first
    assert "cheque bounce" in proposal.inner_text() and bad["txn_id"] in proposal.inner_text()
    assert cheque_status(bad) == "received"

    # The approver sees the cheques but settles none there; the bounce is decided on the proposals page.
    approver = signed_in(browser, auth_server, asha, lang="hi")
    approver.click("#nav-cheques")
    assert approver.locator(".clear").count() == 0 and approver.locator(".bounce").count() == 0
    approver.click("#nav-proposals")
    approver.locator("#proposals tbody tr").first.locator(".approve").click()
    approver.wait_for_url(f"{auth_server.url}/admin/proposals")
    assert approver.locator("#proposals tbody tr").first.locator(".status").get_attribute("data-status") == "approved"
    assert cheque_status(bad) == "bounced"

    # Settled cheques leave the list; clearing a settled one (a stale page) is refused in the page's words.
    # A page's alert says only what the server refused, never what a link put into its address.
    finance.goto(f"{auth_server.url}/admin/cheques?problem=Call+this+number&status=500")
    assert finance.locator("#problem").count() == 0
    assert "No cheques awaiting clearing." in finance.inner_text("#cheques")
    csrf = next(c["value"] for c in finance.context.cookies() if c["name"] == "emitra_admin_csrf")
    session = next(c["value"] for c in finance.context.cookies() if c["name"] == "emitra_admin_session")
    stale = requests.post(
        f"{auth_server.url}/admin/cheques/{bad['txn_id']}/clear",
        data={"csrf": csrf},
        cookies={"emitra_admin_session": session, "emitra_admin_csrf": csrf},
        timeout=10,
        allow_redirects=False,
    )
    assert stale.status_code == 409 and 'id="problem"' in stale.text
    assert cheque_status(bad) == "bounced"
    assert auth_server.audit() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_finance_imports_a_statement_after_its_preview(
    browser: Browser, auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-WST")
    account = kiosk.ok("GET", "/wallet/refill")["virtual_account"]["account_no"]
    # One credit the bank notified already: in the statement it is a duplicate and moves nothing.
    early = "Value_Date,UTR,Account_No,Amount\n25-11-2026,ICICN52026112500400," + account + ",10.00\n"
    assert auth_server.admin("POST", "/wallet/bank-statements", data=early.encode()).json()["counts"] == {"credited": 1}
    assert kiosk.wallet == 10_00
    statement = (
        "Value_Date,UTR,Account_No,Amount,Remitter_Name,Mode,Type\n"
        f"25-11-2026,ICICN52026112500401,{account},2500.00,Kiosk Holder,NEFT,CR\n"
        "25-11-2026,ICICN52026112500402,224400000000,300.00,Unknown Sender,NEFT,CR\n"
        f"25-11-2026,ICICN52026112500400,{account},10.00,Kiosk Holder,NEFT,CR\n"
        "25-11-2026,ICICN52026112500403,224400000000,99.00,Bank Charges,NEFT,DR\n"
    )
    ravi = make_admin(auth_server, "ravi.finance", "finance", clock=auth_clock, sign_in=False)
    finance = signed_in(browser, auth_server, ravi)
    finance.click("#nav-statements")
    finance.wait_for_url(f"{auth_server.url}/admin/statements")

    # A bad line refuses the whole file, numbered, and books nothing.
    finance.fill("#statement", statement + "25-11-2026,SHORT,224400000000,abc,X,NEFT,CR\n")
    finance.click("#preview-button")
    assert "not valid" in finance.inner_text("#problem")
    assert "6" in finance.inner_text("#faults")

    finance.fill("#statement", statement)
    finance.click("#preview-button")
    results = {n: finance.locator(f"#preview #line-{n}").get_attribute("data-result") for n in (2, 3, 4, 5)}
    assert results == {2: "credited", 3: "suspense", 4: "duplicate", 5: "skipped"}
    assert kiosk.code in finance.inner_text("#preview #line-2")
    shot(finance, "06-statement-preview-en")
    # The preview booked nothing: the wallet and suspense are as they were.
    assert kiosk.wallet == 10_00
    assert auth_server.admin("GET", "/wallet/suspense").json()["credits"] == []

    finance.click("#book-button")
    finance.wait_for_selector("#booked")
    booked = {n: finance.locator(f"#booked-lines #line-{n}").get_attribute("data-result") for n in (2, 3, 4, 5)}
    assert booked == results  # the booking did what the preview said
    assert kiosk.wallet == 10_00 + 2_500_00
    suspense = auth_server.admin("GET", "/wallet/suspense").json()["credits"]
    assert [(c["utr"], c["amount_paise"]) for c in suspense] == [("ICICN52026112500402", 300_00)]

    # Booking the same statement again (a reload, a second click) moves nothing: each UTR lands once.
    finance.fill("#statement", statement)
    finance.click("#preview-button")
    again = {n: finance.locator(f"#preview #line-{n}").get_attribute("data-result") for n in (2, 3, 4)}
    assert again == {2: "duplicate", 3: "duplicate", 4: "duplicate"}
    finance.click("#book-button")
    finance.wait_for_selector("#booked")
    assert kiosk.wallet == 10_00 + 2_500_00

    # The admin audit trail has each step by the file's size and outcome, never its lines.
    auditor = make_admin(auth_server, "uma.auditor", "auditor", clock=auth_clock)
    rows = auditor.call("GET", "/audit-trail", params={"actor": ravi.username}).json()["events"]
    books = [r for r in rows if r["action"] == "POST /admin/statements/book"]
    assert [json.loads(r["after"])["counts"] for r in books] == [{"duplicate": 3, "skipped": 1}, booked_counts(results)]
    assert all("ICICN" not in str(r) for r in rows if "statements" in r["action"])
    assert auth_server.audit() == []


def booked_counts(results: dict[int, str | None]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in results.values():
        assert result is not None
        counts[result] = counts.get(result, 0) + 1
    return counts


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_auditor_reads_the_trail_and_downloads_it_and_the_download_is_recorded(
    browser: Browser, auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-WAU")
    ravi = make_admin(auth_server, "ravi.finance", "finance", clock=auth_clock, sign_in=False)
    uma = make_admin(auth_server, "uma.auditor", "auditor", clock=auth_clock, sign_in=False)
    finance = signed_in(browser, auth_server, ravi)
    finance.fill("#kiosk_code", kiosk.code)
    finance.fill("#amount", "5")
    finance.click("#propose-button")
    finance.wait_for_url(f"{auth_server.url}/admin/proposals")
    assert finance.locator("#nav-audit-trail").count() == 0
    finance.goto(f"{auth_server.url}/admin/audit-trail")
    assert finance.locator("#trail").count() == 0 and finance.locator("#problem").count() == 1

    auditor = signed_in(browser, auth_server, uma)
    auditor.click("#nav-audit-trail")
    auditor.wait_for_url(f"{auth_server.url}/admin/audit-trail")
    auditor.fill("#actor", ravi.username)
    auditor.click("#filter-button")
    actions = auditor.locator("#trail .action").all_inner_texts()
    assert actions[:2] == ["POST /admin/proposals", "POST /admin/sign-in"], actions
    change = auditor.inner_text("#trail tbody tr:first-child .change")
    assert '"kind": "adjustment"' in change and '"amount_paise": 500' in change, change
    shot(auditor, "07-audit-trail-en")
    with auditor.expect_download() as download:
        auditor.click("#download-csv")
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv_text.startswith("id,at,actor,client_ip,action,target,status,outcome,before,after")
    assert "POST /admin/proposals" in csv_text and ravi.username in csv_text
    # Taking the trail away is itself in the trail, by whom.
    auditor.goto(f"{auth_server.url}/admin/audit-trail?actor={uma.username}")
    assert auditor.locator("#trail .action").first.inner_text() == "GET /admin/audit-trail.csv"
    assert auth_server.audit() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_support_finds_a_kiosk_reads_its_money_suspends_it_and_resets_its_password(
    browser: Browser, auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    kiosk = WalletKiosk(auth_server, "RJ-WKD", credit_limit=5_000_00)
    kiosk.fund(1_234_50)
    meena = make_admin(auth_server, "meena.support", "support", clock=auth_clock, sign_in=False)
    ravi = make_admin(auth_server, "ravi.finance", "finance", clock=auth_clock, sign_in=False)

    desk = signed_in(browser, auth_server, meena)
    desk.click("#nav-kiosks")
    desk.fill("#q", kiosk.code.lower()[:-2])
    desk.click("#search-button")
    desk.locator(f"#kiosk-{kiosk.code} .open").click()
    desk.wait_for_url(f"{auth_server.url}/admin/kiosks/{kiosk.code}")
    assert desk.inner_text("#wallet") == "1,234.50"
    assert "5,000.00" in desk.inner_text("#money")
    assert "Adjustment (credit)" in desk.inner_text("#operations")
    shot(desk, "08-kiosk-en")

    desk.click("#suspend")
    desk.wait_for_url(f"{auth_server.url}/admin/kiosks/{kiosk.code}")
    assert desk.locator("#kiosk-status").get_attribute("data-status") == "suspended"
    refused = kiosk.call("GET", "/wallet/balance")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "kiosk_suspended")
    desk.click("#reactivate")
    desk.wait_for_url(f"{auth_server.url}/admin/kiosks/{kiosk.code}")
    assert desk.locator("#kiosk-status").get_attribute("data-status") == "active"
    assert kiosk.wallet == 1_234_50

    sent_before = len(auth_server.admin("GET", "/messages", params={"kiosk_code": kiosk.code}).json()["messages"])
    desk.click("#reset-password")
    assert "sent by SMS and e-mail" in desk.inner_text("#password-sent")
    messages = auth_server.admin("GET", "/messages", params={"kiosk_code": kiosk.code}).json()["messages"]
    assert len(messages) == sent_before + 2  # one SMS, one e-mail
    gone = kiosk.call("GET", "/wallet/balance")  # a new password ends the kiosk's sessions
    assert (gone.status_code, gone.json()["error"]["code"]) == (401, "session_expired")

    # Finance reads the kiosk's money but neither suspends it nor resets its password.
    finance = signed_in(browser, auth_server, ravi)
    finance.goto(f"{auth_server.url}/admin/kiosks/{kiosk.code}")
    assert finance.inner_text("#wallet") == "1,234.50"
    assert finance.locator("#suspend").count() == 0 and finance.locator("#reset-password").count() == 0
    cookies = {c["name"]: c["value"] for c in finance.context.cookies()}
    posted = requests.post(
        f"{auth_server.url}/admin/kiosks/{kiosk.code}/status",
        data={"csrf": cookies["emitra_admin_csrf"], "status": "suspended"},
        cookies=cookies,
        timeout=10,
        allow_redirects=False,
    )
    assert posted.status_code == 403  # refused by role: the kiosk is still active
    finance.reload()
    assert finance.locator("#kiosk-status").get_attribute("data-status") == "active"
    assert auth_server.audit() == []
