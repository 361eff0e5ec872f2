"""`emitra-server`: migrate, create kiosks, load demo data, check the ledger, write the OpenAPI document, serve."""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from server.core.config import InsecureSettingsError, Settings

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy import Engine

    from server.auth.accounts import KioskAccounts
    from server.auth.audit import RequestContext


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
        data = KioskIn(
            code=args.code,
            name=args.name,
            holder_name=args.holder,
            district=args.district,
            sso_id=args.sso_id,
            mobile=args.mobile,
            email=args.email,
            old_emitra_id=args.old_emitra_id,
            credit_limit_paise=args.credit_limit_paise,
        )
    except ValidationError as exc:
        print(f"emitra-server: invalid kiosk: {exc}", file=sys.stderr)
        return 2
    from server.auth.accounts import holder_by_id
    from server.auth.messages import mask

    engine = make_engine(settings.database_url)
    accounts = _accounts(settings, engine)
    with engine.begin() as conn:
        kiosk_id = create_kiosk(conn, data)
        holder = holder_by_id(conn, kiosk_id)
        accounts.issue(conn, _cli_context(settings), holder, reason="first_password")
    print(
        f"kiosk {data.code} created (id {kiosk_id}); first password sent by SMS to {mask(holder.mobile)} "
        f"and e-mail to {mask(holder.email)}"
    )
    return 0


def _accounts(settings: Settings, engine: Engine) -> KioskAccounts:
    from server.auth.accounts import KioskAccounts
    from server.auth.messages import SimulatedGateway
    from server.auth.passwords import Passwords

    passwords = Passwords(settings.argon2_profile if settings.mode == "demo" else "default")
    return KioskAccounts(engine, settings, passwords, SimulatedGateway(demo=settings.mode == "demo"))


def _cli_context(settings: Settings) -> RequestContext:
    from server.auth.audit import RequestContext
    from server.auth.clock import AuthClock

    return RequestContext(machine_id="emitra-server-cli", client_ip=None, now=AuthClock.for_settings(settings).now())


def issue_demo_passwords(settings: Settings) -> list[str]:
    """First passwords for the demo kiosks that have none yet; the SMS texts of those still unchanged."""
    from sqlalchemy import select

    from server.auth.accounts import holder_by_code
    from server.auth.messages import messages_t
    from server.auth.sessions import credentials_t
    from server.core.db import make_engine
    from server.demo import DEMO_KIOSKS

    engine = make_engine(settings.database_url)
    accounts = _accounts(settings, engine)
    texts = []
    try:
        with engine.begin() as conn:
            for kiosk in DEMO_KIOSKS:
                holder = holder_by_code(conn, kiosk.code)
                cred = conn.execute(
                    select(credentials_t.c.must_change).where(credentials_t.c.kiosk_id == holder.kiosk_id)
                ).first()
                if cred is None:
                    accounts.issue(conn, _cli_context(settings), holder, reason="first_password")
                elif not cred.must_change:
                    texts.append(f"{kiosk.code}: password already changed by the operator")
                    continue
                body = conn.execute(
                    select(messages_t.c.body)
                    .where(
                        messages_t.c.kiosk_id == holder.kiosk_id,
                        messages_t.c.channel == "sms",
                        messages_t.c.kind.in_(["first_password", "reset_password"]),
                    )
                    .order_by(messages_t.c.id.desc())
                    .limit(1)
                ).scalar_one()
                texts.append(f"{kiosk.code}: SMS to {holder.mobile}: {body}")
    finally:
        engine.dispose()
    return texts


def cmd_create_admin(args: argparse.Namespace) -> int:
    """The first administrator (and any later one, from the server's own shell): password and a TOTP secret."""
    import getpass

    from server.admin.accounts import create_administrator
    from server.auth.clock import AuthClock
    from server.auth.passwords import Passwords
    from server.core.db import make_engine
    from server.core.errors import ApiError

    settings = _settings()
    if args.no_totp and settings.mode != "demo":
        print("emitra-server: --no-totp is only allowed on a demo server", file=sys.stderr)
        return 2
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.username}: ")
        if getpass.getpass("the same again: ") != password:
            print("emitra-server: the two passwords differ", file=sys.stderr)
            return 2
    passwords = Passwords(settings.argon2_profile if settings.mode == "demo" else "default")
    engine = make_engine(settings.database_url)
    try:
        with engine.begin() as conn:
            made = create_administrator(
                conn,
                passwords,
                username=args.username,
                display_name=args.display_name or "",
                password=password,
                roles=args.role,
                now=AuthClock.for_settings(settings).now(),
                created_by=None,
                with_totp=not args.no_totp,
            )
    except ApiError as exc:
        print(f"emitra-server: {exc.message} ({exc.code})", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"administrator {made.username} created with roles {', '.join(sorted(made.roles))}")
    if made.totp_secret is not None:
        # Shown once: the authenticator app takes the secret (or the address as a QR code).
        print(f"TOTP secret: {made.totp_secret}")
        print(f"TOTP address: {made.totp_uri}")
    return 0


