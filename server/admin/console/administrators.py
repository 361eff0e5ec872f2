"""The administrators desk: the back office's accounts, a new one, and suspending one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

import words
from server.admin import accounts, trail
from server.admin.console.pages import (
    ADMIN_READERS,
    DESK,
    FormRefused,
    act,
    admitted,
    field_messages,
    gated,
    language,
    problem_text,
    render,
)
from server.admin.roles import PEOPLE, SUPPORT, AdminPrincipal
from server.admin.schemas import AdministratorIn, AdministratorStatusIn
from server.auth.clock import AuthClock
from server.core.errors import ApiError
from server.core.fields import PathName

router = APIRouter()


def _administrators(
    request: Request,
    problem: str | None = None,
    status: int = 200,
    *,
    typed: dict[str, Any] | None = None,
    field_problems: dict[str, str] | None = None,
    made: accounts.NewAdministrator | None = None,
) -> Response:
    """The back office's accounts (support, auditor), support's form for a new one and its suspend button."""
    principal = admitted(request, ADMIN_READERS)
    if isinstance(principal, Response):
        return principal
    with request.app.state.engine.connect() as conn:
        listed = accounts.list_administrators(conn)
    response = render(
        request,
        "administrators.html",
        admin=principal,
        problem=problem,
        status=status,
        administrators=listed,
        roles=PEOPLE,
        can_manage=SUPPORT in principal.roles,
        typed=typed or {"roles": []},
        field_problems=field_problems or {},
        made=made,
    )
    if made is not None:
        response.headers["cache-control"] = "no-store"  # the TOTP secret is shown this once
    return response


@router.get("/administrators")
@gated("GET /admin/administrators", ADMIN_READERS)
def administrators_page(request: Request) -> Response:
    return _administrators(request)


def _password_problem(request: Request, exc: ApiError) -> str:
    """A refused password's reasons in the page's language (error.password_rejected.<rule>)."""
    lang = language(request)
    reasons = []
    for refusal in exc.details.get("problems", []):
        try:
            reasons.append(words.text(f"error.password_rejected.{refusal['rule']}", lang))
        except KeyError:
            reasons.append(str(refusal["message"]))
    return " ".join(reasons) or problem_text(request, exc)


@router.post("/administrators")
@gated("POST /admin/administrators", DESK)
async def create_administrator_form(request: Request) -> Response:
    """A new administrator (support), as POST /api/v1/admin/administrators; its TOTP secret is shown once."""
    from starlette.concurrency import run_in_threadpool

    typed: dict[str, Any] = {"roles": []}
    refused: dict[str, str] = {}
    made: list[accounts.NewAdministrator] = []

    def action(principal: AdminPrincipal, fields: dict[str, str]) -> None:
        roles = [r for r in PEOPLE if fields.get(f"role_{r}") == "on"]
        typed.update(
            username=fields.get("username", "").strip()[:64], display_name=fields.get("display_name", "")[:120]
        )
        typed["roles"] = roles
        try:
            body = AdministratorIn(
                username=typed["username"],
                display_name=typed["display_name"],
                password=fields.get("password", "")[:256],
                roles=roles,
            )
        except ValidationError as exc:
            refused.update(field_messages(request, exc, "admin_invalid"))
            raise FormRefused(refused) from exc
        clock: AuthClock = request.app.state.clock
        try:
            with request.app.state.engine.begin() as conn:
                new = accounts.create_administrator(
                    conn,
                    request.app.state.passwords,
                    username=body.username,
                    display_name=body.display_name,
                    password=body.password,
                    roles=body.roles,
                    now=clock.now(),
                    created_by=principal.admin_id,
                )
        except ApiError as exc:
            field = "password" if exc.code == "password_rejected" else exc.details.get("field")
            if field:
                text = _password_problem(request, exc) if field == "password" else problem_text(request, exc)
                refused[str(field)] = text
            raise
        made.append(new)
        trail.note_change(request.scope, None, {"username": new.username, "roles": sorted(new.roles)})

    def back(r: Request, problem: str, status: int) -> Response:
        return _administrators(r, problem, status, typed=typed, field_problems=refused)

    answer = await act(request, DESK, action, back=back)
    if made:
        return await run_in_threadpool(lambda: _administrators(request, made=made[0]))
    return answer


@router.post("/administrators/{username}/status")
@gated("POST /admin/administrators/{username}/status", DESK)
async def administrator_status(username: PathName, request: Request) -> Response:
    """Suspend an administrator (their sessions end at once) or make them active again (support)."""

    def action(_principal: AdminPrincipal, fields: dict[str, str]) -> None:
        try:
            body = AdministratorStatusIn(status=fields.get("status", ""))
        except ValidationError as exc:
            raise ApiError("the status is active or suspended", code="invalid_request", status=422) from exc
        clock: AuthClock = request.app.state.clock
        with request.app.state.engine.begin() as conn:
            before, after = accounts.set_status(conn, username, body.status, clock.now())
        trail.note_change(request.scope, before, after)

    return await act(request, DESK, action, back=_administrators, done="/admin/administrators")
