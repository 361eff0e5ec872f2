"""Demo data: a few kiosks with money in their wallets, loaded idempotently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from server.core.config import Settings
from server.kiosks import create_kiosk, kiosks_t
from server.ledger import LedgerTx, OperationRequest, credit_kiosk, in_transaction
from server.schemas import KioskIn

DEMO_KIOSKS = [
    KioskIn(
        code="RJ-JPR-0001",
        name="eMitra Kendra Malviya Nagar",
        holder_name="Sunita Sharma",
        district="Jaipur",
        sso_id="SUNITA.SHARMA",
        mobile="9876543210",
        email="sunita@example.in",
        old_emitra_id="JPR-K-1001",
        credit_limit_paise=2_000_00,
        micro_atm_terminal_id="MATM0001",
    ),
    KioskIn(
        code="RJ-AJM-0002",
        name="eMitra Kendra Vaishali Nagar",
        holder_name="Ramesh Meena",
        district="Ajmer",
        sso_id="RAMESH.MEENA",
        mobile="9123456780",
        email="ramesh@example.in",
        old_emitra_id="AJM-K-2002",
        credit_limit_paise=0,
        micro_atm_terminal_id="MATM0002",
    ),
]
DEMO_OPENING_PAISE = 5_000_00
# The simulated old eMitra portal: limit left per old eMitra ID, and the CUG code its administrator gave.
DEMO_LEGACY_LIMITS = [
    ("JPR-K-1001", 12_500_00, "CUG-JPR-1001-7731", "Jaipur district eMitra administrator"),
    ("AJM-K-2002", 7_350_50, "CUG-AJM-2002-4415", "Ajmer district eMitra administrator"),
]


class ProductionDatabase(RuntimeError):
    """Demo kiosks with money were asked for on a production server or database."""


def load_demo_data(engine: Engine, settings: Settings) -> list[str]:
    """Create the demo kiosks that are missing and give each an opening wallet balance once."""
    from server.migrate import is_production_database

    if settings.mode != "demo":
        raise ProductionDatabase("refusing to load demo data: EMITRA_MODE is not demo")
    created = []
    with engine.begin() as conn:
        if is_production_database(conn):
            raise ProductionDatabase("refusing to load demo data: a production server has migrated this database")
        existing = set(conn.execute(select(kiosks_t.c.code)).scalars())
        for kiosk in DEMO_KIOSKS:
            if kiosk.code not in existing:
                create_kiosk(conn, kiosk)
                created.append(kiosk.code)
    for kiosk in DEMO_KIOSKS:
        code = kiosk.code

        def seed(tx: LedgerTx, code: str = code) -> Any:
            op = OperationRequest("admin", f"demo-opening-{code}", "adjustment", {"kiosk_code": code})
            return tx.run(
                op,
                lambda tx, pk: credit_kiosk(
                    tx, pk, code, DEMO_OPENING_PAISE, "system:adjustments", "opening_balance", "demo"
                ),
            )

        in_transaction(engine, seed)
    load_demo_legacy_limits(engine)
    return created


def load_demo_legacy_limits(engine: Engine) -> None:
    """Give the simulated old portal its limits and CUG codes, once (a used code stays used)."""
    from server.wallet.books import sim_limits_t
    from server.wallet.legacy import SimulatedLegacyPortal

    portal = SimulatedLegacyPortal()
    with engine.begin() as conn:
        known = set(conn.execute(select(sim_limits_t.c.old_emitra_id)).scalars())
        for old_id, limit, code, admin in DEMO_LEGACY_LIMITS:
            if old_id not in known:
                portal.set_limit(conn, old_id, limit, admin, code)
