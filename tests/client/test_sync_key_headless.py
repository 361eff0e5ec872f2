"""The scheduled day-end sync runs on the PC's sync key after the operator's session has idled out."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from keyrings.alt.file import PlaintextKeyring

from kiosk_app.api import ApiClient
from kiosk_app.auth import KioskAccount, ProfileUpdate
from kiosk_app.session import LocalSettings, TokenStore
from tests.support.auth import ShiftedClock, new_kiosk
from tests.support.kiosk_client import KioskPc, assert_exactly_once, paper_bills
from tests.support.server import ROOT, ServerProcess

CODE = "RJ-SYN-0101"
PASSWORD = "camels resting near the stepwell"


def test_the_scheduled_sync_uses_the_sync_key_after_the_session_idled_out_and_asks_for_a_sign_in_once_it_ends(
    tmp_path: Path, start_server: Callable[..., ServerProcess]
) -> None:
    from server.core.config import Settings
    from server.migrate import migrate

    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    clock = ShiftedClock(tmp_path / "clock-offset")
    server = start_server(url, EMITRA_ARGON2_PROFILE="fast", EMITRA_CLOCK_OFFSET_FILE=str(clock.path))

    # The PC as the headless command will find it: a file keyring chosen explicitly, its own config folders.
    xdg = tmp_path / "xdg"
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "XDG_DATA_HOME": str(xdg / "data"),
        "XDG_CONFIG_HOME": str(xdg / "config"),
        "PYTHONUNBUFFERED": "1",
    }
    backend = PlaintextKeyring()
    backend.file_path = str(xdg / "data" / "python_keyring" / "keyring_pass.cfg")
    tokens = TokenStore(server.url, backend)
    settings = LocalSettings(xdg / "config" / "emitra-kiosk")
    api = ApiClient(server.url, machine_id=settings.machine_id, timeout=(5, 30))
    account = KioskAccount(api, tokens, settings)
    sso_id, issued = new_kiosk(server, CODE)
    account.login(sso_id, issued)
    account.change_password(issued, PASSWORD)
    assert tokens.sync_keys().load() is None  # not before the account is ready
    account.login(sso_id, PASSWORD)
    account.complete_profile(ProfileUpdate("Shop 9, Fort Road", "302001", True))
    assert tokens.sync_keys().load() is not None

    # A day of offline payments in the outbox, then the operator signs out and goes home.
    bills = paper_bills(40, series=311)
    funds = sum(b.amount_paise for b in bills) + 1_000
    pc = KioskPc(server, tmp_path, CODE, funds=funds, token=tokens.load())
    expected = dict(zip(pc.queue_offline(bills), (b.amount_paise for b in bills), strict=True))
    pc.close()
    account.logout()
    api.close()
    assert tokens.load() is None and tokens.sync_keys().load() is not None
    clock.advance(hours=3)

    def sync() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kiosk_app", "--server", server.url, "--database", str(pc.db_path), "sync"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    done = sync()
    assert done.returncode == 0 and "Day-end sync complete" in done.stdout, done.stdout + done.stderr
    assert_exactly_once(server, CODE, expected, funds)

    # The help desk issues a new password: every session and key of the kiosk ends. The next scheduled
    # sync says what to do, with its own exit code, and sends nothing.
    assert server.admin("POST", f"/kiosks/{CODE}/password").status_code == 200
    more = KioskPc(server, tmp_path, CODE, funds=0, token="not used")
    more.queue_offline(paper_bills(1, series=312))
    more.close()
    refused = sync()
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "sign in once at the kiosk" in refused.stderr, refused.stderr
    assert_exactly_once(server, CODE, expected, funds)
