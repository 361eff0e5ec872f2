"""Server settings, read from the environment (EMITRA_*) or an env file, declared once here."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_ADMIN_TOKEN = "demo-admin-token-change-me"
DEFAULT_SECRET_KEY = "demo-secret-key-change-me"
DEFAULT_GATEWAY_SECRET = "demo-gateway-secret-change-me"


class InsecureSettingsError(RuntimeError):
    """Production mode was asked for while a secret still has its demo default."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EMITRA_", env_file=".env", extra="ignore")

    mode: Literal["demo", "production"] = Field(
        "demo", description="demo allows the built-in secrets and simulated outside parties"
    )
    database_url: str = Field(
        "sqlite:///emitra-server.sqlite3",
        description="SQLAlchemy URL: a SQLite file (default) or postgresql+psycopg://…",
    )
    admin_token: str = Field(DEFAULT_ADMIN_TOKEN, description="credential for /api/v1/admin routes")
    secret_key: str = Field(DEFAULT_SECRET_KEY, description="signs server-side secrets")
    gateway_secret: str = Field(DEFAULT_GATEWAY_SECRET, description="HMAC key for gateway callbacks")
    max_body_bytes: int = Field(1_048_576, description="requests larger than this are refused (413)")
    max_batch_items: int = Field(500, description="largest batch of operations in one request")
    max_operation_paise: int = Field(
        10_000_000_000, description="largest amount one operation may move (₹10 crore)"
    )
    hot_account_shards: int = Field(
        16, description="balance rows per shared account (billers, clearing) to avoid one hot row"
    )
    db_pool_size: int = Field(10, description="connections per server process (PostgreSQL)")

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.mode == "production":
            defaults = {
                "EMITRA_ADMIN_TOKEN": (self.admin_token, DEFAULT_ADMIN_TOKEN),
                "EMITRA_SECRET_KEY": (self.secret_key, DEFAULT_SECRET_KEY),
                "EMITRA_GATEWAY_SECRET": (self.gateway_secret, DEFAULT_GATEWAY_SECRET),
            }
            weak = [name for name, (value, default) in defaults.items() if value == default or len(value) < 16]
            if weak:
                raise InsecureSettingsError(
                    "refusing to start in production mode with demo or short secrets: " + ", ".join(weak)
                )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
