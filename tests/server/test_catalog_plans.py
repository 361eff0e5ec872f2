"""A recharge's operator is a field with choices and its plans fill the amount: the catalog refuses a plan the
service could never take, and a value outside the choices is refused like any wrong input."""

from __future__ import annotations

import copy
import json

import pytest

from rules.fields import field_problem
from server.catalog import CATALOG_FILE, Catalog, load_catalog


def catalog_data() -> dict[str, object]:
    return copy.deepcopy(json.loads(CATALOG_FILE.read_text(encoding="utf-8")))


def test_the_demo_recharge_has_operators_and_their_plans_within_its_limits() -> None:
    service = load_catalog().services["MOBILE-PREPAID"]
    operator = service.fields[1]
    assert [c.code for c in operator.choices] == ["AIRTEL", "JIO", "VI", "BSNL"]
    assert {p.operator for p in service.plans} == {"AIRTEL", "JIO", "VI", "BSNL"}
    public = service.public()
    assert public["fields"][1]["choices"][1] == {"code": "JIO", "name_en": "Jio", "name_hi": "जियो"}
    assert public["plans"][0]["amount_paise"] == service.plans[0].amount_paise
    assert operator.problem("JIO") is None and operator.problem("jio") == "not_a_choice"
    assert operator.problem("") == "required"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"amount_paise": 1}, "outside"),
        ({"amount_paise": 600_000_00}, "outside"),
        ({"operator": "IDEA"}, "unknown operator"),
    ],
)
def test_the_catalog_refuses_a_plan_the_service_could_never_take(change: dict[str, object], says: str) -> None:
    data = catalog_data()
    services = data["services"]
    assert isinstance(services, list)
    recharge = next(s for s in services if s["code"] == "MOBILE-PREPAID")
    recharge["plans"][0].update(change)
    with pytest.raises(ValueError, match=says):
        Catalog.from_data(data)


def test_a_field_with_choices_takes_only_their_codes() -> None:
    rule = {"pattern": "^[A-Z]+$", "min_length": 2, "max_length": 8}
    assert field_problem("VI", **rule, choices=("AIRTEL", "VI")) is None
    assert field_problem("BSNL", **rule, choices=("AIRTEL", "VI")) == "not_a_choice"
    assert field_problem("BSNL", **rule) is None  # no choices: the pattern decides
