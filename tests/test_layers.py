"""The folder tells the architecture: what each top-level package may import, checked from the source."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("rules", "words", "offline_cache", "printing", "kiosk_app", "ui", "server", "departments")
# package → the project packages (or modules) it may import
ALLOWED: dict[str, tuple[str, ...]] = {
    "rules": (),  # shared by the kiosk and the server: the standard library only
    "words": (),  # the operator's words (gettext catalog): nothing of the project
    "offline_cache": ("rules",),
    "printing": ("offline_cache", "rules", "words"),
    "kiosk_app": ("offline_cache", "printing", "rules", "words"),
    "ui": ("kiosk_app", "offline_cache", "printing", "rules", "words"),
    "server": ("rules", "words"),  # words: the back-office console's pages and the receipt verification page
    # the departments are another party: they share only the wire protocol and the catalog's service codes
    "departments": ("server.billers.protocol", "server.catalog", "rules"),
}
# printing draws text with QtGui (no widgets); these use no Qt at all
NO_QT = ("rules", "words", "offline_cache", "kiosk_app", "server", "departments")


def _imports(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def _breaks(package: str, module: str) -> bool:
    top = module.split(".")[0]
    if top == package:
        return False
    if top in PROJECT:
        return not any(module == a or module.startswith(a + ".") for a in ALLOWED[package])
    if top == "PySide6":
        return package in NO_QT or (package != "ui" and module.startswith("PySide6.QtWidgets"))
    return package == "rules" and top not in sys.stdlib_module_names and top != "__future__"


def test_each_package_imports_only_what_its_layer_may() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for package in PROJECT
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, module in _imports(path)
        if _breaks(package, module)
    ]
    assert wrong == [], "\n".join(wrong)


def test_the_check_sees_a_wrong_import() -> None:
    assert _breaks("server", "kiosk_app.wallet") and _breaks("kiosk_app", "PySide6.QtCore")
    assert _breaks("rules", "requests") and _breaks("printing", "PySide6.QtWidgets")
    assert not _breaks("departments", "server.billers.protocol") and _breaks("departments", "server.ledger")
