"""Sign-in use-cases: login, change password, "Forget User name/SSO ID?", "Forget Password?", profile."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from kiosk_app.api import ApiClient
from kiosk_app.contract import (
    LoginPublic,
    OtpChallengePublic,
    ProfilePublic,
    SessionPublic,
    SsoIdsPublic,
    SyncKeyPublic,
)
from kiosk_app.errors import InvalidCredentials, InvalidInput, KioskError, NotSignedIn, SessionExpired
from kiosk_app.receipt_key import ReceiptKey
from kiosk_app.session import LocalSettings, SignedInOperator, TokenStore

log = logging.getLogger("emitra.auth")

NextStep = Literal["change_password", "complete_profile", "ready"]


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in, and what the operator must do next before services open."""

    kiosk_code: str
    sso_id: str
    kiosk_status: str
    next_step: NextStep
    must_change_password: bool
    profile_completed: bool
    expires_at: str
    idle_timeout_seconds: int

    @classmethod
    def from_answer(cls, s: SessionPublic | LoginPublic) -> SignedIn:
        return cls(
            s.kiosk_code,
            s.sso_id,
            s.kiosk_status,
            s.next_step,
            s.must_change_password,
            s.profile_completed,
            s.expires_at,
            s.idle_timeout_seconds,
        )


@dataclass(frozen=True)
class OtpSent:
    """An OTP request: the answer is the same whether or not the account exists."""

    challenge_id: str
    message: str
    expires_in_seconds: int
    resend_after_seconds: int
    resends_left: int

    @classmethod
    def from_body(cls, body: Any) -> OtpSent:
        o = OtpChallengePublic.parse(body)
        return cls(o.challenge_id, o.message, o.expires_in_seconds, o.resend_after_seconds, o.resends_left)


@dataclass(frozen=True)
class Profile:
    kiosk_code: str
    kiosk_name: str
    holder_name: str
    district: str
    old_emitra_id: str | None
    sso_id: str
    mobile: str
    email: str
    kiosk_status: str
    address: str | None
    pincode: str | None
    alternate_mobile: str | None
    profile_completed: bool

    @classmethod
    def from_body(cls, body: Any) -> Profile:
        p = ProfilePublic.parse(body)
        return cls(
            p.kiosk_code,
            p.kiosk_name,
            p.holder_name,
            p.district,
            p.old_emitra_id,
            p.sso_id,
            p.mobile,
            p.email,
            p.kiosk_status,
            p.address,
            p.pincode,
            p.alternate_mobile,
            p.profile_completed,
        )


@dataclass(frozen=True)
class ProfileUpdate:
    address: str
    pincode: str
    confirm: bool
    alternate_mobile: str | None = None


def _required(value: str, what: str, *, spaces_count: bool = False) -> str:
    """Refuse an empty field before sending; a password of spaces is the server's rule to explain."""
    if not value or (not spaces_count and not value.strip()):
        raise InvalidInput(f"enter the {what}", code="missing_field", details={"field": what})
    return value


class LockKey:
    """What unlocks a locked screen: a salted scrypt of the password typed at sign-in, held in memory only (never
    written anywhere), so the screen unlocks offline too. Gone with the session."""

    def __init__(self) -> None:
        self._key: tuple[str, bytes, bytes] | None = None  # SSO ID, salt, scrypt

    @staticmethod
    def _derive(password: str, salt: bytes) -> bytes:
        return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)

    def remember(self, sso_id: str, password: str) -> None:
        salt = secrets.token_bytes(16)
        self._key = (sso_id, salt, self._derive(password, salt))

    def forget(self) -> None:
        self._key = None

    @property
    def sso_id(self) -> str | None:
        return self._key[0] if self._key else None

    def opens(self, password: str) -> bool | None:
        """True/False for the password; None when there is no key (the session was resumed, nothing typed)."""
        if self._key is None:
            return None
        _, salt, key = self._key
        return hmac.compare_digest(self._derive(password, salt), key)


