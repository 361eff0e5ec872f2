"""The catalog cached for offline work, with a trigram full-text index over English and Hindi names."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from sqlite_utils import Database

from offline_cache.outbox import transaction

_PUNCT = re.compile(r"[^\w\u0900-\u097f]+")
# FTS5's trigram tokenizer needs three characters to use the index; shorter words are matched by a scan.
TRIGRAM = 3


def normalise(text: str) -> str:
    """Case-fold, NFC (Devanagari typed in different orders compares equal), punctuation to spaces."""
    return " ".join(_PUNCT.sub(" ", unicodedata.normalize("NFC", text).casefold()).split())


def _phrase(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


class CatalogCache:
    """Services, departments and categories as the server last sent them, and the version (ETag) they carry."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- the copy -------------------------------------------------------------------------------------
    def replace(self, catalog: dict[str, Any], etag: str | None) -> None:
        """Swap in a new catalog in one transaction; a search never sees half of one."""
        departments = {d["code"]: d for d in catalog.get("departments", [])}
        with transaction(self.db):
            for table in ("catalog_services", "catalog_search", "catalog_words", "catalog_groups"):
                self.db.execute(f"DELETE FROM {table}")
            self.db.conn.executemany(
                "INSERT INTO catalog_groups (kind, code, data) VALUES (?, ?, ?)",
                [("category", c["code"], json.dumps(c, ensure_ascii=False)) for c in catalog.get("categories", [])]
                + [("department", d["code"], json.dumps(d, ensure_ascii=False)) for d in departments.values()],
            )
            services = []
            search = []
            words = []
            for position, s in enumerate(catalog.get("services", []), start=1):
                dept = departments.get(s["department"], {})
                names = normalise(f"{s['name_en']} | {s['name_hi']}")
                rest = normalise(
                    " | ".join(
                        [
                            *s.get("keywords", ()),
                            dept.get("name_en", ""),
                            dept.get("name_hi", ""),
                            s["department"],
                            s["code"],
                        ]
                    )
                )
                services.append(
                    (
                        position,
                        s["code"],
                        s["department"],
                        s.get("category", dept.get("category", "")),
                        names,
                        json.dumps(s, ensure_ascii=False),
                    )
                )
                search.append((position, s["code"], f"{names} | {rest}"))
                words.append((position, names, rest))
            self.db.conn.executemany(
                "INSERT INTO catalog_services (position, code, department, category, names, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                services,
            )
            self.db.conn.executemany("INSERT INTO catalog_search (rowid, code, text) VALUES (?, ?, ?)", search)
            self.db.conn.executemany("INSERT INTO catalog_words (rowid, names, rest) VALUES (?, ?, ?)", words)
            for key, value in (("catalog_version", catalog.get("version")), ("catalog_etag", etag)):
                self.db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [key, json.dumps(value)])

    def _setting(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        value = json.loads(row[0]) if row else None
        return value if isinstance(value, str) else None

    @property
    def version(self) -> str | None:
        return self._setting("catalog_version")

    @property
    def etag(self) -> str | None:
        return self._setting("catalog_etag")

    def __len__(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM catalog_services").fetchone()[0])

    # -- reading --------------------------------------------------------------------------------------
    def service(self, code: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT data FROM catalog_services WHERE code = ?", [code]).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def groups(self, kind: str) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT data FROM catalog_groups WHERE kind = ? ORDER BY rowid", [kind]).fetchall()
        return [dict(json.loads(r[0])) for r in rows]

    def services(self, *, category: str | None = None, department: str | None = None) -> list[dict[str, Any]]:
        """Advance Search: Utility → Department → Service."""
        where, args = self._filters(category, department)
        rows = self.db.execute(
            f"SELECT data FROM catalog_services s WHERE 1 = 1 {where} ORDER BY position", args
        ).fetchall()
        return [dict(json.loads(r[0])) for r in rows]

    def search(
        self, text: str, *, limit: int = 20, category: str | None = None, department: str | None = None
    ) -> list[dict[str, Any]]:
        """Services whose names, keywords or department contain what was typed (each word, any order).

        Ranked in tiers, each an index walk in catalog order that stops at `limit`: a word of the name
        starts with each typed word; then any word (keywords, department) does; then the typed words occur
        anywhere inside (trigram index, three characters or more). A keystroke costs about the same
        whether the catalog holds fifty services or five thousand.
        """
        q = normalise(text)
        if not q:
            return self.services(category=category, department=department)[:limit] if (category or department) else []
        tokens = q.split()
        where, args = self._filters(category, department)
        prefixes = " AND ".join(_phrase(t) + "*" for t in tokens)
        tiers = [("catalog_words", "{names} : (" + prefixes + ")"), ("catalog_words", prefixes)]
        if all(len(t) >= TRIGRAM for t in tokens):
            tiers.append(("catalog_search", " AND ".join(_phrase(t) for t in tokens)))
        found: list[int] = []
        for table, match in tiers:
            need = limit - len(found)
            if need <= 0:
                break
            skip = ",".join(str(p) for p in found) or "0"
            rows = self.db.execute(
                f"SELECT f.rowid FROM {table} f JOIN catalog_services s ON s.position = f.rowid "
                f"WHERE {table} MATCH ? AND f.rowid NOT IN ({skip}) {where} ORDER BY f.rowid LIMIT ?",
                [match, *args, need],
            ).fetchall()
            found.extend(int(r[0]) for r in rows)
        if not found:
            return []
        data = dict(
            self.db.execute(
                f"SELECT position, data FROM catalog_services WHERE position IN ({','.join('?' * len(found))})", found
            ).fetchall()
        )
        return [dict(json.loads(data[p])) for p in found]

    @staticmethod
    def _filters(category: str | None, department: str | None) -> tuple[str, list[str]]:
        where = ""
        args: list[str] = []
        if category is not None:
            where += " AND s.category = ?"
            args.append(category)
        if department is not None:
            where += " AND s.department = ?"
            args.append(department)
        return where, args
