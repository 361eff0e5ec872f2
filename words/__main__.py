"""`python -m words compile` writes the `.mo` files from the `.po` catalogs; `python -m words check` lists gaps."""

from __future__ import annotations

import argparse
import sys

from words import locale_dir
from words.compiler import compiled, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m words", description=__doc__)
    parser.add_argument("command", choices=("compile", "check"))
    args = parser.parse_args(argv)
    catalogs = sorted(locale_dir().glob("*/LC_MESSAGES/*.po"))
    found = [f"{po.name} ({po.parent.parent.name}): {p}" for po in catalogs for p in problems(po)]
    for problem in found:
        print(problem, file=sys.stderr)
    if args.command == "check" or found:
        return 1 if found else 0
    for po in catalogs:
        mo = po.with_suffix(".mo")
        data = compiled(po)
        if not mo.is_file() or mo.read_bytes() != data:
            mo.write_bytes(data)
            print(f"wrote {mo}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
