"""The server's SQL toolkit: each hot statement declared once with its PostgreSQL and SQLite forms side by side.

The hot paths (ledger postings, payments) run their statements as text on the raw DB-API cursor inside the
transaction SQLAlchemy opened, because SQLAlchemy's execution layer costs more CPU per statement than SQLite
spends running it. Four shapes cover them:

- `Sql`: one statement in both paramstyles (`:name` for SQLite, `%(name)s` for psycopg);
- `SqlIn`: a statement over a list of values — one array parameter on PostgreSQL (`= ANY(…)`, same text for
  any length, so psycopg prepares it once), an IN list a chunk at a time on SQLite;
- `BulkInsert` / `BulkUpdate`: many rows in one statement (arrays and `unnest` on PostgreSQL, multi-row
  VALUES or `executemany` on SQLite);
- `one_of`: the same list idea for statements built with SQLAlchemy Core.

`chunks` is the one chunker; `CHUNK` the one chunk size for lists of ids.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Connection, Table, any_, bindparam
from sqlalchemy.dialects import postgresql

CHUNK = 500  # ids per statement where a list becomes parameters (SQLite allows 32,766; plans stay small)

C = TypeVar("C")


def chunks(items: Sequence[C], size: int = CHUNK) -> Iterable[Sequence[C]]:
    """`items` in consecutive slices of at most `size`."""
    return (items[start : start + size] for start in range(0, len(items), size))


class RawTx(Protocol):
    """An open transaction whose driver cursor runs the toolkit's statements (`server.ledger.LedgerTx`)."""

    is_postgres: bool

    def cursor(self) -> Any: ...


def raw(target: RawTx | Connection) -> tuple[Any, bool]:
    """The driver cursor inside the open transaction of `target`, and whether it is PostgreSQL."""
    if isinstance(target, Connection):
        cursor = target.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        return cursor, target.dialect.name == "postgresql"
    return target.cursor(), target.is_postgres


