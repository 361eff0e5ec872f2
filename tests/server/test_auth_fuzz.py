"""Generated requests (schemathesis, from the server's own OpenAPI schema) never make the server fail: the auth
routes in depth, and every served route as a kiosk and as the administrator."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from server.core.config import DEFAULT_ADMIN_TOKEN
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
        str(ST),
        "run",
        auth_server.url + "/api/v1/openapi.json",
        "--include-path-regex",
        "^/api/v1/(auth|profile)",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        "60",
        "--seed",
        "20261125",
        "--generation-database",
        "none",
        "--generation-allow-x00",
        "true",
        "--request-timeout",
        "20",
        "--header",
        f"Authorization: Bearer {token}",
        "--header",
        "X-Machine-Id: fuzz-machine",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path / "report"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=170, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "/api/v1/auth/login" in done.stdout
    server_log = auth_server.log_path.read_text(encoding="utf-8", errors="replace")
    assert "unhandled error" not in server_log, server_log[-4000:]


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_generated_requests_to_every_served_route_never_get_a_500(
    auth_server: ServerProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole served OpenAPI on PostgreSQL (which refuses what SQLite stores: NUL, over-long text, integers
    past 64 bits): the kiosk's routes as a ready kiosk, then the administrator's with the admin token (run apart:
    the administrator may suspend the kiosk or issue it a password, which ends the kiosk's session)."""
    token = ready_token(auth_server, "RJ-JPR-0402")
    runs = {
        # Logging out would end the token the rest of the run uses; the auth run above covers it.
        "kiosk": [
            "--exclude-path-regex",
            "^/api/v1/admin/",
            "--exclude-path",
            "/api/v1/auth/logout",
            "--header",
            f"Authorization: Bearer {token}",
        ],
        "admin": ["--include-path-regex", "^/api/v1/admin/", "--header", f"X-Admin-Token: {DEFAULT_ADMIN_TOKEN}"],
    }
    operations = cases = 0
    for name, selection in runs.items():
        command = [
            str(ST),
            "run",
            auth_server.url + "/api/v1/openapi.json",
            *selection,
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "30",
            "--seed",
            "20261202",
            "--generation-database",
            "none",
            "--generation-allow-x00",
            "true",
            "--request-timeout",
            "20",
            "--workers",
            "1",  # hypothesis describes lambdas with a process-wide AST walk that two workers can trip
            "--header",
            "X-Machine-Id: fuzz-machine",
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=tmp_path)
        (tmp_path / f"st-{name}.txt").write_text(done.stdout)
        assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
        tested = re.search(r"Tested: (\d+)", done.stdout)
        generated = re.search(r"(\d+) generated, (\d+) passed", done.stdout)
        assert tested and generated and generated.group(1) == generated.group(2), done.stdout[-3000:]
        operations += int(tested.group(1))
        cases += int(generated.group(1))
    with capsys.disabled():
        print(f"\nschemathesis over the whole served API: {operations} operations, {cases} test cases, 0 server errors")
    assert cases >= 2000
    server_log = auth_server.log_path.read_text(encoding="utf-8", errors="replace")
    assert "unhandled error" not in server_log, server_log[-4000:]
