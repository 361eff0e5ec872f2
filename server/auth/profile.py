"""The profile page: the registered details (read-only here) and what the operator completes and confirms."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from server.auth import audit, sessions
from server.auth.accounts import parse_contact
from server.auth.audit import RequestContext
from server.auth.clock import aware
from server.auth.errors import InvalidContact, ProfileNotConfirmed
from server.auth.schemas import ProfileIn, ProfilePublic
from server.auth.sessions import SessionInfo

kiosks_t = sessions.kiosks_t
profiles_t = sessions.profiles_t


def read(conn: Connection, kiosk_id: int) -> ProfilePublic:
    row = conn.execute(
        select(
            kiosks_t.c.code,
            kiosks_t.c.name,
            kiosks_t.c.holder_name,
            kiosks_t.c.district,
            kiosks_t.c.old_emitra_id,
            kiosks_t.c.sso_id,
            kiosks_t.c.mobile,
            kiosks_t.c.email,
            kiosks_t.c.status,
            profiles_t.c.address,
            profiles_t.c.pincode,
            profiles_t.c.alternate_mobile,
            profiles_t.c.completed_at,
        )
        .outerjoin(profiles_t, profiles_t.c.kiosk_id == kiosks_t.c.id)
        .where(kiosks_t.c.id == kiosk_id)
    ).one()
    return ProfilePublic(
        kiosk_code=row.code,
        kiosk_name=row.name,
        holder_name=row.holder_name,
        district=row.district,
        old_emitra_id=row.old_emitra_id,
        sso_id=row.sso_id,
        mobile=row.mobile,
        email=row.email,
        kiosk_status=row.status,
        address=row.address,
        pincode=row.pincode,
        alternate_mobile=row.alternate_mobile,
        profile_completed=row.completed_at is not None,
        completed_at=aware(row.completed_at) if row.completed_at is not None else None,
    )


def complete(conn: Connection, ctx: RequestContext, session: SessionInfo, data: ProfileIn) -> ProfilePublic:
    """Save the profile; the first confirmed save opens the services to this kiosk."""
    if not data.confirm:
        raise ProfileNotConfirmed("confirm that the registered details shown are right")
    alternate = None
    if data.alternate_mobile is not None and data.alternate_mobile.strip():
        kind, alternate = parse_contact(data.alternate_mobile)
        if kind != "mobile":
            raise InvalidContact("the alternate mobile must be a 10-digit Indian mobile number")
    existing = conn.execute(select(profiles_t.c.completed_at).where(profiles_t.c.kiosk_id == session.kiosk_id)).first()
    values = {"address": data.address, "pincode": data.pincode, "alternate_mobile": alternate, "updated_at": ctx.now}
    if existing is None:
        conn.execute(insert(profiles_t).values(kiosk_id=session.kiosk_id, completed_at=ctx.now, **values))
    else:
        conn.execute(
            update(profiles_t)
            .where(profiles_t.c.kiosk_id == session.kiosk_id)
            .values(completed_at=existing.completed_at or ctx.now, **values)
        )
    audit.record(
        conn,
        ctx,
        "profile",
        "completed" if existing is None else "updated",
        kiosk_id=session.kiosk_id,
        sso_id=session.sso_id,
        session_id=session.session_id,
    )
    return read(conn, session.kiosk_id)
