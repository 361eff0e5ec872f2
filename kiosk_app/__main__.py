"""`emitra-kiosk` / `python -m kiosk_app`: the desktop client, and the headless `sync` and `status` commands."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from dataclasses import asdict
from types import FrameType

from kiosk_app.config import SETTINGS, KioskConfig
from kiosk_app.core import KioskCore
from kiosk_app.errors import KioskError
from kiosk_app.events import SyncProgress
from kiosk_app.session import TokenStore
from kiosk_app.worker import InlineWorker

EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE, EXIT_NOT_SIGNED_IN = 0, 1, 2, 3
NO_UI = (
    "The desktop client is `emitra-kiosk` (or `python -m ui`); this is the headless part. "
    "Commands: `python -m kiosk_app sync` (day-end sync) and `python -m kiosk_app status`."
)


def _parser() -> argparse.ArgumentParser:
    settings = "\n".join(
        f"  {s.env:<24} {s.description} (default: {s.default or 'platform default'})" for s in SETTINGS
    )
    parser = argparse.ArgumentParser(
        prog="emitra-kiosk",
        description="eMitra kiosk client.",
        epilog="Settings from the environment:\n" + settings,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--server", help="central server URL")
    parser.add_argument("--profile", help="kiosk profile (one local database each)")
    parser.add_argument("--database", help="explicit kiosk database file")
    parser.add_argument("-v", "--verbose", action="store_true", help="log to stderr")
    commands = parser.add_subparsers(dest="command")
    sync = commands.add_parser("sync", help="day-end sync: push the whole outbox to the server")
    sync.add_argument("--batch-size", type=int, help="operations per request (1–100)")
    sync.add_argument("--json", action="store_true", help="print the summary as JSON")
    status = commands.add_parser("status", help="queue length, last sync, whether the server is reachable")
    status.add_argument("--json", action="store_true", help="print as JSON")
    update = commands.add_parser("update", help="look for a signed update now; download, verify and stage it")
    update.add_argument("--url", help="the update repository (default: the setting, else the server's /updates)")
    update.add_argument("--json", action="store_true", help="print the outcome as JSON")
    return parser


def _rupees(paise: int) -> str:
    return f"₹{paise / 100:,.2f}"


def _print_progress(progress: SyncProgress) -> None:
    if progress.finished:
        return
    print(
        f"sync: {progress.sent}/{progress.total} answered, {progress.done} done, {progress.refused} refused", flush=True
    )


def _sync(core: KioskCore, as_json: bool) -> int:
    tokens = TokenStore(core.config.server_url)
    # The PC's sync key first: it has no idle expiry, so the scheduled sync works after the operator has gone.
    sync_key = tokens.sync_keys().load()
    if sync_key is not None:
        core.api.token = sync_key
    elif not core.resume_session(tokens):
        print(
            "Not signed in: sign in once at the kiosk (the day-end sync key and the session are kept in the "
            f"keyring {tokens.backend_name}), then run the sync again.",
            file=sys.stderr,
        )
        return EXIT_NOT_SIGNED_IN

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        print(f"signal {signum}: stopping after the batch in flight …", file=sys.stderr, flush=True)
        core.sync.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if not as_json:
        core.events.sync_progress.connect(_print_progress)
    summary = core.sync.run()
    if as_json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1))
    else:
        state = "complete" if summary.complete else ("stopped" if summary.stopped else "interrupted")
        print(
            f"Day-end sync {state} in {summary.seconds:.1f} s: {summary.total} waiting, {summary.done} done, "
            f"{summary.refused} refused, {summary.remaining} still waiting, "
            f"{summary.pending_at_department} pending at the department."
        )
        if summary.interrupted:
            print(f"Interrupted: {summary.interrupted}")
        if summary.reconcile:
            print("For Reconcile:")
            for item in summary.reconcile:
                print(
                    f"  {item.operation_id}  {item.service_code} {item.consumer_no}  {_rupees(item.amount_paise)}"
                    f"  {item.code}: {item.reason}"
                )
    if summary.needs_sign_in:
        print(
            "The server refused this PC's sync key or session: sign in once at the kiosk (that renews the "
            "day-end sync key), then run the sync again.",
            file=sys.stderr,
        )
        return EXIT_NOT_SIGNED_IN
    return EXIT_OK if summary.complete else EXIT_INCOMPLETE


def _status(core: KioskCore, as_json: bool) -> int:
    status = core.status()
    if as_json:
        print(json.dumps(asdict(status), ensure_ascii=False, indent=1))
        return EXIT_OK
    last = status.last_sync
    print(f"Database:          {status.database}")
    print(f"Server reachable:  {'yes' if status.server_reachable else 'no'} ({core.config.server_url})")
    print(f"Queue length:      {status.queue_length} (in doubt: {status.in_doubt})")
    print(f"For Reconcile:     {status.for_reconcile}")
    print(f"Offline limit:     {_rupees(status.offline_limit_paise)}")
    if last is None:
        print("Last sync:         never")
    else:
        print(
            f"Last sync:         {last['finished_at'] or last['started_at']} {last['outcome'] or 'not finished'}"
            f" (done {last['done']}, refused {last['refused']}, remaining {last['remaining']})"
        )
    return EXIT_OK


def _update(config: KioskConfig, url: str | None, as_json: bool) -> int:
    """Check now (the desktop client does it after the login window is shown and daily); applied at the next start."""
    from kiosk_app.update import Outcome, UpdatePlaces, UpdateState, check_and_stage, running_version

    places = UpdatePlaces.default()

    def progress(done: int, expected: int) -> None:
        if not as_json and expected:
            print(f"\rdownloading: {done * 100 // expected} % of {expected / 1e6:.1f} MB", end="", flush=True)

    result = check_and_stage(places, repo_url=url or config.update_repository, progress=progress)
    state = UpdateState.load(places)
    if as_json:
        print(json.dumps({**asdict(result), "running": running_version(), "state": asdict(state)}, indent=1))
    else:
        print()
        print(f"running {running_version()}: {result.outcome}", *(x for x in (result.version, result.kind) if x))
        if result.detail:
            print(result.detail)
        if state.last_event:
            print(f"last update event: {state.last_event}")
    return EXIT_OK if result.outcome in (Outcome.UP_TO_DATE, Outcome.STAGED) else EXIT_INCOMPLETE


COMMANDS = frozenset({"sync", "status", "update"})


def _desktop(_argv: list[str]) -> int:
    """kiosk_app imports no UI: the desktop client has its own entry point."""
    print(NO_UI, file=sys.stderr)
    return EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not COMMANDS & set(argv) and not {"-h", "--help"} & set(argv):
        return _desktop(argv)  # no headless command: the desktop client, with its own options
    args = _parser().parse_args(argv)
    if args.command is None:
        return _desktop(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    try:
        config = KioskConfig.from_env(
            server_url=args.server,
            profile=args.profile,
            database=args.database,
            batch_size=str(args.batch_size) if getattr(args, "batch_size", None) else None,
        )
    except ValueError as exc:
        print(f"emitra-kiosk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "update":
        return _update(config, args.url, args.json)
    try:
        # One thread does everything in a headless command, so the database work runs inline.
        core = KioskCore(config, worker=InlineWorker())
    except KioskError as exc:
        print(exc.operator_message, file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "sync":
            return _sync(core, args.json)
        return _status(core, args.json)
    except KioskError as exc:
        print(exc.operator_message, file=sys.stderr)
        return EXIT_NOT_SIGNED_IN if exc.error_code == "keyring_unavailable" else EXIT_INCOMPLETE
    finally:
        core.close()


if __name__ == "__main__":
    raise SystemExit(main())
