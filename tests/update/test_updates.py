"""Signed updates against a real repository served over HTTP: found, downloaded, verified, staged, applied at the
next start; and each attack TUF is there for refused (tampered archive, metadata rollback, expired timestamp,
freeze), a failed self-check rolled back, keys rotated without stranding a kiosk."""

from __future__ import annotations

import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk_app.update import CheckResult, Outcome, UpdateState, check_and_stage, choose_at_start
from server import updates
from tests.support.wallet import wait_for
from tests.update.conftest import Kiosk, Repo


def check(kiosk: Kiosk, repo: Repo, current: str | None = None) -> CheckResult:
    seen: list[tuple[int, int]] = []
    result = check_and_stage(
        kiosk.places,
        repo_url=repo.url,
        current_version=current,
        trusted_root=kiosk.trusted_root,
        progress=lambda done, expected: seen.append((done, expected)),
    )
    if result.outcome is Outcome.STAGED and result.download_bytes:
        assert seen and seen[-1][0] == seen[-1][1], f"progress ended short of the file: {seen[-3:]}"
    return result


def start(kiosk: Kiosk) -> str:
    """The launcher's start: the version that runs, as its program says."""
    launch = choose_at_start(kiosk.places, kiosk.installed)
    if launch is None:
        return kiosk.installed
    return subprocess.run([str(launch.program)], capture_output=True, text=True, check=True).stdout.strip()


def test_an_update_is_found_downloaded_verified_and_applied_at_the_next_start(kiosk: Kiosk, repo: Repo) -> None:
    assert check(kiosk, repo, "1.0.0").outcome is Outcome.UP_TO_DATE
    repo.release("1.0.1")

    first = check(kiosk, repo, "1.0.0")
    assert (first.outcome, first.version, first.kind) == (Outcome.STAGED, "1.0.1", "full"), first
    # Staged, not applied: the running version goes on until the next start.
    assert UpdateState.load(kiosk.places).staged == "1.0.1"
    assert start(kiosk) == "1.0.1"
    state = UpdateState.load(kiosk.places)
    assert (state.active, state.staged) == ("1.0.1", None)
    assert start(kiosk) == "1.0.1", "the next start runs the active version again, without a new check"

    # The archive of 1.0.1 stays on the PC: the next release comes as a small patch.
    repo.release("1.0.2", payload=b"one changed line")
    second = check(kiosk, repo)
    assert (second.outcome, second.version, second.kind) == (Outcome.STAGED, "1.0.2", "patch"), second
    full = (repo.targets / "emitra-kiosk-1.0.2.tar.gz").stat().st_size
    assert second.download_bytes < full / 10, (second.download_bytes, full)
    assert start(kiosk) == "1.0.2"
    state = UpdateState.load(kiosk.places)
    assert (state.active, state.previous) == ("1.0.2", "1.0.1")
    assert sorted(p.name for p in kiosk.places.versions.iterdir()) == ["1.0.1", "1.0.2"]
    # A third: the oldest folder goes, the one to go back to stays.
    repo.release("1.0.3", payload=b"another line")
    assert check(kiosk, repo).version == "1.0.3"
    assert start(kiosk) == "1.0.3"
    assert sorted(p.name for p in kiosk.places.versions.iterdir()) == ["1.0.2", "1.0.3"]


def test_a_tampered_archive_is_refused_and_nothing_is_staged(kiosk: Kiosk, repo: Repo) -> None:
    repo.release("1.0.1")
    archive = repo.targets / "emitra-kiosk-1.0.1.tar.gz"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same length, one byte changed on the mirror
    archive.write_bytes(bytes(data))

    result = check(kiosk, repo, "1.0.0")
    assert result.outcome is Outcome.REFUSED, result
    assert "LengthOrHashMismatch" in result.detail or "hash" in result.detail.lower(), result.detail
    assert UpdateState.load(kiosk.places).staged is None
    assert not (kiosk.places.versions / "1.0.1").exists()
    assert start(kiosk) == "1.0.0"


def test_a_program_swapped_inside_a_re_packed_archive_is_refused(kiosk: Kiosk, repo: Repo) -> None:
    """A mirror that builds its own archive (another program, honest gzip) still fails the signed hashes."""
    repo.release("1.0.1")
    evil = repo.folder / "evil"
    shutil.copytree(repo.folder / "bundle-1.0.1", evil)
    (evil / "emitra-kiosk").write_text("#!/bin/sh\necho stolen\n")
    archive = repo.targets / "emitra-kiosk-1.0.1.tar.gz"
    archive.unlink()
    shutil.make_archive(str(archive).removesuffix(".tar.gz"), "gztar", evil)

    assert check(kiosk, repo, "1.0.0").outcome is Outcome.REFUSED
    assert start(kiosk) == "1.0.0"


def test_metadata_rolled_back_by_a_mirror_is_refused(kiosk: Kiosk, repo: Repo, tmp_path: Path) -> None:
    old_metadata = tmp_path / "old-metadata"
    shutil.copytree(repo.metadata, old_metadata)
    repo.release("1.0.1")
    assert check(kiosk, repo, "1.0.0").outcome is Outcome.STAGED  # the kiosk now trusts the newer metadata
    assert start(kiosk) == "1.0.1"

    # The mirror goes back to the metadata of before 1.0.1 (still validly signed, not expired).
    shutil.rmtree(repo.metadata)
    shutil.copytree(old_metadata, repo.metadata)
    result = check(kiosk, repo)
    assert result.outcome is Outcome.REFUSED, result
    assert "BadVersionNumber" in result.detail or "version" in result.detail.lower(), result.detail
    assert start(kiosk) == "1.0.1"


