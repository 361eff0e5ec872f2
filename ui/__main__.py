"""`python -m ui [--server URL]`: the kiosk's windows, starting at the login; `--self-check` tests the installation."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SELF_CHECK_TEMPORARY = Path()  # `--self-check` without a folder: the database goes to a temporary folder


def launch_active_version(argv: list[str]) -> int | None:
    """The installed bundle is the launcher: a newer version staged or active in the update folder runs instead
    (a staged one only after its own --self-check passed). None: go on with this program."""
    from kiosk_app.update import UpdatePlaces, choose_at_start, exec_launch, running_version

    try:
        launch = choose_at_start(UpdatePlaces.default(), running_version())
    except (OSError, ValueError) as exc:  # an unreadable update folder never stops the kiosk from starting
        print(f"emitra-kiosk: update folder not usable ({exc}); starting the installed version", file=sys.stderr)
        return None
    return None if launch is None else exec_launch(launch, argv)


def main(argv: list[str] | None = None) -> int:
    from kiosk_app.update import running_version, strip_child_flag

    argv, launched = strip_child_flag(list(sys.argv[1:] if argv is None else argv))
    if getattr(sys, "frozen", False) and not launched and "--self-check" not in argv:
        code = launch_active_version(argv)
        if code is not None:
            return code
    from kiosk_app.__main__ import COMMANDS

    if COMMANDS & set(argv):
        # `emitra-kiosk sync` / `status`: the headless day-end commands, so a bundle needs one program only.
        from kiosk_app.__main__ import main as headless_main

        return headless_main(argv)

    parser = argparse.ArgumentParser(
        prog=None if getattr(sys, "frozen", False) else "python -m ui",
        description="eMitra kiosk desktop client",
        epilog="Headless commands (day-end sync): 'sync' and 'status', see 'sync --help'.",
    )
    parser.add_argument("--version", action="version", version=f"emitra-kiosk {running_version()}")
    parser.add_argument(
        "--server", help="the central server's address (default: the saved setting, http://127.0.0.1:8765 on a new PC)"
    )
    parser.add_argument("--config-dir", type=Path, help="settings folder (default: the user's config folder)")
    parser.add_argument("--log-dir", type=Path, help="log folder (default: the user's log folder)")
    parser.add_argument(
        "--self-check",
        nargs="?",
        type=Path,
        const=SELF_CHECK_TEMPORARY,
        metavar="DATA_DIR",
        help="check this installation without a screen (Qt, fonts, local database, receipt "
        "printing, USB printers, keyring), print a report and exit; the test database "
        "goes to DATA_DIR or a temporary folder",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="demo kiosk: show the demo server's SSO IDs, first passwords and OTPs on the login "
        "window; without a printer setting, print to a USB printer found at start-up or "
        "else to a virtual printer (.bin files next to the settings); reach the server "
        "through a training relay on 127.0.0.1 that Help → Training switches can cut",
    )
    args = parser.parse_args(argv)

    if args.self_check is not None:
        from ui.self_check import self_check

        return self_check(None if args.self_check == SELF_CHECK_TEMPORARY else args.self_check)

    from ui.app import run

    server_url, network = args.server, None
    if args.demo:
        from ui.core import enable_demo_mode, start_demo_network

        # The kiosk reaches the demo server through a relay that Help → Training can cut (offline practice).
        network = start_demo_network(args.server, args.config_dir)
        enable_demo_mode(network)
        if network is not None:
            server_url = network.url
    try:
        return run(server_url=server_url, config_dir=args.config_dir, log_dir=args.log_dir, lock_dir=args.config_dir)
    finally:
        if network is not None:
            network.stop()


if __name__ == "__main__":
    raise SystemExit(main())
