"""`python -m ui --self-check` from the source tree, as a separate process with no display."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_self_check(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "PYTHON_KEYRING_BACKEND")
    }
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "ui", "--self-check", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def findings(report: str) -> dict[str, str]:
    """check name -> outcome, from the report's `  ok     qt        PySide6 …` lines."""
    found = {}
    for line in report.splitlines():
        parts = line.split(maxsplit=2)
        if line.startswith("  ") and len(parts) >= 2 and parts[0] in ("ok", "note", "FAILED"):
            found[parts[1]] = parts[0]
    return found


def test_self_check_passes_headless_and_creates_the_database_in_the_given_folder(tmp_path: Path) -> None:
    result = run_self_check(str(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Self-check passed." in result.stdout
    outcomes = findings(result.stdout)
    essential = ("qt", "fonts", "database", "receipt", "signing")
    assert {name: outcomes.get(name) for name in essential} == dict.fromkeys(essential, "ok")
    # Facts about this machine, never a failure: libusb may be missing, a headless Linux has no OS keyring.
    assert outcomes["usb"] in ("ok", "note")
    assert outcomes["keyring"] in ("ok", "note")
    assert "platform 'offscreen'" in result.stdout
    assert (tmp_path / "profiles" / "default" / "kiosk.sqlite3").is_file()
    assert "QR TXN2511250142000731" in result.stdout


def test_a_chosen_keyring_backend_is_reported_as_usable(tmp_path: Path) -> None:
    result = run_self_check(str(tmp_path), PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring")

    assert result.returncode == 0, result.stdout + result.stderr
    assert findings(result.stdout)["keyring"] == "ok"
    assert "keyrings.alt.file.PlaintextKeyring" in result.stdout


def test_missing_fonts_fail_with_a_clear_message(tmp_path: Path) -> None:
    empty = tmp_path / "fonts"
    empty.mkdir()

    result = run_self_check(str(tmp_path / "data"), EMITRA_FONTS_DIR=str(empty))

    assert result.returncode == 1
    assert findings(result.stdout)["fonts"] == "FAILED"
    assert "Self-check FAILED: fonts" in result.stdout
    assert "self-check failed: fonts: FontMissing: font NotoSans-Regular.ttf not found" in result.stderr
