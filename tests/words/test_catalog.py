"""The translation catalog: every entry has its Hindi, every key the code asks for exists, none is left unused."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog as BabelCatalog

import words
from tests.support.error_codes import server_codes
from words.compiler import compiled, problems, read

ROOT = Path(__file__).resolve().parents[2]
# Where the operator's words are asked for (the server has its own English for logs and other clients).
CLIENT = (
    "ui",
    "kiosk_app",
    "printing",
    "offline_cache",
    "words",
    "server/admin/console",
    "server/receipt_page",
    "server/receipts",
)
KEY = re.compile(r"[a-z][a-z_]*(\.[a-z0-9_]+)+")


def client_sources() -> Iterator[tuple[Path, ast.Module]]:
    for folder in CLIENT:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def asked_for() -> tuple[dict[str, str], dict[str, str]]:
    """Literal keys and the literal starts of keys built at run time (f"training.kind.{fault}"), with a place."""
    literals: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for path, tree in client_sources():
        where = str(path.relative_to(ROOT))
        parts = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
        for node in ast.walk(tree):
            if id(node) in parts:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY.fullmatch(node.value):
                literals.setdefault(node.value, f"{where}:{node.lineno}")
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                start = str(node.values[0].value)
                if re.fullmatch(r"[a-z][a-z_]*\.([a-z0-9_]+[._])*", start):
                    prefixes.setdefault(start, f"{where}:{node.lineno}")
    return literals, prefixes


def class_codes() -> set[str]:
    """`code = "…"` and `words_key = "…"` of the client's classes (errors and printer problems)."""
    found = set()
    for _, tree in client_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for statement in node.body:
                    if (
                        isinstance(statement, ast.Assign | ast.AnnAssign)
                        and isinstance(statement.value, ast.Constant)
                        and isinstance(statement.value.value, str)
                    ):
                        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                        if any(isinstance(t, ast.Name) and t.id in ("code", "words_key") for t in targets):
                            found.add(statement.value.value)
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                        found.add(str(keyword.value.value))
    return found


def test_every_entry_has_its_hindi_and_the_same_parameters() -> None:
    assert problems(words.po_path()) == []


def test_the_compiled_catalog_is_the_po_compiled() -> None:
    """The .mo is generated: edit the .po, then `python -m words compile` (never edit the .mo)."""
    assert words.mo_path().read_bytes() == compiled(words.po_path()), "run: python -m words compile"


def test_the_plural_rule_is_the_one_babel_knows_for_hindi() -> None:
    po = read(words.po_path())
    assert po.plural_forms == BabelCatalog(locale="hi").plural_forms


def test_a_plural_entry_picks_its_form_by_count() -> None:
    assert words.text("reconcile.counts", "en", count=1, counts="1 FAILED") == "1 payment: 1 FAILED"
    assert words.text("reconcile.counts", "en", count=0, counts="") == "0 payments: "
    assert words.text("reconcile.counts", "hi", count=2, counts="2 विफल") == "2 भुगतान: 2 विफल"
    with pytest.raises(TypeError):
        words.text("reconcile.counts", "en", counts="")


def test_a_missing_hindi_or_a_changed_parameter_is_found(tmp_path: Path) -> None:
    po = tmp_path / "emitra.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
        'msgctxt "a.untranslated"\nmsgid "Hello"\nmsgstr ""\n\n'
        '#, python-brace-format\nmsgctxt "a.renamed"\nmsgid "Hello {name}"\nmsgstr "नमस्ते {नाम}"\n\n'
        '#, fuzzy\nmsgctxt "a.fuzzy"\nmsgid "Bye"\nmsgstr "अलविदा"\n',
        encoding="utf-8",
    )
    found = problems(po)
    assert any(p.startswith("a.untranslated: Hindi missing") for p in found)
    assert any(p.startswith("a.renamed: parameters differ") for p in found)
    assert any(p.startswith("a.fuzzy: marked fuzzy") for p in found)


def test_every_key_the_code_asks_for_is_in_the_catalog() -> None:
    catalog = words.catalog()
    families = {key.split(".")[0] for key in catalog}
    literals, prefixes = asked_for()
    missing = {key: where for key, where in literals.items() if key.split(".")[0] in families and key not in catalog}
    assert missing == {}
    empty = {
        start: where
        for start, where in prefixes.items()
        if start.split(".")[0] in families and not any(key.startswith(start) for key in catalog)
    }
    assert empty == {}, "keys built at run time whose family has no entry"


def test_no_entry_is_left_unused() -> None:
    """A key is used when the code names it, names its family's start, or is the words of a known error code.

    `error.<code>` entries are checked against the codes (the server's: tests/client/test_error_words.py, the
    client's own classes here); `printer.<code>` against the printer problems' codes.
    """
    catalog = words.catalog()
    literals, prefixes = asked_for()
    prefixes = {start: where for start, where in prefixes.items() if start not in ("error.", "printer.")}
    codes = class_codes() | set(server_codes().codes)
    unused = []
    for key in catalog:
        if key in literals or any(key.startswith(start) for start in prefixes):
            continue
        family, _, rest = key.partition(".")
        code = rest.split(".")[0]
        if family in ("error", "printer") and code in codes:
            continue
        unused.append(key)
    assert unused == []


def test_the_command_checks_and_leaves_an_up_to_date_mo_alone(capsys: pytest.CaptureFixture[str]) -> None:
    from words.__main__ import main

    before = words.mo_path().stat().st_mtime_ns
    assert main(["check"]) == 0
    assert main(["compile"]) == 0
    assert words.mo_path().stat().st_mtime_ns == before and capsys.readouterr().err == ""
