"""Role gates: every admin route declares the roles it lets in, and each role is let in exactly there."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from server.admin.roles import AUTOMATION, DEMO_TOKEN, PEOPLE, TOKEN_SCOPES
from server.api.deps import RoleGate, SignInGate
from server.api.main import create_app
from server.core.config import DEFAULT_ADMIN_TOKEN, Settings
from tests.support.admins import make_admin
from tests.support.auth import ShiftedClock
from tests.support.server import ServerProcess

ADMIN = "/api/v1/admin"
REFUSALS = ("admin_role_refused", "proposal_required")


def gates(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        if isinstance(sub.call, RoleGate | SignInGate):
            yield sub.call
        yield from gates(sub)


def admin_routes(tmp_path: Path) -> list[tuple[str, str, Any]]:
    """(method, full path, route) of every admin route of the application, as the server builds it."""
    app = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'routes.sqlite3'}", departments_url="http://127.0.0.1:9")
    )
    try:
        found = []
        for top in app.router.routes:
            contexts = top.effective_route_contexts() if hasattr(top, "effective_route_contexts") else [top]
            for context in contexts:
                if context.path_format.startswith(ADMIN) and isinstance(
                    getattr(context, "original_route", context), APIRoute
                ):
                    for method in sorted(context.methods or ()):
                        found.append((method, context.path_format, context))
        return found
    finally:
        app.state.engine.dispose()


def declared(route: Any) -> frozenset[str] | None:
    found = list(gates(route.dependant))
    if not found:
        return None
    roles: frozenset[str] = frozenset().union(*(g.roles for g in found))
    return roles


def test_every_admin_route_declares_its_roles(tmp_path: Path) -> None:
    routes = admin_routes(tmp_path)
    assert len(routes) >= 35
    undeclared = [f"{m} {p}" for m, p, r in routes if declared(r) is None]
    assert undeclared == []
    known = {*PEOPLE, *TOKEN_SCOPES, "anyone"}
    strange = {f"{m} {p}": sorted(roles - known) for m, p, r in routes if (roles := declared(r)) and roles - known}
    assert strange == {}
    # Only signing in is open to anyone.
    assert [f"{m} {p}" for m, p, r in routes if "anyone" in (declared(r) or ())] == [f"POST {ADMIN}/session"]


def filled(path: str) -> str:
    """The path with its parameters filled in (the probes send an empty body, which no route accepts)."""
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_role_is_let_in_where_its_route_declares_it_and_refused_with_a_code_elsewhere(
    auth_server: ServerProcess, auth_clock: ShiftedClock, tmp_path: Path
) -> None:
    people = {role: make_admin(auth_server, f"matrix.{role}", role, clock=auth_clock) for role in PEOPLE}
    routes = admin_routes(tmp_path)
    # Signing out ends the session the next probes use: it goes last.
    routes.sort(key=lambda r: (r[0], r[1]) == ("DELETE", f"{ADMIN}/session"))
    wrong: list[str] = []
    for method, path, route in routes:
        roles = declared(route) or frozenset()
        if "anyone" in roles:
            continue
        url = filled(path)
        body: dict[str, Any] = {}
        for role, admin in people.items():
            kwargs: dict[str, Any] = {"json": body} if method in ("POST", "PUT") else {}
            r = admin.call(method, url.removeprefix(ADMIN), **kwargs)
            code = (
                r.json().get("error", {}).get("code")
                if r.headers.get("content-type", "").startswith("application/json")
                else None
            )
            refused = r.status_code == 403 and code in REFUSALS
            if role in roles and (refused or r.status_code == 401):
                wrong.append(f"{role} refused by {method} {path}: {r.status_code} {code}")
            if role not in roles and not refused:
                wrong.append(f"{role} let into {method} {path}: {r.status_code} {code}")
        # The static token of a demo server: its scope is a role like the others.
        if method != "DELETE":
            kwargs = {"json": body} if method in ("POST", "PUT") else {}
            r = requests.request(
                method, auth_server.url + url, headers={"X-Admin-Token": DEFAULT_ADMIN_TOKEN}, timeout=30, **kwargs
            )
            refused = r.status_code == 403 and r.json()["error"]["code"] in REFUSALS
            if (DEMO_TOKEN in roles) == refused:
                wrong.append(f"demo token {'refused by' if refused else 'let into'} {method} {path}: {r.status_code}")
    assert wrong == []


def test_the_token_scopes_and_people_roles_are_what_docs_backoffice_lists(tmp_path: Path) -> None:
    """docs/BACKOFFICE.md has a table of routes and roles; it must be the gates' own."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "BACKOFFICE.md").read_text(encoding="utf-8")
    rows = {}
    for line in doc.splitlines():
        m = re.match(r"^\| `(GET|POST|PUT|DELETE) (/[^`]*)` \| ([^|]*) \|", line)
        if m:
            rows[f"{m[1]} {ADMIN}{m[2]}"] = frozenset(x.strip() for x in m[3].split(",") if x.strip())
    gated = {f"{m} {p}": declared(r) for m, p, r in admin_routes(tmp_path)}
    assert rows == gated
    assert AUTOMATION in rows[f"POST {ADMIN}/kiosks"]


def test_every_console_page_but_signing_in_declares_its_roles(tmp_path: Path) -> None:
    from server.admin import console

    app = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'routes.sqlite3'}", departments_url="http://127.0.0.1:9")
    )
    try:
        pages = [
            f"{method} {context.path_format}"
            for top in app.router.routes
            for context in (top.effective_route_contexts() if hasattr(top, "effective_route_contexts") else [top])
            if context.path_format.startswith("/admin/")
            for method in sorted(context.methods or ())
        ]
    finally:
        app.state.engine.dispose()
    open_to_all = {"GET /admin/", "GET /admin/console-style.css", "GET /admin/sign-in", "POST /admin/sign-in"}
    assert sorted(set(pages) - open_to_all) == sorted(console.GATES)
    assert console.GATES["POST /admin/proposals"].roles == {"finance"}
    assert console.GATES["POST /admin/proposals/{proposal_id}/approve"].roles == {"approver"}
