"""The screens' words and the runtime language switch.

The words live in the translation catalog (`resources/locale/hi/LC_MESSAGES/emitra.po`, read through `words`):
screens ask by key with `t()`. Switching language is a plain signal: widgets re-read their strings in
`retranslate()`; no QTranslator reload.

Hindi keeps the portal's English label in brackets where operators were trained on it (e.g. "Avail Service").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

from PySide6.QtCore import QObject, Signal

import words
from printing.money import format_rupees
from rules.day import IST
from words import Language

__all__ = [
    "CATALOGUE",
    "Language",
    "LanguageSwitch",
    "both",
    "check_catalogue",
    "current_language",
    "language_switch",
    "t",
]


class _Pairs(Mapping[str, tuple[str, str]]):
    """key → (English, Hindi) of the catalog (an entry with plural forms gives its first forms)."""

    def __getitem__(self, key: str) -> tuple[str, str]:
        entry = words.catalog()[key]
        return entry.english[0], entry.hindi[0]

    def __iter__(self) -> Iterator[str]:
        return iter(words.catalog())

    def __len__(self) -> int:
        return len(words.catalog())


CATALOGUE: Mapping[str, tuple[str, str]] = _Pairs()


def check_catalogue() -> list[str]:
    """Problems in the catalog: a missing or fuzzy Hindi, parameters that differ between languages."""
    from words.compiler import problems

    return problems(words.po_path())


class LanguageSwitch(QObject):
    """The current language; `changed` tells every open screen to re-read its strings."""

    changed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.language = Language.ENGLISH

    def set_language(self, language: Language) -> None:
        if language is self.language:
            return
        self.language = language
        self.changed.emit(language.value)


_switch: LanguageSwitch | None = None


def language_switch() -> LanguageSwitch:
    """The one switch of the process (made on first use, after the QApplication exists)."""
    global _switch
    if _switch is None:
        _switch = LanguageSwitch()
    return _switch


def current_language() -> Language:
    return language_switch().language


def t(key: str, **values: object) -> str:
    """The words for `key` in the current language, with `values` filled in (`count` picks a plural form)."""
    return words.text(key, current_language(), **values)


def both(en: str, hi: str) -> str:
    """Pick one of a pair made before the language was known (an error's two messages, a service's names from the
    server)."""
    return hi if current_language() is Language.HINDI else en


def ist_time(iso: str) -> str:
    """A server timestamp (UTC, ISO) as the counter reads it: 17-11-2026 14:05 (IST)."""
    try:
        return datetime.fromisoformat(iso).astimezone(IST).strftime("%d-%m-%Y %H:%M")
    except ValueError:
        return iso


def rupees_or_dash(paise: int | None) -> str:
    """An amount, or a dash where it is not known."""
    return "—" if paise is None else format_rupees(paise)
