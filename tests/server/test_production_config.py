"""A production server starts only with its own long, random, distinct secrets, https addresses and no demo data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.core.config import InsecureSettingsError, Settings
from server.core.db import make_engine
from server.demo import ProductionDatabase, load_demo_data
from server.migrate import migrate
from tests.support.server import ROOT, production_env, production_secrets


def test_strong_distinct_secrets_start_a_production_server() -> None:
    assert Settings(mode="production", **production_secrets()).mode == "production"


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("admin_token", "demo-admin-token-change-me", "EMITRA_ADMIN_TOKEN is the demo default"),
        ("secret_key", "a" * 40, "EMITRA_SECRET_KEY too few different characters"),
        ("gateway_secret", "changemechangeme" * 3, "EMITRA_GATEWAY_SECRET too few different characters"),
        ("bank_secret", "Qx7-short", "EMITRA_BANK_SECRET shorter than 32 characters"),
        ("admin_token", "abcdefghijklmnopqrstuvwxyz0123456789", "EMITRA_ADMIN_TOKEN a run of neighbouring"),
        ("secret_key", "MySecretKeyForTheEmitraServer2026!", "EMITRA_SECRET_KEY contains a placeholder word"),
    ],
)
def test_a_weak_secret_is_named_with_its_reason(name: str, value: str, why: str) -> None:
    with pytest.raises(InsecureSettingsError, match=why):
        Settings(mode="production", **{**production_secrets(), name: value})


def test_every_secret_must_be_its_own() -> None:
    strong = production_secrets()
    with pytest.raises(InsecureSettingsError, match="EMITRA_BANK_SECRET is the same as EMITRA_GATEWAY_SECRET"):
        Settings(mode="production", **{**strong, "bank_secret": strong["gateway_secret"]})
    same = production_secrets()["admin_token"]
    with pytest.raises(InsecureSettingsError, match="EMITRA_SECRET_KEY is the same as EMITRA_ADMIN_TOKEN"):
        Settings(mode="production", admin_token=same, secret_key=same, gateway_secret=same, bank_secret=same)


def test_production_needs_its_own_bank_secret() -> None:
    # The bank key was derived from the gateway key when unset: whoever held the gateway's key could sign a
    # NEFT credit.  Now there is nothing to derive from, and the demo default is refused.
    strong = production_secrets()
    del strong["bank_secret"]
    with pytest.raises(InsecureSettingsError, match="EMITRA_BANK_SECRET is the demo default"):
        Settings(mode="production", **strong)


def test_the_gateway_page_must_be_https_in_production() -> None:
    with pytest.raises(InsecureSettingsError, match="EMITRA_GATEWAY_PAGE_URL must be an https:// address"):
        Settings(mode="production", gateway_page_url="http://pay.example/{order_id}", **production_secrets())
    https = Settings(mode="production", gateway_page_url="https://pay.example/{order_id}", **production_secrets())
    assert https.gateway_page_url == "https://pay.example/{order_id}"


def test_the_cli_says_why_it_will_not_start_in_production(tmp_path: Path) -> None:
    env = {
        **os.environ,
        **production_env(),
        "EMITRA_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
        "EMITRA_GATEWAY_SECRET": "aaaaaaaaaaaaaaaa",
        "EMITRA_BANK_SECRET": "aaaaaaaaaaaaaaaa",
    }
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "refusing to start in production mode" in done.stderr
    assert "EMITRA_GATEWAY_SECRET shorter than 32 characters" in done.stderr
    assert "EMITRA_BANK_SECRET is the same as EMITRA_GATEWAY_SECRET" in done.stderr


def test_demo_data_refuses_a_production_server_and_a_production_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    env = {**os.environ, **production_env(), "EMITRA_DATABASE_URL": url}
    assert (
        subprocess.run(
            [sys.executable, "-m", "server.cli", "init-db"], cwd=ROOT, env=env, capture_output=True, timeout=120
        ).returncode
        == 0
    )
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "demo-data"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "refusing to load demo data: EMITRA_MODE is not demo" in done.stderr
    # The same database in demo mode: it remembers a production server migrated it.
    demo_env = {**os.environ, "EMITRA_MODE": "demo", "EMITRA_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "demo-data"],
        cwd=ROOT,
        env=demo_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "a production server has migrated this database" in done.stderr
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM kiosks").scalar_one() == 0
    finally:
        engine.dispose()


def test_demo_data_loads_on_a_demo_database(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'server.sqlite3'}")
    migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        assert load_demo_data(engine, settings)
        with pytest.raises(ProductionDatabase):
            load_demo_data(
                engine, Settings(database_url=settings.database_url, mode="production", **production_secrets())
            )
    finally:
        engine.dispose()
