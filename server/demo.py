"""Demo data: a few kiosks with money in their wallets, loaded idempotently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from server.kiosks import create_kiosk, kiosks_t
from server.ledger import LedgerTx, OperationRequest, credit_kiosk, in_transaction
from server.schemas import KioskIn

DEMO_KIOSKS = [
    KioskIn(code="RJ-JPR-0001", name="eMitra Kendra Malviya Nagar", holder_name="Sunita Sharma",
            district="Jaipur", sso_id="SUNITA.SHARMA", mobile="9876543210", email="sunita@example.in",
            old_emitra_id="JPR-K-1001", credit_limit_paise=2_000_00),
    KioskIn(code="RJ-AJM-0002", name="eMitra Kendra Vaishali Nagar", holder_name="Ramesh Meena",
            district="Ajmer", sso_id="RAMESH.MEENA", mobile="9123456780", email="ramesh@example.in",
            old_emitra_id="AJM-K-2002", credit_limit_paise=0),
]
DEMO_OPENING_PAISE = 5_000_00


def load_demo_data(engine: Engine) -> list[str]:
    """Create the demo kiosks that are missing and give each an opening wallet balance once."""
    created = []
    with engine.begin() as conn:
        existing = set(conn.execute(select(kiosks_t.c.code)).scalars())
        for kiosk in DEMO_KIOSKS:
            if kiosk.code not in existing:
                create_kiosk(conn, kiosk)
                created.append(kiosk.code)
    for kiosk in DEMO_KIOSKS:
        code = kiosk.code

        def seed(tx: LedgerTx, code: str = code) -> Any:
            op = OperationRequest("admin", f"demo-opening-{code}", "adjustment", {"kiosk_code": code})
            return tx.run(op, lambda tx, pk: credit_kiosk(tx, pk, code, DEMO_OPENING_PAISE,
                                                          "system:adjustments", "opening_balance", "demo"))

        in_transaction(engine, seed)
    return created
