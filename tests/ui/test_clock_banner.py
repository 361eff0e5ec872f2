"""An off clock, as the server's health-report answer shows it, puts a two-language banner on the main window."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

import words
from server.core.config import Settings
from server.migrate import migrate
from tests.support.auth import ShiftedClock, contacts
from tests.support.server import ServerProcess
from tests.support.wallet import LONG_SESSIONS, PASSWORD, WalletKiosk
from tests.ui.conftest import press, type_text
from ui.shell import Shell

TIMEOUT = 20_000


@pytest.fixture
def server_clock(tmp_path_factory: pytest.TempPathFactory) -> ShiftedClock:
    return ShiftedClock(tmp_path_factory.mktemp("clock") / "offset")


@pytest.fixture
def clock_server(tmp_path_factory: pytest.TempPathFactory, server_clock: ShiftedClock) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("clock-ui")
    url = f"sqlite:///{tmp / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    env = {"EMITRA_ARGON2_PROFILE": "fast", **LONG_SESSIONS, "EMITRA_CLOCK_OFFSET_FILE": str(server_clock.path)}
    server = ServerProcess(url, log_path=tmp / "server.log", env=env).start()
    yield server
    server.stop()


def _sign_in(qtbot: QtBot, shell: Shell, code: str) -> None:
    type_text(qtbot, contacts(code)[0])
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, PASSWORD)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.main is not None and shell.main.isVisible(), timeout=TIMEOUT)


@pytest.mark.parametrize("minutes", [0, 10])
def test_the_clock_banner_shows_only_for_a_clock_off_by_more_than_two_minutes(
    qtbot: QtBot,
    clock_server: ServerProcess,
    server_clock: ShiftedClock,
    shell_on: Callable[..., Shell],
    minutes: int,
) -> None:
    kiosk = WalletKiosk(clock_server, "RJ-CLK")
    # The server's clock moved: to this PC it is as if its own clock were `minutes` behind.
    server_clock.advance(minutes=minutes)
    shell = shell_on(clock_server)
    _sign_in(qtbot, shell, kiosk.code)
    main = shell.main
    assert main is not None
    if minutes:
        qtbot.waitUntil(main.clock_banner.isVisible, timeout=TIMEOUT)
        english, hindi = words.pair("main.clock_off", minutes=minutes)
        assert main.clock_banner.text() == f"{english}\n{hindi}"
    else:
        # The report went and came back with a clock in step: no banner.
        qtbot.waitUntil(lambda: clock_server.admin("GET", "/fleet").json()["kiosks_reporting"] == 1, timeout=TIMEOUT)
        qtbot.wait(300)
        assert not main.clock_banner.isVisible()
