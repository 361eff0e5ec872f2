"""Password hashing (argon2id) and the password rule: length, a common-password list, no SSO ID, not reused."""

from __future__ import annotations

import contextlib
import secrets
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 256  # long passphrases are welcome; the bound only caps hashing work per request

# Issued passwords avoid characters that are easily misread on an SMS (0/O, 1/l/I).
_ISSUE_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def normalise(password: str) -> str:
    """NFC, so that the same password typed on two keyboards (composed or not) is the same password."""
    return unicodedata.normalize("NFC", password)


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("server").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@dataclass(frozen=True)
class Problem:
    rule: str
    message: str


def rule_problems(password: str, sso_id: str) -> list[Problem]:
    """What is wrong with a new password, apart from reuse (which needs the stored hashes)."""
    password = normalise(password)
    problems: list[Problem] = []
    if not password.strip():
        problems.append(Problem("blank", "The password cannot be empty or only spaces."))
        return problems
    if len(password) < MIN_LENGTH:
        problems.append(Problem("too_short", f"Use at least {MIN_LENGTH} characters; a passphrase is best."))
    if len(password) > MAX_LENGTH:
        problems.append(Problem("too_long", f"Use at most {MAX_LENGTH} characters."))
    folded = password.strip().casefold()
    if folded in common_passwords():
        problems.append(Problem("common", "This password is too common; choose one that others do not use."))
    if sso_id and sso_id.casefold() in folded:
        problems.append(Problem("contains_sso_id", "The password must not contain your SSO ID."))
    return problems


def issue_password() -> str:
    """A random first or reset password, 3 groups of 4 characters (about 69 bits)."""
    groups = ["".join(secrets.choice(_ISSUE_ALPHABET) for _ in range(4)) for _ in range(3)]
    return "-".join(groups)


class Passwords:
    """argon2id with the library's default parameters, or cheap ones that only demo mode allows."""

    def __init__(self, profile: Literal["default", "fast"] = "default") -> None:
        if profile == "fast":
            self.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        else:
            self.hasher = PasswordHasher()
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return self.hasher.hash(normalise(password))

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when the password matches; an unknown user (no hash) still pays for one comparison."""
        if stored_hash is None:
            if self._dummy is None:
                self._dummy = self.hasher.hash(secrets.token_urlsafe(16))
            with contextlib.suppress(VerificationError, InvalidHashError):
                self.hasher.verify(self._dummy, normalise(password))
            return False
        try:
            return self.hasher.verify(stored_hash, normalise(password))
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self.hasher.check_needs_rehash(stored_hash)
