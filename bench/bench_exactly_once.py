"""The exactly-once checker in its long form: minutes of random concurrent load on two server processes over
one database, with the targeted races, kill -9 of a server process and lost answers, then our books and every
other party's records checked against the history (the engine is tests/support/checker.py).

    python -m bench.bench_exactly_once                                  # 5 minutes on SQLite and on PostgreSQL
    python -m bench.bench_exactly_once --backend postgres --seconds 600 --kiosks 12 --workers 8 --kill-every 20
    python -m bench.bench_exactly_once --quick                          # the test suite's size, both backends
    python -m bench.bench_exactly_once --seed 7 --history /tmp/history.jsonl   # every request and answer kept

Prints the figures of each run (operations, replays, duplicates, kills, faults, lost answers; lost, doubled,
overdrawn, disagreements with the departments and the old portal) and exits 1 if any check failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.checker import CheckerConfig, run  # noqa: E402
from tests.support.pgcluster import PgCluster, find_pg_bin  # noqa: E402

QUICK = CheckerConfig(seconds=12, kiosks=3, workers=3, seed=25, bursts=6, stale_rounds=2, resolve_seconds=30)
LONG = CheckerConfig(
    seconds=300, kiosks=8, workers=6, seed=1, bursts=30, stale_rounds=6, kill_every=30, resolve_seconds=120
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="the test suite's size (12 s of load per backend)")
    parser.add_argument("--seconds", type=float, help="seconds of random load per backend")
    parser.add_argument("--kiosks", type=int, help="kiosks of the random load")
    parser.add_argument("--workers", type=int, help="threads of random load")
    parser.add_argument("--seed", type=int, help="the random generator's seed (the workload's choices)")
    parser.add_argument("--bursts", type=int, help="rounds of each targeted race")
    parser.add_argument("--stale-rounds", type=int, help="rounds of the stale recharge race (3 recharges each)")
    parser.add_argument("--kill-every", type=float, help="seconds between kill -9 of the second server (0: none)")
    parser.add_argument("--history", type=Path, help="write every request and answer here (JSON lines)")
    args = parser.parse_args(argv)
    base = QUICK if args.quick else LONG
    chosen = {
        "seconds": args.seconds,
        "kiosks": args.kiosks,
        "workers": args.workers,
        "seed": args.seed,
        "bursts": args.bursts,
        "stale_rounds": args.stale_rounds,
        "kill_every": args.kill_every,
    }
    config = replace(base, **{k: v for k, v in chosen.items() if v is not None})
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    cluster: PgCluster | None = None
    failed = False
    try:
        for backend in backends:
            if backend == "postgres" and cluster is None:
                bin_dir = find_pg_bin()
                if bin_dir is None:
                    parser.error("PostgreSQL server binaries are missing (apt-get install postgresql)")
                cluster = PgCluster(bin_dir).start()
            history = args.history.with_suffix(f".{backend}{args.history.suffix}") if args.history else None
            this = replace(config, backend=backend, history_file=history)
            work = Path(tempfile.mkdtemp(prefix=f"emitra-checker-{backend}-"))
            verdict = run(this, work, cluster)
            print()
            print(verdict.report(this, shown=20))
            print()
            failed = failed or bool(verdict.all_problems)
    finally:
        if cluster is not None:
            cluster.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
