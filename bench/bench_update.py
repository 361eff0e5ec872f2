"""What the updater costs: a check that finds nothing (python-tuf refreshing root → timestamp → snapshot → targets
from a repository on 127.0.0.1) beside a bare GET of the same timestamp file with requests, in the same run; and
the size of a patch against the full archive for a one-line change of the bundle (its version file).

    python bench/bench_update.py            # the built bundle dist/emitra-kiosk when there is one (bsdiff: minutes)
    python bench/bench_update.py --quick    # a small stand-in bundle (the suite runs this)

The check runs 20 s after the login window is shown (ui/updates.py), so it adds nothing to the cold start; the
start-up itself only reads the update folder's state file (`choose_at_start`, timed here too)."""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests

from kiosk_app.update import Outcome, UpdatePlaces, check_and_stage, choose_at_start, program_name
from server import updates
from tests.support.static_host import static_host

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Figures:
    check_ms: float
    bare_get_ms: float
    start_decision_ms: float
    full_bytes: int
    patch_bytes: int
    bundle: str


def stand_in_bundle(folder: Path, version: str) -> Path:
    bundle = folder / f"bundle-{version}"
    (bundle / "_internal").mkdir(parents=True)
    program = bundle / program_name()
    program.write_text(f"#!{sys.executable}\nprint({version!r})\n", encoding="utf-8")
    program.chmod(0o755)
    import random

    noise = random.Random(7).randbytes(4 << 20)  # 4 MiB that compress badly, as libraries do
    (bundle / "_internal" / "library.bin").write_bytes(noise)
    (bundle / "_internal" / "build_version.txt").write_text(version + "\n", encoding="utf-8")
    return bundle


def real_bundle_pair(folder: Path) -> tuple[Path, Path] | None:
    built = ROOT / "dist" / "emitra-kiosk"
    if not (built / program_name()).is_file():
        return None
    import shutil

    first, second = folder / "bundle-N", folder / "bundle-N1"
    shutil.copytree(built, first, symlinks=True)
    shutil.copytree(built, second, symlinks=True)
    (second / "_internal" / "build_version.txt").write_text("9.9.9\n", encoding="utf-8")  # the one-line change
    return first, second


def run(quick: bool = False, rounds: int = 20) -> Figures:
    with tempfile.TemporaryDirectory(prefix="bench-update-") as temporary:
        tmp = Path(temporary)
        ws = updates.Workspace(tmp / "release", offline_keys=tmp / "usb")
        updates.init(ws)
        pair = None if quick else real_bundle_pair(tmp)
        if pair is None:
            pair = stand_in_bundle(tmp, "1.0.0"), stand_in_bundle(tmp, "1.0.1")
            bundle = "stand-in (4 MiB)"
        else:
            bundle = "dist/emitra-kiosk"
        updates.add(ws, pair[0], "1.0.0")
        updates.add(ws, pair[1], "1.0.1")
        targets = ws.repository / "targets"
        full = (targets / "emitra-kiosk-1.0.1.tar.gz").stat().st_size
        patch = (targets / "emitra-kiosk-1.0.1.patch").stat().st_size
        with static_host(ws.repository) as url:
            places = UpdatePlaces(tmp / "kiosk")
            checks, gets, starts = [], [], []
            session = requests.Session()
            for _ in range(rounds):
                began = time.perf_counter()
                result = check_and_stage(places, repo_url=url, current_version="1.0.1", trusted_root=ws.trusted_root)
                checks.append(time.perf_counter() - began)
                assert result.outcome is Outcome.UP_TO_DATE, result
                began = time.perf_counter()
                session.get(url + "/metadata/timestamp.json", timeout=5).raise_for_status()
                gets.append(time.perf_counter() - began)
                began = time.perf_counter()
                choose_at_start(places, "1.0.1")
                starts.append(time.perf_counter() - began)
    return Figures(
        check_ms=statistics.median(checks) * 1000,
        bare_get_ms=statistics.median(gets) * 1000,
        start_decision_ms=statistics.median(starts) * 1000,
        full_bytes=full,
        patch_bytes=patch,
        bundle=bundle,
    )


def table(f: Figures) -> str:
    return "\n".join(
        [
            f"update check finding nothing (TUF refresh):  {f.check_ms:8.1f} ms median"
            f"   baseline: one bare GET of timestamp.json {f.bare_get_ms:.1f} ms"
            f"  ratio {f.check_ms / f.bare_get_ms:.1f}×",
            f"start-up decision (state file, no update):   {f.start_decision_ms:8.3f} ms median",
            f"one-line change, {f.bundle}: full archive {f.full_bytes:,} bytes, patch {f.patch_bytes:,} bytes"
            f" ({f.patch_bytes / f.full_bytes:.4%} of the full)",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small stand-in bundle, fewer rounds")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # tufup's repository tool logs every step at INFO/WARNING
    print(table(run(quick=args.quick, rounds=5 if args.quick else 20)))


if __name__ == "__main__":
    main()
