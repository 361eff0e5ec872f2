"""Account use-cases: issue a password, sign in, change or reset the password, recover the SSO ID."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import Connection, Engine, Row, func, insert, select, update

import rules.contact
from server.auth import audit, otp, sessions, throttle
from server.auth.audit import RequestContext
from server.auth.errors import (
    InvalidContact,
    InvalidCredentials,
    LoginThrottled,
    PasswordRejected,
    Refusal,
    TooManyAttempts,
    WrongCurrentPassword,
)
from server.auth.messages import Message, MessageGateway
from server.auth.passwords import Passwords, Problem, issue_password, rule_problems
from server.auth.sessions import NewSession, SessionInfo
from server.core.config import Settings
from server.core.errors import ApiError, NotFound

kiosks_t = sessions.kiosks_t
credentials_t = sessions.credentials_t

T = TypeVar("T")
log = logging.getLogger("emitra.auth")

FORGOT_SSO_ID = "forgot_sso_id"
FORGOT_PASSWORD = "forgot_password"
HOUR = throttle.HOUR


def run(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run `work` in one transaction; a Refusal commits what was done (counters, audit) and then raises."""
    error: ApiError | None = None
    with engine.begin() as conn:
        try:
            return work(conn)
        except Refusal as refusal:
            error = refusal.error
    raise error


@dataclass(frozen=True)
class Holder:
    """A kiosk holder's account, as sign-in and recovery need it."""

    kiosk_id: int
    code: str
    sso_id: str
    holder_name: str
    district: str
    old_emitra_id: str | None
    mobile: str
    email: str
    status: str


@dataclass(frozen=True)
class Credential:
    password_hash: str
    previous_hash: str | None
    must_change: bool


@dataclass(frozen=True)
class LoginResult:
    holder: Holder
    session: NewSession
    must_change_password: bool
    profile_completed: bool


def _holder(row: Row[Any]) -> Holder:
    return Holder(
        int(row.id),
        row.code,
        row.sso_id,
        row.holder_name,
        row.district,
        row.old_emitra_id,
        row.mobile,
        row.email,
        row.status,
    )


_HOLDER_COLUMNS = (
    kiosks_t.c.id,
    kiosks_t.c.code,
    kiosks_t.c.sso_id,
    kiosks_t.c.holder_name,
    kiosks_t.c.district,
    kiosks_t.c.old_emitra_id,
    kiosks_t.c.mobile,
    kiosks_t.c.email,
    kiosks_t.c.status,
)


def holder_by_sso_id(conn: Connection, sso_id: str) -> Holder | None:
    typed = sso_id.strip().lower()
    if not typed or len(typed) > 64:
        return None
    rows = conn.execute(select(*_HOLDER_COLUMNS).where(func.lower(kiosks_t.c.sso_id) == typed)).all()
    # Two SSO IDs differing only in case would make the lookup ambiguous: refuse both rather than guess.
    return _holder(rows[0]) if len(rows) == 1 else None


def holder_by_code(conn: Connection, code: str) -> Holder:
    row = conn.execute(select(*_HOLDER_COLUMNS).where(kiosks_t.c.code == code)).first()
    if row is None:
        raise NotFound(f"no kiosk with code {code}", code="unknown_kiosk", kiosk_code=code)
    return _holder(row)


def holder_by_id(conn: Connection, kiosk_id: int) -> Holder:
    return _holder(conn.execute(select(*_HOLDER_COLUMNS).where(kiosks_t.c.id == kiosk_id)).one())


def holders_by_contact(conn: Connection, kind: str, value: str) -> list[Holder]:
    column = kiosks_t.c.mobile if kind == "mobile" else func.lower(kiosks_t.c.email)
    rows = conn.execute(select(*_HOLDER_COLUMNS).where(column == value).order_by(kiosks_t.c.id)).all()
    return [_holder(r) for r in rows]


