"""The back-office web console under /admin/: server-rendered pages and plain forms (no script), in English and
Hindi, over the same accounts, proposals and trail as the API; a session cookie, CSRF tokens, a strict CSP.

`pages` holds what every desk shares and `vocabulary` the pages' words; each other module is a desk (or a few
related desks) with its own router, assembled here into the one router the application mounts at /admin."""

from __future__ import annotations

from fastapi import APIRouter

from server.admin.console import administrators, audit, demo, fleet, kiosks, money, reconcile, sign_in
from server.admin.console.pages import GATES

__all__ = ["GATES", "router"]

router = APIRouter(include_in_schema=False)
for desk in (sign_in, money, audit, kiosks, fleet, reconcile, demo, administrators):
    router.include_router(desk.router)
