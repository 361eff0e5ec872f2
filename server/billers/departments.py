"""The departments this server pays bills to: one `HttpDepartment` per biller of the catalog, from settings.

A production server is configured by `EMITRA_DEPARTMENTS_FILE` (each department's https URL and its own
key) and refuses to start while any biller of the catalog is missing or configured insecurely — we chose
refusing over marking services unavailable: a state's rollout removes a service from the catalog on
purpose, while a missing key is a mistake that should stop the server, not quietly turn a counter away.
A demo server reaches the simulated departments (`emitra-departments`) at `EMITRA_DEPARTMENTS_URL` with
their public demo keys; production refuses that URL. There is no other way to reach a department.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from server.billers import Biller
from server.billers.http import DepartmentConfig, HttpDepartment
from server.catalog import Catalog
from server.core.config import InsecureSettingsError, Settings
from server.core.errors import ApiError


class DepartmentsMisconfigured(InsecureSettingsError):
    """The departments of the catalog cannot all be reached as configured; the server does not start."""


def billers_of(catalog: Catalog) -> list[str]:
    return sorted({service.biller for service in catalog.services.values()})


def department_configs(settings: Settings, catalog: Catalog) -> dict[str, DepartmentConfig]:
    """Every biller's configuration, or `DepartmentsMisconfigured` listing everything that is wrong."""
    production = settings.mode == "production"
    problems: list[str] = []
    defaults = {
        "connect_timeout_s": settings.department_connect_timeout_s,
        "read_timeout_s": settings.department_read_timeout_s,
    }
    configs: dict[str, DepartmentConfig] = {}
    if settings.departments_file is not None:
        try:
            entries: Any = json.loads(settings.departments_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DepartmentsMisconfigured(f"EMITRA_DEPARTMENTS_FILE cannot be read as JSON: {exc}") from exc
        if not isinstance(entries, dict):
            raise DepartmentsMisconfigured("EMITRA_DEPARTMENTS_FILE must hold one JSON object, biller → settings")
        for biller, entry in sorted(entries.items()):
            try:
                if not isinstance(entry, dict):
                    raise ValueError(f"department {biller}: its settings must be a JSON object")
                configs[biller] = DepartmentConfig.from_mapping(biller, {**defaults, **entry})
            except ValueError as exc:
                problems.append(str(exc))
    elif settings.departments_url is not None:
        if production:
            problems.append(
                "EMITRA_DEPARTMENTS_URL names the simulated departments, which a production server never uses; "
                "configure each department in EMITRA_DEPARTMENTS_FILE"
            )
        else:
            configs = {b: DepartmentConfig.demo(b, settings.departments_url, **defaults) for b in billers_of(catalog)}
    else:
        problems.append(
            "no departments are configured: set EMITRA_DEPARTMENTS_FILE (each department's URL and key), or on a "
            "demo server EMITRA_DEPARTMENTS_URL (start the simulated departments with `emitra-departments`; "
            "`emitra-server demo` does both)"
        )
    missing = [b for b in billers_of(catalog) if b not in configs and settings.departments_file is not None]
    problems += [f"department {b}: serves services of the catalog but is not configured" for b in missing]
    for config in configs.values():
        problems += config.problems(production=production)
    if problems:
        raise DepartmentsMisconfigured("refusing to start: " + "; ".join(problems))
    return configs


def build_departments(settings: Settings, catalog: Catalog) -> dict[str, Biller]:
    return {biller: HttpDepartment(config) for biller, config in department_configs(settings, catalog).items()}


class SimulatedDepartmentsAdmin:
    """Demo mode: the simulated departments' own admin API (faults for training and tests), over HTTP."""

    def __init__(self, settings: Settings) -> None:
        self.url = (settings.departments_url or "").rstrip("/")
        self.http = requests.Session()
        self.http.trust_env = False
        if settings.departments_admin_token:
            self.http.headers["X-Admin-Token"] = settings.departments_admin_token

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            r = self.http.request(method, f"{self.url}/admin{path}", timeout=10, **kwargs)
        except requests.RequestException as exc:
            raise ApiError(
                "the simulated departments do not answer", code="departments_unreachable", status=502
            ) from exc
        if r.status_code != 200:
            raise ApiError(f"the simulated departments refused: {r.text[:200]}", code="departments_refused", status=502)
        return r.json()