def cmd_messages(args: argparse.Namespace) -> int:
    """Print the simulated gateway's messages (OTPs, passwords), newest first."""
    from sqlalchemy import select

    from server.auth.messages import messages_t
    from server.core.db import make_engine

    engine = make_engine(_settings().database_url)
    query = select(messages_t).order_by(messages_t.c.id.desc()).limit(args.limit)
    if args.to:
        query = query.where(messages_t.c.to_address == args.to)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    for r in rows:
        print(f"{r.created_at} {r.channel:5} to {r.to_address} [{r.kind}]: {r.body}")
    return 0


def cmd_demo_data(_args: argparse.Namespace) -> int:
    from server.core.db import make_engine
    from server.demo import ProductionDatabase, load_demo_data

    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        created = load_demo_data(engine, settings)
    except ProductionDatabase as exc:
        print(f"emitra-server: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
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


def cmd_import_bank_statement(args: argparse.Namespace) -> int:
    """Book a bank statement file (CSV) of credits to virtual accounts; each UTR lands once."""
    from server.auth.clock import AuthClock
    from server.core.db import make_engine
    from server.core.errors import ApiError
    from server.wallet.neft import BankCredits

    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        with open(args.file, encoding="utf-8-sig", newline="") as file:  # a stray CR stays one (an error)
            text = file.read()
        result = BankCredits(engine, settings, AuthClock.for_settings(settings).now).import_statement(text)
    except (OSError, UnicodeDecodeError, ApiError) as exc:
        print(f"emitra-server: cannot import {args.file}: {exc}", file=sys.stderr)
        for bad in exc.details.get("errors", []) if isinstance(exc, ApiError) else []:
            field = f"{bad['field']}: " if bad.get("field") else ""
            print(f"  line {bad['line']}: {field}{bad['reason']}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    for line in result["results"]:
        if line["result"] not in ("credited", "duplicate"):
            detail = line.get("reason") or line.get("utr", "")
            print(f"  line {line['line']}: {line['result']} {detail}".rstrip())
    counts = ", ".join(f"{n} {what}" for what, n in sorted(result["counts"].items()))
    print(f"{args.file}: {result['lines']} line(s): {counts or 'nothing to book'}")
    return 0


def cmd_import_settlement(args: argparse.Namespace) -> int:
    """Import a department's settlement file (a file, or --fetch DATE from the department itself)."""
    from datetime import date

    from server.api.main import create_app
    from server.core.errors import ApiError

    if bool(args.file) == bool(args.fetch):
        print("emitra-server: import-settlement takes a file or --fetch YYYY-MM-DD (one of them)", file=sys.stderr)
        return 2
    app = create_app(_settings())
    try:
        settlements = app.state.settlements
        if args.fetch:
            result = settlements.fetch(args.biller, date.fromisoformat(args.fetch))
        else:
            result = settlements.import_file(args.biller, Path(args.file).read_bytes())
    except (OSError, ValueError, ApiError) as exc:
        print(f"emitra-server: settlement of {args.biller} not imported: {exc}", file=sys.stderr)
        return 2
    finally:
        app.state.engine.dispose()
    counts = ", ".join(f"{n} {what}" for what, n in result["counts"].items()) or "nothing"
    again = " (this file was imported before: nothing new)" if result["duplicate"] else ""
    print(f"{args.biller} {result['business_date']}: {result['lines']} line(s): {counts}{again}")
    for item in result["for_administrators"]:
        where = f"line {item['line']}" if item["line"] else "not in the file"
        print(f"  {where}: {item['reference']} {item['amount_paise']} paise: {item['finding']}")
    return 0


def cmd_run_wallet_scheduler(_args: argparse.Namespace) -> int:
    """One pass of the wallet scheduler's due work (for cron, or a server run without the thread)."""
    from server.api.main import create_app

    settings = _settings()
    app = create_app(settings)
    try:
        done = app.state.wallet.scheduler.tick()
    finally:
        app.state.engine.dispose()
    print(f"wallet scheduler: {done} item(s) done")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.api.http import header_limits
    from server.api.main import create_app

    settings = _settings()
    app = create_app(settings)
    print(
        f"eMitra server ({settings.mode} mode) listening on http://{args.host}:{args.port}/api/v1 "
        f"— database {_safe_url(settings.database_url)}",
        flush=True,
    )
    # The app reads X-Forwarded-For itself, from the configured proxies only (EMITRA_TRUSTED_PROXIES).
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        http=header_limits(settings),
        proxy_headers=False,
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Everything the demo needs: a fresh database under a data folder, demo kiosks, serve."""
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="emitra-demo-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("EMITRA_DATABASE_URL", f"sqlite:///{data_dir / 'server.sqlite3'}")
    os.environ["EMITRA_MODE"] = "demo"
    cmd_init_db(args)
    if cmd_demo_data(args) != 0:
        return 2
    from server.demo import DEMO_KIOSKS

    for kiosk in DEMO_KIOSKS:
        print(f"  demo kiosk {kiosk.code}: {kiosk.name}, SSO ID {kiosk.sso_id}")
    print("  first passwords, as the simulated SMS gateway sent them:")
    for text in issue_demo_passwords(_settings()):
        print(f"    {text}")
    print("  OTPs and other messages: `emitra-server messages` or GET /api/v1/admin/messages (admin token)")
    from server.demo import DEMO_LEGACY_LIMITS

    for old_id, limit, code, _admin in DEMO_LEGACY_LIMITS:
        print(f"  old portal: {old_id} has {limit} paise left; CUG code {code} (Fund Receive Request, works once)")
    print(f"  administrator token: {_settings().admin_token}")
    departments = start_simulated_departments(data_dir, args.departments_port)
    for kiosk in DEMO_KIOSKS:  # a customer took cash at each demo kiosk's micro-ATM: slips to enter
        if kiosk.micro_atm_terminal_id:
            slip = _demo_withdrawal(kiosk.micro_atm_terminal_id, 2_500_00)
            print(
                f"  micro-ATM slip at {kiosk.code} (terminal {kiosk.micro_atm_terminal_id}): RRN {slip['rrn']}, "
                f"₹2,500.00, Aadhaar ending {slip['aadhaar_last4']}"
            )
    try:
        return cmd_serve(args)
    finally:
        departments.terminate()
        departments.wait(10)


def _demo_withdrawal(terminal_id: str, amount_paise: int) -> dict[str, str]:
    """Demo: the simulated acquirer records a cash withdrawal at a terminal (the device's part)."""
    import json
    import urllib.request

    body = json.dumps({"terminal_id": terminal_id, "amount_paise": amount_paise, "aadhaar_last4": "4321"}).encode()
    request = urllib.request.Request(
        os.environ["EMITRA_DEPARTMENTS_URL"] + "/admin/withdrawals",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Admin-Token": os.environ["EMITRA_DEPARTMENTS_ADMIN_TOKEN"]},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        found: dict[str, str] = json.loads(answer.read())
    return found


def start_simulated_departments(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """Demo: the simulated departments as their own program and database (`emitra-departments`); the server
    reaches them over HTTP like any department, with their demo keys."""
    import secrets
    import time
    import urllib.request

    token = secrets.token_urlsafe(24)
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "EMITRA_DEPARTMENTS_ADMIN_TOKEN": token}
    log = open(data_dir / "departments.log", "ab")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "departments",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--database-url",
            f"sqlite:///{data_dir / 'departments.sqlite3'}",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit(f"the simulated departments did not start: see {data_dir / 'departments.log'}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise SystemExit(f"the simulated departments did not answer on {url}")
    os.environ["EMITRA_DEPARTMENTS_URL"] = url
    os.environ["EMITRA_DEPARTMENTS_ADMIN_TOKEN"] = token
    print(f"  simulated departments (their own process and database): {url}, log {data_dir / 'departments.log'}")
    return proc


OPENAPI_FILE = Path(__file__).resolve().parent.parent / "openapi.json"


def contract_app() -> FastAPI:
    """The application as a demo server builds it (which serves its OpenAPI document), for reading its routes."""
    from server.api.main import create_app

    return create_app(
        Settings(mode="demo", database_url="sqlite://", scheduler_enabled=False, departments_url="http://127.0.0.1:9")
    )


def openapi_document() -> str:
    """The HTTP contract as the server serves it, as the committed openapi.json holds it."""
    import json

    app = contract_app()
    try:
        return json.dumps(app.openapi(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    finally:
        app.state.engine.dispose()


def cmd_openapi(args: argparse.Namespace) -> int:
    document = openapi_document()
    if args.out == "-":
        sys.stdout.write(document)
    else:
        Path(args.out).write_text(document, encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


def cmd_updates(args: argparse.Namespace) -> int:
    """The kiosk bundle's update repository (server/updates, docs/UPDATES.md)."""
    from server import updates

    ws = updates.Workspace(Path(args.workspace), Path(args.offline_keys) if args.offline_keys else None)
    try:
        if args.action == "init":
            root = updates.init(ws)
            print(f"repository ready in {ws.repository}; build this root into the bundle: {root}")
            print(f"the root key is in {ws.offline_keys}: keep it offline, away from this machine")
        elif args.action == "add":
            updates.add(ws, Path(args.bundle), args.version, required=args.required)
            print(f"released {args.version}: {', '.join(updates.releases(ws))} in {ws.repository}")
        elif args.action == "timestamp":
            updates.refresh_timestamp(ws, days=args.days)
            print("timestamp re-signed")
        else:
            updates.rotate(ws, args.role)
            print(f"{args.role} key replaced; root metadata re-signed")
    except ValueError as exc:
        print(f"emitra-server updates: {exc}", file=sys.stderr)
        return 2
    return 0


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
    admin = sub.add_parser("create-admin", help="create a named administrator (the first one, or any, from here)")
    admin.add_argument("--username", required=True)
    admin.add_argument("--display-name")
    admin.add_argument(
        "--role",
        action="append",
        required=True,
        choices=["support", "finance", "approver", "auditor"],
        help="a role (repeat for more); finance and approver are never one person's",
    )
    admin.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    admin.add_argument("--no-totp", action="store_true", help="demo server only: no second factor")
    admin.set_defaults(func=cmd_create_admin)
    sub.add_parser("demo-data", help="load the demo kiosks").set_defaults(func=cmd_demo_data)
    messages = sub.add_parser("messages", help="print the simulated SMS / e-mail gateway's messages")
    messages.add_argument("--to", help="only messages to this mobile number or e-mail address")
    messages.add_argument("--limit", type=int, default=20)
    messages.set_defaults(func=cmd_messages)
    sub.add_parser("check-ledger", help="verify every entry balances and balances equal the journal").set_defaults(
        func=cmd_check_ledger
    )
    statement = sub.add_parser("import-bank-statement", help="book a bank statement (CSV) of NEFT/RTGS credits")
    statement.add_argument(
        "file",
        help="CSV with columns utr, account_no, amount (rupees); optional value_date, mode, remitter_name, ifsc, type",
    )
    statement.set_defaults(func=cmd_import_bank_statement)
    settlement = sub.add_parser("import-settlement", help="import a department's daily settlement file")
    settlement.add_argument("--biller", required=True, help="the department's biller code (discom, phed, …)")
    settlement.add_argument("file", nargs="?", help="the signed settlement file as the department sent it")
    settlement.add_argument("--fetch", metavar="YYYY-MM-DD", help="ask the department for its file of this date")
    settlement.set_defaults(func=cmd_import_settlement)
    sub.add_parser(
        "run-wallet-scheduler", help="credit due legacy transfers and expire abandoned orders, once"
    ).set_defaults(func=cmd_run_wallet_scheduler)
    openapi = sub.add_parser("openapi", help="write the HTTP contract (OpenAPI document) the server serves")
    openapi.add_argument(
        "--out",
        default=str(OPENAPI_FILE),
        help="where to write it (- for stdout; default: the "
        "repository's openapi.json, which kiosk_app/contract.py is generated from)",
    )
    openapi.set_defaults(func=cmd_openapi)
    release = sub.add_parser("updates", help="the kiosk bundle's signed update repository (TUF)")
    release.add_argument("--workspace", required=True, help="release folder: repository/ (served) and keys/")
    release.add_argument("--offline-keys", help="the root key's folder (removable media): for init and rotate")
    actions = release.add_subparsers(dest="action", required=True)
    actions.add_parser("init", help="new keys and the first root metadata")
    added = actions.add_parser("add", help="release a built bundle folder (archive + patch from the last one)")
    added.add_argument("bundle", help="the bundle folder, e.g. dist/emitra-kiosk")
    added.add_argument("version", help="its version (PEP 440), newer than the last release")
    added.add_argument("--required", action="store_true", help="kiosks install it before any newer one")
    stamp = actions.add_parser("timestamp", help="re-sign the timestamp (daily: kiosks refuse an expired one)")
    stamp.add_argument("--days", type=float, help="valid for this many days (default 1)")
    rotated = actions.add_parser("rotate", help="replace a role's key (needs the offline root key)")
    rotated.add_argument("role", choices=("root", "targets", "snapshot", "timestamp"))
    release.set_defaults(func=cmd_updates)
    for name, func, helptext in (
        ("serve", cmd_serve, "serve the API"),
        ("demo", cmd_demo, "fresh demo database + demo data + serve"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8765)
        p.add_argument("--log-level", default="info")
        if name == "demo":
            p.add_argument("--data-dir", help="keep the demo database here (default: a new temporary folder)")
            p.add_argument("--departments-port", type=int, default=8790, help="where the simulated departments listen")
        p.set_defaults(func=func)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
