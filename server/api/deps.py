"""Dependencies shared by the routes: settings, engine, the administrator and their roles, the kiosk session.

Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency on a worker thread,
and one hop per dependency cost more than the request's database work.  Only the session dependencies
(a database read) are plain functions."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from server.admin import accounts as admin_accounts
from server.admin import roles, trail
from server.admin.errors import AdminUnauthorized, RoleRefused
from server.admin.roles import AdminPrincipal
from server.auth import sessions
from server.auth.accounts import KioskAccounts
from server.auth.audit import RequestContext
from server.auth.clock import AuthClock
from server.auth.errors import KioskSuspended, PasswordChangeRequired, ProfileIncomplete
from server.auth.messages import MessageGateway
from server.auth.passwords import Passwords
from server.auth.sessions import SessionInfo
from server.core.config import Settings
from server.core.errors import ApiError


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
EngineDep = Annotated[Engine, Depends(get_engine)]


# -- sign-in machinery ----------------------------------------------------------------------------------


async def get_clock(request: Request) -> AuthClock:
    clock: AuthClock = request.app.state.clock
    return clock


async def get_passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


async def get_gateway(request: Request) -> MessageGateway:
    gateway: MessageGateway = request.app.state.gateway
    return gateway


ClockDep = Annotated[AuthClock, Depends(get_clock)]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
GatewayDep = Annotated[MessageGateway, Depends(get_gateway)]


def _printable(value: str | None, limit: int = 64) -> str | None:
    if value is None:
        return None
    cleaned = "".join(ch for ch in value if ch.isprintable())[:limit].strip()
    return cleaned or None


async def get_request_context(
    request: Request,
    x_machine_id: Annotated[
        str | None, Header(description="the kiosk PC's stable id, recorded in the auth audit log")
    ] = None,
) -> RequestContext:
    clock: AuthClock = request.app.state.clock
    settings: Settings = request.app.state.settings
    client_ip = client_address(
        request.client.host if request.client else None, request.headers.get("x-forwarded-for"), settings.proxy_networks
    )
    return RequestContext(machine_id=_printable(x_machine_id), client_ip=_printable(client_ip), now=clock.now())


def client_address(
    peer: str | None, forwarded_for: str | None, proxies: tuple[IPv4Network | IPv6Network, ...]
) -> str | None:
    """The client's address: the peer, unless the peer is a configured proxy — then the last address in
    X-Forwarded-For that is not one (each proxy appends the address it saw; earlier entries are the client's say)."""

    def trusted(address: str | None) -> bool:
        try:
            return address is not None and any(ip_address(address) in net for net in proxies)
        except ValueError:
            return False

    if not proxies or not forwarded_for or not trusted(peer):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not trusted(hop):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer  # a malformed entry: not believed
    return hops[0] if hops else peer


RequestContextDep = Annotated[RequestContext, Depends(get_request_context)]

_bearer = HTTPBearer(auto_error=False, description="the session token from POST /api/v1/auth/login")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]

# -- the session a request acts in ----------------------------------------------------------------------
# Each session dependency is one plain function (run on a worker thread: it reads the database) that looks
# the session up and applies its own checks in order.  A chain of dependencies, one check each, cost more
# in FastAPI's dependency solving than the checks themselves.  The lookup is kept on the request, so a
# route that needs two of them still reads the session once.

_SESSION_KEY = "emitra.session"


def _resolved(request: Request, ctx: RequestContext, credentials: HTTPAuthorizationCredentials | None) -> SessionInfo:
    scope = request.scope
    session: SessionInfo | None = scope.get(_SESSION_KEY)
    if session is None:
        state = request.app.state
        engine: Engine = state.engine
        token = credentials.credentials if credentials is not None else None
        with engine.begin() as conn:
            session = sessions.resolve(conn, token, ctx.now, state.settings)
        scope[_SESSION_KEY] = session
    return session


def _operator(session: SessionInfo) -> SessionInfo:
    if session.scope != sessions.OPERATOR:
        raise ApiError(
            "a day-end sync key only pushes the day-end sync; sign in at the kiosk for everything else",
            code="sync_key_scope",
            status=403,
        )
    return session


def _password_changed(session: SessionInfo) -> SessionInfo:
    if session.must_change_password:
        raise PasswordChangeRequired("set a new password first; the issued password only allows that")
    return session


@dataclass(frozen=True)
class KioskPrincipal:
    """The kiosk a request acts for: taken from its session token, never from the URL or body."""

    kiosk_id: int
    kiosk_code: str
    sso_id: str
    session_id: int


def _principal(session: SessionInfo) -> KioskPrincipal:
    if not session.profile_completed:
        raise ProfileIncomplete("complete and confirm the profile page before using services")
    if session.kiosk_status != "active":
        raise KioskSuspended("this kiosk is suspended; contact the eMitra help desk", status_now=session.kiosk_status)
    return KioskPrincipal(session.kiosk_id, session.kiosk_code, session.sso_id, session.session_id)


