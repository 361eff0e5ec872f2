"""What every desk of the console shares: the session, CSRF and language cookies, the CSP, rendering a page in the
administrator's language, reading a form (and an amount typed in it) and acting on it, and each page's role gate."""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError

import words
from server.admin import accounts, trail
from server.admin.console.vocabulary import WORDS
from server.admin.errors import AdminUnauthorized, RoleRefused
from server.admin.roles import APPROVER, AUDITOR, FINANCE, PEOPLE, SUPPORT, AdminPrincipal
from server.api.deps import client_address
from server.auth.clock import AuthClock
from server.auth.errors import SessionExpired
from server.core.config import Settings
from server.core.errors import ApiError
from server.payments import Payments

SESSION_COOKIE = "emitra_admin_session"
CSRF_COOKIE = "emitra_admin_csrf"
LANGUAGE_COOKIE = "emitra_admin_lang"
# No script at all, styles from the server only, forms post only here, never framed.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
STYLESHEET = "console-style.css"
HOME = "/admin/proposals"  # where signing in leads, and a form unless it says where
RUPEES = re.compile(r"^[0-9]{1,8}(\.[0-9]{1,2})?$")

FOLDER = resources.files("server.admin.console")
_templates = Environment(loader=FileSystemLoader(str(FOLDER)), autoescape=select_autoescape(["html"]))


class ConsoleGate:
    """The roles a console page declares (as RoleGate does for the API), from the session cookie."""

    def __init__(self, *allowed: str) -> None:
        self.roles = frozenset(allowed)

    def __call__(self, request: Request) -> AdminPrincipal:
        state = request.app.state
        settings: Settings = state.settings
        clock: AuthClock = state.clock
        request.scope[trail.CLIENT_KEY] = client_ip(request)
        with state.engine.begin() as conn:
            principal = accounts.resolve(conn, request.cookies.get(SESSION_COOKIE), clock.now(), settings)
        request.scope[trail.PRINCIPAL_KEY] = principal
        if not principal.roles & self.roles:
            raise RoleRefused("your administrator roles do not allow this", allowed=sorted(self.roles))
        return principal


def client_ip(request: Request) -> str | None:
    """The client's address by the same rules as the API's (a configured proxy's X-Forwarded-For)."""
    settings: Settings = request.app.state.settings
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.get("x-forwarded-for"), settings.proxy_networks)


def language(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE) or "en"
    return chosen if chosen in ("en", "hi") else "en"


def _rupees(paise: int | None) -> str:
    if paise is None:
        return ""
    return f"{paise // 100:,}.{paise % 100:02d}"


def render(
    request: Request,
    template: str,
    *,
    admin: AdminPrincipal | None = None,
    problem: str | None = None,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    lang = language(request)
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)

    body = _templates.get_template(template).render(
        lang=lang,
        other_lang="hi" if lang == "en" else "en",
        w={name: words.text(key, lang) for name, key in WORDS.items()},
        admin=admin,
        csrf=csrf,
        problem=problem,
        rupees=_rupees,
        demo=request.app.state.settings.mode == "demo",
        **values,
    )
    response = HTMLResponse(body, status_code=status)
    response.headers["content-security-policy"] = CSP
    response.headers["referrer-policy"] = "no-referrer"
    secure = https_only(request)
    response.set_cookie(CSRF_COOKIE, csrf, httponly=True, secure=secure, samesite="strict", path="/admin")
    response.set_cookie(LANGUAGE_COOKIE, lang, httponly=True, secure=secure, samesite="strict", path="/admin")
    return response


def https_only(request: Request) -> bool:
    """Cookies go over https only, always on a production server (behind its TLS proxy) and on any https."""
    settings: Settings = request.app.state.settings
    return settings.mode == "production" or request.url.scheme == "https"


def problem_text(request: Request, exc: ApiError) -> str:
    key = f"error.{exc.code}"
    try:
        return words.text(key, language(request))
    except KeyError:
        return exc.message


async def read_form(request: Request) -> dict[str, str]:
    """A plain form's fields, after its CSRF token matched the cookie's (double submit, SameSite=Strict)."""
    raw = await request.body()
    fields = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
    _csrf_matches(request, fields.get("csrf", ""))
    return fields


def _csrf_matches(request: Request, token: str) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), token.encode()):
        raise ApiError("the form is stale or came from elsewhere: open the page again", code="csrf_refused", status=403)


