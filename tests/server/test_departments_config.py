"""Production refuses the simulated departments and any department configured insecurely, and says why."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest

from server.billers.departments import DepartmentsMisconfigured, billers_of, department_configs
from server.billers.protocol import demo_key
from server.catalog import load_catalog
from server.core.config import Settings
from server.migrate import migrate
from tests.support.server import ServerProcess, unreachable_departments

CATALOG = load_catalog()


def production(tmp_path: Path, **settings: Any) -> Settings:
    return Settings(
        mode="production",
        database_url=f"sqlite:///{tmp_path / 'server.sqlite3'}",
        admin_token=secrets.token_urlsafe(32),
        secret_key=secrets.token_urlsafe(32),
        gateway_secret=secrets.token_urlsafe(32),
        bank_secret=secrets.token_urlsafe(32),
        **settings,
    )


def with_file(tmp_path: Path, entries: dict[str, Any]) -> Path:
    path = tmp_path / "departments.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def refusal(settings: Settings) -> str:
    with pytest.raises(DepartmentsMisconfigured) as refused:
        department_configs(settings, CATALOG)
    return str(refused.value)


def test_a_production_server_with_every_department_on_https_with_its_own_key_starts(tmp_path: Path) -> None:
    configs = department_configs(
        production(tmp_path, departments_file=with_file(tmp_path, unreachable_departments())), CATALOG
    )
    assert sorted(configs) == billers_of(CATALOG)
    assert all(c.url.startswith("https://") for c in configs.values())


def test_production_refuses_no_departments_the_simulated_ones_and_a_missing_one(tmp_path: Path) -> None:
    assert "no departments are configured" in refusal(production(tmp_path))
    assert "simulated departments" in refusal(production(tmp_path, departments_url="http://127.0.0.1:8790"))
    entries = unreachable_departments()
    del entries["phed"]
    assert "department phed: serves services of the catalog but is not configured" in refusal(
        production(tmp_path, departments_file=with_file(tmp_path, entries))
    )


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"url": "http://discom.example.in/emitra"}, "department discom: the URL must be https in production"),
        ({"key_id": demo_key("discom").key_id, "secret_hex": demo_key("discom").secret.hex()}, "demo key is public"),
        ({"secret_hex": "ab" * 8}, "at least 32 bytes"),
        ({"verify_tls": False}, "TLS certificates must be verified"),
        ({"secret_hex": "not hex"}, "discom"),
        ({"colour": "blue"}, "unknown settings colour"),
    ],
    ids=["http", "demo key", "short key", "no tls check", "bad hex", "unknown setting"],
)
def test_production_refuses_an_insecure_department_naming_it(tmp_path: Path, change: dict[str, Any], said: str) -> None:
    entries = unreachable_departments()
    entries["discom"] = {**entries["discom"], **change}
    assert said in refusal(production(tmp_path, departments_file=with_file(tmp_path, entries)))


def test_a_demo_server_reaches_the_simulated_departments_and_a_broken_file_is_refused(tmp_path: Path) -> None:
    configs = department_configs(Settings(mode="demo", departments_url="http://127.0.0.1:8790/"), CATALOG)
    assert configs["discom"].url == "http://127.0.0.1:8790/discom"
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert "cannot be read as JSON" in refusal(Settings(mode="demo", departments_file=broken))


def test_a_production_server_process_with_the_simulated_departments_does_not_start(tmp_path: Path) -> None:
    settings = production(tmp_path)
    migrate(settings)
    env = {
        "EMITRA_MODE": "production",
        "EMITRA_ADMIN_TOKEN": settings.admin_token,
        "EMITRA_SECRET_KEY": settings.secret_key,
        "EMITRA_GATEWAY_SECRET": settings.gateway_secret,
        "EMITRA_BANK_SECRET": settings.bank_secret or "",
        "EMITRA_DEPARTMENTS_URL": "http://127.0.0.1:8790",
    }
    server = ServerProcess(settings.database_url, log_path=tmp_path / "server.log", env=env)
    try:
        with pytest.raises(RuntimeError, match="simulated departments, which a production server never uses"):
            server.start(timeout=60)
    finally:
        server.stop()