def parse_contact(text: str) -> tuple[Literal["mobile", "email"], str]:
    """A registered mobile (+91 / 0 prefixes, spaces and dashes allowed) or e-mail, normalised."""
    contact = rules.contact.parse_contact(text)
    if contact is None:
        raise InvalidContact("enter the registered 10-digit mobile number or e-mail address")
    return contact


def _credential(conn: Connection, kiosk_id: int) -> Credential | None:
    row = conn.execute(select(credentials_t).where(credentials_t.c.kiosk_id == kiosk_id).with_for_update()).first()
    if row is None:
        return None
    return Credential(row.password_hash, row.previous_hash, bool(row.must_change))


def sso_subject(settings: Settings, sso_id: str) -> str:
    """A typed SSO ID as the throttles keep it: a keyed hash, never the text."""
    return throttle.keyed(settings.secret_key, "sso", sso_id.strip().lower())


def audited_sso_id(settings: Settings, holder: Holder | None, typed: str) -> str:
    """What the audit log keeps of a typed SSO ID: the account's own when it matched one, else a keyed hash —
    a password typed into the SSO ID box is never readable, and the same text typed again shows the same hash."""
    return holder.sso_id if holder is not None else _hash_label(sso_subject(settings, typed))


def _hash_label(subject: str) -> str:
    return "hash:" + subject[:32]


@dataclass(frozen=True)
class Try:
    """The throttle keys of one password try: the typed SSO ID (keyed hash), and it from this source."""

    subject: str
    in_a_row: str
    per_hour: str
    source: str

    @classmethod
    def of(cls, settings: Settings, ctx: RequestContext, sso_id: str) -> Try:
        subject = sso_subject(settings, sso_id)
        source = ctx.client_ip or "unknown"
        return cls(
            subject,
            "login:" + throttle.keyed(settings.secret_key, subject, source),
            "sso-hour:" + subject,
            "source-login:" + source,
        )


