"""Shared fixtures: databases (SQLite files, a PostgreSQL cluster) and real server processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from server.core.config import Settings
from server.migrate import migrate
from tests.support.auth import ShiftedClock
from tests.support.departments import departments, fresh_departments  # noqa: F401 - fixtures
from tests.support.pgcluster import PgCluster, find_pg_bin
from tests.support.server import ServerProcess


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/ui/" in str(item.path):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries are missing; .ci/run must install them")
        pytest.skip("PostgreSQL server binaries not installed")
    cluster = PgCluster(bin_dir).start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_cluster").create_database()
    migrate(Settings(database_url=url))
    return url


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    started: list[ServerProcess] = []

    def start(database_url: str, **env: str) -> ServerProcess:
        server = ServerProcess(database_url, log_path=tmp_path / f"server-{len(started)}.log", env=env).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def server(database_url: str, start_server: Callable[..., ServerProcess]) -> ServerProcess:
    return start_server(database_url)


# -- sign-in: a fast-hashing server with a shiftable clock, and a file keyring chosen explicitly -----------


@pytest.fixture
def auth_clock(tmp_path: Path) -> ShiftedClock:
    return ShiftedClock(tmp_path / "clock-offset")


@pytest.fixture
def auth_server(
    database_url: str, start_server: Callable[..., ServerProcess], auth_clock: ShiftedClock
) -> ServerProcess:
    """A server whose argon2 is cheap and whose auth clock the test moves (both demo mode only)."""
    return start_server(database_url, EMITRA_ARGON2_PROFILE="fast", EMITRA_CLOCK_OFFSET_FILE=str(auth_clock.path))


@pytest.fixture
def kiosk_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlaintextKeyring]:
    """The tests choose a file keyring explicitly, as a headless kiosk would with PYTHON_KEYRING_BACKEND."""
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring" / "keyring_pass.cfg")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    yield backend
    keyring.set_keyring(previous)
