"""The HTTP contract: the committed openapi.json is the served one, and the client's types are generated from it."""

from __future__ import annotations

import importlib
import importlib.util
import json
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import Any, get_origin

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

import server.api.routes
import server.receipt_page
from kiosk_app import contract
from server.cli import OPENAPI_FILE, openapi_document
from server.payments.schemas import PaymentStatus

ROOT = Path(__file__).resolve().parent.parent


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_contract", ROOT / "scripts" / "gen_contract.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_openapi_json_is_the_served_document() -> None:
    assert OPENAPI_FILE.read_text(encoding="utf-8") == openapi_document(), (
        "openapi.json differs from what the server serves: run `emitra-server openapi` (writes openapi.json), "
        "then `python scripts/gen_contract.py` (writes kiosk_app/contract.py), and commit both"
    )


def test_the_client_types_are_what_openapi_json_generates() -> None:
    generated = _generator().generate(json.loads(OPENAPI_FILE.read_text(encoding="utf-8")))
    assert (ROOT / "kiosk_app" / "contract.py").read_text(encoding="utf-8") == generated, (
        "kiosk_app/contract.py is not what openapi.json generates: run `python scripts/gen_contract.py`"
    )


def test_one_status_enum_for_payments_and_bills_on_both_ends() -> None:
    schemas = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))["components"]["schemas"]
    assert schemas["PaymentStatus"]["enum"] == [s.value for s in PaymentStatus]
    assert [s.value for s in contract.PaymentStatus] == [s.value for s in PaymentStatus]
    for model in ("PaymentPublic", "PaymentBillPublic"):
        assert schemas[model]["properties"]["status"] == {"$ref": "#/components/schemas/PaymentStatus"}


def test_batch_items_are_a_union_told_apart_by_their_result() -> None:
    items = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))["components"]["schemas"]["PayBatchPublic"]
    union = items["properties"]["results"]["items"]
    assert union["discriminator"]["propertyName"] == "result"
    assert set(union["discriminator"]["mapping"]) == {"done", "refused"}


def test_every_route_declares_the_shape_of_its_answer() -> None:
    routes = [
        route
        for info in pkgutil.iter_modules(server.api.routes.__path__, "server.api.routes.")
        for router in vars(importlib.import_module(info.name)).values()
        if isinstance(router, APIRouter)
        for route in router.routes
        if isinstance(route, APIRoute)
    ]
    assert len(routes) >= 57
    pages = [r for r in routes if r.response_class is HTMLResponse]  # the demo gateway's page, shown and submitted
    assert [(r.path, sorted(r.methods or ())) for r in pages] == [
        ("/orders/{order_id}/{key}", ["GET"]),
        ("/orders/{order_id}/{key}", ["POST"]),
    ]
    receipt_page = [r for r in server.receipt_page.router.routes if isinstance(r, APIRoute)]
    assert [(r.path, r.response_class) for r in receipt_page] == [
        ("/v/{receipt_no}", HTMLResponse),
        ("/v/p/{kiosk_code}/{operation_id}", HTMLResponse),  # a PROVISIONAL receipt, signed by its kiosk
    ]
    answers = {f"{sorted(r.methods or ())} {r.path}": r.response_model for r in routes if r not in pages}
    untyped = [route for route, model in answers.items() if model is None or model is Any or get_origin(model) is dict]
    assert untyped == []
