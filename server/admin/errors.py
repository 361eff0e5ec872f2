"""The back office's refusals (each code has English and Hindi in the catalog)."""

from __future__ import annotations

from server.core.errors import ApiError


class AdminUnauthorized(ApiError):
    status = 401
    code = "admin_unauthorized"


class AdminSignInFailed(ApiError):
    """Unknown name, wrong password, wrong or replayed TOTP, suspended: one answer (the trail says which)."""

    status = 401
    code = "admin_sign_in_failed"


class RoleRefused(ApiError):
    status = 403
    code = "admin_role_refused"


class ProposalRequired(ApiError):
    """A named administrator moves this money only through a proposal that another approves."""

    status = 403
    code = "proposal_required"


class SelfApproval(ApiError):
    status = 403
    code = "self_approval"


class ProposalDecided(ApiError):
    status = 409
    code = "proposal_decided"
