"""Server settings, read from the environment (EMITRA_*) or an env file, declared once here."""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from itertools import pairwise
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_ADMIN_TOKEN = "demo-admin-token-change-me"
DEFAULT_SECRET_KEY = "demo-secret-key-change-me"
DEFAULT_GATEWAY_SECRET = "demo-gateway-secret-change-me"
DEFAULT_BANK_SECRET = "demo-bank-secret-change-me"

# A production secret (docs/OPERATIONS.md): long, and not a word, a pattern or a placeholder.
SECRET_MIN_LENGTH = 32
SECRET_MIN_BITS_PER_CHARACTER = 3.0
PLACEHOLDER_WORDS = ("change", "demo", "secret", "passw", "example", "default")


class InsecureSettingsError(RuntimeError):
    """Production mode was asked for with a weak setting: a demo, short, guessable or shared secret, plain http."""


def secret_problem(value: str) -> str | None:
    """Why `value` is no production secret (None: it looks random enough)."""
    if len(value) < SECRET_MIN_LENGTH:
        return f"shorter than {SECRET_MIN_LENGTH} characters"
    counts = Counter(value)
    bits = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    if bits < SECRET_MIN_BITS_PER_CHARACTER:
        return "too few different characters (not random)"
    steps = sum(abs(ord(a) - ord(b)) <= 1 for a, b in pairwise(value))
    if steps * 2 > len(value) - 1:
        return "a run of neighbouring characters (not random)"
    lowered = value.lower()
    if any(word in lowered for word in PLACEHOLDER_WORDS):
        return "contains a placeholder word"
    return None


