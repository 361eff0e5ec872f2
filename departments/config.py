"""The simulated departments' settings (EMITRA_DEPARTMENTS_* or command-line options), declared once here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from server.billers.protocol import DepartmentKey, demo_key
from server.catalog import CATALOG_FILE, Catalog, load_catalog

DEFAULT_ADMIN_TOKEN = "departments-demo-admin-token"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EMITRA_DEPARTMENTS_", extra="ignore")

    host: str = Field("127.0.0.1", description="address to listen on")
    port: int = Field(8790, ge=0, le=65535, description="port to listen on")
    database_url: str = Field(
        "sqlite:///emitra-departments.sqlite3",
        description="SQLAlchemy URL of the departments' own records: a SQLite file (default) or postgresql+psycopg://…",
    )
    catalog_file: Path = Field(
        CATALOG_FILE, description="the catalog whose billers are served (server/data/catalog.json)"
    )
    keys: str | None = Field(
        None,
        description='keys as JSON: {"discom": [{"key_id": "...", "secret_hex": "..."}], ...}; '
        "a department missing here gets its demo key",
    )
    keys_file: Path | None = Field(None, description="a JSON file of keys in the format of `keys`")
    admin_token: str = Field(DEFAULT_ADMIN_TOKEN, description="credential for the /admin routes (faults, payments)")
    hold_s: float = Field(
        60.0, gt=0, le=3600, description="how long a timeout or lost_answer fault holds a request without delay_ms"
    )
    log_level: str = Field("info", description="uvicorn's and the departments' log level")

    def catalog(self) -> Catalog:
        return load_catalog(self.catalog_file)

    def department_keys(self) -> dict[str, tuple[DepartmentKey, ...]]:
        """Every biller of the catalog with its keys: the configured ones, else its demo key."""
        configured: dict[str, Any] = {}
        if self.keys_file is not None:
            configured.update(json.loads(self.keys_file.read_text(encoding="utf-8")))
        if self.keys:
            configured.update(json.loads(self.keys))
        billers = sorted({s.biller for s in self.catalog().services.values()})
        unknown = sorted(set(configured) - set(billers))
        if unknown:
            raise ValueError(f"keys for departments the catalog does not have: {', '.join(unknown)}")
        return {
            biller: tuple(parse_keys(configured[biller])) if biller in configured else (demo_key(biller),)
            for biller in billers
        }


def parse_keys(entries: list[dict[str, str]]) -> list[DepartmentKey]:
    if not entries:
        raise ValueError("a configured department needs at least one key")
    return [DepartmentKey(e["key_id"], bytes.fromhex(e["secret_hex"])) for e in entries]
