"""The admin audit trail: every administrator action (who, when, from where, what, before and after) in an
append-only table that the database refuses to change, read by auditors and exported as CSV."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import MutableMapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from anyio import to_thread
from sqlalchemy import Connection, Engine, insert, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.admin.roles import AdminPrincipal
from server.auth.clock import AuthClock, aware
from server.core.errors import database_unavailable_response, database_unreachable
from server.models import AdminAuditEvent
from server.models.base import table_of

log = logging.getLogger("emitra.admin")

trail_t = table_of(AdminAuditEvent)

ADMIN_PREFIX = "/api/v1/admin"
CONSOLE_PREFIX = "/admin"  # the web console's forms (server/admin/console)
# Read requests are no actions, except taking the trail away.
RECORDED_READS = ("/api/v1/admin/audit-trail.csv", "/admin/audit-trail.csv")  # the API's and the console's
SIGN_IN = "/api/v1/admin/session"
# A field is kept hidden when its name has one of these in it, or is "code" itself (a TOTP code); an identifier
# that only ends in "code" (kiosk_code, service_code) is what an auditor must read.
SECRET_KEYS = ("password", "totp", "otp", "secret", "token", "csrf", "cug")


def is_secret_field(name: str) -> bool:
    key = name.lower()
    return key == "code" or any(s in key for s in SECRET_KEYS)


MAX_KEPT = 8_192  # bytes of a request body kept in the trail

# Where the role gate and the routes leave what the trail records (the request's ASGI scope).
PRINCIPAL_KEY = "emitra.admin.principal"
CLIENT_KEY = "emitra.admin.client_ip"
CHANGE_KEY = "emitra.admin.change"
NOTE_KEY = "emitra.admin.note"
ACTOR_KEY = "emitra.admin.actor"  # who tried, when no administrator was proven (a failed sign-in)

COLUMNS = ("id", "at", "actor", "client_ip", "action", "target", "status", "outcome", "before", "after")


def note_change(scope: MutableMapping[str, Any], before: Any, after: Any) -> None:
    """What the action changed, as the route knows it (the trail records the request body otherwise)."""
    scope[CHANGE_KEY] = (before, after)


def redacted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "[hidden]" if is_secret_field(k) else redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v) for v in value]
    return value


def record(
    conn: Connection,
    *,
    at: datetime,
    principal: AdminPrincipal | None,
    actor: str | None,
    client_ip: str | None,
    action: str,
    target: str | None,
    status: int,
    outcome: str,
    before: Any,
    after: Any,
) -> None:
    conn.execute(
        insert(trail_t).values(
            at=at,
            admin_id=principal.admin_id if principal else None,
            actor=(principal.username if principal else actor or "anonymous")[:64],
            client_ip=client_ip,
            action=action[:120],
            target=target[:200] if target else None,
            status=status,
            outcome=outcome[:64],
            before=None if before is None else json.dumps(redacted(before), sort_keys=True, default=str),
            after=None if after is None else json.dumps(redacted(after), sort_keys=True, default=str),
        )
    )


def events(conn: Connection, *, limit: int, before_id: int | None = None, actor: str | None = None) -> list[Any]:
    query = select(trail_t).order_by(trail_t.c.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(trail_t.c.id < before_id)
    if actor is not None:
        query = query.where(trail_t.c.actor == actor)
    return list(conn.execute(query).all())


def public(row: Any) -> dict[str, Any]:
    return {
        "id": int(row.id),
        "at": aware(row.at).isoformat(),
        "actor": row.actor,
        "client_ip": row.client_ip,
        "action": row.action,
        "target": row.target,
        "status": row.status,
        "outcome": row.outcome,
        "before": row.before,
        "after": row.after,
    }


def csv_text(rows: list[Any]) -> str:
    """The trail as CSV (oldest first); a cell that a spreadsheet would run as a formula is quoted with '."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in reversed(rows):
        values = public(row)
        writer.writerow([_cell(values[c]) for c in COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class TrailMiddleware:
    """Writes one trail row for every administrator action, refused ones too, before its answer is sent.

    Pure ASGI (no body copies for other requests): it keeps the request body of an admin action, the
    answer's status and error code, and what the role gate and the route left in the scope."""

    def __init__(self, app: ASGIApp, engine: Engine, clock: AuthClock) -> None:
        self.app = app
        self.engine = engine
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "") if scope["type"] == "http" else ""
        method: str = scope.get("method", "")
        ours = path.startswith(ADMIN_PREFIX) or path.startswith(CONSOLE_PREFIX + "/")
        if not ours or (method in ("GET", "HEAD", "OPTIONS") and path not in RECORDED_READS):
            await self.app(scope, receive, send)
            return
        body = bytearray()
        answer = bytearray()
        status = 0
        held: list[Message] = []  # the answer, held until its trail row is written

        async def kept_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(body) < MAX_KEPT:
                body.extend(message.get("body", b"")[: MAX_KEPT - len(body)])
            return message

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                if status >= 400 and len(answer) < MAX_KEPT:
                    answer.extend(message.get("body", b"")[: MAX_KEPT - len(answer)])
                if not message.get("more_body", False):
                    held.append(message)
                    await self._answer(scope, send, held, method, path, bytes(body), status, bytes(answer))
                    return
            held.append(message)

        await self.app(scope, kept_receive, recording_send)

    async def _answer(
        self,
        scope: Scope,
        send: Send,
        held: list[Message],
        method: str,
        path: str,
        body: bytes,
        status: int,
        answer: bytes,
    ) -> None:
        """No administrator action is answered unless its trail row is written: a database that cannot take the
        row (lost, or its synchronous standby gone) turns the answer into 503 database_unavailable — the action
        may have been applied, and the same request again is answered once the row can be written."""
        try:
            await to_thread.run_sync(self._write, scope, method, path, body, status, answer)
        except Exception as exc:
            if not database_unreachable(exc):
                raise
            log.warning("admin trail row not written for %s %s: %s", method, path, exc)
            refusal = database_unavailable_response()
            await refusal(scope, _no_body, send)
            return
        for message in held:
            await send(message)

    def _write(self, scope: Scope, method: str, path: str, body: bytes, status: int, answer: bytes) -> None:
        # The route's template within its router: the admin routers are included under ADMIN_PREFIX, the
        # console's under CONSOLE_PREFIX.
        template = getattr(scope.get("route"), "path", None)
        prefix = ADMIN_PREFIX if path.startswith(ADMIN_PREFIX) else CONSOLE_PREFIX
        template = path if template is None else template if template.startswith(prefix + "/") else prefix + template
        params = scope.get("path_params") or {}
        outcome = "ok" if status < 400 else _error_code(answer)
        note = scope.get(NOTE_KEY)
        if note:
            outcome = f"{outcome}:{note}"
        change = scope.get(CHANGE_KEY)
        if change is not None:
            before, after = change
        elif path in (SIGN_IN, CONSOLE_PREFIX + "/sign-in"):
            before, after = None, None  # a sign-in refused before its route: what was typed is not kept
        else:
            before, after = None, _json_or_text(body)
        principal: AdminPrincipal | None = scope.get(PRINCIPAL_KEY)
        client = scope.get("client")
        client_ip = scope.get(CLIENT_KEY) or (client[0] if client else None)
        actor: str | None = scope.get(ACTOR_KEY)
        with self.engine.begin() as conn:
            record(
                conn,
                at=self.clock.now(),
                principal=principal,
                actor=actor,
                client_ip=client_ip,
                action=f"{method} {template}",
                target=json.dumps(params, sort_keys=True) if params else None,
                status=status,
                outcome=outcome,
                before=before,
                after=after,
            )


def _error_code(answer: bytes) -> str:
    try:
        code = json.loads(answer)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return "refused"
    return str(code)


def _json_or_text(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        pass
    try:
        form = parse_qs(body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return {"bytes": len(body)}  # a statement or settlement file: its size, not its lines
    return {k: v[0] for k, v in form.items()}  # a console form


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
