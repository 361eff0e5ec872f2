"""The service catalog (categories → departments → services) and its as-you-type search.

The catalog is data (server/data/catalog.json): adding a service is an entry there plus, where its
department is new, one biller adapter.  It is read once per process and is the same on every instance;
its version is a hash of its content, used as the ETag clients cache against.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rules.commission import CommissionRate
from rules.fields import CheckDigit, field_problem

CATALOG_FILE = Path(__file__).resolve().parents[1] / "data" / "catalog.json"


@dataclass(frozen=True)
class Choice:
    """One of the values a field takes (a recharge's operator): its code and its names."""

    code: str
    name_en: str
    name_hi: str


@dataclass(frozen=True)
class Plan:
    """A recharge plan the operator picks instead of typing the amount (for one operator, or for all)."""

    amount_paise: int
    name_en: str
    name_hi: str
    operator: str | None = None


@dataclass(frozen=True)
class InputField:
    name: str
    label_en: str
    label_hi: str
    pattern: str
    min_length: int
    max_length: int
    example: str
    help_en: str
    help_hi: str
    check_digit: CheckDigit | None = None
    choices: tuple[Choice, ...] = ()

    def problem(self, value: str | None) -> str | None:
        """Why `value` is not acceptable, as an error code, or None."""
        return field_problem(
            value,
            pattern=self.pattern,
            min_length=self.min_length,
            max_length=self.max_length,
            check_digit=self.check_digit,
            choices=tuple(c.code for c in self.choices),
        )

    def public(self) -> dict[str, Any]:
        return {**self.__dict__, "choices": [c.__dict__ for c in self.choices]}

    @classmethod
    def from_data(cls, name: str, data: dict[str, Any]) -> InputField:
        choices = tuple(Choice(**c) for c in data.get("choices", ()))
        return cls(name=name, **{**data, "choices": choices})


@dataclass(frozen=True)
class Service:
    code: str
    department: str
    category: str
    kind: str  # bill | recharge | fee | micro_atm
    biller: str
    name_en: str
    name_hi: str
    keywords: tuple[str, ...]
    fields: tuple[InputField, ...]
    offline_capable: bool
    min_paise: int | None = None
    max_paise: int | None = None
    fee_paise: int | None = None
    requires_field_message_en: str | None = None
    requires_field_message_hi: str | None = None
    plans: tuple[Plan, ...] = ()
    # what a bill collected earns the kiosk (rules/commission.py)
    commission: CommissionRate = field(default_factory=CommissionRate)

    def __post_init__(self) -> None:
        operators = {c.code for f in self.fields for c in f.choices}
        for plan in self.plans:  # the catalog refuses a plan the service could never take
            low, high = self.min_paise or 1, self.max_paise or 10**12
            if not low <= plan.amount_paise <= high:
                raise ValueError(f"{self.code}: plan {plan.name_en} is outside {low}..{high} paise")
            if plan.operator is not None and plan.operator not in operators:
                raise ValueError(f"{self.code}: plan {plan.name_en} names an unknown operator {plan.operator}")

    def public(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "department": self.department,
            "category": self.category,
            "kind": self.kind,
            "name_en": self.name_en,
            "name_hi": self.name_hi,
            "keywords": list(self.keywords),
            "offline_capable": self.offline_capable,
            "min_paise": self.min_paise,
            "max_paise": self.max_paise,
            "fee_paise": self.fee_paise,
            "fields": [f.public() for f in self.fields],
            "plans": [p.__dict__ for p in self.plans],
            "commission_paise": self.commission.flat_paise,
            "commission_bp": self.commission.basis_points,
        }


@dataclass(frozen=True)
class Department:
    code: str
    category: str
    name_en: str
    name_hi: str


@dataclass(frozen=True)
class Category:
    code: str
    name_en: str
    name_hi: str


@dataclass
class Catalog:
    categories: dict[str, Category]
    departments: dict[str, Department]
    services: dict[str, Service]
    version: str
    index: SearchIndex = field(init=False)

    def __post_init__(self) -> None:
        self.index = SearchIndex(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Catalog:
        categories = {c["code"]: Category(c["code"], c["name_en"], c["name_hi"]) for c in data["categories"]}
        departments = {
            d["code"]: Department(d["code"], d["category"], d["name_en"], d["name_hi"]) for d in data["departments"]
        }
        types = data["field_types"]
        services: dict[str, Service] = {}
        for s in data["services"]:
            dept = departments[s["department"]]
            services[s["code"]] = Service(
                code=s["code"],
                department=dept.code,
                category=dept.category,
                kind=s["kind"],
                biller=s["biller"],
                name_en=s["name_en"],
                name_hi=s["name_hi"],
                keywords=tuple(s.get("keywords", ())),
                fields=tuple(InputField.from_data(name, types[name]) for name in s["fields"]),
                offline_capable=bool(s.get("offline_capable", False)),
                min_paise=s.get("min_paise"),
                max_paise=s.get("max_paise"),
                fee_paise=s.get("fee_paise"),
                requires_field_message_en=s.get("requires_field_message_en"),
                requires_field_message_hi=s.get("requires_field_message_hi"),
                plans=tuple(Plan(**p) for p in s.get("plans", ())),
                commission=_commission(s),
            )
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
        return cls(categories, departments, services, hashlib.sha256(canonical).hexdigest()[:16])

    def public(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "categories": [c.__dict__ for c in self.categories.values()],
            "departments": [d.__dict__ for d in self.departments.values()],
            "services": [s.public() for s in self.services.values()],
        }


def _commission(service: dict[str, Any]) -> CommissionRate:
    """A service's commission rate; the catalog refuses one that is not whole paise / basis points in range."""
    try:
        return CommissionRate.of(service)
    except ValueError as exc:
        raise ValueError(f"{service['code']}: {exc}") from None


@lru_cache(maxsize=4)
def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    return Catalog.from_data(json.loads(path.read_text(encoding="utf-8")))


# -- search -------------------------------------------------------------------------------------------

_PUNCT = re.compile(r"[^\w\u0900-\u097f]+")


def normalise(text: str) -> str:
    """Case-fold, NFC (Devanagari typed in different orders compares equal), punctuation to spaces."""
    return " ".join(_PUNCT.sub(" ", unicodedata.normalize("NFC", text).casefold()).split())


def trigrams(word: str) -> set[str]:
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def within_one_edit(a: str, b: str) -> bool:
    """Damerau–Levenshtein distance ≤ 1 (one typo: wrong, missing, extra or swapped letter)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


@dataclass(frozen=True)
class Hit:
    service: Service
    score: int


class SearchIndex:
    """Prefix, substring and one-typo search over English and Hindi names and keywords.

    Three passes, each only when the one before found too little: word prefixes (a bisect in a sorted
    vocabulary), substrings (a C-level `in` over one pre-joined string per service), and one-typo matches
    among services that share the query's rarer trigrams.
    """

    NAME, OTHER = 2, 1  # where a word was found: the service's own name, or its keywords/department

    def __init__(self, catalog: Catalog) -> None:
        self.services: list[Service] = list(catalog.services.values())
        self.names: list[str] = []
        self.blobs: list[str] = []
        self.words: list[set[str]] = []
        postings: dict[str, dict[int, int]] = defaultdict(dict)
        grams: dict[str, list[int]] = defaultdict(list)
        for i, s in enumerate(self.services):
            dept = catalog.departments[s.department]
            names = normalise(f"{s.name_en} | {s.name_hi}")
            rest = normalise(" | ".join([*s.keywords, dept.name_en, dept.name_hi, dept.code, s.code]))
            self.names.append(names)
            self.blobs.append(f"{names} | {rest}")
            name_words, other_words = set(names.split()) - {"|"}, set(rest.split()) - {"|"}
            self.words.append(name_words | other_words)
            for w in other_words:
                postings[w][i] = self.OTHER
            for w in name_words:
                postings[w][i] = self.NAME
            for gram in set().union(*(trigrams(w) for w in name_words | other_words)):
                grams[gram].append(i)
        # One letter typed: the services whose name (English or Hindi) starts with it, in name order.
        initials: dict[str, list[int]] = defaultdict(list)
        for i, names in enumerate(self.names):
            for part in names.split(" | "):
                if part and i not in initials[part[0]][-1:]:
                    initials[part[0]].append(i)
        self.initials = {c: sorted(ids, key=lambda i: self.services[i].name_en) for c, ids in initials.items()}
        self.vocabulary = sorted(postings)
        self.postings = {w: list(found.items()) for w, found in postings.items()}
        common = max(20, len(self.services) // 10)
        # Trigrams found in a tenth of the catalog tell nothing about a typo; leave them out.
        self.grams = {g: ids for g, ids in grams.items() if len(ids) <= common}

    def search(
        self,
        query: str,
        *,
        limit: int = 20,
        category: str | None = None,
        department: str | None = None,
    ) -> list[Hit]:
        q = normalise(query)
        allowed = self._filter(category, department)
        if not q:
            if allowed is None:
                return []
            return [Hit(self.services[i], 1) for i in sorted(allowed)][:limit]
        if len(q) == 1:
            first = [i for i in self.initials.get(q, ()) if allowed is None or i in allowed][:limit]
            if len(first) == limit:
                return [Hit(self.services[i], 100) for i in first]
        tokens = q.split()
        scores = self._prefix_pass(q, tokens, allowed)
        if len(scores) < limit:
            for i, blob in enumerate(self.blobs):
                if i not in scores and (allowed is None or i in allowed) and q in blob:
                    scores[i] = 60 if q in self.names[i] else 50
        if len(scores) < 5:
            for i, score in self._typo_pass(tokens, allowed, exclude=scores.keys()):
                scores[i] = score
        best = heapq.nsmallest(limit, scores.items(), key=lambda kv: (-kv[1], self.services[kv[0]].name_en))
        return [Hit(self.services[i], s) for i, s in best]

    def _prefix_pass(self, q: str, tokens: Sequence[str], allowed: set[int] | None) -> dict[int, int]:
        """Services where every query word starts a word of theirs; the name counts more."""
        found: dict[int, int] | None = None
        for token in tokens:
            weights: dict[int, int] = {}
            lo = bisect.bisect_left(self.vocabulary, token)
            hi = bisect.bisect_left(self.vocabulary, token + "\U0010ffff")
            for word in self.vocabulary[lo:hi]:
                for i, weight in self.postings[word]:
                    if weights.get(i, 0) < weight:
                        weights[i] = weight
            found = weights if found is None else {i: min(w, weights[i]) for i, w in found.items() if i in weights}
            if not found:
                return {}
        scores: dict[int, int] = {}
        for i, weight in (found or {}).items():
            if allowed is not None and i not in allowed:
                continue
            name = self.names[i]
            scores[i] = 100 if name.startswith(q) or f"| {q}" in name else (90 if weight == self.NAME else 70)
        return scores

    def _typo_pass(
        self, tokens: Sequence[str], allowed: set[int] | None, exclude: Iterable[int]
    ) -> list[tuple[int, int]]:
        useful = [t for t in tokens if len(t) >= 4]
        if not useful:
            return []
        skip = set(exclude)
        counts: Counter[int] = Counter()
        query_grams = set().union(*(trigrams(t) for t in useful))
        for gram in query_grams:
            counts.update(self.grams.get(gram, ()))
        found: list[tuple[int, int]] = []
        for i, shared in counts.most_common(200):
            if i in skip or (allowed is not None and i not in allowed):
                continue
            words = self.words[i]
            if all(any(within_one_edit(t, w[: len(t)]) or within_one_edit(t, w) for w in words) for t in useful):
                found.append((i, 30 + min(shared, 9)))
        return found

    def _filter(self, category: str | None, department: str | None) -> set[int] | None:
        if category is None and department is None:
            return None
        return {
            i
            for i, s in enumerate(self.services)
            if (category is None or s.category == category) and (department is None or s.department == department)
        }
