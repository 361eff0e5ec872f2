"""Signed automatic updates of the installed bundle: The Update Framework (python-tuf) through tufup.

Nothing here checks a signature by hand. tufup's `Client` is python-tuf's `Updater`: it refreshes root →
timestamp → snapshot → targets from the update repository, refusing metadata that is badly signed, older than
what this PC already trusts (rollback), or expired (freeze), and it downloads an archive or binary patch only
when its length and hashes are the ones the signed targets metadata names. This module decides *when* and
*where*:

- **where**: every version lives in its own folder `versions/<version>/` under the update folder (the
  user's data folder, so no administrator rights are needed); `state.json` names the active one. The installed
  bundle is the launcher: started from the desktop shortcut, it runs the active version's program (the way a
  browser's stable launcher starts its newest version folder). Nothing is ever replaced while it runs.
- **when**: the check runs after the login window is shown and once a day (`UpdateChecker`), downloads in the
  background and *stages* the verified, unpacked bundle. It is applied at the next start (`choose_at_start`),
  before any window, so never in the middle of a payment or a sync. The outbox needs no draining first: the
  new version migrates the local database forward (offline_cache/database.py, tested from every earlier
  schema version) and syncs what the old one queued.
- **rollback**: a staged version first runs its own `--self-check`; only when that passes does it become
  active (the previous one is kept). A version that fails is remembered as failed and never tried again, and
  the kiosk goes on with the version it had.

docs/UPDATES.md has the repository side (keys, roles, rotation) and the operator's view.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import platformdirs
from packaging.version import InvalidVersion, Version

from kiosk_app import __version__

log = logging.getLogger("emitra.update")

APP_NAME = "emitra-kiosk"
STATE_FILE = "state.json"
TRUSTED_ROOT = "root.json"  # the bundle's first trusted root metadata: resources/update/root.json
BUILD_VERSION_FILE = "build_version.txt"  # written into a bundle by build_installer.spec
UPDATE_DIR_ENV = "EMITRA_KIOSK_UPDATE_DIR"  # declared with the other settings in kiosk_app/config.py
CHILD_FLAG = "--launched-version"  # the launcher passes it to the version it starts: that one does not relaunch
SELF_CHECK_SECONDS = 180.0


def program_name() -> str:
    return APP_NAME + (".exe" if sys.platform == "win32" else "")


def running_version() -> str:
    """This program's version: a bundle's build version file (the release's own), else the package's."""
    base = getattr(sys, "_MEIPASS", None)
    if base is not None:
        path = Path(base) / BUILD_VERSION_FILE
        if path.is_file():
            return path.read_text(encoding="utf-8").strip()
    return __version__


def bundled_root() -> Path | None:
    """The trusted root metadata a bundle carries (None: this build has no update repository configured)."""
    base = getattr(sys, "_MEIPASS", None)
    root = Path(base) if base is not None else Path(__file__).resolve().parent.parent
    path = root / "resources" / "update" / TRUSTED_ROOT
    return path if path.is_file() else None


@dataclass(frozen=True)
class UpdatePlaces:
    """The update folder: trusted metadata, downloaded targets (archives kept: the next patch applies to them),
    the unpacked versions, and the state file."""

    root: Path

    @classmethod
    def default(cls) -> UpdatePlaces:
        """The folder the setting names (EMITRA_KIOSK_UPDATE_DIR), else the user's data folder. Read here, not
        through KioskConfig: the launcher decides before the program's heavier modules load."""
        configured = os.environ.get(UPDATE_DIR_ENV)
        if configured:
            return cls(Path(configured))
        return cls(platformdirs.user_data_path(APP_NAME, appauthor=False) / "updates")

    @property
    def metadata(self) -> Path:
        return self.root / "metadata"

    @property
    def targets(self) -> Path:
        return self.root / "targets"

    @property
    def versions(self) -> Path:
        return self.root / "versions"

    @property
    def state_file(self) -> Path:
        return self.root / STATE_FILE

    def version_dir(self, version: str) -> Path:
        return self.versions / version

    def program(self, version: str) -> Path:
        return self.version_dir(version) / program_name()


@dataclass(frozen=True)
class UpdateState:
    """What the update folder holds. `active` None: the installed bundle itself runs."""

    active: str | None = None
    previous: str | None = None
    staged: str | None = None
    failed: tuple[str, ...] = ()
    rolled_back: str | None = None  # a version undone at this start, until the operator has been told
    last_event: str = ""  # the last thing that happened, in English, for the log and the help desk

    @classmethod
    def load(cls, places: UpdatePlaces) -> UpdateState:
        try:
            data = json.loads(places.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            log.warning("update state unreadable (%s): starting from the installed version", exc)
            return cls()
        return cls(
            active=data.get("active"),
            previous=data.get("previous"),
            staged=data.get("staged"),
            failed=tuple(data.get("failed", ())),
            rolled_back=data.get("rolled_back"),
            last_event=str(data.get("last_event", "")),
        )

    def save(self, places: UpdatePlaces) -> None:
        """Written beside and renamed over the old file: a power cut leaves the old state or the new one."""
        places.root.mkdir(parents=True, exist_ok=True)
        temporary = places.state_file.with_suffix(".tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(asdict(self), handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, places.state_file)


def newer(candidate: str | None, than: str) -> bool:
    if candidate is None:
        return False
    try:
        return Version(candidate) > Version(than)
    except InvalidVersion:
        return False


# ---------------------------------------------------------------------------------------------------- start-up


@dataclass(frozen=True)
class Launch:
    """Run this program instead of going on (the launcher's decision)."""

    program: Path
    version: str


def run_self_check(program: Path, timeout: float = SELF_CHECK_SECONDS) -> tuple[bool, str]:
    """The staged version's own `--self-check` (its Qt, fonts, database, printing, keyring), in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="emitra-update-check-") as folder:
        try:
            done = subprocess.run(
                [str(program), "--self-check", folder, CHILD_FLAG, "check"],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"{type(exc).__name__}: {exc}"
    tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
    return done.returncode == 0, f"exit {done.returncode}: " + " | ".join(tail)


def choose_at_start(
    places: UpdatePlaces,
    installed_version: str,
    *,
    self_check: Callable[[Path], tuple[bool, str]] = run_self_check,
) -> Launch | None:
    """At the launcher's start, before any window: promote a staged version that passes its self-check, then
    say which version's program should run (None: this one, the installed bundle).

    A staged version that fails its check is removed and listed as failed; the kiosk keeps the version it had.
    An active version whose folder has gone (cleaned by hand) falls back to the previous one, then to the
    installed bundle.
    """
    state = UpdateState.load(places)
    current = state.active or installed_version
    if state.staged is not None:
        staged = state.staged
        program = places.program(staged)
        if staged in state.failed or not newer(staged, current) or not program.is_file():
            state = replace(state, staged=None, last_event=f"staged {staged} dropped: not newer or not complete")
        else:
            passed, detail = self_check(program)
            if passed:
                state = replace(
                    state,
                    previous=state.active,
                    active=staged,
                    staged=None,
                    last_event=f"updated {current} → {staged} (self-check passed)",
                )
                log.info("update: %s is now the active version", staged)
                remove_unused_versions(places, keep={state.active, state.previous})
            else:
                shutil.rmtree(places.version_dir(staged), ignore_errors=True)
                state = replace(
                    state,
                    staged=None,
                    failed=(*state.failed, staged),
                    rolled_back=staged,
                    last_event=f"update to {staged} rolled back: its self-check failed ({detail}); "
                    f"staying on {current}",
                )
                log.error("update: %s failed its self-check, staying on %s: %s", staged, current, detail)
        state.save(places)
    for version in (state.active, state.previous):
        if version is not None and newer(version, installed_version) and places.program(version).is_file():
            return Launch(places.program(version), version)
    return None


def exec_launch(launch: Launch, argv: list[str]) -> int:
    """Start the chosen version with the same arguments (it does not relaunch) and pass its exit code on."""
    command = [str(launch.program), *argv, CHILD_FLAG, launch.version]
    if sys.platform != "win32":
        os.execv(command[0], command)  # never returns
    return subprocess.call(command)


def strip_child_flag(argv: list[str]) -> tuple[list[str], bool]:
    """Remove `--launched-version V` from the arguments; True when it was there."""
    if CHILD_FLAG not in argv:
        return argv, False
    at = argv.index(CHILD_FLAG)
    return argv[:at] + argv[at + 2 :], True


# ------------------------------------------------------------------------------------------------- the check


class Outcome(StrEnum):
    UP_TO_DATE = "up_to_date"
    STAGED = "staged"  # verified and unpacked: applied at the next start
    REFUSED = "refused"  # the repository's metadata or a file failed verification: nothing changes
    UNREACHABLE = "unreachable"  # the repository did not answer: the next check tries again
    NOT_CONFIGURED = "not_configured"  # this build carries no trusted root


@dataclass(frozen=True)
class CheckResult:
    outcome: Outcome
    version: str | None = None
    kind: str | None = None  # "patch" or "full"
    download_bytes: int = 0
    detail: str = ""


@dataclass(frozen=True)
class Progress:
    """tufup's progress hook (keyword arguments), called from the downloading thread."""

    hook: Callable[[int, int], None] | None = None

    def __call__(self, bytes_downloaded: int, bytes_expected: int) -> None:
        if self.hook is not None:
            self.hook(bytes_downloaded, bytes_expected)


def _client(places: UpdatePlaces, repo_url: str, current_version: str, trusted_root: Path) -> Any:
    from tuf.api.exceptions import DownloadError, RepositoryError
    from tufup.client import Client

    places.metadata.mkdir(parents=True, exist_ok=True)
    places.targets.mkdir(parents=True, exist_ok=True)
    if not (places.metadata / TRUSTED_ROOT).is_file():
        # First check on this PC: the root that came with the bundle is the only one trusted without a chain.
        shutil.copyfile(trusted_root, places.metadata / TRUSTED_ROOT)
    base = repo_url.rstrip("/")

    class KioskClient(Client):  # type: ignore[misc]
        """tufup's client, keeping the reason a refresh failed (tufup logs it and answers "no update")."""

        refresh_error: Exception | None = None

        def refresh(self) -> None:
            try:
                super().refresh()
            except (DownloadError, RepositoryError) as exc:
                self.refresh_error = exc
                raise

    return KioskClient(
        app_name=APP_NAME,
        app_install_dir=places.versions,
        current_version=current_version,
        metadata_dir=places.metadata,
        metadata_base_url=f"{base}/metadata/",
        target_dir=places.targets,
        target_base_url=f"{base}/targets/",
        refresh_required=False,
    )


def _classify(exc: BaseException) -> Outcome:
    from tuf.api.exceptions import DownloadError

    return Outcome.UNREACHABLE if isinstance(exc, DownloadError | OSError) else Outcome.REFUSED


def check_and_stage(
    places: UpdatePlaces,
    *,
    repo_url: str,
    current_version: str | None = None,
    trusted_root: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CheckResult:
    """Look for a newer version; download, verify and unpack it into `versions/<v>/`, staged for the next start.

    A patch is used when this PC keeps the archive it updated from and the patches are smaller than the full
    archive; a patch that does not rebuild the signed archive exactly falls back to the full archive at once.
    """
    from tuf.api.exceptions import DownloadError, RepositoryError

    trusted_root = trusted_root or bundled_root()
    if trusted_root is None:
        return CheckResult(Outcome.NOT_CONFIGURED, detail="this build has no update repository (no root.json)")
    state = UpdateState.load(places)
    current = current_version or state.active or running_version()
    if state.staged is not None and newer(state.staged, current):
        return CheckResult(Outcome.STAGED, state.staged, detail="already staged: applied at the next start")
    try:
        return _fetch(places, repo_url, current, trusted_root, state, Progress(progress))
    except (DownloadError, RepositoryError, OSError) as exc:
        outcome = _classify(exc)
        log.warning("update check: %s (%s: %s)", outcome, type(exc).__name__, exc)
        return CheckResult(outcome, detail=f"{type(exc).__name__}: {exc}")


def _fetch(
    places: UpdatePlaces, repo_url: str, current: str, trusted_root: Path, state: UpdateState, progress: Progress
) -> CheckResult:
    for patch in (True, False):
        result = _fetch_once(places, repo_url, current, trusted_root, state, progress, patch=patch)
        if result is not None:
            return result
        log.warning("update: the patch did not rebuild the signed archive; trying the full archive")
    return CheckResult(Outcome.REFUSED, detail="neither a patch nor the full archive could be applied")


def _fetch_once(
    places: UpdatePlaces,
    repo_url: str,
    current: str,
    trusted_root: Path,
    state: UpdateState,
    progress: Progress,
    *,
    patch: bool,
) -> CheckResult | None:
    """One try; None when the downloaded patches did not apply (tufup marked them failed: not used again)."""
    client = _client(places, repo_url, current, trusted_root)
    found = client.check_for_updates(patch=patch)
    if client.refresh_error is not None:
        raise client.refresh_error
    if found is None:
        return CheckResult(Outcome.UP_TO_DATE, detail=f"{current} is the newest")
    version = str(found.version)
    if version in state.failed:
        return CheckResult(Outcome.UP_TO_DATE, version, detail=f"{version} failed its self-check here before")
    kind = "patch" if any(meta.is_patch for meta in client.new_targets) else "full"
    size = sum(target.length for target in client.new_targets.values())
    target = places.version_dir(version)
    staged: list[Path] = []

    def stage(src_dir: Path, dst_dir: Path, **_: Any) -> None:
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src_dir, target)  # same file system: the unpacked folder is renamed into place
        staged.append(target)

    extract = Path(tempfile.mkdtemp(prefix="extract-", dir=places.root))
    client.extract_dir = extract
    try:
        client.download_and_apply_update(skip_confirmation=True, install=stage, progress_hook=progress)
    finally:
        shutil.rmtree(extract, ignore_errors=True)
    if not staged:
        return None
    if not places.program(version).is_file():
        shutil.rmtree(target, ignore_errors=True)
        return CheckResult(Outcome.REFUSED, version, kind, size, detail="the archive holds no program")
    _forget_old_archives(places, keep=version)
    fresh = UpdateState.load(places)  # read again: the start-up may have written it meanwhile
    replace(fresh, staged=version, last_event=f"{version} downloaded ({kind}, {size} bytes), staged").save(places)
    return CheckResult(Outcome.STAGED, version, kind, size)


def _forget_old_archives(places: UpdatePlaces, keep: str) -> None:
    """Keep only the newest archive (the next patch applies to it); drop the patches already applied."""
    keep_name = f"{APP_NAME}-{keep}.tar.gz"
    for path in places.targets.iterdir():
        if path.name != keep_name and path.is_file():
            path.unlink(missing_ok=True)


def remove_unused_versions(places: UpdatePlaces, keep: set[str | None]) -> None:
    """A version older than the previous one takes disk space for nothing (two are kept: one to go back to)."""
    if places.versions.is_dir():
        for folder in places.versions.iterdir():
            if folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)
