"""Compiles the `.po` catalogs into the `.mo` files the program reads, and finds what a translator left out."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from words import placeholders


def read(po: Path) -> Catalog:
    with po.open("rb") as f:
        return read_po(f)


def compiled(po: Path) -> bytes:
    """The `.mo` bytes for `po`: the same `.po` (and Babel version) always gives the same bytes."""
    out = io.BytesIO()
    write_mo(out, read(po), use_fuzzy=False)
    return out.getvalue()


def _forms(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def message_problems(message: Message, plurals: int) -> list[str]:
    key = message.context or repr(message.id)
    english = _forms(message.id)
    hindi = _forms(message.string)
    problems = []
    if not message.context:
        problems.append(f"{key}: no msgctxt (the key the program asks for)")
    if message.fuzzy:
        problems.append(f"{key}: marked fuzzy (check the Hindi, then remove the fuzzy flag)")
    if not hindi or not all(h.strip() for h in hindi):
        problems.append(f"{key}: Hindi missing")
    elif len(english) > 1 and len(hindi) != plurals:
        problems.append(f"{key}: {len(hindi)} Hindi plural forms, the header says {plurals}")
    expected = set().union(*(placeholders(e) for e in english))
    for form in hindi:
        if form.strip() and placeholders(form) != expected:
            problems.append(
                f"{key}: parameters differ ({sorted(expected)} in English, {sorted(placeholders(form))} in Hindi)"
            )
    return problems


def problems(po: Path) -> list[str]:
    """What is wrong with a catalog: a missing or fuzzy translation, parameters that differ, a key twice."""
    catalog = read(po)
    found: list[str] = []
    seen: set[str] = set()
    for message in catalog:
        if not message.id:
            continue  # the header
        found += message_problems(message, catalog.num_plurals)
        if message.context in seen:
            found.append(f"{message.context}: the key is in the catalog twice")
        seen.add(message.context or "")
    return found
