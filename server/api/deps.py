"""Dependencies shared by the routes: settings, engine, admin credential."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy import Engine

from server.core.config import Settings
from server.core.errors import ApiError


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
EngineDep = Annotated[Engine, Depends(get_engine)]


def require_admin(
    settings: SettingsDep, x_admin_token: Annotated[str | None, Header()] = None
) -> None:
    if x_admin_token is None or not hmac.compare_digest(x_admin_token.encode(), settings.admin_token.encode()):
        raise ApiError("administrator credential missing or wrong", code="admin_unauthorized", status=401)


AdminDep = Depends(require_admin)
