"""The kiosk's local memory: outbox, catalog cache, receipt spool (SQLite)."""
