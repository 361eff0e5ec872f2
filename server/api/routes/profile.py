"""The profile page of the signed-in kiosk: read it, complete and confirm it."""

from __future__ import annotations

from fastapi import APIRouter

from server.api.deps import CurrentAccount, EngineDep, RequestContextDep
from server.auth import profile
from server.auth.schemas import ProfileIn, ProfilePublic

router = APIRouter(tags=["profile"])


@router.get("")
def read_profile(session: CurrentAccount, engine: EngineDep) -> ProfilePublic:
    with engine.connect() as conn:
        return profile.read(conn, session.kiosk_id)


@router.put("")
def complete_profile(
    data: ProfileIn, session: CurrentAccount, engine: EngineDep, ctx: RequestContextDep
) -> ProfilePublic:
    """Complete and confirm the profile (`confirm: true`); until then services refuse with profile_incomplete."""
    with engine.begin() as conn:
        return profile.complete(conn, ctx, session, data)
