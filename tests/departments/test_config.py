"""Configuration of both ends: the server's DepartmentConfig and the departments' keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from departments.config import Settings
from server.billers.http import DepartmentConfig
from server.billers.protocol import demo_key

SECRET = "ab" * 32


def test_a_department_config_from_settings_and_what_production_refuses() -> None:
    config = DepartmentConfig.from_mapping(
        "discom",
        {"url": "https://discom.example.in/emitra", "key_id": "discom-2026", "secret_hex": SECRET, "read_timeout_s": 8},
    )
    assert config.read_timeout_s == 8 and config.key.secret == bytes.fromhex(SECRET)
    assert SECRET not in repr(config) and config.problems(production=True) == []
    demo = DepartmentConfig.demo("discom", "http://127.0.0.1:8790/")
    assert demo.url == "http://127.0.0.1:8790/discom" and demo.problems(production=False) == []
    assert [p.split(": ")[1][:20] for p in demo.problems(production=True)] == [
        "the URL must be http",
        "the demo key is publ",
    ]
    with pytest.raises(ValueError, match="secret_hex is missing"):
        DepartmentConfig.from_mapping("discom", {"url": "https://x.in", "key_id": "k"})
    with pytest.raises(ValueError, match="unknown settings read_timeout"):
        DepartmentConfig.from_mapping(
            "discom", {"url": "https://x.in", "key_id": "k", "secret_hex": SECRET, "read_timeout": 3}
        )
    with pytest.raises(ValueError, match="not http"):
        DepartmentConfig("discom", "ftp://x.in", demo_key("discom"))
    unverified = DepartmentConfig("discom", "https://x.in", config.key, verify_tls=False)
    assert unverified.problems(production=True) == [
        "department discom: TLS certificates must be verified in production"
    ]


def test_the_departments_keys(tmp_path: Path) -> None:
    keys = Settings().department_keys()
    assert sorted(keys) == ["bhamashah", "discom", "microatm", "phed", "telecom"]
    assert keys["phed"] == (demo_key("phed"),)
    path = tmp_path / "keys.json"
    path.write_text(
        json.dumps(
            {
                "discom": [
                    {"key_id": "discom-2026", "secret_hex": SECRET},
                    {"key_id": "discom-2025", "secret_hex": "cd" * 32},
                ]
            }
        )
    )
    configured = Settings(keys_file=path).department_keys()
    assert [k.key_id for k in configured["discom"]] == ["discom-2026", "discom-2025"]  # rotation: both valid
    assert configured["phed"] == (demo_key("phed"),)
    with pytest.raises(ValueError, match="does not have: water"):
        Settings(keys=json.dumps({"water": [{"key_id": "w", "secret_hex": SECRET}]})).department_keys()
