"""The update repository of the kiosk bundle (The Update Framework metadata + archives + patches, via tufup).

A release workspace holds three things:

    <workspace>/repository/   what is served (metadata/ and targets/): by this server under /updates/
                              (setting EMITRA_UPDATE_REPOSITORY) or by any static file host
    <workspace>/keys/         the online keys: targets, snapshot, timestamp (the release machine)
    <offline>/                the root key: on removable media, plugged in only to initialise and to rotate

`emitra-server updates init|add|timestamp|rotate` drives it; docs/UPDATES.md is the procedure.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("emitra.updates")

APP_NAME = "emitra-kiosk"  # kiosk_app.update.APP_NAME: the archives' name, shared only through the file names
ROLES = ("root", "targets", "snapshot", "timestamp")
ONLINE_ROLES = ("targets", "snapshot", "timestamp")
# Days each role's signature stays valid. The timestamp is short: a mirror that stops getting fresh
# metadata (a freeze) is noticed by every kiosk within a day; `updates timestamp` re-signs it daily.
EXPIRATION_DAYS = {"root": 365, "targets": 30, "snapshot": 30, "timestamp": 1}


@dataclass(frozen=True)
class Workspace:
    folder: Path
    offline_keys: Path | None = None

    @property
    def repository(self) -> Path:
        return self.folder / "repository"

    @property
    def keys(self) -> Path:
        return self.folder / "keys"

    @property
    def trusted_root(self) -> Path:
        """The root metadata every bundle carries as its first trust (resources/update/root.json at build)."""
        return self.repository / "metadata" / "root.json"

    def key_dirs(self) -> list[Path]:
        return [self.keys] + ([self.offline_keys] if self.offline_keys is not None else [])


@contextlib.contextmanager
def _repo(ws: Workspace, expiration_days: dict[str, int] | None = None) -> Iterator[Any]:
    """tufup's Repository, run inside the workspace: it keeps its configuration file in the working folder."""
    from tufup.repo import Repository

    ws.folder.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(ws.folder):
        if Path(Repository.config_filename).is_file():
            repo = Repository.from_config()
            if expiration_days:
                repo.expiration_days = {**repo.expiration_days, **expiration_days}
        else:
            repo = Repository(
                app_name=APP_NAME,
                repo_dir=ws.repository,
                keys_dir=ws.keys,
                expiration_days={**EXPIRATION_DAYS, **(expiration_days or {})},
            )
        yield repo


def init(ws: Workspace, expiration_days: dict[str, int] | None = None) -> Path:
    """New keys for the four roles and the first root metadata; the root key is moved to the offline folder.

    Returns the trusted root file to build into the bundle."""
    if ws.offline_keys is None:
        raise ValueError("the root key needs an offline folder (removable media): --offline-keys")
    with _repo(ws, expiration_days) as repo:
        repo.initialize()
    ws.offline_keys.mkdir(parents=True, exist_ok=True)
    for name in ("root", "root.pub"):
        source = ws.keys / name
        if source.exists():
            shutil.move(source, ws.offline_keys / name)
    # The public half stays too: tufup reads every role's public key from the keys folder.
    shutil.copyfile(ws.offline_keys / "root.pub", ws.keys / "root.pub")
    return ws.trusted_root


def add(ws: Workspace, bundle: Path, version: str, *, required: bool = False) -> None:
    """Add a built bundle folder as a release: its archive, and a patch from the release before it."""
    if not (bundle.is_dir() and any(bundle.iterdir())):
        raise ValueError(f"{bundle} is not a built bundle folder")
    with _repo(ws) as repo:
        latest = repo.roles.get_latest_archive()
        if latest is not None and str(latest.version) == version:
            raise ValueError(f"version {version} is already released")
        repo.add_bundle(new_bundle_dir=bundle, new_version=version, required=required)
        repo.publish_changes(private_key_dirs=ws.key_dirs())


def refresh_timestamp(ws: Workspace, days: float | None = None) -> None:
    """Re-sign the timestamp (daily, from the release machine's scheduler): kiosks refuse an expired one."""
    with _repo(ws) as repo:
        repo.refresh_expiration_date("timestamp", days=days)
        repo.publish_changes(private_key_dirs=ws.key_dirs())


def rotate(ws: Workspace, role: str) -> None:
    """Replace one role's key: root signs the change (old and new root keys both sign a root rotation).

    Kiosks follow the chain of root versions, so a kiosk that has missed several rotations still updates."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if ws.offline_keys is None:
        raise ValueError("a key rotation changes root metadata: the offline root key folder is needed")
    from securesystemslib.interface import generate_and_write_unencrypted_ed25519_keypair

    folder = ws.offline_keys if role == "root" else ws.keys
    with _repo(ws) as repo:
        existing = repo.key_map[role]
        new_name = f"{role}{len(existing) + 1}"
        while (folder / new_name).exists():
            new_name += "x"
        generate_and_write_unencrypted_ed25519_keypair(filepath=str(folder / new_name))
        if role == "root":
            shutil.copyfile(folder / f"{new_name}.pub", ws.keys / f"{new_name}.pub")
        repo.replace_key(
            old_key_name=existing[0], new_public_key_path=folder / f"{new_name}.pub", new_private_key_encrypted=False
        )
        repo.publish_changes(private_key_dirs=ws.key_dirs())


def releases(ws: Workspace) -> list[str]:
    """The versions the repository holds a full archive of, oldest first."""
    from packaging.version import Version

    names = (path.name for path in (ws.repository / "targets").glob(f"{APP_NAME}-*.tar.gz"))
    versions = (name.removeprefix(f"{APP_NAME}-").removesuffix(".tar.gz") for name in names)
    return sorted(versions, key=Version)