def _https_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return "must be an https:// address"
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EMITRA_", env_file=".env", extra="ignore")

    mode: Literal["demo", "production"] = Field(
        "demo", description="demo allows the built-in secrets and simulated outside parties"
    )
    database_url: str = Field(
        "sqlite:///emitra-server.sqlite3",
        description="SQLAlchemy URL: a SQLite file (default) or postgresql+psycopg://…",
    )
    admin_token: str = Field(
        DEFAULT_ADMIN_TOKEN,
        description="the static X-Admin-Token: on a demo server it may do everything the old back office did; on "
        "a production server only the 'automation' scope (kiosk onboarding and reads, never money or "
        "administrators; docs/BACKOFFICE.md). People sign in as named administrators",
    )
    secret_key: str = Field(DEFAULT_SECRET_KEY, description="signs server-side secrets")
    gateway_secret: str = Field(DEFAULT_GATEWAY_SECRET, description="HMAC key for gateway callbacks")
    bank_secret: str = Field(
        DEFAULT_BANK_SECRET, description="HMAC key for the collecting bank's credit notifications (its own key)"
    )
    max_body_bytes: int = Field(1_048_576, description="requests larger than this are refused (413)")
    max_header_bytes: int = Field(
        32_768, ge=1024, description="request line and headers larger than this are refused as they arrive (431)"
    )
    max_header_count: int = Field(100, ge=10, description="requests with more headers than this are refused (431)")
    trusted_proxies: str = Field(
        "",
        description="comma-separated addresses or networks (10.0.0.0/8) of the reverse proxies in front of the "
        "server; X-Forwarded-For is believed only from them (empty: never, the peer's address is the client's)",
    )
    public_details: bool = Field(
        False,
        description="production: serve the API documentation (/api/v1/docs, openapi.json) and name the version and "
        "mode in /api/v1/health (a demo server always does)",
    )
    max_batch_items: int = Field(500, description="largest batch of operations in one request")
    max_operation_paise: int = Field(10_000_000_000, description="largest amount one operation may move (₹10 crore)")
    hot_account_shards: int = Field(
        16, description="balance rows per shared account (billers, clearing) to avoid one hot row"
    )
    db_pool_size: int = Field(10, description="connections per server process (PostgreSQL)")
    db_prepared_statements: bool = Field(
        True,
        description="PostgreSQL: let psycopg prepare a statement run often on a connection; false behind a pooler "
        "in transaction mode that does not track them (PgBouncer before 1.21)",
    )
    db_transaction_timeout_s: float = Field(
        0,
        ge=0,
        description="PostgreSQL: a transaction (its statements, and its commit waiting for the synchronous standby) "
        "still running after this many seconds is cancelled and the request answered 503 database_unavailable; "
        "0: wait as long as PostgreSQL does (a lost synchronous standby holds every commit)",
    )
    worker_threads: int = Field(
        8, ge=1, le=400, description="threads per server process running requests' database work at once"
    )
    # -- the fleet: kiosk health reports (docs/OPERATIONS.md, "The fleet") -----------------------------------
    fleet_report_interval_seconds: int = Field(
        600, ge=1, le=86_400, description="a kiosk's health reports at most once in this many seconds (429 sooner)"
    )
    fleet_minimum_version: str = Field(
        "0", description="kiosks reporting an older client version than this are listed as old_version"
    )
    fleet_silent_hours: int = Field(
        26, ge=1, le=24 * 30, description="a kiosk whose last health report is older than this is listed as silent"
    )
    fleet_clock_tolerance_seconds: int = Field(
        120, ge=1, le=86_400, description="a kiosk clock further off the server's than this is listed as clock_off"
    )
    # -- accounts, passwords, sessions, OTP (docs/SECURITY.md states the rules) --------------------------
    argon2_profile: Literal["default", "fast"] = Field(
        "default", description="argon2id cost: the library's defaults, or cheap parameters (demo mode only)"
    )
    update_repository: Path | None = Field(
        None,
        description="the kiosk bundle's update repository (metadata/ and targets/ of `emitra-server updates`), "
        "served read-only under /updates/; empty: not served here",
    )
    clock_offset_file: Path | None = Field(
        None, description="demo mode only: a file holding seconds to add to the auth clock (tests of expiry)"
    )
    session_idle_minutes: int = Field(30, ge=1, description="a session unused this long expires")
    session_absolute_hours: int = Field(12, ge=1, description="a session expires this long after login")
    sync_key_hours: int = Field(
        36, ge=1, le=168, description="a PC's day-end sync key expires this long after it was issued"
    )
    sync_keys_per_kiosk: int = Field(
        3, ge=1, le=50, description="live day-end sync keys per kiosk (one per PC); another PC is refused (409)"
    )
    login_free_failures: int = Field(
        3, ge=1, description="wrong passwords in a row for one SSO ID from one source checked without a delay"
    )
    login_max_delay_seconds: int = Field(
        300, ge=1, description="longest wait between two tries of one SSO ID from one source (it doubles up to it)"
    )
    login_failures_per_hour: int = Field(100, ge=1, description="wrong passwords per SSO ID per hour, from all sources")
    source_login_failures_per_hour: int = Field(
        30, ge=1, description="failed sign-ins (wrong password, unknown SSO ID) per source (client IP) per hour"
    )
    otp_ttl_seconds: int = Field(300, ge=30, description="an OTP expires this long after it is sent")
    otp_max_attempts: int = Field(5, ge=1, description="wrong OTPs that end a challenge")
    otp_resend_limit: int = Field(3, ge=0, description="resends allowed per challenge")
    otp_resend_interval_seconds: int = Field(30, ge=0, description="wait before an OTP may be resent")
    otp_challenges_per_hour: int = Field(5, ge=1, description="OTP challenges per SSO ID / mobile / e-mail per hour")
    otp_challenges_per_day: int = Field(10, ge=1, description="OTP challenges per SSO ID / mobile / e-mail per day")
    source_otp_challenges_per_hour: int = Field(10, ge=1, description="OTP challenges per source per hour")
    otp_challenges_per_hour_total: int = Field(300, ge=1, description="OTP challenges per hour on the whole server")
    source_otp_failures_per_hour: int = Field(10, ge=1, description="wrong OTPs per source per hour")
    otp_failures_per_hour_total: int = Field(
        30, ge=1, description="wrong OTPs per hour on the whole server (bounds guessing spread over many accounts)"
    )
    messages_per_account_per_day: int = Field(
        20, ge=2, description="OTP messages (SMS and e-mail each count) sent to one kiosk holder per day"
    )
    # -- the back office: named administrators, four eyes on money (docs/BACKOFFICE.md) --------------------
    admin_session_idle_minutes: int = Field(15, ge=1, description="an administrator's session unused this long ends")
    admin_session_absolute_hours: int = Field(
        8, ge=1, le=24, description="an administrator's session ends this long after sign-in"
    )
    admin_totp_window_steps: int = Field(
        1, ge=0, le=2, description="TOTP codes of this many 30-second steps before or after now are accepted (skew)"
    )
    suspense_approval_limit_paise: int = Field(
        50_000_00,
        ge=0,
        description="a suspense credit above this amount is assigned only by a proposal that a second "
        "administrator approves (₹50,000)",
    )
    # -- departments: where bills are paid (docs/DEPARTMENTS.md) -----------------------------------------
    departments_file: Path | None = Field(
        None,
        description="JSON object: per biller of the catalog {url, key_id, secret_hex, and optional "
        "connect_timeout_s, read_timeout_s, status_attempts, pool_size, verify_tls}; required in production",
    )
    departments_url: str | None = Field(
        None,
        description="demo mode only: base URL of emitra-departments (the simulated departments, their demo keys)",
    )
    departments_admin_token: str | None = Field(
        None, description="demo mode only: the simulated departments' admin token (training switches, faults)"
    )
    department_connect_timeout_s: float = Field(
        3.0, gt=0, le=60, description="seconds to connect to a department (a file entry may set its own)"
    )
    department_read_timeout_s: float = Field(
        10.0, gt=0, le=600, description="seconds to wait for a department's answer (a file entry may set its own)"
    )
    # -- wallet: refill channels, credit line, reconcile (docs/WALLET.md states the rules) ----------------
    refill_min_paise: int = Field(100_00, ge=1, description="smallest net banking / aggregator refill (₹100)")
    refill_max_paise: int = Field(10_00_000_00, ge=1, description="largest net banking / aggregator refill (₹10 lakh)")
    gateway_page_url: str | None = Field(
        None,
        description="the payment aggregator's page for one order, '{order_id}' replaced (https://…); unset: the "
        "built-in simulator on a demo server, and no gateway orders on a production server",
    )
    refill_order_ttl_minutes: int = Field(
        30, ge=1, description="an order the gateway has not completed by then is expired (the page was closed)"
    )
    legacy_credit_delay_minutes: float = Field(
        60, ge=0, description="a Fund Receive Request from Existing Emitra is credited this long after acceptance"
    )
    scheduler_enabled: bool = Field(
        True, description="run the background thread that credits due legacy transfers and expires orders"
    )
    scheduler_poll_seconds: float = Field(30, gt=0, description="how often the scheduler looks for due work")
    virtual_account_prefix: str = Field(
        "2244", pattern=r"^[0-9]{2,8}$", description="NEFT/RTGS virtual account = this prefix + the kiosk id (8 digits)"
    )
    virtual_account_ifsc: str = Field(
        "RJIT0EMITRA", pattern=r"^[A-Z]{4}0[A-Z0-9]{6}$", description="IFSC of the bank that collects NEFT/RTGS"
    )
    virtual_account_bank: str = Field("eMitra Collection Bank (demo)", description="shown on the Refill page")
    virtual_account_beneficiary: str = Field(
        "RajCOMP Info Services Ltd (eMitra)", description="beneficiary name the operator adds as payee"
    )
    holidays_file: Path | None = Field(None, description="bank holiday list (JSON); default server/data/holidays.json")
    credit_interest_percent: int = Field(18, ge=0, le=100, description="simple interest per year on overdue credit")

    @property
    def proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """`trusted_proxies` parsed (checked at start: a bad entry refuses the settings)."""
        return tuple(ip_network(part.strip(), strict=False) for part in self.trusted_proxies.split(",") if part.strip())

    @property
    def shows_details(self) -> bool:
        """The API documentation and the version and mode in /health are served: a demo server, or public_details."""
        return self.mode == "demo" or self.public_details

    @model_validator(mode="after")
    def _check_proxies(self) -> Settings:
        self.proxy_networks  # noqa: B018 - raises ValueError on a bad address
        return self

    @model_validator(mode="after")
    def _refuse_weak_production_settings(self) -> Settings:
        if self.mode == "production":
            problems = self.production_problems()
            if problems:
                raise InsecureSettingsError(
                    "refusing to start in production mode: "
                    + "; ".join(problems)
                    + " (make each secret with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
                )
        return self

    def production_problems(self) -> list[str]:
        """Every reason this configuration is not fit for a production server."""
        secrets = {
            "EMITRA_ADMIN_TOKEN": (self.admin_token, DEFAULT_ADMIN_TOKEN),
            "EMITRA_SECRET_KEY": (self.secret_key, DEFAULT_SECRET_KEY),
            "EMITRA_GATEWAY_SECRET": (self.gateway_secret, DEFAULT_GATEWAY_SECRET),
            "EMITRA_BANK_SECRET": (self.bank_secret, DEFAULT_BANK_SECRET),
        }
        problems = []
        for name, (value, default) in secrets.items():
            why = "is the demo default" if value == default else secret_problem(value)
            if why is not None:
                problems.append(f"{name} {why}")
        seen: dict[str, str] = {}
        for name, (value, _default) in secrets.items():
            if value in seen:
                problems.append(f"{name} is the same as {seen[value]} (each secret must be its own)")
            seen.setdefault(value, name)
        if self.gateway_page_url is not None and (why := _https_problem(self.gateway_page_url)):
            problems.append(f"EMITRA_GATEWAY_PAGE_URL {why}")
        # Test conveniences must never weaken a production server.
        if self.argon2_profile != "default":
            problems.append("EMITRA_ARGON2_PROFILE=fast is only allowed in demo mode")
        if self.clock_offset_file is not None:
            problems.append("EMITRA_CLOCK_OFFSET_FILE is only allowed in demo mode")
        return problems


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