class KioskAccounts:
    """Sign-in rules over one database; every method is one short transaction or a few."""

    def __init__(self, engine: Engine, settings: Settings, passwords: Passwords, gateway: MessageGateway) -> None:
        self.engine = engine
        self.settings = settings
        self.passwords = passwords
        self.gateway = gateway

    # -- the sign-in throttle (docs/SECURITY.md): delays and limits, never a lock an attacker can set ------
    def _admit(self, conn: Connection, ctx: RequestContext, tried: Try, event: str, holder: Holder | None) -> None:
        """Count this try as wrong before the hash is checked, so parallel guesses cannot outrun the delay.

        A right password gives the try back (`_succeeded`).  A typed SSO ID that matches no account is throttled
        the same way, so the answers do not tell which SSO IDs exist."""
        now, s = ctx.now, self.settings
        kiosk_id = holder.kiosk_id if holder else None
        sso_id = holder.sso_id if holder else _hash_label(tried.subject)
        source_wait = throttle.check(conn, tried.source, now, HOUR, s.source_login_failures_per_hour)
        if source_wait is not None:
            audit.record(conn, ctx, event, "source_limit", kiosk_id=kiosk_id, sso_id=sso_id)
            raise Refusal(
                TooManyAttempts(
                    "too many failed sign-ins from this network this hour; try again later",
                    retry_after_seconds=source_wait,
                )
            )
        hourly_wait = throttle.check(conn, tried.per_hour, now, HOUR, s.login_failures_per_hour, tried.subject)
        if hourly_wait is not None:
            audit.record(conn, ctx, event, "hourly_limit", kiosk_id=kiosk_id, sso_id=sso_id)
            raise Refusal(
                TooManyAttempts(
                    "too many wrong passwords for this SSO ID this hour; try again later, "
                    "or reset the password with an OTP",
                    retry_after_seconds=hourly_wait,
                )
            )
        delay = throttle.wait(conn, tried.in_a_row, now, tried.subject)
        if delay is not None:
            audit.record(conn, ctx, event, "throttled", kiosk_id=kiosk_id, sso_id=sso_id)
            raise Refusal(
                LoginThrottled(
                    f"too many wrong passwords: wait {delay} s before the next try, or reset the password with an OTP",
                    retry_after_seconds=delay,
                )
            )
        throttle.hit(conn, tried.source, now, HOUR)
        throttle.hit(conn, tried.per_hour, now, HOUR, subject=tried.subject)
        throttle.strike(conn, tried.in_a_row, now, s.login_free_failures, s.login_max_delay_seconds, tried.subject)

    def _succeeded(self, conn: Connection, ctx: RequestContext, tried: Try) -> None:
        throttle.hit(conn, tried.source, ctx.now, HOUR, -1)
        throttle.hit(conn, tried.per_hour, ctx.now, HOUR, -1, subject=tried.subject)
        throttle.forgive(conn, tried.in_a_row, ctx.now)

    # -- sign in ------------------------------------------------------------------------------------------
    def login(self, ctx: RequestContext, sso_id: str, password: str) -> LoginResult:
        tried = Try.of(self.settings, ctx, sso_id)

        def reserve(conn: Connection) -> tuple[Holder, Credential] | None:
            holder = holder_by_sso_id(conn, sso_id)
            cred = _credential(conn, holder.kiosk_id) if holder is not None else None
            self._admit(conn, ctx, tried, "login", holder if cred is not None else None)
            if holder is None or cred is None:
                return None
            return holder, cred

        found = run(self.engine, reserve)
        ok = self.passwords.verify(found[1].password_hash if found else None, password)
        if found is None:

            def unknown(conn: Connection) -> None:
                audit.record(conn, ctx, "login", "unknown_sso_id", sso_id=audited_sso_id(self.settings, None, sso_id))

            run(self.engine, unknown)
            raise InvalidCredentials("the SSO ID or password is wrong")
        holder, cred = found
        rehash = self.passwords.hash(password) if ok and self.passwords.needs_rehash(cred.password_hash) else None

        def settle(conn: Connection) -> LoginResult:
            if not ok:
                audit.record(conn, ctx, "login", "wrong_password", kiosk_id=holder.kiosk_id, sso_id=holder.sso_id)
                raise Refusal(InvalidCredentials("the SSO ID or password is wrong"))
            self._succeeded(conn, ctx, tried)
            now_cred = _credential(conn, holder.kiosk_id)
            assert now_cred is not None
            if rehash is not None and now_cred.password_hash == cred.password_hash:
                conn.execute(
                    update(credentials_t)
                    .where(credentials_t.c.kiosk_id == holder.kiosk_id)
                    .values(password_hash=rehash)
                )
            session = sessions.create(conn, holder.kiosk_id, ctx.machine_id, ctx.now, self.settings)
            audit.record(
                conn,
                ctx,
                "login",
                "success",
                kiosk_id=holder.kiosk_id,
                sso_id=holder.sso_id,
                session_id=session.session_id,
                detail="issued password: must change" if now_cred.must_change else "",
            )
            completed = conn.execute(
                select(func.count())
                .select_from(sessions.profiles_t)
                .where(
                    sessions.profiles_t.c.kiosk_id == holder.kiosk_id, sessions.profiles_t.c.completed_at.is_not(None)
                )
            ).scalar_one()
            return LoginResult(holder, session, now_cred.must_change, bool(completed))

        return run(self.engine, settle)

    def logout(self, ctx: RequestContext, session: SessionInfo, *, end_sync_keys: bool = False) -> None:
        """End the session; with `end_sync_keys`, every day-end sync key of the kiosk too."""

        def work(conn: Connection) -> None:
            sessions.revoke(conn, session.session_id, ctx.now, "logout")
            ended = sessions.revoke_sync_keys(conn, session.kiosk_id, ctx.now, "logout") if end_sync_keys else 0
            audit.record(
                conn,
                ctx,
                "logout",
                "success",
                kiosk_id=session.kiosk_id,
                sso_id=session.sso_id,
                session_id=session.session_id,
                detail=f"{ended} sync key(s) ended" if ended else "",
            )

        run(self.engine, work)

    def issue_sync_key(self, ctx: RequestContext, kiosk_id: int, sso_id: str, session_id: int) -> NewSession:
        """A day-end sync key for the PC the operator signed in from (the scheduled sync runs without them)."""

        def work(conn: Connection) -> NewSession:
            machine = sessions.machine_of(conn, session_id)
            try:
                key = sessions.create_sync_key(conn, kiosk_id, machine, ctx.now, self.settings)
            except Refusal:
                audit.record(conn, ctx, "sync_key", "limit", kiosk_id=kiosk_id, sso_id=sso_id, session_id=session_id)
                raise
            audit.record(
                conn,
                ctx,
                "sync_key",
                "issued",
                kiosk_id=kiosk_id,
                sso_id=sso_id,
                session_id=session_id,
                detail=f"sync key session {key.session_id} for PC {machine or '-'}",
            )
            return key

        return run(self.engine, work)

    def sync_keys(self, ctx: RequestContext, kiosk_id: int) -> list[dict[str, Any]]:
        with self.engine.begin() as conn:
            return sessions.sync_keys(conn, kiosk_id, ctx.now)

    def end_sync_key(self, ctx: RequestContext, kiosk_id: int, sso_id: str, session_id: int, key_id: int) -> None:
        def work(conn: Connection) -> None:
            if not sessions.revoke_sync_keys(conn, kiosk_id, ctx.now, "sync_key_ended", key_id):
                raise NotFound("this kiosk has no live day-end sync key with this id", code="unknown_sync_key")
            audit.record(
                conn,
                ctx,
                "sync_key",
                "ended",
                kiosk_id=kiosk_id,
                sso_id=sso_id,
                session_id=session_id,
                detail=f"sync key session {key_id}",
            )

        run(self.engine, work)

    # -- passwords ----------------------------------------------------------------------------------------
    def _problems(self, holder: Holder, cred: Credential | None, new_password: str) -> list[Problem]:
        problems = rule_problems(new_password, holder.sso_id)
        if not problems and cred is not None:
            reused = [h for h in (cred.password_hash, cred.previous_hash) if h]
            if any(self.passwords.verify(h, new_password) for h in reused):
                problems.append(Problem("same_as_previous", "Choose a password you have not used before."))
        return problems

    @staticmethod
    def _rejected(problems: list[Problem]) -> PasswordRejected:
        return PasswordRejected(
            " ".join(p.message for p in problems), problems=[{"rule": p.rule, "message": p.message} for p in problems]
        )

    def _store(self, conn: Connection, holder: Holder, new_hash: str, now: datetime, *, must_change: bool) -> None:
        """Replace the password; the one it replaces is kept only to refuse its reuse."""
        current = conn.execute(
            select(credentials_t.c.password_hash).where(credentials_t.c.kiosk_id == holder.kiosk_id)
        ).scalar_one_or_none()
        values = {"password_hash": new_hash, "previous_hash": current, "must_change": must_change, "updated_at": now}
        if must_change:
            values["issued_at"] = now
        else:
            values["changed_at"] = now
        if current is None:
            conn.execute(insert(credentials_t).values(**{"kiosk_id": holder.kiosk_id, "issued_at": now, **values}))
        else:
            conn.execute(update(credentials_t).where(credentials_t.c.kiosk_id == holder.kiosk_id).values(**values))

    def _notify(
        self, conn: Connection, holder: Holder, kind: str, body: str, now: datetime, subject: str, secret: str = ""
    ) -> None:
        self.gateway.send(conn, Message("sms", holder.mobile, kind, body, "", holder.kiosk_id, secret), now)
        self.gateway.send(conn, Message("email", holder.email, kind, body, subject, holder.kiosk_id, secret), now)

    def issue(self, conn: Connection, ctx: RequestContext, holder: Holder, *, reason: str = "first_password") -> None:
        """A new random password by SMS and e-mail; it only allows setting a new one. Ends every session."""
        password = issue_password()
        self._store(conn, holder, self.passwords.hash(password), ctx.now, must_change=True)
        sessions.revoke_all(conn, holder.kiosk_id, ctx.now, "password_issued")
        body = (
            f"eMitra: Dear {holder.holder_name}, District: {holder.district}, "
            f"Old eMitra ID: {holder.old_emitra_id or '-'}, SSO Login ID: {holder.sso_id}, "
            f"Password: {password} . Sign in and set a new password of at least 8 characters."
        )
        self._notify(conn, holder, reason, body, ctx.now, "Your eMitra SSO ID and password", secret=password)
        audit.record(
            conn, ctx, "password_issued", "success", kiosk_id=holder.kiosk_id, sso_id=holder.sso_id, detail=reason
        )

    def change_password(self, ctx: RequestContext, session: SessionInfo, current: str, new: str) -> None:
        """Check the current password (a wrong one counts towards the lock), apply the rule, end all sessions."""
        tried = Try.of(self.settings, ctx, session.sso_id)

        def reserve(conn: Connection) -> tuple[Holder, Credential]:
            holder = holder_by_id(conn, session.kiosk_id)
            cred = _credential(conn, holder.kiosk_id)
            assert cred is not None
            self._admit(conn, ctx, tried, "password_change", holder)
            return holder, cred

        holder, cred = run(self.engine, reserve)
        ok = self.passwords.verify(cred.password_hash, current)
        problems = self._problems(holder, cred, new) if ok else []
        new_hash = self.passwords.hash(new) if ok and not problems else None

        def settle(conn: Connection) -> None:
            if not ok:
                audit.record(
                    conn,
                    ctx,
                    "password_change",
                    "wrong_password",
                    kiosk_id=holder.kiosk_id,
                    sso_id=holder.sso_id,
                    session_id=session.session_id,
                )
                raise Refusal(WrongCurrentPassword("the current password is wrong"))
            self._succeeded(conn, ctx, tried)
            if problems or new_hash is None:
                audit.record(
                    conn,
                    ctx,
                    "password_change",
                    "rejected",
                    kiosk_id=holder.kiosk_id,
                    sso_id=holder.sso_id,
                    session_id=session.session_id,
                    detail=",".join(p.rule for p in problems),
                )
                raise Refusal(self._rejected(problems))
            self._store(conn, holder, new_hash, ctx.now, must_change=False)
            sessions.revoke_all(conn, holder.kiosk_id, ctx.now, "password_changed")
            self._notify(
                conn,
                holder,
                "password_changed",
                "eMitra: the password of your SSO ID was changed. If this was not you, call the help desk.",
                ctx.now,
                "Your eMitra password was changed",
            )
            audit.record(
                conn,
                ctx,
                "password_change",
                "success",
                kiosk_id=holder.kiosk_id,
                sso_id=holder.sso_id,
                session_id=session.session_id,
            )

        run(self.engine, settle)

    # -- recovery by OTP ----------------------------------------------------------------------------------
    def _send_otp(self, conn: Connection, issued: otp.Issued, now: datetime) -> None:
        challenge = issued.challenge
        if challenge.kiosk_id is None:
            return
        minutes = self.settings.otp_ttl_seconds // 60
        if challenge.purpose == FORGOT_SSO_ID:
            what = "to find your SSO ID"
            kind, _, value = challenge.identifier.partition(":")
            destinations: list[tuple[Literal["sms", "email"], str]] = [("sms" if kind == "mobile" else "email", value)]
        else:
            what = "to reset your password"
            holder = holder_by_id(conn, challenge.kiosk_id)
            destinations = [("sms", holder.mobile), ("email", holder.email)]
        body = (
            f"eMitra: {issued.code} is your OTP {what}. It expires in {minutes} minutes. "
            "Never share it; eMitra staff will never ask for it."
        )
        for channel, to in destinations:
            # The answer stays the same (it must not tell whether an account exists); the message is not sent.
            if (
                throttle.take(
                    conn,
                    f"messages:{challenge.kiosk_id}",
                    now,
                    throttle.DAY,
                    self.settings.messages_per_account_per_day,
                )
                is not None
            ):
                log.warning("kiosk %s reached its OTP messages for the day; %s not sent", challenge.kiosk_id, channel)
                continue
            self.gateway.send(
                conn, Message(channel, to, "otp", body, "Your eMitra OTP", challenge.kiosk_id, issued.code), now
            )

    def start_forgot_sso_id(self, ctx: RequestContext, contact: str) -> otp.Challenge:
        kind, value = parse_contact(contact)

        def work(conn: Connection) -> otp.Challenge:
            holders = holders_by_contact(conn, kind, value)
            kiosk_id = holders[0].kiosk_id if holders else None
            try:
                issued = otp.start(conn, self.settings, ctx, FORGOT_SSO_ID, f"{kind}:{value}", kiosk_id)
            except Refusal:
                audit.record(conn, ctx, "otp_request", "rate_limited", kiosk_id=kiosk_id, detail=FORGOT_SSO_ID)
                raise
            self._send_otp(conn, issued, ctx.now)
            audit.record(
                conn, ctx, "otp_request", "sent" if holders else "no_account", kiosk_id=kiosk_id, detail=FORGOT_SSO_ID
            )
            return issued.challenge

        return run(self.engine, work)

    def finish_forgot_sso_id(self, ctx: RequestContext, challenge_id: str, code: str) -> list[str]:
        def work(conn: Connection) -> list[str]:
            try:
                challenge = otp.check(conn, self.settings, ctx, challenge_id, FORGOT_SSO_ID, code)
            except Refusal as refusal:
                audit.record(conn, ctx, "otp_verify", refusal.error.code, detail=FORGOT_SSO_ID)
                raise
            otp.mark_used(conn, challenge, ctx.now)
            kind, _, value = challenge.identifier.partition(":")
            holders = holders_by_contact(conn, kind, value)
            ids = [h.sso_id for h in holders]
            body = "eMitra: your SSO ID is " + ", ".join(ids) + " . Sign in with it and your password."
            channel: Literal["sms", "email"] = "sms" if kind == "mobile" else "email"
            self.gateway.send(
                conn, Message(channel, value, "sso_id", body, "Your eMitra SSO ID", challenge.kiosk_id), ctx.now
            )
            audit.record(conn, ctx, "otp_verify", "success", kiosk_id=challenge.kiosk_id, detail=FORGOT_SSO_ID)
            return ids

        return run(self.engine, work)

    def start_forgot_password(self, ctx: RequestContext, sso_id: str) -> otp.Challenge:
        def work(conn: Connection) -> otp.Challenge:
            holder = holder_by_sso_id(conn, sso_id)
            kiosk_id = holder.kiosk_id if holder else None
            try:
                issued = otp.start(
                    conn, self.settings, ctx, FORGOT_PASSWORD, "sso:" + sso_subject(self.settings, sso_id), kiosk_id
                )
            except Refusal:
                audit.record(
                    conn,
                    ctx,
                    "otp_request",
                    "rate_limited",
                    kiosk_id=kiosk_id,
                    sso_id=audited_sso_id(self.settings, holder, sso_id),
                    detail=FORGOT_PASSWORD,
                )
                raise
            self._send_otp(conn, issued, ctx.now)
            audit.record(
                conn,
                ctx,
                "otp_request",
                "sent" if holder else "no_account",
                kiosk_id=kiosk_id,
                sso_id=audited_sso_id(self.settings, holder, sso_id),
                detail=FORGOT_PASSWORD,
            )
            return issued.challenge

        return run(self.engine, work)

    def finish_forgot_password(self, ctx: RequestContext, challenge_id: str, code: str, new: str) -> None:
        """A right OTP and an acceptable password set it; the OTP survives a refused password."""

        def check(conn: Connection) -> tuple[Holder, Credential | None]:
            try:
                challenge = otp.check(conn, self.settings, ctx, challenge_id, FORGOT_PASSWORD, code)
            except Refusal as refusal:
                audit.record(conn, ctx, "otp_verify", refusal.error.code, detail=FORGOT_PASSWORD)
                raise
            assert challenge.kiosk_id is not None
            holder = holder_by_id(conn, challenge.kiosk_id)
            return holder, _credential(conn, holder.kiosk_id)

        holder, cred = run(self.engine, check)
        problems = self._problems(holder, cred, new)
        if problems:

            def rejected(conn: Connection) -> None:
                audit.record(
                    conn,
                    ctx,
                    "password_reset",
                    "rejected",
                    kiosk_id=holder.kiosk_id,
                    sso_id=holder.sso_id,
                    detail=",".join(p.rule for p in problems),
                )
                raise Refusal(self._rejected(problems))

            run(self.engine, rejected)
        new_hash = self.passwords.hash(new)

        def apply(conn: Connection) -> None:
            # Checked again under the row lock: of two resets racing with one OTP, only one applies.
            challenge = otp.check(conn, self.settings, ctx, challenge_id, FORGOT_PASSWORD, code)
            otp.mark_used(conn, challenge, ctx.now)
            self._store(conn, holder, new_hash, ctx.now, must_change=False)
            # The holder proved the registered mobile or e-mail: every password throttle of the SSO ID ends.
            throttle.clear_subject(conn, sso_subject(self.settings, holder.sso_id))
            sessions.revoke_all(conn, holder.kiosk_id, ctx.now, "password_reset")
            self._notify(
                conn,
                holder,
                "password_changed",
                "eMitra: the password of your SSO ID was reset with an OTP. If this was not you, call the help desk.",
                ctx.now,
                "Your eMitra password was reset",
            )
            audit.record(conn, ctx, "password_reset", "success", kiosk_id=holder.kiosk_id, sso_id=holder.sso_id)

        run(self.engine, apply)

    def resend_otp(self, ctx: RequestContext, challenge_id: str) -> otp.Challenge:
        def work(conn: Connection) -> otp.Challenge:
            try:
                issued = otp.resend(conn, self.settings, ctx.now, challenge_id)
            except Refusal as refusal:
                audit.record(conn, ctx, "otp_resend", refusal.error.code)
                raise
            self._send_otp(conn, issued, ctx.now)
            audit.record(
                conn, ctx, "otp_resend", "sent", kiosk_id=issued.challenge.kiosk_id, detail=issued.challenge.purpose
            )
            return issued.challenge

        return run(self.engine, work)


def issue_kiosk_password(
    conn: Connection, accounts: KioskAccounts, ctx: RequestContext, kiosk_code: str
) -> tuple[Holder, str]:
    """A kiosk's first password, or a reset one, sent by SMS and e-mail (the support desk's, API or console)."""
    holder = holder_by_code(conn, kiosk_code)
    had = conn.execute(select(credentials_t.c.kiosk_id).where(credentials_t.c.kiosk_id == holder.kiosk_id)).first()
    reason = "reset_password" if had else "first_password"
    accounts.issue(conn, ctx, holder, reason=reason)
    return holder, reason


def change_kiosk_status(conn: Connection, ctx: RequestContext, kiosk_code: str, status: str) -> str:
    """Suspend a kiosk or make it active again, in the auth log; answers the status it had before."""
    holder = holder_by_code(conn, kiosk_code)
    before = str(conn.execute(select(kiosks_t.c.status).where(kiosks_t.c.id == holder.kiosk_id)).scalar_one())
    conn.execute(kiosks_t.update().where(kiosks_t.c.id == holder.kiosk_id).values(status=status))
    audit.record(conn, ctx, "kiosk_status", status, kiosk_id=holder.kiosk_id, sso_id=holder.sso_id)
    return before
