"""Every input of the served OpenAPI is bounded and refuses control characters (422, never a 500), and a bank
statement is booked whole or not at all."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import requests

from server.core.config import DEFAULT_ADMIN_TOKEN
from server.core.fields import MAX_INT64
from tests.support.admins import make_admin
from tests.support.auth import ready_token
from tests.support.server import ServerProcess
from tests.support.wallet import BANK_SECRET, WalletKiosk, bank_notify, error

API = "/api/v1"
NUL = "a\x00"


@pytest.fixture
def sweep_server(database_url: str, start_server: Any) -> ServerProcess:
    server: ServerProcess = start_server(database_url, EMITRA_ARGON2_PROFILE="fast", EMITRA_BANK_SECRET=BANK_SECRET)
    return server


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


Step = tuple[str, str]  # ("field", name) | ("item", "0") | ("value", "k")


def _string_leaves(
    spec: dict[str, Any], schema: dict[str, Any], path: tuple[Step, ...] = ()
) -> Iterator[tuple[tuple[Step, ...], dict[str, Any]]]:
    """(where, the string's schema) for every free-text string a request body can hold."""
    schema = _resolve(spec, schema)
    for option in schema.get("anyOf", []):
        yield from _string_leaves(spec, option, path)
    kind = schema.get("type")
    if kind == "string" and "enum" not in schema and schema.get("format") not in ("date", "date-time"):
        yield path, schema
    elif kind == "object":
        for name, sub in schema.get("properties", {}).items():
            yield from _string_leaves(spec, sub, (*path, ("field", name)))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            yield from _string_leaves(spec, extra, (*path, ("value", "k")))
    elif kind == "array":
        yield from _string_leaves(spec, schema["items"], (*path, ("item", "0")))


def _body(path: tuple[Step, ...], leaf: Any) -> Any:
    """The smallest body with `leaf` at `path` (every other field missing: its own error, not this one's)."""
    if not path:
        return leaf
    (kind, name), rest = path[0], path[1:]
    return [_body(rest, leaf)] if kind == "item" else {name: _body(rest, leaf)}


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def _url(server: ServerProcess, path: str, **values: str) -> str:
    for name in [p.split("}")[0] for p in path.split("{")[1:]]:
        path = path.replace("{" + name + "}", values.get(name, "RJ-NONE-0001"))
    return server.url + path


def test_every_served_input_is_bounded_and_refuses_control_characters(sweep_server: ServerProcess) -> None:
    token = ready_token(sweep_server, "RJ-SWP-0001")
    http = requests.Session()
    http.headers.update({"Authorization": f"Bearer {token}", "X-Admin-Token": DEFAULT_ADMIN_TOKEN})
    spec = http.get(sweep_server.url + API + "/openapi.json", timeout=30).json()
    # Routes of named administrators (proposals, administrators) are swept as the person whose role they need.
    people = [make_admin(sweep_server, f"sweep.{role}", role) for role in ("support", "finance", "approver", "auditor")]

    def send(method: str, url: str, **kwargs: Any) -> requests.Response:
        r = http.request(method, url, **kwargs)
        for person in people:
            if not (r.status_code == 403 and r.json()["error"]["code"] in ("admin_role_refused", "proposal_required")):
                break
            r = http.request(
                method, url, headers={"X-Admin-Token": None, "Authorization": f"Bearer {person.token}"}, **kwargs
            )
        return r

    tried = 0
    unbounded: list[str] = []
    accepted: list[str] = []
    for method, path, operation in _operations(spec):
        for param in operation.get("parameters", []):
            if param["in"] not in ("path", "query"):
                continue
            schema = _resolve(spec, param["schema"])
            kinds = [_resolve(spec, s) for s in schema.get("anyOf", [schema])]
            for kind in kinds:
                if kind.get("type") == "integer":
                    if kind.get("maximum", MAX_INT64 + 1) > MAX_INT64:
                        unbounded.append(f"{method} {path} {param['name']}")
                    bad = str(MAX_INT64 + 1)
                elif kind.get("type") == "string" and "enum" not in kind and kind.get("format") != "date":
                    if "maxLength" not in kind:
                        unbounded.append(f"{method} {path} {param['name']}")
                    bad = "a%00"
                else:
                    continue
                if param["in"] == "path":
                    url, params = _url(sweep_server, path, **{param["name"]: bad}), None
                else:
                    url, params = _url(sweep_server, path) + f"?{param['name']}={bad}", None
                r = send(method, url, params=params, json={} if "requestBody" in operation else None, timeout=30)
                tried += 1
                assert r.status_code != 500, f"{method} {path} {param['name']}={bad}: {r.text}"
                if r.status_code != 422:
                    accepted.append(f"{method} {path} {param['name']}={bad} → {r.status_code}")
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        for leaf, leaf_schema in _string_leaves(spec, content["application/json"]["schema"]):
            where = ".".join(name for _kind, name in leaf)
            if "maxLength" not in leaf_schema:
                unbounded.append(f"{method} {path} {where}")
            r = send(method, _url(sweep_server, path), json=_body(leaf, NUL), timeout=30)
            tried += 1
            assert r.status_code != 500, f"{method} {path} {where}: {r.text}"
            refused = r.json().get("error", {}).get("fields", []) if r.status_code == 422 else []
            fields = {f["field"] for f in refused}
            if where not in fields:
                accepted.append(f"{method} {path} {where} = {NUL!r} → {r.status_code} {r.text[:200]}")
    print(f"input sweep: {tried} requests over {len(spec['paths'])} paths")
    assert tried > 50
    assert unbounded == []
    assert accepted == []


def _pay_by_cheque(kiosk: WalletKiosk, bank: str, email: str = "x@example.in") -> requests.Response:
    return kiosk.call(
        "POST",
        "/payments",
        json={
            "operation_id": uuid.uuid4().hex,
            "bills": [{"service_code": "ELEC-AVVNL", "fields": {"k_no": "310411112222"}, "amount_paise": 100}],
            "contact": {"mobile": "9876543210", "email": email},
            "method": {"type": "cheque", "cheque_no": "004512", "bank": bank, "date": date.today().isoformat()},
        },
    )


def test_the_findings_inputs_are_refused_with_422(sweep_server: ServerProcess) -> None:
    kiosk = WalletKiosk(sweep_server, "RJ-NUL")
    assert error(_pay_by_cheque(kiosk, "State Bank\u0000")) == (422, "invalid_request")
    assert error(_pay_by_cheque(kiosk, "State Bank", "x\u0000@example.in")) == (422, "invalid_request")
    assert error(kiosk.call("POST", f"/wallet/reconcile/payments/{MAX_INT64 + 1}/verify")) == (422, "invalid_request")
    assert error(kiosk.call("POST", f"/wallet/reconcile/payments/{MAX_INT64}/verify"))[0] == 404
    memo = sweep_server.admin(
        "POST",
        f"/kiosks/{kiosk.code}/adjustments",
        json={"operation_id": uuid.uuid4().hex, "direction": "credit", "amount_paise": 100, "memo": "memo\u0000"},
    )
    assert error(memo) == (422, "invalid_request")
    # NFC makes this name twice as long as it was typed: too long for its column, refused before the database.
    holder = sweep_server.admin(
        "POST",
        "/kiosks",
        json={
            "code": "RJ-NFC-0001",
            "name": "Kiosk",
            "holder_name": "\u0958" * 150,
            "district": "Jaipur",
            "sso_id": "SSO.NFC0001",
            "mobile": "9000000001",
            "email": "nfc@example.in",
        },
    )
    assert error(holder) == (422, "invalid_request")
    nfc = sweep_server.admin(
        "POST",
        "/kiosks",
        json={
            "code": "RJ-NFC-0002",
            "name": "Kiosk",
            "holder_name": "Sunita Sharma\u0301",
            "district": "Jaipur",
            "sso_id": "SSO.NFC0002",
            "mobile": "9000000002",
            "email": "nfc2@example.in",
        },
    )
    assert nfc.status_code == 201, nfc.text
    account = kiosk.ok("GET", "/wallet/refill")["virtual_account"]["account_no"]
    notice = {"utr": "ICICN52026112599001", "account_no": account, "amount_paise": 100, "remitter_name": "R\u0000"}
    assert error(bank_notify(sweep_server, json.dumps(notice).encode()))[0] == 422
    assert kiosk.wallet == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_bank_statement_is_validated_whole_before_anything_is_booked(sweep_server: ServerProcess) -> None:
    kiosk = WalletKiosk(sweep_server, "RJ-CSV")
    account = kiosk.ok("GET", "/wallet/refill")["virtual_account"]["account_no"]
    good = f"ICICN52026112598001,{account},10.00,Good Line\n"
    for bad_line, line, why in [
        (f"ICICN52026112598002,{account},12.345,Bad Amount\n", 3, "amount must be rupees"),
        (f"ICICN52026112598003,{account},1.00,Stray\rCR\n", 3, "new-line character"),
        (f"ICICN52026112598004,{account},1.00,{'x' * 200_000}\n", 3, "field larger than field limit"),
        (f"ICICN52026112598005,{account},1.00,{'N' * 141}\n", 3, "at most 140 characters"),
        (f"ICICN52026112598006,{account},1.00,Nul\u0000Name\n", 3, "control characters"),
        (f"ICICN52026112598007,{account}\n", 3, "not the 4 columns of the header"),
    ]:
        text = "utr,account_no,amount,remitter_name\n" + good + bad_line + good.replace("8001", "8009")
        r = sweep_server.admin(
            "POST", "/wallet/bank-statements", data=text.encode(), headers={"Content-Type": "text/csv"}
        )
        assert error(r) == (422, "statement_invalid"), r.text
        errors = r.json()["error"]["errors"]
        assert errors[0]["line"] == line and why in errors[0]["reason"], errors
        assert kiosk.wallet == 0  # the good line before the bad one was not booked
    text = "utr,account_no,amount,remitter_name\n" + good + good.replace("8001", "8009")
    r = sweep_server.admin("POST", "/wallet/bank-statements", data=text.encode(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 200 and r.json()["counts"] == {"credited": 2}, r.text
    assert kiosk.wallet == 20_00
