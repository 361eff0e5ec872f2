"""Signing in and out of the console, its home and its stylesheet."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from server.admin import accounts, trail
from server.admin.console.pages import (
    ANYONE_SIGNED_IN,
    FOLDER,
    HOME,
    SESSION_COOKIE,
    STYLESHEET,
    client_ip,
    gated,
    https_only,
    problem_text,
    read_form,
    render,
    signed_in,
    to_sign_in,
)
from server.auth.clock import AuthClock
from server.auth.passwords import Passwords
from server.core.config import Settings
from server.core.errors import ApiError

router = APIRouter()


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse(HOME, status_code=303)


@router.get("/" + STYLESHEET)
def stylesheet() -> Response:
    css = FOLDER.joinpath(STYLESHEET).read_text(encoding="utf-8")
    return Response(css, media_type="text/css", headers={"cache-control": "max-age=3600"})


@router.get("/sign-in")
def sign_in_page(request: Request) -> HTMLResponse:
    return render(request, "sign_in.html")


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    try:
        fields = await read_form(request)
    except ApiError as exc:
        return render(request, "sign_in.html", problem=problem_text(request, exc), status=exc.status)
    state = request.app.state
    settings: Settings = state.settings
    passwords: Passwords = state.passwords
    clock: AuthClock = state.clock
    client = client_ip(request)
    request.scope[trail.CLIENT_KEY] = client

    def work() -> Any:
        with state.engine.begin() as conn:
            return accounts.sign_in(
                conn,
                passwords,
                settings,
                username=fields.get("username", "")[:64],
                password=fields.get("password", "")[:256],
                code=fields.get("code", "")[:8],
                now=clock.now(),
                client_ip=client,
            )

    from starlette.concurrency import run_in_threadpool

    outcome = await run_in_threadpool(work)
    if isinstance(outcome, accounts.SignInRefusal):
        typed = fields.get("username", "").strip().lower()[:64]
        actor = "?" + typed if outcome.admin_id is not None else accounts.typed_name_label(settings, typed)
        request.scope[trail.NOTE_KEY] = outcome.reason
        request.scope[trail.ACTOR_KEY] = actor
        trail.note_change(request.scope, None, {"username": actor})
        failure = outcome.error()
        return render(request, "sign_in.html", problem=problem_text(request, failure), status=failure.status)
    session, principal = outcome
    request.scope[trail.PRINCIPAL_KEY] = principal
    trail.note_change(request.scope, None, {"username": principal.username, "session_id": session.session_id})
    response = RedirectResponse(HOME, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        httponly=True,
        secure=https_only(request),
        samesite="strict",
        path="/admin",
        max_age=settings.admin_session_absolute_hours * 3600,
    )
    return response


@router.post("/sign-out")
@gated("POST /admin/sign-out", ANYONE_SIGNED_IN)
async def sign_out(request: Request) -> Response:
    principal = signed_in(request, ANYONE_SIGNED_IN)
    await read_form(request)
    if principal is not None and principal.session_id is not None:
        clock: AuthClock = request.app.state.clock
        with request.app.state.engine.begin() as conn:
            accounts.sign_out(conn, principal.session_id, clock.now())
    response = to_sign_in()
    response.delete_cookie(SESSION_COOKIE, path="/admin")
    return response
