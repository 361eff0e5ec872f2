"""The checks that kiosk_app/contract.py (generated) parses the server's answers with: each value has its type."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


class ContractMismatch(ValueError):
    """An answer that does not have the shape the contract gives it."""


def as_object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ContractMismatch(f"{name}: expected an object, got {type(value).__name__}")
    return value


def field_of(data: Mapping[str, Any], key: str, name: str) -> Any:
    try:
        return data[key]
    except KeyError:
        raise ContractMismatch(f"{name}: missing {key}") from None


def as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ContractMismatch(f"expected text, got {type(value).__name__}")
    return value


def as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContractMismatch(f"expected an integer, got {type(value).__name__}")
    return value


def as_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ContractMismatch(f"expected a number, got {type(value).__name__}")
    return float(value)


def as_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ContractMismatch(f"expected true or false, got {type(value).__name__}")
    return value


def as_list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ContractMismatch(f"expected a list, got {type(value).__name__}")
    return value


def as_optional(parse: Callable[[Any], T], value: Any) -> T | None:
    return None if value is None else parse(value)


def as_enum(kind: Callable[[Any], T], value: Any) -> T:
    try:
        return kind(value)
    except ValueError:
        raise ContractMismatch(f"{value!r} is not one of the contract's values") from None


def as_literal(value: Any, allowed: tuple[str, ...]) -> Any:
    if value not in allowed:
        raise ContractMismatch(f"{value!r} is not one of {allowed}")
    return value


def as_union(value: Any, key: str, parsers: Mapping[str, Callable[[Any], Any]]) -> Any:
    tag = as_object(value, "union").get(key)
    if not isinstance(tag, str) or tag not in parsers:
        raise ContractMismatch(f"{key}={tag!r} is not one of {tuple(parsers)}")
    return parsers[tag](value)
