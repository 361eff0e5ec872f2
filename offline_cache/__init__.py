"""The kiosk's local memory: outbox, catalog cache, receipt spool, wallet snapshot, settings (SQLite)."""
