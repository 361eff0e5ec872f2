"""`python -m ui [--server URL]`: the kiosk's windows, starting at the login."""

from __future__ import annotations

import argparse
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui", description="eMitra kiosk desktop client")
    parser.add_argument("--server", help="the central server's address (default: the saved setting, "
                                         "http://127.0.0.1:8765 on a new PC)")
    parser.add_argument("--config-dir", type=Path, help="settings folder (default: the user's config folder)")
    parser.add_argument("--log-dir", type=Path, help="log folder (default: the user's log folder)")
    args = parser.parse_args(argv)

    from ui.app import run

    return run(server_url=args.server, config_dir=args.config_dir, log_dir=args.log_dir,
               lock_dir=args.config_dir)


if __name__ == "__main__":
    raise SystemExit(main())
