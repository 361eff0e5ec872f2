"""The kiosk's local database on real SQLite files: migrations, durability settings, outbox states, search."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from offline_cache.database import SCHEMA_VERSION, NewerSchema, default_path, open_database, schema_version
from offline_cache.outbox import NewOperation, OutboxState, Outcome
from offline_cache.receipt_spool import ReceiptSpool
from offline_cache.store import LocalStore
from server.catalog import load_catalog


def op(n: int, amount: int = 10_000, *, offline: bool = True) -> NewOperation:
    return NewOperation(f"{n:032x}", "payment", {"operation_id": f"{n:032x}", "n": n}, amount, amount, offline)


def test_a_profile_lives_in_the_user_data_dir_and_opens_in_wal_with_full_sync(tmp_path: Path) -> None:
    path = default_path("counter-2", tmp_path)
    assert path == tmp_path / "profiles" / "counter-2" / "kiosk.sqlite3"
    with pytest.raises(ValueError):
        default_path("../elsewhere", tmp_path)
    store = LocalStore.open(path)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert schema_version(store.db) == SCHEMA_VERSION
    assert {"outbox", "catalog_services", "receipt_spool", "wallet_snapshot", "settings", "sync_runs"} <= set(
        store.db.table_names()
    )
    store.close()


def test_an_old_spool_only_file_is_migrated_and_keeps_its_receipts(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = Database(path)
    ReceiptSpool(old).add("a" * 32, '{"receipt": 1}')  # what the printing code created before the migrations
    old.conn.close()
    store = LocalStore.open(path)
    entry = store.spool.by_operation("a" * 32)
    assert entry is not None and entry.receipt_json == '{"receipt": 1}'
    assert schema_version(store.db) == SCHEMA_VERSION
    store.close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(NewerSchema):
        open_database(path)


def test_outbox_states_survive_a_reopen_and_count_toward_the_offline_limit(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite3"
    store = LocalStore.open(path)
    store.outbox.add_many([op(1), op(2), op(3, 5_000)])
    assert store.outbox.add(op(1)).state is OutboxState.QUEUED  # the same operation again changes nothing
    with pytest.raises(ValueError):
        store.outbox.add(NewOperation(f"{1:032x}", "payment", {"other": True}, 1, 1, True))
    claimed = store.outbox.claim(2)
    assert [e.operation_id for e in claimed] == [f"{1:032x}", f"{2:032x}"]
    assert all(e.state is OutboxState.SENDING and e.attempts == 1 for e in claimed)
    store.close()

    store = LocalStore.open(path)  # a crash here: the claimed ones are in doubt, not forgotten
    assert store.outbox.counts()[OutboxState.SENDING] == 2 and store.outbox.queue_length() == 3
    assert store.outbox.unconfirmed_wallet_paise() == 25_000
    store.outbox.record(
        [
            Outcome(f"{1:032x}", True, result={"status": "success"}),
            Outcome(f"{2:032x}", False, error={"code": "amount_must_equal_due", "message": "x"}),
        ]
    )
    assert store.outbox.unconfirmed_wallet_paise() == 5_000
    assert [e.operation_id for e in store.outbox.for_reconcile()] == [f"{2:032x}"]
    store.outbox.record([Outcome(f"{2:032x}", True, result={"status": "success"})])
    refused = store.outbox.get(f"{2:032x}")
    assert refused is not None and refused.state is OutboxState.REFUSED  # a refusal is final
    store.close()


def test_local_search_finds_english_and_devanagari_substrings_and_prefixes(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "k.sqlite3")
    store.catalog.replace(load_catalog().public(), '"v1"')

    def codes(text: str, **kw: str) -> list[str]:
        return [s["code"] for s in store.catalog.search(text, **kw)]

    assert set(codes("bijli")) == set(codes("बिजली")) == {"ELEC-JVVNL", "ELEC-AVVNL", "ELEC-JDVVNL"}
    assert codes("जोध") == ["ELEC-JDVVNL"]  # the start of a Hindi word
    assert set(codes("jli")) == {"ELEC-JVVNL", "ELEC-AVVNL", "ELEC-JDVVNL"}  # inside a word
    assert codes("पानी") == ["WATER-PHED"] and codes("xyz") == []
    assert codes("bill jaipur") == ["ELEC-JVVNL"]  # every word, any order
    assert codes("bill", department="BSNL") == ["TEL-BSNL-LANDLINE"]
    assert store.catalog.etag == '"v1"' and len(store.catalog) == 11
    store.close()


def test_without_a_command_the_headless_entry_point_points_to_the_desktop_client(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kiosk_app.__main__ import main

    assert main([]) == 2
    assert "emitra-kiosk" in capsys.readouterr().err
