"""The HTTP contract: the committed openapi.json is the served one, and the client's types are generated from it."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

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
