"""Generated requests (schemathesis, from the server's own OpenAPI schema) never make the auth routes fail."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.auth import ready_token
from tests.support.server import ServerProcess

pytest.importorskip("schemathesis", reason="schemathesis is a dev dependency")

ST = Path(sys.executable).with_name("st")


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_generated_requests_to_the_auth_and_profile_routes_never_get_a_500(
    auth_server: ServerProcess, tmp_path: Path
) -> None:
    token = ready_token(auth_server, "RJ-JPR-0401")
    command = [
        str(ST), "run", auth_server.url + "/api/v1/openapi.json",
        "--include-path-regex", "^/api/v1/(auth|profile)",
        "--checks", "not_a_server_error",
        "--max-examples", "60",
        "--seed", "20261125",
        "--generation-database", "none",
        "--generation-allow-x00", "true",
        "--request-timeout", "20",
        "--header", f"Authorization: Bearer {token}",
        "--header", "X-Machine-Id: fuzz-machine",
        "--report", "junit", "--report-dir", str(tmp_path / "report"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=170, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "/api/v1/auth/login" in done.stdout
    server_log = auth_server.log_path.read_text(encoding="utf-8", errors="replace")
    assert "unhandled error" not in server_log, server_log[-4000:]
