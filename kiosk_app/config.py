"""The kiosk's settings, each declared once (name, environment variable, default, description)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kiosk_app.update import UPDATE_DIR_ENV
from offline_cache.database import default_path
from printing.receipt import HelpDesk


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    description: str


PAY_WAIT_S = 15.0  # the longest an operator waits for a payment's answer, unless the setting says otherwise

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "server_url", "EMITRA_KIOSK_SERVER", "http://127.0.0.1:8765", "the central server (https:// except on this PC)"
    ),
    Setting("profile", "EMITRA_KIOSK_PROFILE", "default", "the kiosk profile: one local database each"),
    Setting("data_dir", "EMITRA_KIOSK_DATA_DIR", "", "where profiles live (empty: the platform's user data dir)"),
    Setting("database", "EMITRA_KIOSK_DATABASE", "", "an explicit database file (overrides profile and data_dir)"),
    Setting("batch_size", "EMITRA_KIOSK_SYNC_BATCH", "100", "operations per day-end sync request (1–100)"),
    Setting(
        "update_url",
        "EMITRA_KIOSK_UPDATE_URL",
        "",
        "the signed update repository (empty: the central server's /updates/)",
    ),
    # Read by kiosk_app.update itself (the launcher decides before this module loads); listed here with the rest.
    Setting("update_dir", UPDATE_DIR_ENV, "", "where updates are kept (empty: the user data dir)"),
    Setting(
        "pay_wait_seconds",
        "EMITRA_KIOSK_PAY_WAIT",
        f"{PAY_WAIT_S:g}",
        "the longest an operator waits for a payment's answer (3–120 s); after it the payment shows as in doubt",
    ),
    Setting(
        "customer_memory_months",
        "EMITRA_KIOSK_CUSTOMER_MONTHS",
        "24",
        "customers and their payments are forgotten by this PC after this many months without a payment (1–120)",
    ),
)

DEFAULT_HELP_DESK = HelpDesk(phones=("0141-2220000", "1800-180-6127"), email="helpdesk.emitra@rajasthan.gov.in")
MAX_BATCH = 100  # the server's /payments/batch limit


@dataclass(frozen=True)
class KioskConfig:
    server_url: str = "http://127.0.0.1:8765"
    profile: str = "default"
    data_dir: Path | None = None
    database: Path | None = None
    batch_size: int = MAX_BATCH
    pay_wait_seconds: float = PAY_WAIT_S
    update_url: str = ""
    customer_memory_months: int = 24

    @property
    def update_repository(self) -> str:
        return self.update_url or self.server_url.rstrip("/") + "/updates"

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= MAX_BATCH:
            raise ValueError(f"batch size must be 1 to {MAX_BATCH}")
        if not 3 <= self.pay_wait_seconds <= 120:
            raise ValueError("the payment wait must be 3 to 120 seconds")
        if not 1 <= self.customer_memory_months <= 120:
            raise ValueError("the customer memory must be 1 to 120 months")

    @property
    def database_path(self) -> Path:
        return self.database if self.database is not None else default_path(self.profile, self.data_dir)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: str | None) -> KioskConfig:
        """Defaults, then environment variables, then explicit overrides (command-line options)."""
        env = os.environ if environ is None else environ
        values = {s.name: env.get(s.env) or s.default for s in SETTINGS}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(
            server_url=values["server_url"],
            profile=values["profile"],
            data_dir=Path(values["data_dir"]) if values["data_dir"] else None,
            database=Path(values["database"]) if values["database"] else None,
            batch_size=int(values["batch_size"]),
            pay_wait_seconds=float(values["pay_wait_seconds"]),
            update_url=values["update_url"],
            customer_memory_months=int(values["customer_memory_months"]),
        )
