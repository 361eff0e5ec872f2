"""ruff and mypy (strict, in pyproject.toml) stay clean, and requirements.lock pins what pyproject.toml asks for."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    return found


def test_ruff_finds_nothing() -> None:
    done = subprocess.run([_tool("ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_changes_nothing() -> None:
    """The code is kept as `ruff format` writes it (pre-commit runs it before each commit)."""
    done = subprocess.run(
        [_tool("ruff"), "format", "--check", "."], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, "run `ruff format .`:\n" + done.stdout + done.stderr


@pytest.mark.slow
def test_mypy_strict_finds_nothing() -> None:
    done = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr


def _lock_pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            name, _, version = line.split(" ")[0].partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_the_lock_pins_every_dependency_within_its_range() -> None:
    """./run installs requirements.lock only: a dependency added without scripts/lock.sh fails here."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]
    pins = _lock_pins()
    missing = [str(r) for r in wanted if canonicalize_name(r.name) not in pins]
    outside = [
        f"{r} (locked {pins[canonicalize_name(r.name)]})"
        for r in wanted
        if canonicalize_name(r.name) in pins and not r.specifier.contains(pins[canonicalize_name(r.name)])
    ]
    assert not missing and not outside, f"run scripts/lock.sh: not locked {missing}, outside the range {outside}"


def test_the_lock_holds_a_hash_for_every_pin() -> None:
    text = (ROOT / "requirements.lock").read_text()
    blocks = [b for b in text.split("\n") if b and not b.startswith((" ", "#"))]
    # Pins are `name==version`; an environment marker (`; sys_platform == 'win32'`) has spaces around its ==.
    assert len(blocks) == text.count("==") - text.count(" == ") and len(blocks) == len(_lock_pins())
    for block in text.split("\n")[2:]:
        if block and not block.startswith((" ", "#")):
            assert block.endswith("\\"), f"{block}: no hash follows the pin"
