"""Validated field types at the HTTP edge: free text (no control characters, NFC, bounded) and bounded ids.

Every string a request carries — body field, path or query parameter — is one of these, so a NUL (which
PostgreSQL cannot store), a lone surrogate (which cannot be encoded) or a text that NFC makes longer than its
column never reaches the database."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from pydantic import AfterValidator, Field, StringConstraints

# The largest value of a signed 64-bit integer: every id column (BigInteger) and every integer parameter.
MAX_INT64 = 2**63 - 1


def clean_text(value: str, *, max_length: int | None = None) -> str:
    """`value` in NFC, refused if it has a control character or grows past `max_length` in NFC."""
    # Cc covers NUL and the other C0/C1 controls (tab, CR and LF too: one-line fields); Cs lone surrogates.
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        raise ValueError("must not contain control characters")
    value = unicodedata.normalize("NFC", value)
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"must have at most {max_length} characters")
    return value


@dataclass(frozen=True)
class Text(GroupedMetadata):
    """`Annotated[str, Text(200)]`: one line of text of at most `max_length` characters (after NFC)."""

    max_length: int
    min_length: int = 0
    strip: bool = False
    pattern: str | None = None

    def __iter__(self) -> Iterator[Any]:
        yield from StringConstraints(
            min_length=self.min_length, max_length=self.max_length, strip_whitespace=self.strip, pattern=self.pattern
        )
        yield AfterValidator(partial(clean_text, max_length=self.max_length))


# A row id or counter in a path or query: a positive 64-bit integer (a larger one is 422, not a database error).
RowId = Annotated[int, Field(ge=1, le=MAX_INT64)]
# A path segment naming something (a kiosk code, an order id, a UTR): looked up, so an unknown one is a 404.
PathName = Annotated[str, Text(64, min_length=1)]
# A calendar date in a query (statement, reconcile, day end): years the server's clock arithmetic can reach.
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2999, 12, 31))]
