"""Creating kiosks, finding one by code and searching them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from server.core.errors import Conflict, NotFound
from server.ledger import create_kiosk_accounts
from server.models import Kiosk
from server.models.base import table_of
from server.schemas import KioskIn

kiosks_t = table_of(Kiosk)


def create_kiosk(conn: Connection, data: KioskIn) -> int:
    """Insert the kiosk and its wallet and credit-line accounts in the caller's transaction."""
    try:
        with conn.begin_nested():
            kiosk_id = conn.execute(
                insert(kiosks_t)
                .values(
                    code=data.code,
                    name=data.name,
                    holder_name=data.holder_name,
                    district=data.district,
                    old_emitra_id=data.old_emitra_id,
                    micro_atm_terminal_id=data.micro_atm_terminal_id,
                    sso_id=data.sso_id,
                    mobile=data.mobile,
                    email=data.email,
                    status="active",
                    credit_limit_paise=data.credit_limit_paise,
                    security_deposit_paise=data.credit_limit_paise,
                )
                .returning(kiosks_t.c.id)
            ).scalar_one()
    except IntegrityError as exc:
        raise Conflict("a kiosk with this code or SSO ID already exists", code="kiosk_exists") from exc
    create_kiosk_accounts(conn, int(kiosk_id), data.code, data.credit_limit_paise)
    return int(kiosk_id)


def kiosk_id_by_code(conn: Connection, code: str) -> int:
    kiosk_id = conn.execute(select(kiosks_t.c.id).where(kiosks_t.c.code == code)).scalar_one_or_none()
    if kiosk_id is None:
        raise NotFound(f"no kiosk with code {code}", code="unknown_kiosk", kiosk_code=code)
    return int(kiosk_id)


def find_kiosks(conn: Connection, text: str, limit: int = 50) -> list[dict[str, Any]]:
    """Kiosks whose code, name, holder or district contains `text` (any case), by code: the desks' search."""
    pattern = "%" + text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    columns = (kiosks_t.c.code, kiosks_t.c.name, kiosks_t.c.holder_name, kiosks_t.c.district)
    query = (
        select(kiosks_t.c.id, *columns, kiosks_t.c.status)
        .where(or_(*(func.lower(c).like(pattern, escape="\\") for c in columns)))
        .order_by(kiosks_t.c.code)
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(query)]