@dataclass(frozen=True)
class Sql:
    """One statement in both paramstyles."""

    sqlite: str
    postgres: str

    @classmethod
    def of(cls, statement: str) -> Sql:
        """The same text on both backends, written with `:name` parameters."""
        return cls(statement, re.sub(r"(?<!:):(\w+)", r"%(\1)s", statement))

    def text(self, postgres: bool) -> str:
        return self.postgres if postgres else self.sqlite

    def run(self, target: RawTx | Connection, params: Mapping[str, Any] | None = None) -> Any:
        """Execute on the raw cursor of `target`; returns the cursor (fetch from it)."""
        cursor, postgres = raw(target)
        return cursor.execute(self.text(postgres), params or {})

    def run_many(self, target: RawTx | Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        cursor, postgres = raw(target)
        cursor.executemany(self.text(postgres), rows)


@dataclass(frozen=True)
class SqlIn:
    """A statement with one list parameter, written `{values}` where the list goes: `column {values}`.

    PostgreSQL gets `= ANY(%(values)s)` over one array; SQLite an `IN (:v_0, …)` of each chunk of the list.
    `rows` returns every row of every chunk.
    """

    template: str  # with :name parameters and one {values}

    @functools.cached_property
    def postgres(self) -> str:
        return Sql.of(self.template.replace("{values}", "= ANY(:values)")).postgres

    @functools.lru_cache(maxsize=64)  # noqa: B019 - statements live as long as the process
    def sqlite(self, count: int) -> str:
        return self.template.replace("{values}", "IN (" + ", ".join(f":v_{n}" for n in range(count)) + ")")

    def rows(self, target: RawTx | Connection, values: Sequence[Any], params: Mapping[str, Any]) -> list[Any]:
        if not values:
            return []
        cursor, postgres = raw(target)
        if postgres:
            return list(cursor.execute(self.postgres, {**params, "values": list(values)}).fetchall())
        found: list[Any] = []
        for part in chunks(values):
            numbered = {f"v_{n}": v for n, v in enumerate(part)}
            found.extend(cursor.execute(self.sqlite(len(part)), {**params, **numbered}).fetchall())
        return found


def one_of(column: ColumnElement[Any], name: str, *, postgres: bool) -> ColumnElement[bool]:
    """`column IN :name` for a SQLAlchemy statement built once and run with a list: on PostgreSQL
    `column = ANY(:name)` over one array parameter (the text is the same for any number of values, so psycopg
    converts it once and the server can prepare it); elsewhere an expanding IN."""
    if postgres:
        return column == any_(bindparam(name, type_=postgresql.ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def pg_array_type(table: Table, column: str) -> str:
    """The PostgreSQL array type a column's values travel in: text for any string (so that a value too long
    for a VARCHAR(n) column is refused on assignment, not cut short by a cast), else the column's own type."""
    compiled = table.c[column].type.compile(dialect=postgresql.dialect())  # type: ignore[no-untyped-call]
    base = re.sub(r"\(.*\)", "", compiled).strip()
    return "text[]" if base in ("VARCHAR", "TEXT") else f"{base.lower()}[]"


@dataclass(frozen=True)
class BulkInsert:
    """An INSERT of many rows in one statement.

    On PostgreSQL the rows travel as one array per column (`INSERT … SELECT * FROM unnest(…)`): the statement
    text is the same for any number of rows and has one parameter per column, so psycopg converts it once and
    the server prepares it once — a multi-row VALUES with a parameter per value is longer than psycopg's
    statement cache takes and was parsed again on every call. SQLite has no arrays: there it is a multi-row
    VALUES, a chunk at a time. `suffix` may hold ON CONFLICT and RETURNING clauses; `run` returns the rows
    RETURNING gives (in no particular order).
    """

    table: Table
    columns: tuple[str, ...]
    suffix: str = ""
    sqlite_chunk: int = 100

    @functools.cached_property
    def postgres(self) -> str:
        arrays = ", ".join(f"%({c})s::{pg_array_type(self.table, c)}" for c in self.columns)
        names = ", ".join(self.columns)
        return f"INSERT INTO {self.table.name} ({names}) SELECT * FROM unnest({arrays}){self.suffix}"

    def sqlite(self, rows: int) -> str:
        return _values_insert(self.table.name, self.columns, self.suffix, rows)

    def run(self, target: RawTx | Connection, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        if not rows:
            return []
        returns = "RETURNING" in self.suffix
        cursor, postgres = raw(target)
        if postgres:
            cursor.execute(self.postgres, {c: [row[c] for row in rows] for c in self.columns})
            return list(cursor.fetchall()) if returns else []
        found: list[Any] = []
        for part in chunks(rows, self.sqlite_chunk):
            params = {f"{c}_{n}": row[c] for n, row in enumerate(part) for c in self.columns}
            cursor.execute(self.sqlite(len(part)), params)
            if returns:
                found.extend(cursor.fetchall())
        return found


@functools.lru_cache(maxsize=64)
def _values_insert(table: str, columns: tuple[str, ...], suffix: str, rows: int) -> str:
    values = ", ".join("(" + ", ".join(f":{c}_{n}" for c in columns) + ")" for n in range(rows))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}{suffix}"


@dataclass(frozen=True)
class BulkUpdate:
    """`UPDATE table SET columns WHERE key = … [AND where]` for many rows: one statement over arrays on
    PostgreSQL, `executemany` on SQLite (each row's values keyed by the column names and the key).

    `where` is an extra condition on the table's own columns (written with the table's name), the same on
    both backends.
    """

    table: Table
    columns: tuple[str, ...]
    key: str = "id"
    where: str = ""

    @functools.cached_property
    def postgres(self) -> str:
        names = (self.key, *self.columns)
        arrays = ", ".join(f"%({c})s::{pg_array_type(self.table, c)}" for c in names)
        sets = ", ".join(f"{c} = v.{c}" for c in self.columns)
        extra = f" AND {self.where}" if self.where else ""
        return (
            f"UPDATE {self.table.name} SET {sets} FROM unnest({arrays}) AS v({', '.join(names)}) "
            f"WHERE {self.table.name}.{self.key} = v.{self.key}{extra}"
        )

    @functools.cached_property
    def sqlite(self) -> str:
        sets = ", ".join(f"{c} = :{c}" for c in self.columns)
        extra = f" AND {self.where}" if self.where else ""
        return f"UPDATE {self.table.name} SET {sets} WHERE {self.key} = :{self.key}{extra}"

    def run(self, target: RawTx | Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """`rows` hold database-ready values (on SQLite, times as `sql_time` gives them); returns how many rows
        changed."""
        if not rows:
            return 0
        cursor, postgres = raw(target)
        if postgres:
            cursor.execute(self.postgres, {c: [row[c] for row in rows] for c in (self.key, *self.columns)})
        else:
            cursor.executemany(self.sqlite, rows)
        return int(cursor.rowcount)


def sql_time(value: datetime, postgres: bool) -> Any:
    """A datetime as the column stores it: SQLAlchemy's text on SQLite, the aware value on PostgreSQL."""
    return value if postgres else value.strftime("%Y-%m-%d %H:%M:%S.%f")


def sql_date(value: date | None, postgres: bool) -> Any:
    return value if postgres or value is None else value.isoformat()
