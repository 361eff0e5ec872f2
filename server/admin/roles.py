"""Who an administrator request acts as, and the roles a route may declare (docs/BACKOFFICE.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass

# People's roles.
SUPPORT = "support"  # kiosks, passwords, status, messages; money read-only
FINANCE = "finance"  # cheques, suspense, statements, settlements; money moves only as proposals
APPROVER = "approver"  # approves or rejects proposals
AUDITOR = "auditor"  # reads everything, the admin audit trail too; changes nothing
PEOPLE = (SUPPORT, FINANCE, APPROVER, AUDITOR)

# The static X-Admin-Token is no person: it has one of two scopes, which routes declare like roles.
DEMO_TOKEN = "token:demo"  # a demo server: everything the back office did before named administrators
AUTOMATION = "token:automation"  # a production server: kiosk onboarding and reads, never money or accounts
TOKEN_SCOPES = (DEMO_TOKEN, AUTOMATION)

# What routes commonly declare.
READERS = (*PEOPLE, AUTOMATION, DEMO_TOKEN)  # money and kiosk reads
SIGNED_IN = PEOPLE  # any named administrator (their own session, the proposals list)


@dataclass(frozen=True)
class AdminPrincipal:
    """The administrator a request acts for: a named person (admin_id) or the static token (no admin_id)."""

    admin_id: int | None
    username: str
    roles: frozenset[str]
    session_id: int | None = None

    @property
    def is_person(self) -> bool:
        return self.admin_id is not None


def parse_roles(text: str) -> frozenset[str]:
    return frozenset(r for r in text.split(",") if r)


def role_text(roles: frozenset[str]) -> str:
    return ",".join(sorted(roles))
