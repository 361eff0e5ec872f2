"""Every route in the OpenAPI schema, walked with no token, an expired one, and kiosk A's against kiosk B."""

from __future__ import annotations

import re
from typing import Any

import requests

from server.api.routes.auth import PUBLIC_PATHS
from tests.support.auth import ShiftedClock, contacts, ready_token
from tests.support.server import ServerProcess

API = "/api/v1"
ADMIN = API + "/admin"
PUBLIC = {API + "/auth" + p for p in PUBLIC_PATHS} | {API + "/health", API + "/admin/session"}
A, B = "RJ-JPR-0301", "RJ-AJM-0302"
PASSWORD = "a quiet kiosk by the fort"


class Kiosk:
    def __init__(self, server: ServerProcess, code: str) -> None:
        self.code = code
        self.sso_id, self.mobile, self.email = contacts(code)
        self.token = ready_token(server, code, PASSWORD)
        events = server.admin("GET", "/auth-events", params={"kiosk_code": code}).json()["events"]
        self.kiosk_id = events[0]["kiosk_id"]

    def secrets(self) -> list[str]:
        """Strings that only this kiosk's data contains."""
        return [self.code, self.sso_id, self.mobile, self.email, f"Shop 1, {self.code} Road"]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def _value(name: str, node: dict[str, Any], schema: dict[str, Any], other: Kiosk, depth: int = 0) -> Any:
    """A value aimed at kiosk B wherever the field's name says what it identifies."""
    node = _resolve(schema, node)
    if depth > 4:
        return None
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            options = [o for o in node[key] if _resolve(schema, o).get("type") != "null"]
            return _value(name, options[0], schema, other, depth + 1) if options else None
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        props = node.get("properties", {})
        return {k: _value(k, v, schema, other, depth + 1) for k, v in props.items()}
    if kind == "array":
        return [_value(name, node.get("items", {}), schema, other, depth + 1)]
    if kind == "integer":
        return other.kiosk_id if "id" in name.lower() else 100
    if kind == "number":
        return 100
    if kind == "boolean":
        return True
    return _string(name, other)


def _string(name: str, other: Kiosk) -> str:
    lowered = name.lower()
    if "password" in lowered:
        return PASSWORD
    if "sso" in lowered:
        return other.sso_id
    if "mobile" in lowered or "phone" in lowered or lowered == "to":
        return other.mobile
    if "mail" in lowered or "contact" in lowered:
        return other.email
    if lowered in ("id", "kiosk_id"):
        return str(other.kiosk_id)
    return other.code


def _routes(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _request(
    server: ServerProcess,
    schema: dict[str, Any],
    method: str,
    path: str,
    op: dict[str, Any],
    other: Kiosk,
    headers: dict[str, str],
) -> requests.Response:
    params: dict[str, Any] = {}
    url_path = path
    for p in op.get("parameters", []):
        value = _value(p["name"], p.get("schema", {}), schema, other)
        if p["in"] == "path":
            url_path = url_path.replace("{" + p["name"] + "}", str(value))
        elif p["in"] == "query":
            params[p["name"]] = value
    # Identifiers the route does not declare must be ignored, never obeyed.
    params.setdefault("kiosk_code", other.code)
    params.setdefault("kiosk_id", other.kiosk_id)
    body = None
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content is not None:
        body = _value("body", content.get("schema", {}), schema, other)
        if isinstance(body, dict):
            body.setdefault("kiosk_code", other.code)
    return requests.request(
        method,
        server.url + url_path,
        params=params,
        json=body,
        headers={"X-Machine-Id": "walker", **headers},
        timeout=30,
    )


def _login(server: ServerProcess, kiosk: Kiosk) -> str:
    r = requests.post(server.url + API + "/auth/login", json={"sso_id": kiosk.sso_id, "password": PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def test_no_route_lets_kiosk_a_reach_kiosk_b_and_none_works_without_a_valid_session(
    auth_server: ServerProcess, auth_clock: ShiftedClock
) -> None:
    a, b = Kiosk(auth_server, A), Kiosk(auth_server, B)
    b_balance = auth_server.balance(B)
    schema = requests.get(auth_server.url + API + "/openapi.json", timeout=30).json()
    routes = _routes(schema)
    assert {(m, p) for m, p, _ in routes} >= {
        ("GET", API + "/wallet/balance"),
        ("GET", API + "/profile"),
        ("PUT", API + "/profile"),
        ("POST", API + "/auth/password"),
    }

    expired = _login(auth_server, a)
    auth_clock.advance(minutes=31)  # `expired` is now idle; B's token too, so B signs in again below
    b.token = _login(auth_server, b)
    revoked = _login(auth_server, a)
    requests.post(auth_server.url + API + "/auth/logout", headers={"Authorization": f"Bearer {revoked}"}, timeout=30)

    walked = []
    for method, path, op in routes:
        if path in PUBLIC:
            continue
        walked.append((method, path))
        leaks = [s for s in b.secrets()]
        if path.startswith(ADMIN):
            for headers in ({}, {"Authorization": f"Bearer {_login(auth_server, a)}"}):
                r = _request(auth_server, schema, method, path, op, b, headers)
                assert r.status_code == 401, (method, path, r.status_code, r.text)
                assert r.json()["error"]["code"] == "admin_unauthorized"
            continue
        for headers, code in (
            ({}, "not_authenticated"),
            ({"Authorization": "Bearer not-a-token"}, "not_authenticated"),
            ({"Authorization": f"Basic {a.token}"}, "not_authenticated"),
            ({"Authorization": f"Bearer {expired}"}, "session_expired"),
            ({"Authorization": f"Bearer {revoked}"}, "session_expired"),
        ):
            r = _request(auth_server, schema, method, path, op, b, headers)
            assert r.status_code == 401, (method, path, headers, r.status_code, r.text)
            assert r.json()["error"]["code"] == code, (method, path, r.text)
        r = _request(auth_server, schema, method, path, op, b, {"Authorization": f"Bearer {_login(auth_server, a)}"})
        if re.search(r"\{[^}]+\}", path):
            assert not 200 <= r.status_code < 300, (method, path, r.status_code, r.text)
        assert r.status_code < 500, (method, path, r.status_code, r.text)
        found = [s for s in leaks if s.lower() in r.text.lower()]
        assert not found, (method, path, found, r.text)
    assert (("GET", API + "/wallet/balance") in walked) and any(p.startswith(ADMIN) for _, p in walked)

    # B is untouched: its session, its money, its profile and its password.
    auth = {"Authorization": f"Bearer {b.token}"}
    assert requests.get(auth_server.url + API + "/auth/session", headers=auth, timeout=30).status_code == 200
    assert auth_server.balance(B) == b_balance
    profile = requests.get(auth_server.url + API + "/profile", headers=auth, timeout=30).json()
    assert (profile["kiosk_code"], profile["address"]) == (B, f"Shop 1, {B} Road")
    assert _login(auth_server, b)
