"""Typed failures an operator can read (English + Hindi), kept apart from our own bugs.

The words are the catalog's (`words`): `error.<code>` for every code, `error.<code>.details` where the server
sends the parameters it needs (amounts as `<name>_paise`, shown in rupees as `{<name>}`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import words
from printing.money import format_rupees
from words import Language


class _CodeWords:
    """A class's catalog text in one language, read when asked (`InvalidCredentials.hindi`)."""

    def __init__(self, language: Language) -> None:
        self.language = language

    def __get__(self, instance: object, owner: type[KioskError]) -> str:
        return words.text(f"error.{owner.code}", self.language)


class KioskError(Exception):
    """A failure with a stable code and a message in English and Hindi."""

    code: ClassVar[str] = "error"
    english: ClassVar[str] = _CodeWords(Language.ENGLISH)  # type: ignore[assignment]
    hindi: ClassVar[str] = _CodeWords(Language.HINDI)  # type: ignore[assignment]

    def __init__(
        self,
        message_en: str | None = None,
        *,
        message_hi: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
        code: str | None = None,
        server_message: str | None = None,
    ) -> None:
        self.error_code = code or self.code
        self.details = details or {}
        english, hindi = operator_words(self.error_code, self.details) or (self.english, self.hindi)
        self.message_en = message_en or english
        self.message_hi = message_hi or hindi
        self.server_message = server_message
        super().__init__(self.message_en)
        self.status = status

    def __str__(self) -> str:
        return self.message_en

    @property
    def operator_message(self) -> str:
        return f"{self.message_en}\n{self.message_hi}"


# -- the environment's fault: show a message and a way forward ----------------------------------------


class EnvironmentFault(KioskError):
    """Not our bug: the network, the server, the PC's configuration."""


class ServerUnreachable(EnvironmentFault):
    code = "server_unreachable"


class TlsFailure(EnvironmentFault):
    code = "tls_failure"


class ServerFault(EnvironmentFault):
    code = "server_fault"


class ConfigurationError(EnvironmentFault):
    code = "configuration_error"


class KeyringUnavailable(EnvironmentFault):
    code = "keyring_unavailable"


class NeedsConnection(EnvironmentFault):
    """The service cannot be done offline (only offline-capable services are)."""

    code = "needs_connection"


class FileNotSaved(EnvironmentFault):
    """A file the operator asked for (an exported statement) could not be written: disk, folder, permission."""

    code = "file_not_saved"


class AnswerLost(EnvironmentFault):
    """A request went out and no answer came back; the outbox keeps it and the server is asked later."""

    code = "answer_lost"


# -- the server refused: a code the screens can act on ------------------------------------------------


class Refused(KioskError):
    """The server (or a check before sending) refused the request; `error_code` says why."""

    code = "refused"


class InvalidInput(Refused):
    code = "invalid_request"


class NotSignedIn(Refused):
    code = "not_authenticated"


class SessionExpired(Refused):
    code = "session_expired"


class InvalidCredentials(Refused):
    code = "invalid_credentials"


class LoginThrottled(Refused):
    code = "login_throttled"

    @property
    def retry_after_seconds(self) -> int:
        return int(self.details.get("retry_after_seconds", 0))


class TooManyAttempts(Refused):
    code = "too_many_attempts"


class WrongCurrentPassword(Refused):
    code = "wrong_current_password"


class PasswordRejected(Refused):
    code = "password_rejected"

    @property
    def rules(self) -> list[str]:
        return [str(p.get("rule")) for p in self.details.get("problems", [])]


class PasswordChangeRequired(Refused):
    code = "password_change_required"


class ProfileIncomplete(Refused):
    code = "profile_incomplete"


class KioskSuspended(Refused):
    code = "kiosk_suspended"


class OtpInvalid(Refused):
    code = "otp_invalid"

    @property
    def attempts_left(self) -> int:
        return int(self.details.get("attempts_left", 0))


class OtpExpired(Refused):
    code = "otp_expired"


class OtpUsed(Refused):
    code = "otp_used"


class OtpAttemptsExhausted(Refused):
    code = "otp_attempts_exhausted"


class OtpRateLimited(Refused):
    code = "otp_rate_limited"


class InvalidContact(InvalidInput):
    code = "invalid_contact"


class ProfileNotConfirmed(InvalidInput):
    code = "profile_not_confirmed"


class OfflineLimitExceeded(Refused):
    code = "offline_limit_exceeded"

    @property
    def limit_paise(self) -> int:
        return int(self.details.get("limit_paise", 0))


class UnknownService(Refused):
    code = "unknown_service"


class InvalidField(InvalidInput):
    code = "invalid_field"


class ContactRequired(InvalidInput):
    code = "contact_required"


class InsufficientBalance(Refused):
    code = "insufficient_balance"


class BillAlreadyPaid(Refused):
    code = "bill_already_paid"


class DepartmentNoAnswer(Refused):
    """The department (not our server) did not answer Get Bill Details in time: nothing happened, ask again."""

    code = "biller_timeout"


class DepartmentFailed(Refused):
    code = "biller_error"


class ConsumerNotFound(Refused):
    code = "consumer_not_found"


class AmountMismatch(InvalidInput):
    code = "amount_must_equal_due"