def any_session(request: Request, ctx: RequestContextDep, credentials: BearerDep) -> SessionInfo:
    """Any valid session or sync key."""
    return _resolved(request, ctx, credentials)


def current_session(request: Request, ctx: RequestContextDep, credentials: BearerDep) -> SessionInfo:
    """Any valid operator session, even one that may only change its issued password."""
    return _operator(_resolved(request, ctx, credentials))


CurrentSession = Annotated[SessionInfo, Depends(current_session)]


def current_account(request: Request, ctx: RequestContextDep, credentials: BearerDep) -> SessionInfo:
    """A session whose issued password has been replaced (the profile may still be incomplete)."""
    return _password_changed(_operator(_resolved(request, ctx, credentials)))


CurrentAccount = Annotated[SessionInfo, Depends(current_account)]


def current_kiosk(request: Request, ctx: RequestContextDep, credentials: BearerDep) -> KioskPrincipal:
    """A session allowed to use services and the wallet: password changed, profile done, kiosk active."""
    return _principal(_password_changed(_operator(_resolved(request, ctx, credentials))))


CurrentKiosk = Annotated[KioskPrincipal, Depends(current_kiosk)]


def sync_kiosk(request: Request, ctx: RequestContextDep, credentials: BearerDep) -> KioskPrincipal:
    """For the day-end sync's routes (push the outbox, read an operation): an operator session or a sync key."""
    return _principal(_password_changed(_resolved(request, ctx, credentials)))


SyncKiosk = Annotated[KioskPrincipal, Depends(sync_kiosk)]


async def get_accounts(request: Request) -> KioskAccounts:
    accounts: KioskAccounts = request.app.state.accounts
    return accounts


AccountsDep = Annotated[KioskAccounts, Depends(get_accounts)]


# -- the administrator a request acts for, and the roles each admin route declares (docs/BACKOFFICE.md) ----


_admin_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="AdminSession",
    description="an administrator's session token from POST /api/v1/admin/session",
)


def _admin_principal(
    request: Request, ctx: RequestContext, credentials: HTTPAuthorizationCredentials | None, token: str | None
) -> AdminPrincipal:
    scope = request.scope
    found: AdminPrincipal | None = scope.get(trail.PRINCIPAL_KEY)
    if found is not None:
        return found
    scope[trail.CLIENT_KEY] = ctx.client_ip
    settings: Settings = request.app.state.settings
    if token is not None:
        if not hmac.compare_digest(token.encode(), settings.admin_token.encode()):
            raise AdminUnauthorized("administrator credential missing or wrong")
        # The static token is no person: on a demo server it may do what the back office did before named
        # administrators; on a production server only what automation needs (roles.AUTOMATION).
        kind = roles.DEMO_TOKEN if settings.mode == "demo" else roles.AUTOMATION
        found = AdminPrincipal(None, kind, frozenset({kind}))
    elif credentials is not None:
        engine: Engine = request.app.state.engine
        with engine.begin() as conn:
            found = admin_accounts.resolve(conn, credentials.credentials, ctx.now, settings)
    else:
        raise AdminUnauthorized("sign in as an administrator (POST /api/v1/admin/session) and send the session token")
    scope[trail.PRINCIPAL_KEY] = found
    return found


class RoleGate:
    """The roles an admin route declares; every admin route has one (tests/server/test_admin_roles.py).

    A request whose administrator has none of them is refused with 403 `admin_role_refused`, or the
    route's own refusal (a direct money move that a named administrator must propose instead)."""

    def __init__(self, allowed: tuple[str, ...], refusal: Callable[[], ApiError] | None = None) -> None:
        self.roles = frozenset(allowed)
        self.refusal = refusal

    def __call__(
        self,
        request: Request,
        ctx: RequestContextDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_admin_bearer)],
        x_admin_token: Annotated[str | None, Header(description="the static token (docs/BACKOFFICE.md)")] = None,
    ) -> AdminPrincipal:
        principal = _admin_principal(request, ctx, credentials, x_admin_token)
        if not principal.roles & self.roles:
            if self.refusal is not None and principal.is_person:
                raise self.refusal()
            raise RoleRefused(
                "your administrator roles do not allow this",
                allowed=sorted(self.roles),
                your_roles=sorted(principal.roles),
            )
        return principal


class SignInGate:
    """The one admin route open to anyone: signing in."""

    roles = frozenset({"anyone"})

    async def __call__(self, request: Request, ctx: RequestContextDep) -> RequestContext:
        request.scope[trail.CLIENT_KEY] = ctx.client_ip
        return ctx


def allow(*allowed: str, refusal: Callable[[], ApiError] | None = None) -> Any:
    """`Depends` on a gate that lets these roles (roles.py) through, for a route's `dependencies=[...]` or as
    the type of its principal parameter: `principal: Annotated[AdminPrincipal, allow(FINANCE)]`."""
    return Depends(RoleGate(allowed, refusal))
