"""The operator's words: one gettext catalog (English source, Hindi translation) with parameters and plurals.

The catalog is `resources/locale/hi/LC_MESSAGES/emitra.po`: each entry's context (`msgctxt`) is the key the
code asks for, its `msgid` the English and its `msgstr` the Hindi. The program reads the compiled `emitra.mo`
beside it (`python -m words compile` writes it; a test proves it matches the `.po`). Parameters are
`{name}` fields (python-brace-format); an entry with a plural form is chosen by its `count` parameter.

This package imports nothing of the project and no Qt, so `printing/`, `kiosk_app/` and `ui/` all read it.
"""

from __future__ import annotations

import gettext
import io
import os
import string
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from babel.messages.mofile import read_mo

DOMAIN = "emitra"
LOCALE_DIR_VARIABLE = "EMITRA_LOCALE_DIR"


class Language(StrEnum):
    ENGLISH = "en"
    HINDI = "hi"

    @property
    def other(self) -> Language:
        return Language.HINDI if self is Language.ENGLISH else Language.ENGLISH


class CatalogMissing(RuntimeError):
    """The installation lacks the compiled catalog: a packaging fault, not the operator's."""


def locale_dir() -> Path:
    """The folder with the catalogs: $EMITRA_LOCALE_DIR, the installer bundle, or the source tree."""
    configured = os.environ.get(LOCALE_DIR_VARIABLE)
    if configured:
        return Path(configured)
    bundle = getattr(sys, "_MEIPASS", None)  # set by PyInstaller's one-folder bundle
    if bundle:
        return Path(bundle) / "resources" / "locale"
    return Path(__file__).resolve().parent.parent / "resources" / "locale"


def po_path(language: str = Language.HINDI.value) -> Path:
    return locale_dir() / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str = Language.HINDI.value) -> Path:
    return po_path(language).with_suffix(".mo")


@dataclass(frozen=True)
class Entry:
    """One key's words: English and Hindi, each with its plural forms (one form when the entry has no plural)."""

    key: str
    english: tuple[str, ...]
    hindi: tuple[str, ...]

    @property
    def has_plural(self) -> bool:
        return len(self.english) > 1


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Catalog(Mapping[str, Entry]):
    """Every entry by key, and the Hindi plural rule of the catalog's header."""

    def __init__(self, entries: dict[str, Entry], hindi_plural: Callable[[int], int]) -> None:
        self._entries = entries
        self._hindi_plural = hindi_plural

    def __getitem__(self, key: str) -> Entry:
        return self._entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def text(self, key: str, language: Language | str = Language.ENGLISH, /, **values: object) -> str:
        """The words for `key` in `language`, with `values` filled in (`count` picks a plural form)."""
        entry = self._entries[key]
        hindi = Language(language) is Language.HINDI
        forms = entry.hindi if hindi else entry.english
        if entry.has_plural:
            count = values.get("count")
            if not isinstance(count, int):
                raise TypeError(f"{key} has plural forms: give it an integer count")
            index = self._hindi_plural(count) if hindi else (0 if count == 1 else 1)
            text = forms[min(index, len(forms) - 1)]
        else:
            text = forms[0]
        return text.format(**values) if values else text

    def pair(self, key: str, /, **values: object) -> tuple[str, str]:
        """(English, Hindi) for `key` — what receipts and two-language messages print side by side."""
        return self.text(key, Language.ENGLISH, **values), self.text(key, Language.HINDI, **values)


def load(mo: Path) -> Catalog:
    """Read a compiled catalog; entries without a context (the header) are not words the program asks for."""
    try:
        data = mo.read_bytes()
    except FileNotFoundError:
        raise CatalogMissing(f"{mo} not found; the installation is incomplete (python -m words compile)") from None
    compiled = read_mo(io.BytesIO(data))
    entries: dict[str, Entry] = {}
    for message in compiled:
        if not message.id or not message.context:
            continue
        ids = (message.id,) if isinstance(message.id, str) else tuple(message.id)
        strings = (message.string,) if isinstance(message.string, str) else tuple(message.string or ())
        entries[message.context] = Entry(message.context, ids, strings)
    return Catalog(entries, gettext.c2py(compiled.plural_expr))


@cache
def catalog() -> Catalog:
    """The process's catalog, read once."""
    return load(mo_path())


def text(key: str, language: Language | str = Language.ENGLISH, /, **values: object) -> str:
    return catalog().text(key, language, **values)


def pair(key: str, /, **values: object) -> tuple[str, str]:
    return catalog().pair(key, **values)


def english(key: str, /, **values: object) -> str:
    return catalog().text(key, Language.ENGLISH, **values)


def hindi(key: str, /, **values: object) -> str:
    return catalog().text(key, Language.HINDI, **values)