class KioskAccount:
    """The operator's account on this PC: one server, one token in the keyring, one settings file."""

    def __init__(self, api: ApiClient, tokens: TokenStore, settings: LocalSettings) -> None:
        self.api = api
        self.tokens = tokens
        self.settings = settings
        self.lock_key = LockKey()
        self.operator = SignedInOperator()  # printed on every receipt and report
        self.receipt_key = ReceiptKey(tokens.server_url, tokens.backend)  # signs PROVISIONAL receipts' QR
        api.on_session_lost = self._forget_token

    def _forget_token(self) -> None:
        self.api.token = None
        self.tokens.clear()
        self.lock_key.forget()
        self.operator.signed_out()

    def unlock(self, password: str) -> bool:
        """The locked screen's password: checked on this PC (offline too) against the one typed at sign-in; a
        resumed session, which typed none, asks the server (a new sign-in with the same SSO ID)."""
        _required(password, "password", spaces_count=True)
        opens = self.lock_key.opens(password)
        if opens is not None:
            return opens
        session = SessionPublic.parse(self.api.get("/auth/session"))
        try:
            self.login(session.sso_id, password, remember_sso_id=False)
        except InvalidCredentials:
            return False
        return True

    @property
    def remembered_sso_id(self) -> str | None:
        return self.settings.remembered_sso_id

    # -- session ------------------------------------------------------------------------------------------
    def resume(self) -> SignedIn | None:
        """The session kept in the keyring, if the server still honours it."""
        token = self.tokens.load()
        if token is None:
            return None
        self.api.token = token
        try:
            signed_in = SignedIn.from_answer(SessionPublic.parse(self.api.get("/auth/session")))
        except (NotSignedIn, SessionExpired):
            return None
        self.operator.signed_in(signed_in.sso_id)
        if signed_in.next_step == "ready":
            self.renew_sync_key()
            self.receipt_key.register(self.api)
        return signed_in

    def login(self, sso_id: str, password: str, *, remember_sso_id: bool = True) -> SignedIn:
        _required(sso_id, "SSO ID")
        _required(password, "password", spaces_count=True)
        login = LoginPublic.parse(
            self.api.post("/auth/login", {"sso_id": sso_id.strip(), "password": password}, auth=False)
        )
        self.api.token = login.token
        self.tokens.save(login.token)
        self.lock_key.remember(login.sso_id, password)
        self.operator.signed_in(login.sso_id)
        if remember_sso_id:
            self.settings.remember_sso_id(login.sso_id)
        signed_in = SignedIn.from_answer(login)
        if signed_in.next_step == "ready":
            self.renew_sync_key()
            self.receipt_key.register(self.api)
        return signed_in

    def renew_sync_key(self) -> bool:
        """Fetch this PC's day-end sync key, so the scheduled `sync` runs after the operator has signed out.

        A failure here never stops the sign-in: the sync at the counter works without the key, and the
        headless command says what to do when it has none.
        """
        try:
            key = SyncKeyPublic.parse(self.api.post("/auth/sync-key"))
            self.tokens.sync_keys().save(key.sync_key)
        except KioskError as exc:
            log.warning("no day-end sync key this time: %s", exc)
            return False
        return True

    def logout(self) -> None:
        try:
            if self.api.token is not None:
                self.api.post("/auth/logout")
        finally:
            self._forget_token()

    def change_password(self, current_password: str, new_password: str) -> None:
        """Set a new password; the server ends every session, so the operator signs in again."""
        _required(current_password, "current password", spaces_count=True)
        _required(new_password, "new password", spaces_count=True)
        self.api.post("/auth/password", {"current_password": current_password, "new_password": new_password})
        self._forget_token()
        self.tokens.sync_keys().clear()  # the server ended it with every other session

    # -- "Forget User name/SSO ID?" -----------------------------------------------------------------------
    def forgot_sso_id(self, mobile_or_email: str) -> OtpSent:
        _required(mobile_or_email, "registered mobile number or e-mail")
        return OtpSent.from_body(self.api.post("/auth/forgot-sso-id", {"contact": mobile_or_email}, auth=False))

    def confirm_sso_id(self, otp: OtpSent, code: str) -> list[str]:
        _required(code, "OTP")
        body = self.api.post(
            "/auth/forgot-sso-id/verify", {"challenge_id": otp.challenge_id, "otp": code.strip()}, auth=False
        )
        return list(SsoIdsPublic.parse(body).sso_ids)

    # -- "Forget Password?" -------------------------------------------------------------------------------
    def forgot_password(self, sso_id: str) -> OtpSent:
        _required(sso_id, "SSO ID")
        return OtpSent.from_body(self.api.post("/auth/forgot-password", {"sso_id": sso_id.strip()}, auth=False))

    def reset_password(self, otp: OtpSent, code: str, new_password: str) -> None:
        _required(code, "OTP")
        _required(new_password, "new password", spaces_count=True)
        self.api.post(
            "/auth/forgot-password/reset",
            {"challenge_id": otp.challenge_id, "otp": code.strip(), "new_password": new_password},
            auth=False,
        )

    def resend_otp(self, otp: OtpSent) -> OtpSent:
        return OtpSent.from_body(self.api.post("/auth/otp/resend", {"challenge_id": otp.challenge_id}, auth=False))

    # -- profile ------------------------------------------------------------------------------------------
    def profile(self) -> Profile:
        return Profile.from_body(self.api.get("/profile"))

    def complete_profile(self, update: ProfileUpdate) -> Profile:
        body: dict[str, Any] = {"address": update.address, "pincode": update.pincode.strip(), "confirm": update.confirm}
        if update.alternate_mobile:
            body["alternate_mobile"] = update.alternate_mobile
        profile = Profile.from_body(self.api.put("/profile", body))
        if profile.profile_completed:
            self.renew_sync_key()
            self.receipt_key.register(self.api)
        return profile
