"""A real update repository on disk (tufup + python-tuf metadata, signed with keys made for the test), served over
HTTP on 127.0.0.1 by a separate static file server process, and a kiosk's update folder.

The bundles are small folders whose `emitra-kiosk` program is a Python script printing its version and answering
`--self-check`; the PyInstaller bundle itself goes through the same steps in scripts/update_drill.sh (CI)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk_app.update import UpdatePlaces, program_name
from server import updates
from tests.support.static_host import static_host

PROGRAM = """#!{python}
import sys
VERSION = {version!r}
if "--self-check" in sys.argv:
    print("self-check", VERSION, "ok" if {passes!r} else "FAILED: Qt platform plugin missing")
    sys.exit(0 if {passes!r} else 1)
print(VERSION)
"""


def make_bundle(folder: Path, version: str, *, passes: bool = True, payload: bytes = b"") -> Path:
    """A bundle folder: the program and a large-ish library file that changes little between versions."""
    bundle = folder / f"bundle-{version}"
    (bundle / "_internal").mkdir(parents=True)
    program = bundle / program_name()
    program.write_text(PROGRAM.format(python=sys.executable, version=version, passes=passes), encoding="utf-8")
    program.chmod(0o755)
    library = bytes(range(256)) * 2048 + payload  # 512 KiB the same in every version, then what differs
    (bundle / "_internal" / "library.bin").write_bytes(library)
    return bundle


@dataclass
class Repo:
    ws: updates.Workspace
    url: str
    folder: Path

    def release(self, version: str, **kwargs: object) -> None:
        updates.add(self.ws, make_bundle(self.folder, version, **kwargs), version)  # type: ignore[arg-type]

    @property
    def targets(self) -> Path:
        return self.ws.repository / "targets"

    @property
    def metadata(self) -> Path:
        return self.ws.repository / "metadata"


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repo]:
    ws = updates.Workspace(tmp_path / "release", offline_keys=tmp_path / "usb-stick")
    updates.init(ws)
    with static_host(ws.repository) as url:
        built = tmp_path / "built"
        built.mkdir()
        yield Repo(ws, url, built)


@dataclass
class Kiosk:
    places: UpdatePlaces
    trusted_root: Path
    installed: str = "1.0.0"


@pytest.fixture
def kiosk(tmp_path: Path, repo: Repo) -> Kiosk:
    """A kiosk PC with 1.0.0 installed, the root metadata of that release built in."""
    repo.release("1.0.0")
    root = tmp_path / "bundle-root.json"
    shutil.copyfile(repo.ws.trusted_root, root)
    return Kiosk(UpdatePlaces(tmp_path / "kiosk-updates"), root)