def test_an_expired_timestamp_is_refused(kiosk: Kiosk, repo: Repo) -> None:
    repo.release("1.0.1")
    updates.refresh_timestamp(repo.ws, days=-1)  # signed, but already past its date

    result = check(kiosk, repo, "1.0.0")
    assert result.outcome is Outcome.REFUSED, result
    assert "Expired" in result.detail, result.detail
    assert UpdateState.load(kiosk.places).staged is None


def test_a_frozen_mirror_is_noticed_when_its_timestamp_expires(kiosk: Kiosk, repo: Repo) -> None:
    """A freeze: the mirror keeps serving the metadata it had and hides newer releases. The kiosk accepts it while
    the timestamp is valid and refuses it once it has expired, although nothing on the mirror changed."""
    updates.refresh_timestamp(repo.ws, days=3 / 86400)  # valid for three more seconds
    expires = datetime.now(UTC).timestamp() + 3
    assert check(kiosk, repo, "1.0.0").outcome is Outcome.UP_TO_DATE

    assert wait_for(lambda: time.time() > expires + 1.5, timeout=30, every=0.2)
    result = check(kiosk, repo, "1.0.0")
    assert result.outcome is Outcome.REFUSED, result
    assert "Expired" in result.detail, result.detail


def test_an_update_that_fails_its_self_check_is_rolled_back(kiosk: Kiosk, repo: Repo) -> None:
    repo.release("1.0.1", passes=False)
    assert check(kiosk, repo, "1.0.0").outcome is Outcome.STAGED

    assert start(kiosk) == "1.0.0", "the kiosk goes on with the version it had"
    state = UpdateState.load(kiosk.places)
    assert (state.active, state.staged, state.failed) == (None, None, ("1.0.1",))
    assert "self-check failed" in state.last_event and "Qt platform plugin missing" in state.last_event
    assert not (kiosk.places.versions / "1.0.1").exists()
    # Not downloaded again; the next good release is taken.
    assert check(kiosk, repo, "1.0.0").outcome is Outcome.UP_TO_DATE
    repo.release("1.0.2")
    assert check(kiosk, repo, "1.0.0").version == "1.0.2"
    assert start(kiosk) == "1.0.2"


@pytest.mark.parametrize("role", ["timestamp", "snapshot", "targets", "root"])
def test_a_rotated_key_does_not_strand_a_kiosk(kiosk: Kiosk, repo: Repo, role: str) -> None:
    """The kiosk carries the root of 1.0.0; after a rotation it follows root's signed chain to the new key."""
    updates.rotate(repo.ws, role)
    repo.release("1.0.1")
    result = check(kiosk, repo, "1.0.0")
    assert (result.outcome, result.version) == (Outcome.STAGED, "1.0.1"), result
    assert start(kiosk) == "1.0.1"


def test_metadata_signed_by_a_key_not_in_root_is_refused(kiosk: Kiosk, repo: Repo, tmp_path: Path) -> None:
    """Someone with the release machine's files but another root (a rebuilt repository) cannot update kiosks."""
    other = updates.Workspace(tmp_path / "other", offline_keys=tmp_path / "other-usb")
    updates.init(other)
    updates.add(other, repo.folder / "bundle-1.0.0", "1.0.0")
    repo.release("1.0.1")
    updates.add(other, repo.folder / "bundle-1.0.1", "1.0.1")
    shutil.rmtree(repo.ws.repository)
    shutil.copytree(other.repository, repo.ws.repository)

    result = check(kiosk, repo, "1.0.0")
    assert result.outcome is Outcome.REFUSED, result
    assert start(kiosk) == "1.0.0"


def test_an_unreachable_repository_is_said_so_and_changes_nothing(kiosk: Kiosk) -> None:
    from tests.support.pgcluster import free_port

    result = check_and_stage(
        kiosk.places,
        repo_url=f"http://127.0.0.1:{free_port()}",
        current_version="1.0.0",
        trusted_root=kiosk.trusted_root,
    )
    assert result.outcome is Outcome.UNREACHABLE, result
    assert UpdateState.load(kiosk.places) == UpdateState()


def test_the_central_server_serves_the_repository_read_only(kiosk: Kiosk, repo: Repo, tmp_path: Path) -> None:
    import requests

    from server.core.config import Settings
    from server.migrate import migrate
    from tests.support.server import ServerProcess

    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    migrate(Settings(database_url=url))
    env = {"EMITRA_UPDATE_REPOSITORY": str(repo.ws.repository), "EMITRA_ARGON2_PROFILE": "fast"}
    server = ServerProcess(url, log_path=tmp_path / "server.log", env=env).start()
    try:
        repo.release("1.0.1")
        result = check_and_stage(
            kiosk.places, repo_url=server.url + "/updates", current_version="1.0.0", trusted_root=kiosk.trusted_root
        )
        assert (result.outcome, result.version) == (Outcome.STAGED, "1.0.1"), result
        assert requests.put(server.url + "/updates/metadata/root.json", data=b"{}", timeout=10).status_code == 405
        outside = requests.get(server.url + "/updates/../../keys/timestamp", timeout=10)
        assert outside.status_code == 404
        assert (
            requests.get(server.url + "/updates/metadata/%2e%2e/%2e%2e/keys/timestamp", timeout=10).status_code == 404
        )
    finally:
        server.stop()
