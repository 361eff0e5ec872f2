"""One kiosk profile's local store: the database and the tables' objects over it."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from offline_cache.catalog_cache import CatalogCache
from offline_cache.customers import CustomerMemory
from offline_cache.database import open_database
from offline_cache.outbox import Outbox
from offline_cache.receipt_spool import ReceiptSpool
from offline_cache.state import KioskState


class LocalStore:
    """Everything the kiosk remembers; used only from the database worker."""

    def __init__(self, db: Database, path: Path | None = None) -> None:
        self.db = db
        self.path = path
        self.outbox = Outbox(db)
        self.catalog = CatalogCache(db)
        self.spool = ReceiptSpool(db)
        self.state = KioskState(db)
        self.customers = CustomerMemory(db)

    @classmethod
    def open(cls, path: Path | str) -> LocalStore:
        return cls(open_database(path), Path(path))

    def close(self) -> None:
        self.db.conn.close()
