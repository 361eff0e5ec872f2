"""Administrators: signing in (password and TOTP) and out, who am I, and the accounts of the back office."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from server.admin import accounts, trail
from server.admin.roles import AUDITOR, SIGNED_IN, SUPPORT, AdminPrincipal
from server.admin.schemas import (
    AdministratorCreatedPublic,
    AdministratorIn,
    AdministratorsPublic,
    AdministratorStatusIn,
    AdminMePublic,
    AdminSessionPublic,
    AdminSignedOutPublic,
    AdminSignInIn,
)
from server.api.answers import checked
from server.api.deps import ClockDep, EngineDep, PasswordsDep, SettingsDep, SignInGate, allow
from server.auth.audit import RequestContext
from server.core.fields import PathName

router = APIRouter(tags=["admin"])


@router.post("/session", response_model=AdminSessionPublic)
def sign_in(
    body: AdminSignInIn,
    request: Request,
    ctx: Annotated[RequestContext, Depends(SignInGate())],
    engine: EngineDep,
    passwords: PasswordsDep,
    settings: SettingsDep,
) -> Response:
    """Sign in with username, password and the authenticator's code; one answer for every failure."""
    with engine.begin() as conn:
        outcome = accounts.sign_in(
            conn,
            passwords,
            settings,
            username=body.username,
            password=body.password,
            code=body.code,
            now=ctx.now,
            client_ip=ctx.client_ip,
        )
    if isinstance(outcome, accounts.SignInRefusal):
        # The trail names the account tried, or — no account of that name — a keyed hash of what was typed:
        # a password typed into the name box is never kept readable (as the kiosks' audit log does).
        typed = body.username.strip().lower()
        actor = "?" + typed if outcome.admin_id is not None else accounts.typed_name_label(settings, typed)
        request.scope[trail.NOTE_KEY] = outcome.reason
        request.scope[trail.ACTOR_KEY] = actor
        trail.note_change(request.scope, None, {"username": actor})
        raise outcome.error()
    session, principal = outcome
    request.scope[trail.PRINCIPAL_KEY] = principal
    trail.note_change(request.scope, None, {"username": principal.username, "session_id": session.session_id})
    return checked(
        AdminSessionPublic,
        {
            "token": session.token,
            "username": principal.username,
            "roles": sorted(principal.roles),
            "expires_at": session.expires_at.isoformat(),
            "idle_expires_at": session.idle_expires_at.isoformat(),
        },
    )


@router.delete("/session")
def sign_out(
    principal: Annotated[AdminPrincipal, allow(*SIGNED_IN)], engine: EngineDep, clock: ClockDep
) -> AdminSignedOutPublic:
    if principal.session_id is not None:
        with engine.begin() as conn:
            accounts.sign_out(conn, principal.session_id, clock.now())
    return AdminSignedOutPublic(username=principal.username, status="signed_out")


@router.get("/me")
def me(principal: Annotated[AdminPrincipal, allow(*SIGNED_IN)]) -> AdminMePublic:
    return AdminMePublic(username=principal.username, roles=sorted(principal.roles), person=principal.is_person)


@router.get("/administrators", response_model=AdministratorsPublic, dependencies=[allow(SUPPORT, AUDITOR)])
def list_administrators(engine: EngineDep) -> Response:
    with engine.connect() as conn:
        return checked(AdministratorsPublic, {"administrators": accounts.list_administrators(conn)})


@router.post("/administrators", status_code=201)
def create_administrator(
    body: AdministratorIn,
    request: Request,
    principal: Annotated[AdminPrincipal, allow(SUPPORT)],
    engine: EngineDep,
    passwords: PasswordsDep,
    clock: ClockDep,
) -> AdministratorCreatedPublic:
    """A new administrator with a TOTP secret, shown in this answer only."""
    with engine.begin() as conn:
        made = accounts.create_administrator(
            conn,
            passwords,
            username=body.username,
            display_name=body.display_name,
            password=body.password,
            roles=body.roles,
            now=clock.now(),
            created_by=principal.admin_id,
        )
    trail.note_change(request.scope, None, {"username": made.username, "roles": sorted(made.roles)})
    return AdministratorCreatedPublic(
        username=made.username, roles=sorted(made.roles), totp_secret=made.totp_secret, totp_uri=made.totp_uri
    )


@router.put("/administrators/{username}/status", dependencies=[allow(SUPPORT)])
def set_administrator_status(
    username: PathName, body: AdministratorStatusIn, request: Request, engine: EngineDep, clock: ClockDep
) -> AdministratorStatusIn:
    """Suspend an administrator (their sessions end at once) or make them active again."""
    with engine.begin() as conn:
        before, after = accounts.set_status(conn, username, body.status, clock.now())
    trail.note_change(request.scope, before, after)
    return body
