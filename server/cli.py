"""`emitra-server`: migrate, create kiosks, load demo data, check the ledger, serve."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

from pydantic import ValidationError

from server.core.config import InsecureSettingsError, Settings


def _settings() -> Settings:
    try:
        return Settings()
    except (InsecureSettingsError, ValidationError) as exc:
        print(f"emitra-server: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def cmd_init_db(_args: argparse.Namespace) -> int:
    from server.migrate import migrate

    settings = _settings()
    migrate(settings)
    print(f"database ready: {_safe_url(settings.database_url)}")
    return 0


def cmd_create_kiosk(args: argparse.Namespace) -> int:
    from server.core.db import make_engine
    from server.kiosks import create_kiosk
    from server.schemas import KioskIn

    settings = _settings()
    try:
        data = KioskIn(code=args.code, name=args.name, holder_name=args.holder, district=args.district,
                       sso_id=args.sso_id, mobile=args.mobile, email=args.email,
                       old_emitra_id=args.old_emitra_id, credit_limit_paise=args.credit_limit_paise)
    except ValidationError as exc:
        print(f"emitra-server: invalid kiosk: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        kiosk_id = create_kiosk(conn, data)
    print(f"kiosk {data.code} created (id {kiosk_id})")
    return 0


def cmd_demo_data(_args: argparse.Namespace) -> int:
    from server.core.db import make_engine
    from server.demo import load_demo_data

    engine = make_engine(_settings().database_url)
    created = load_demo_data(engine)
    print("demo kiosks created: " + (", ".join(created) or "none (already there)"))
    return 0


def cmd_check_ledger(_args: argparse.Namespace) -> int:
    from server.core.db import make_engine
    from server.ledger import audit

    engine = make_engine(_settings().database_url)
    with engine.connect() as conn:
        problems = audit(conn)
    for problem in problems:
        print(problem)
    print("ledger balanced" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 1


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.api.main import create_app

    settings = _settings()
    app = create_app(settings)
    print(f"eMitra server ({settings.mode} mode) listening on http://{args.host}:{args.port}/api/v1 "
          f"— database {_safe_url(settings.database_url)}", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Everything the demo needs: a fresh database under a data folder, demo kiosks, serve."""
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="emitra-demo-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("EMITRA_DATABASE_URL", f"sqlite:///{data_dir / 'server.sqlite3'}")
    os.environ["EMITRA_MODE"] = "demo"
    cmd_init_db(args)
    cmd_demo_data(args)
    from server.demo import DEMO_KIOSKS

    for kiosk in DEMO_KIOSKS:
        print(f"  demo kiosk {kiosk.code}: {kiosk.name}, SSO ID {kiosk.sso_id}")
    print(f"  administrator token: {_settings().admin_token}")
    return cmd_serve(args)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="emitra-server", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init-db", help="create or migrate the database").set_defaults(func=cmd_init_db)
    kiosk = sub.add_parser("create-kiosk", help="create a kiosk with its wallet and credit line")
    kiosk.add_argument("--code", required=True)
    kiosk.add_argument("--name", required=True)
    kiosk.add_argument("--holder", required=True)
    kiosk.add_argument("--district", required=True)
    kiosk.add_argument("--sso-id", required=True)
    kiosk.add_argument("--mobile", required=True)
    kiosk.add_argument("--email", required=True)
    kiosk.add_argument("--old-emitra-id")
    kiosk.add_argument("--credit-limit-paise", type=int, default=0)
    kiosk.set_defaults(func=cmd_create_kiosk)
    sub.add_parser("demo-data", help="load the demo kiosks").set_defaults(func=cmd_demo_data)
    sub.add_parser("check-ledger", help="verify every entry balances and balances equal the journal").set_defaults(
        func=cmd_check_ledger)
    for name, func, helptext in (("serve", cmd_serve, "serve the API"),
                                 ("demo", cmd_demo, "fresh demo database + demo data + serve")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8765)
        p.add_argument("--log-level", default="info")
        if name == "demo":
            p.add_argument("--data-dir", help="keep the demo database here (default: a new temporary folder)")
        p.set_defaults(func=func)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
