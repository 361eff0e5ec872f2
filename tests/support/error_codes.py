"""The error codes in the server's source, read without importing it (tests of the client's words use them)."""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The server's refusals, and the departments' refusals it passes on (`ApiError(exc.message, code=exc.code)`).
ERROR_BASES = ("ApiError", "BillerError")


@dataclass
class ServerCodes:
    codes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # code → where it is raised
    details: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # code → keywords it carries
    dynamic: list[tuple[str, bool]] = field(default_factory=list)  # a code not written out: (where, own Hindi?)


def name_of(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


@cache
def server_codes() -> ServerCodes:
    """The codes in the server's source: its ApiError classes, `code=` where one is raised, the handlers' codes.

    Read from the source (not by importing it) so that a code named only where it is raised is found too.
    """
    trees = {
        path: ast.parse(path.read_text(encoding="utf-8"), str(path))
        for path in sorted((ROOT / "server").rglob("*.py"))
        if "migrations" not in path.parts
    }
    classes: dict[str, tuple[str | None, list[str]]] = {}  # class → (its code, its bases)
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                code = None
                for statement in node.body:
                    if (
                        isinstance(statement, ast.Assign)
                        and any(name_of(t) == "code" for t in statement.targets)
                        and isinstance(statement.value, ast.Constant)
                    ):
                        code = str(statement.value.value)
                classes[node.name] = (code, [name_of(b) for b in node.bases])

    def is_error(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name in ERROR_BASES:
            return True
        if name not in classes or name in seen:
            return False
        return any(is_error(base, seen | {name}) for base in classes[name][1])

    def constants(node: ast.expr) -> list[str] | None:
        """The codes a `code=` argument can be: a literal, or either literal of `"a" if … else "b"`."""
        if isinstance(node, ast.Constant):
            return [str(node.value)]
        if isinstance(node, ast.IfExp):
            body, orelse = constants(node.body), constants(node.orelse)
            return body + orelse if body is not None and orelse is not None else None
        return None

    found = ServerCodes()
    for name, (code, _) in classes.items():
        if code is not None and is_error(name):
            found.codes[code].append(f"class {name}")
    for path, tree in trees.items():
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and is_error(name_of(node.func)):
                keywords = {k.arg: k.value for k in node.keywords if k.arg}
                code_node = keywords.get("code")
                code = classes.get(name_of(node.func), (None, []))[0]
                written = [code] if code is not None else []
                if code_node is not None:
                    written = constants(code_node) or []
                    if not written:
                        # `code=exc.code`: the code of an error class, each of which is counted above
                        passed_on = isinstance(code_node, ast.Attribute) and code_node.attr == "code"
                        # `InvalidField(RULE_MESSAGES[code], code=code)`: a shared rule's code, listed there
                        passed_on = passed_on or bool(
                            node.args
                            and isinstance(node.args[0], ast.Subscript)
                            and name_of(node.args[0].value) == "RULE_MESSAGES"
                        )
                        found.dynamic.append((f"{where}:{node.lineno}", passed_on or "message_hi" in keywords))
                    for code in written:
                        found.codes[code].append(f"{where}:{node.lineno}")
                for code in written:
                    found.details[code] |= set(keywords) - {"code", "status", "message_hi"}
            elif (
                isinstance(node, ast.Call)
                and name_of(node.func) == "error_response"
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
            ):
                found.codes[str(node.args[1].value)].append(f"{where}:{node.lineno}")
            elif isinstance(node, ast.Assign) and any(name_of(t) == "RULE_MESSAGES" for t in node.targets):
                # the shared rules' refusals (rules/), raised with `code=code` from their answer
                assert isinstance(node.value, ast.Dict)
                for key in node.value.keys:
                    assert isinstance(key, ast.Constant)
                    found.codes[str(key.value)].append(f"{where}:{node.lineno}")
            elif isinstance(node, ast.Assign) and any(name_of(t) == "_STATUS_CODES" for t in node.targets):
                assert isinstance(node.value, ast.Dict)
                for value in node.value.values:
                    assert isinstance(value, ast.Constant)
                    found.codes[str(value.value)].append(f"{where}:{node.lineno}")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and name_of(node.func.value) == "_STATUS_CODES"
                and len(node.args) == 2
                and isinstance(node.args[1], ast.Constant)
            ):
                # _STATUS_CODES.get(status, "http_error"): the code of any other HTTP status
                found.codes[str(node.args[1].value)].append(f"{where}:{node.lineno}")
    # The parameters a shared rule's refusal carries: AmountRefusal("code", {"name": …}) in rules/.
    for path in sorted((ROOT / "rules").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if (
                isinstance(node, ast.Call)
                and name_of(node.func) == "AmountRefusal"
                and len(node.args) == 2
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[1], ast.Dict)
            ):
                names = {str(k.value) for k in node.args[1].keys if isinstance(k, ast.Constant)}
                found.details[str(node.args[0].value)] |= names | {"field"}
    return found