class UnknownPayment(Refused):
    code = "unknown_payment"


class OperationIdReused(Refused):
    code = "operation_id_reused"


# -- Financial → Wallet, Fund Payout, statement ------------------------------------------------------------


class AmountOutOfRange(InvalidInput):
    code = "amount_out_of_range"

    @property
    def min_paise(self) -> int:
        return int(self.details.get("min_paise", 0))

    @property
    def max_paise(self) -> int:
        return int(self.details.get("max_paise", 0))


class InvalidAmount(InvalidInput):
    code = "invalid_amount"


class UnknownOrder(Refused):
    code = "unknown_order"


class CugCodeRequired(InvalidInput):
    code = "cug_code_required"


class InvalidCugCode(InvalidInput):
    code = "invalid_cug_code"


class WrongCugCode(InvalidInput):
    code = "wrong_cug_code"


class CugCodeUsed(Refused):
    code = "cug_code_used"


class NoOldEmitraId(Refused):
    code = "no_old_emitra_id"


class NoLegacyLimit(Refused):
    code = "no_legacy_limit"


class NothingDue(Refused):
    code = "nothing_due"


class AmountExceedsDue(InvalidInput):
    code = "amount_exceeds_due"


class InvalidRange(InvalidInput):
    code = "invalid_range"


class RangeTooLong(InvalidInput):
    code = "range_too_long"


_BY_CODE: dict[str, type[Refused]] = {
    cls.code: cls
    for cls in (
        InvalidInput,
        NotSignedIn,
        SessionExpired,
        InvalidCredentials,
        LoginThrottled,
        TooManyAttempts,
        WrongCurrentPassword,
        PasswordRejected,
        PasswordChangeRequired,
        ProfileIncomplete,
        KioskSuspended,
        OtpInvalid,
        OtpExpired,
        OtpUsed,
        OtpAttemptsExhausted,
        OtpRateLimited,
        InvalidContact,
        ProfileNotConfirmed,
        OfflineLimitExceeded,
        UnknownService,
        InvalidField,
        ContactRequired,
        InsufficientBalance,
        BillAlreadyPaid,
        ConsumerNotFound,
        DepartmentNoAnswer,
        DepartmentFailed,
        AmountMismatch,
        UnknownPayment,
        OperationIdReused,
        AmountOutOfRange,
        InvalidAmount,
        UnknownOrder,
        CugCodeRequired,
        InvalidCugCode,
        WrongCugCode,
        CugCodeUsed,
        NoOldEmitraId,
        NoLegacyLimit,
        NothingDue,
        AmountExceedsDue,
        InvalidRange,
        RangeTooLong,
    )
}
_BY_CODE["malformed_json"] = InvalidInput


# Codes whose count picks a plural form of their `.details` text.
_COUNTS = {"otp_invalid": "attempts_left"}


def parameters(code: str, details: dict[str, Any]) -> dict[str, object]:
    """The values the catalog's `error.<code>.details` text may name, from the server's error body."""
    values: dict[str, object] = {}
    for name, value in details.items():
        if isinstance(value, bool) or not isinstance(value, int | str):
            continue
        values[name] = value
        if name.endswith("_paise") and isinstance(value, int):
            values[name.removesuffix("_paise")] = format_rupees(value)
    spendable, requested = details.get("spendable_paise"), details.get("requested_paise")
    if isinstance(spendable, int) and isinstance(requested, int):
        values["shortfall"] = format_rupees(max(requested - spendable, 0))
    counted = _COUNTS.get(code)
    if counted is not None and isinstance(details.get(counted), int):
        values["count"] = details[counted]
    return values


def operator_words(code: str, details: dict[str, Any]) -> tuple[str, str] | None:
    """(English, Hindi) for a server error, with its parameters; None for a code this program does not know."""
    catalog = words.catalog()
    if code == PasswordRejected.code:
        rules = [f"error.password_rejected.{p.get('rule')}" for p in details.get("problems", []) if isinstance(p, dict)]
        known = [words.pair(key) for key in rules if key in catalog]
        if known:
            return " ".join(en for en, _ in known), " ".join(hi for _, hi in known)
    with_details = f"error.{code}.details"
    if with_details in catalog:
        values = parameters(code, details)
        entry = catalog[with_details]
        needed = set().union(*(words.placeholders(form) for form in entry.english))
        if needed <= values.keys() and (not entry.has_plural or "count" in values):
            return words.pair(with_details, **values)
    key = f"error.{code}"
    return words.pair(key) if key in catalog else None


def refusal(status: int, code: str, message: str, details: dict[str, Any]) -> Refused:
    """The typed refusal for a server error body {"error": {"code", "message", ...}}.

    The operator reads the catalog's words for the code. Two exceptions: the server's own Hindi beside its
    English (a service's words from the service catalog, e.g. "without the K No."), and a code this program
    does not know yet (the server's English, the general refusal in Hindi).
    """
    cls = _BY_CODE.get(code, Refused)
    server_hindi = details.get("message_hi")
    if isinstance(server_hindi, str) and server_hindi:
        english, hindi = message, server_hindi
    else:
        english, hindi = operator_words(code, details) or (message, Refused.hindi)
    return cls(english, message_hi=hindi, status=status, details=details, code=code, server_message=message)
