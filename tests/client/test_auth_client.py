"""Sign-in through the real client (kiosk_app) against a real server process, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring

from kiosk_app.api import ApiClient
from kiosk_app.auth import KioskAccount, OtpSent, ProfileUpdate
from kiosk_app.errors import (
    InvalidContact,
    InvalidCredentials,
    InvalidInput,
    KioskSuspended,
    LoginThrottled,
    OtpAttemptsExhausted,
    OtpExpired,
    OtpInvalid,
    OtpRateLimited,
    OtpUsed,
    PasswordChangeRequired,
    PasswordRejected,
    ProfileIncomplete,
    ProfileNotConfirmed,
    SessionExpired,
    TooManyAttempts,
    WrongCurrentPassword,
)
from kiosk_app.session import KEYRING_SERVICE, LocalSettings, TokenStore
from tests.support.auth import ShiftedClock, contacts, issue_password, latest_otp, messages, new_kiosk
from tests.support.server import ServerProcess

KIOSK = "RJ-JPR-0201"
OTHER = "RJ-AJM-0202"
GOOD = "monsoon clouds over amber fort"
PROFILE = ProfileUpdate(address="Shop 4, Station Road, Malviya Nagar", pincode="302017", confirm=True)

Make = Callable[..., KioskAccount]


@pytest.fixture
def make_account(tmp_path: Path, auth_server: ServerProcess, kiosk_keyring: PlaintextKeyring) -> Make:
    """A kiosk PC: its own settings folder; the keyring the tests chose (or another one passed in)."""
    made: list[ApiClient] = []

    def make(pc: str = "pc1", backend: PlaintextKeyring | None = None) -> KioskAccount:
        settings = LocalSettings(tmp_path / pc)
        api = ApiClient(auth_server.url, machine_id=settings.machine_id, timeout=(5, 30))
        made.append(api)
        return KioskAccount(api, TokenStore(auth_server.url, backend), settings)

    return make


def onboard(server: ServerProcess, account: KioskAccount, code: str) -> str:
    """Issued password → new password → sign in again → profile; returns the SSO ID."""
    sso_id, issued = new_kiosk(server, code)
    account.login(sso_id, issued)
    account.change_password(issued, GOOD)
    account.login(sso_id, GOOD)
    account.complete_profile(PROFILE)
    return sso_id


def test_first_login_forces_a_new_password_then_a_fresh_login_then_the_profile(
    auth_server: ServerProcess, make_account: Make, kiosk_keyring: PlaintextKeyring, tmp_path: Path
) -> None:
    sso_id, issued = new_kiosk(auth_server, KIOSK)
    account = make_account()
    signed = account.login(sso_id.lower(), issued)  # the SSO ID's case does not matter
    assert (signed.kiosk_code, signed.sso_id, signed.next_step) == (KIOSK, sso_id, "change_password")
    with pytest.raises(PasswordChangeRequired) as refused:
        account.api.get("/wallet/balance")
    assert refused.value.status == 403 and "पासवर्ड" in refused.value.message_hi
    with pytest.raises(PasswordChangeRequired):
        account.profile()

    rejected = {
        "short1": ["too_short"],
        "        ": ["blank"],
        "पासवर्ड": ["too_short"],
        "password123": ["common"],
        "Password123": ["common"],
        f"my {sso_id.lower()} pass": ["contains_sso_id"],
        issued: ["same_as_previous"],
        "x" * 300: ["too_long"],
    }
    for new, rules in rejected.items():
        with pytest.raises(PasswordRejected) as bad:
            account.change_password(issued, new)
        assert bad.value.rules == rules, new
        assert bad.value.message_hi and bad.value.message_en
    with pytest.raises(WrongCurrentPassword):
        account.change_password(issued + "x", GOOD)
    with pytest.raises(InvalidInput):
        account.change_password(issued, "")

    old_token = account.api.token
    account.change_password(issued, "मेरा कियोस्क जयपुर में है")  # a Hindi passphrase is welcome
    assert account.api.token is None and account.tokens.load() is None
    account.api.token = old_token
    with pytest.raises(SessionExpired):
        account.api.get("/auth/session")
    with pytest.raises(InvalidCredentials):
        account.login(sso_id, issued)

    signed = account.login(sso_id, "मेरा कियोस्क जयपुर में है")
    assert signed.next_step == "complete_profile"
    with pytest.raises(ProfileIncomplete):
        account.api.get("/wallet/balance")
    profile = account.profile()
    assert (profile.kiosk_code, profile.holder_name, profile.district, profile.profile_completed) == (
        KIOSK,
        "Test Holder",
        "Jaipur",
        False,
    )
    with pytest.raises(ProfileNotConfirmed):
        account.complete_profile(ProfileUpdate(address=PROFILE.address, pincode="302017", confirm=False))
    for pincode in ("", "02017", "3020171", "३०२०१७"):
        with pytest.raises(InvalidInput):
            account.complete_profile(ProfileUpdate(address=PROFILE.address, pincode=pincode, confirm=True))
    with pytest.raises(InvalidInput):
        account.complete_profile(ProfileUpdate(address="   ", pincode="302017", confirm=True))
    with pytest.raises(InvalidContact):
        account.complete_profile(
            ProfileUpdate(address=PROFILE.address, pincode="302017", confirm=True, alternate_mobile="12345")
        )
    done = account.complete_profile(
        ProfileUpdate(
            address="  Shop 4, Station Road ", pincode="302017", confirm=True, alternate_mobile="+91 91234 56789"
        )
    )
    assert (done.address, done.alternate_mobile, done.profile_completed) == ("Shop 4, Station Road", "9123456789", True)
    balance = account.api.get("/wallet/balance")
    assert balance["kiosk_code"] == KIOSK and balance["spendable_paise"] == 0

    # The token lives in the keyring only; the settings file keeps the SSO ID and the machine id.
    token = account.api.token
    assert token and account.tokens.load() == token
    assert account.remembered_sso_id == sso_id
    settings_text = (tmp_path / "pc1" / "session.json").read_text(encoding="utf-8")
    assert token not in settings_text and sso_id in settings_text
    assert kiosk_keyring.get_password(KEYRING_SERVICE, auth_server.url) == token

    # A restarted client resumes from the keyring; logout ends the session on the server too.
    again = make_account()
    resumed = again.resume()
    assert resumed is not None and resumed.next_step == "ready"
    again.logout()
    assert again.resume() is None and again.tokens.load() is None
    account.api.token = token
    with pytest.raises(SessionExpired) as ended:
        account.api.get("/wallet/balance")
    assert ended.value.details["reason"] == "logout"

    events = auth_server.admin("GET", "/auth-events", params={"kiosk_code": KIOSK}).json()["events"]
    seen = {(e["event"], e["outcome"]) for e in events}
    assert {
        ("password_issued", "success"),
        ("login", "success"),
        ("password_change", "rejected"),
        ("password_change", "wrong_password"),
        ("password_change", "success"),
        ("profile", "completed"),
        ("logout", "success"),
    } <= seen
    machine = LocalSettings(tmp_path / "pc1").machine_id
    assert all(e["machine_id"] == machine and e["at"] for e in events if e["event"] == "login")


def test_login_refuses_bad_input_alike_for_unknown_and_known_accounts(
    auth_server: ServerProcess, make_account: Make
) -> None:
    sso_id, issued = new_kiosk(auth_server, KIOSK)
    account = make_account()
    for sso, password in (("", issued), ("   ", issued), (sso_id, ""), (sso_id, "\t")):
        with pytest.raises(InvalidInput):
            account.login(sso, password)
    with pytest.raises(InvalidInput):
        account.login(sso_id, "x" * 2000)
    with pytest.raises(InvalidInput):
        account.login(sso_id, "nul\x00byte")
    answers = set()
    for sso, password in (
        (sso_id, issued + "!"),
        ("NO.SUCH.USER", issued),
        ("सुनीता.शर्मा", issued),
        ("x" * 200, issued),
    ):
        with pytest.raises(InvalidCredentials) as refused:
            account.login(sso, password)
        answers.add((refused.value.status, refused.value.error_code, refused.value.message_en))
    assert len(answers) == 1
    assert account.login(f"  {sso_id}  ", issued).next_step == "change_password"


def test_wrong_passwords_slow_the_next_try_and_never_lock(
    auth_server: ServerProcess, make_account: Make, auth_clock: ShiftedClock
) -> None:
    sso_id, issued = new_kiosk(auth_server, KIOSK)
    account = make_account()
    for _ in range(4):  # three free, the fourth starts a delay of a second
        with pytest.raises(InvalidCredentials):
            account.login(sso_id, "wrong password")
    with pytest.raises(LoginThrottled) as throttled:
        account.login(sso_id, issued)  # even the right password waits the delay, unchecked
    assert 0 < throttled.value.retry_after_seconds <= 2 and throttled.value.message_hi
    auth_clock.advance(seconds=2)
    assert account.login(sso_id, issued).next_step == "change_password"
    # A success starts the count again: three more wrong ones are checked at once.
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            account.login(sso_id, "wrong again")
    assert account.login(sso_id, issued).kiosk_code == KIOSK


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_wrong_passwords_per_hour_are_capped(
    database_url: str,
    start_server: Callable[..., ServerProcess],
    auth_clock: ShiftedClock,
    kiosk_keyring: PlaintextKeyring,
    tmp_path: Path,
) -> None:
    server = start_server(
        database_url,
        EMITRA_ARGON2_PROFILE="fast",
        EMITRA_CLOCK_OFFSET_FILE=str(auth_clock.path),
        EMITRA_LOGIN_FAILURES_PER_HOUR="7",
        EMITRA_LOGIN_FREE_FAILURES="100",
    )
    sso_id, issued = new_kiosk(server, KIOSK)
    settings = LocalSettings(tmp_path / "pc")
    account = KioskAccount(ApiClient(server.url, machine_id=settings.machine_id), TokenStore(server.url), settings)
    for _ in range(7):
        with pytest.raises(InvalidCredentials):
            account.login(sso_id, "wrong password")
    with pytest.raises(TooManyAttempts) as capped:
        account.login(sso_id, issued)
    assert 0 < int(capped.value.details["retry_after_seconds"]) <= 60 * 60 + 1
    auth_clock.advance(minutes=61)
    assert account.login(sso_id, issued).kiosk_code == KIOSK


def test_forget_sso_id_by_mobile_or_email(auth_server: ServerProcess, make_account: Make) -> None:
    sso_id, _ = new_kiosk(auth_server, KIOSK)
    _, mobile, email = contacts(KIOSK)
    account = make_account()
    for bad in ("12345", "+91 12345 67890", "९८७६५४३२१०", "not an email@", "a@b"):
        with pytest.raises(InvalidContact):
            account.forgot_sso_id(bad)
    with pytest.raises(InvalidInput):
        account.forgot_sso_id("  ")

    sent = account.forgot_sso_id(f"+91 {mobile[:5]} {mobile[5:]}")
    assert sent.expires_in_seconds == 300 and sent.resends_left == 3
    code = latest_otp(auth_server, mobile)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(OtpInvalid) as refused:
        account.confirm_sso_id(sent, wrong)
    assert refused.value.attempts_left == 4 and "4" in refused.value.message_hi
    assert account.confirm_sso_id(sent, f" {code} ") == [sso_id]
    assert sso_id in messages(auth_server, mobile, "sso_id")[0]["body"]
    with pytest.raises(OtpUsed):
        account.confirm_sso_id(sent, code)

    by_mail = account.forgot_sso_id(email.upper())
    assert account.confirm_sso_id(by_mail, latest_otp(auth_server, email)) == [sso_id]

    # An unknown contact gets the same answer, and no OTP can ever match.
    unknown = account.forgot_sso_id("9000000001")
    assert (unknown.message, unknown.expires_in_seconds, unknown.resends_left) == (
        sent.message,
        sent.expires_in_seconds,
        sent.resends_left,
    )
    assert messages(auth_server, "9000000001") == []
    with pytest.raises(OtpInvalid):
        account.confirm_sso_id(unknown, code)
    with pytest.raises(OtpInvalid):
        account.confirm_sso_id(OtpSent("no-such-challenge", "", 0, 0, 0), code)


def test_forget_password_by_otp_with_expiry_resend_and_replay(
    auth_server: ServerProcess, make_account: Make, auth_clock: ShiftedClock
) -> None:
    pc1, pc2 = make_account("pc1"), make_account("pc2", PlaintextKeyring())
    pc2.tokens.backend.file_path = str(Path(pc1.settings.directory).parent / "pc2-keyring.cfg")  # type: ignore[attr-defined]
    sso_id = onboard(auth_server, pc1, KIOSK)
    pc2.login(sso_id, GOOD)
    _, mobile, email = contacts(KIOSK)

    sent = pc1.forgot_password(sso_id)
    first = latest_otp(auth_server, mobile)
    assert latest_otp(auth_server, email) == first
    auth_clock.advance(minutes=5, seconds=1)
    with pytest.raises(OtpExpired):
        pc1.reset_password(sent, first, "a brand new passphrase")

    sent = pc1.forgot_password(sso_id.lower())
    code = latest_otp(auth_server, mobile)
    with pytest.raises(OtpRateLimited) as early:
        pc1.resend_otp(sent)
    assert 0 < int(early.value.details["retry_after_seconds"]) <= 31
    auth_clock.advance(seconds=31)
    resent = pc1.resend_otp(sent)
    assert resent.challenge_id == sent.challenge_id and resent.resends_left == 2
    new_code = latest_otp(auth_server, mobile)
    if new_code != code:
        with pytest.raises(OtpInvalid):
            pc1.reset_password(sent, code, "a brand new passphrase")
    with pytest.raises(PasswordRejected) as rejected:
        pc1.reset_password(sent, new_code, f"{sso_id} forever")
    assert rejected.value.rules == ["contains_sso_id"]
    with pytest.raises(PasswordRejected) as reused:
        pc1.reset_password(sent, new_code, GOOD)
    assert reused.value.rules == ["same_as_previous"]
    pc1.reset_password(sent, new_code, "a brand new passphrase")
    with pytest.raises(OtpUsed):
        pc1.reset_password(sent, new_code, "another brand new passphrase")

    # Every session ended, on both PCs; the new password signs in and keeps the completed profile.
    assert pc2.resume() is None
    with pytest.raises(InvalidCredentials):
        pc1.login(sso_id, GOOD)
    assert pc1.login(sso_id, "a brand new passphrase").next_step == "ready"
    assert messages(auth_server, mobile, "password_changed")


def test_otp_wrong_tries_and_requests_are_limited(auth_server: ServerProcess, make_account: Make) -> None:
    sso_id, _ = new_kiosk(auth_server, KIOSK)
    _, mobile, _ = contacts(KIOSK)
    account = make_account()
    sent = account.forgot_password(sso_id)
    code = latest_otp(auth_server, mobile)
    wrong = [c for c in ("111111", "222222", "333333", "444444", "555555", "666666") if c != code][:5]
    for n, guess in enumerate(wrong[:4]):
        with pytest.raises(OtpInvalid) as refused:
            account.reset_password(sent, guess, "a brand new passphrase")
        assert refused.value.attempts_left == 4 - n
    with pytest.raises(OtpAttemptsExhausted):
        account.reset_password(sent, wrong[4], "a brand new passphrase")
    with pytest.raises(OtpAttemptsExhausted):
        account.reset_password(sent, code, "a brand new passphrase")
    with pytest.raises(OtpAttemptsExhausted):
        account.resend_otp(sent)

    # Five OTP requests an hour per SSO ID, known or not: the sixth is refused the same way.
    for who in (sso_id, "NOBODY.HERE"):
        for _ in range(5 if who == "NOBODY.HERE" else 4):
            account.forgot_password(who)
        with pytest.raises(OtpRateLimited):
            account.forgot_password(who)


def test_sessions_expire_when_idle_and_after_twelve_hours(
    auth_server: ServerProcess, make_account: Make, auth_clock: ShiftedClock
) -> None:
    account = make_account()
    onboard(auth_server, account, KIOSK)
    for _ in range(2):
        auth_clock.advance(minutes=25)
        assert account.api.get("/wallet/balance")["kiosk_code"] == KIOSK
    auth_clock.advance(minutes=31)
    with pytest.raises(SessionExpired) as idle:
        account.api.get("/wallet/balance")
    assert idle.value.details["reason"] == "idle"
    assert account.tokens.load() is None

    account.login(contacts(KIOSK)[0], GOOD)
    for _ in range(28):  # 28 × 25 min = 11 h 40 min of steady work
        auth_clock.advance(minutes=25)
        account.api.get("/auth/session")
    auth_clock.advance(minutes=21)
    with pytest.raises(SessionExpired) as absolute:
        account.api.get("/auth/session")
    assert absolute.value.details["reason"] == "absolute"


def test_a_password_change_ends_the_other_pcs_sessions(
    auth_server: ServerProcess, make_account: Make, tmp_path: Path
) -> None:
    pc1 = make_account("pc1")
    other_keyring = PlaintextKeyring()
    other_keyring.file_path = str(tmp_path / "pc2-keyring.cfg")
    pc2 = make_account("pc2", other_keyring)
    sso_id = onboard(auth_server, pc1, KIOSK)
    pc2.login(sso_id, GOOD)
    assert pc2.api.get("/wallet/balance")["kiosk_code"] == KIOSK
    pc1.change_password(GOOD, "a different long passphrase")
    with pytest.raises(SessionExpired) as ended:
        pc2.api.get("/wallet/balance")
    assert ended.value.details["reason"] == "password_changed"
    assert pc2.resume() is None


def test_a_suspended_kiosk_keeps_its_profile_but_not_its_wallet(auth_server: ServerProcess, make_account: Make) -> None:
    account = make_account()
    onboard(auth_server, account, KIOSK)
    r = auth_server.admin("PUT", f"/kiosks/{KIOSK}/status", json={"status": "suspended"})
    assert r.status_code == 200, r.text
    with pytest.raises(KioskSuspended) as refused:
        account.api.get("/wallet/balance")
    assert "निलंबित" in refused.value.message_hi
    assert account.profile().kiosk_status == "suspended"
    auth_server.admin("PUT", f"/kiosks/{KIOSK}/status", json={"status": "active"})
    assert account.api.get("/wallet/balance")["kiosk_code"] == KIOSK


def test_an_admin_reset_issues_a_password_that_only_allows_a_change(
    auth_server: ServerProcess, make_account: Make
) -> None:
    account = make_account()
    sso_id = onboard(auth_server, account, KIOSK)
    issued = issue_password(auth_server, KIOSK)
    assert account.resume() is None  # the reset ended the session
    with pytest.raises(InvalidCredentials):
        account.login(sso_id, GOOD)
    assert account.login(sso_id, issued).next_step == "change_password"
    with pytest.raises(PasswordRejected) as reused:
        account.change_password(issued, GOOD)  # the password it replaced
    assert reused.value.rules == ["same_as_previous"]