async def read_upload(request: Request) -> dict[str, bytes]:
    """A multipart/form-data form's parts by name (the file as its bytes), after its CSRF token matched.
    The standard library's MIME parser reads it; the body is already within the server's size limit."""
    kind = request.headers.get("content-type", "")
    if not kind.startswith("multipart/form-data"):
        raise ApiError("send the form with its file", code="invalid_request", status=422)
    raw = await request.body()
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + kind.encode("latin-1") + b"\r\n\r\n" + raw)
    parts: dict[str, bytes] = {}
    if isinstance(message, EmailMessage) and message.is_multipart():
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                parts.setdefault(name, payload)
    _csrf_matches(request, parts.get("csrf", b"").decode("utf-8", "replace"))
    return parts


def to_sign_in() -> RedirectResponse:
    return RedirectResponse("/admin/sign-in", status_code=303)


def signed_in(request: Request, gate: ConsoleGate) -> AdminPrincipal | None:
    try:
        return gate(request)
    except (AdminUnauthorized, SessionExpired):
        return None


def admitted(request: Request, gate: ConsoleGate) -> AdminPrincipal | Response:
    """The signed-in administrator if `gate` allows the page; else the sign-in, or the refusal in the page's words."""
    principal = signed_in(request, ANYONE_SIGNED_IN)
    if principal is None:
        return to_sign_in()
    try:
        gate(request)
    except RoleRefused as exc:
        return render(request, "base.html", admin=principal, problem=problem_text(request, exc), status=exc.status)
    return principal


# Each page's gate, declared once: tests/server/test_admin_roles.py reads them with the API's.
ANYONE_SIGNED_IN = ConsoleGate(*PEOPLE)
PROPOSERS = ConsoleGate(FINANCE)
APPROVERS = ConsoleGate(APPROVER)
AUDITORS = ConsoleGate(AUDITOR)
DESK = ConsoleGate(SUPPORT)
FAULT_READERS = ConsoleGate(SUPPORT, AUDITOR)  # as GET /api/v1/admin/billers
ADMIN_READERS = ConsoleGate(SUPPORT, AUDITOR)  # as GET /api/v1/admin/administrators
GATES: dict[str, ConsoleGate] = {}


def gated(path: str, gate: ConsoleGate) -> Callable[[Any], Any]:
    def mark(endpoint: Any) -> Any:
        GATES[path] = gate
        return endpoint

    return mark


async def act(
    request: Request,
    gate: ConsoleGate,
    action: Callable[[AdminPrincipal, dict[str, str]], Any],
    back: Callable[..., Response],
    done: str = HOME,
) -> Response:
    """A form's action as `gate` allows it, then on to `done` (or back to the page with the refusal)."""
    from starlette.concurrency import run_in_threadpool

    principal = await run_in_threadpool(signed_in, request, ANYONE_SIGNED_IN)
    if principal is None:
        return to_sign_in()
    try:
        fields = await read_form(request)
        await run_in_threadpool(gate, request)
        await run_in_threadpool(action, principal, fields)
    except ApiError as exc:
        request.scope[trail.NOTE_KEY] = exc.code
        return await run_in_threadpool(back, request, problem_text(request, exc), exc.status)
    return RedirectResponse(done, status_code=303)


def paise(text: str, field: str = "amount") -> int:
    """Rupees as typed in a form (commas allowed, up to two decimals) in paise."""
    amount = text.replace(",", "").strip()
    if not RUPEES.match(amount):
        raise ApiError("the amount is rupees, up to 2 decimals", code="invalid_amount", status=422, field=field)
    rupees, _, fraction = amount.partition(".")
    return int(rupees) * 100 + int(fraction.ljust(2, "0"))


def field_messages(request: Request, exc: ValidationError, form: str) -> dict[str, str]:
    """Each refused field's own message, in the page's language, to show next to it (`console.<form>_<field>`)."""
    lang = language(request)
    found: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        key = f"console.{form}_{name}"
        try:
            found[name] = words.text(key, lang)
        except KeyError:
            found[name] = words.text("error.invalid_request", lang)
    return found


class FormRefused(ApiError):
    """A form's fields refused; `fields` holds each one's message for the page."""

    status = 422
    code = "invalid_request"

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("check the marked fields", fields=sorted(fields))
        self.fields = fields


def payments_of(request: Request) -> Payments:
    payments: Payments = request.app.state.payments
    return payments
