"""`emitra-kiosk`: the desktop client's entry point."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("The desktop client is not built yet; run `./run demo` for the central server.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
