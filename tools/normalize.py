"""Brand/model normalization: what the customer wrote → the inventory's canonical make and model.

One source of names: the makes and models in stock plus `data/aliases.csv` (slang, typos, plurals, and the makes
and models of the market we do not stock, so they can be named back). Exact matches win; otherwise rapidfuzz looks
for a typo of a make, model or alias, but only for words that are not ordinary Spanish or English words. Whether
an everyday word such as "rio" or "march" names a car in a sentence is decided by the understanding layer, which
reads the `everyday` flag of each alias; here a mention is resolved as given. Nothing is forced onto a wrong brand.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rapidfuzz import fuzz, process

from tools.text import compact, fold

DEFAULT_ALIASES = Path(__file__).resolve().parent.parent / "data" / "aliases.csv"
Everyday = Literal["", "word", "common", "place"]
"""How ordinary a name is as a word: "" never a word, "word" ("rio", "march"), "common" ("uno", "up", "golf"),
"place" (also a city or a place: "Durango", "Toledo", "Santa Fe")."""
Method = Literal["exact", "alias", "fuzzy", "not_in_stock", "unknown"]
FUZZY_CUTOFF = 80
SHORT_KEY = 3
"""Keys this short ("a1", "x5", "hs") match one written token only, never letters and digits apart ("a 1")."""


@dataclass(frozen=True)
class Target:
    """A make (and model) a name points at, and whether we stock it."""

    make: str
    model: str | None
    make_in_stock: bool
    model_in_stock: bool
    everyday: Everyday = ""
    method: Method = "exact"


@dataclass(frozen=True)
class Hit:
    """A name found in a text: token span (start, end exclusive), character span, target and similarity."""

    first: int
    last: int
    start: int
    end: int
    target: Target
    score: float
    """1.0 for exact and alias matches, below 1 for typos."""


@dataclass(frozen=True)
class BrandMatch:
    """Result of normalizing one mention. `make` is None when nothing in stock matches."""

    make: str | None
    model: str | None = None
    confidence: float = 0.0
    matched_text: str | None = None
    method: Method = "unknown"
    requested_make: str | None = None
    requested_model: str | None = None
    """The model the customer named when we do not stock it ("Mustang"), to name it back."""
    suggestions: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "make": self.make,
            "model": self.model,
            "confidence": round(self.confidence, 2),
            "matched_text": self.matched_text,
            "method": self.method,
            "requested_make": self.requested_make,
            "requested_model": self.requested_model,
            "suggestions": self.suggestions,
        }


def read_aliases(path: Path = DEFAULT_ALIASES) -> list[tuple[str, str, str | None, Everyday]]:
    """Rows of the alias table: (alias, make, model or None, everyday flag)."""
    rows: list[tuple[str, str, str | None, Everyday]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            everyday = (row.get("everyday") or "").strip()
            if everyday not in ("", "word", "common", "place"):
                raise ValueError(f"{path.name}: everyday must be empty, 'word', 'common' or 'place'; got {everyday!r}")
            model = (row.get("model") or "").strip() or None
            rows.append((row["alias"].strip(), row["make"].strip(), model, everyday))  # type: ignore[arg-type]
    return rows


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[^\W_]+", text)]


class BrandCatalog:
    """The makes and models in stock plus the alias table, indexed for exact and fuzzy lookups."""

    def __init__(
        self,
        stock: dict[str, list[str]],
        aliases: list[tuple[str, str, str | None, Everyday]],
        ordinary_word: Callable[[str], bool] = lambda word: False,
    ) -> None:
        """`ordinary_word(folded)` says whether a word belongs to the language (never read as a typo of a name)."""
        self.makes = sorted(stock)
        self.stock = stock
        self.ordinary_word = ordinary_word
        self.places: tuple[str, ...] = ()
        """Names of places that are never a car on their own (branches, cities), set by whoever knows them."""
        self._targets: dict[str, Target] = {}
        for alias, make, model, everyday in aliases:
            if compact(alias).isdigit():
                everyday = "common"  # "301", "500": a number unless its make is next to it
            make_in_stock = make in stock
            model_in_stock = make_in_stock and model is not None and model in stock[make]
            self._targets[compact(alias)] = Target(make, model, make_in_stock, model_in_stock, everyday, "alias")
        flags = {compact(alias): everyday for alias, _, _, everyday in aliases}
        for make, models in stock.items():
            for model in models:
                key = compact(model)
                flag: Everyday = "common" if key.isdigit() else flags.get(key, "")  # "208" alone is a number
                self._targets[key] = Target(make, model, True, True, flag, "exact")
                self._targets[compact(f"{make} {model}")] = Target(make, model, True, True, "", "exact")
            self._targets[compact(make)] = Target(make, None, True, False, flags.get(compact(make), ""), "exact")
        self._fuzzy_keys = [k for k, t in self._targets.items() if len(k) >= 4 and not t.everyday and k.isalpha()]
        names = [alias for alias, _, _, _ in aliases] + [m for models in stock.values() for m in models]
        self._spaced = {compact(n) for n in names if " " in n.strip()} | {
            compact(n) + "s" for n in names if " " in n.strip()
        }
        """Names written in two words ("clase s", "serie 1"): run together they may be a word ("clases")."""

    @classmethod
    def build(
        cls,
        stock: dict[str, list[str]],
        aliases_path: Path = DEFAULT_ALIASES,
        ordinary_word: Callable[[str], bool] | None = None,
    ) -> BrandCatalog:
        """Catalog from the inventory's makes/models and an alias CSV (alias,make,model,everyday)."""
        if ordinary_word is None:
            from tools.text import is_ordinary_word

            ordinary_word = is_ordinary_word
        return cls(stock, read_aliases(aliases_path), ordinary_word)

    def target(self, key: str) -> Target | None:
        """The target of a compact key, singular or plural ("toyotas", "chevys")."""
        if key in self._targets:
            return self._targets[key]
        for suffix in ("es", "s"):
            base = key[: -len(suffix)]
            if key.endswith(suffix) and len(base) >= 3 and base in self._targets:
                return self._targets[base]
        return None

    def hits(self, text: str) -> list[Hit]:
        """Every make/model name in `text` (longest first, no overlaps), then typos of names among unknown words."""
        tokens = _tokens((text or "")[:2000])
        keys = [compact(t[0]) for t in tokens]
        found: list[Hit] = []
        used: set[int] = set()
        for size in (3, 2, 1):
            for first in range(len(tokens) - size + 1):
                span = range(first, first + size)
                if used.intersection(span):
                    continue
                key = "".join(keys[first : first + size])
                target = self.target(key) if size == 1 else self._targets.get(key)  # "March es" is no plural
                if target is not None and size == 1 and key in self._spaced and self.ordinary_word(key):
                    continue  # "clases" is a word; only "Clase S" written apart is the car
                if target is None or (size > 1 and len(key) <= SHORT_KEY and not _joined(text, tokens, span)):
                    continue
                used.update(span)
                found.append(Hit(first, first + size, tokens[first][1], tokens[first + size - 1][2], target, 1.0))
        for index, key in enumerate(keys):
            if index in used or len(key) < 4 or not key.isalpha() or self.ordinary_word(key):
                continue
            close = process.extractOne(key, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            if close and close[0][0] == key[0]:  # typos rarely hit the first letter
                target = self._targets[close[0]]
                fuzzy = Target(target.make, target.model, target.make_in_stock, target.model_in_stock, "", "fuzzy")
                found.append(Hit(index, index + 1, tokens[index][1], tokens[index][2], fuzzy, close[1] / 100))
        return sorted(found, key=lambda h: h.start)

    def match(self, text: str) -> BrandMatch:
        """Resolve a mention ("Chebys", "nissan sentrra", "Mustang") to a make and model in stock, or say why not."""
        text = (text or "")[:500]
        tokens = _tokens(text)
        found = self.hits(text)
        makes = hits_makes(found)
        hits = [h for h in found if _names_a_car(h, makes, tokens, text)]
        if not hits:
            return BrandMatch(make=None, suggestions=self.suggest(text))
        hits.sort(
            key=lambda h: (h.target.model_in_stock, h.target.make_in_stock, h.target.model is not None, h.score),
            reverse=True,
        )
        best = hits[0]
        written = text[best.start : best.end]
        target = best.target
        method: Method = "fuzzy" if best.score < 1 else target.method
        if not target.make_in_stock:
            return BrandMatch(
                make=None,
                confidence=best.score,
                matched_text=written,
                method="not_in_stock",
                requested_make=target.make,
                requested_model=target.model,
                suggestions=self.popular_makes(),
            )
        if target.model is not None and not target.model_in_stock:
            return BrandMatch(
                make=target.make,
                confidence=best.score,
                matched_text=written,
                method=method,
                requested_model=target.model,
            )
        return BrandMatch(target.make, target.model, best.score, written, method)

    def popular_makes(self, limit: int = 5) -> list[str]:
        """The makes with the widest choice of models in stock."""
        return sorted(self.makes, key=lambda make: (-len(self.stock[make]), make))[:limit]

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """Makes in stock that look most like the words given (for "did you mean …?")."""
        candidates: dict[str, float] = {}
        for word in re.findall(r"[^\W_]+", fold(text or ""))[:50]:
            if len(word) < 3 or self.ordinary_word(word):
                continue
            for make, score, _ in process.extract(word, self.makes, scorer=fuzz.ratio, limit=limit, processor=fold):
                if score >= 60:
                    candidates[make] = max(candidates.get(make, 0.0), score)
        return [m for m, _ in sorted(candidates.items(), key=lambda kv: -kv[1])][:limit]


def hits_makes(hits: list[Hit]) -> set[str]:
    """Makes named outright (not through an everyday word) among some hits."""
    return {h.target.make for h in hits if not h.target.everyday and h.target.model is None}


def _names_a_car(hit: Hit, makes: set[str], tokens: list[tuple[str, int, int]], text: str) -> bool:
    """Without sentence context, an everyday word is a car only next to its make, capitalised, or (nearly) alone."""
    if not hit.target.everyday:
        return True
    if hit.target.make in makes:
        return True
    others = len(tokens) - (hit.last - hit.first)
    if hit.target.everyday == "common":
        return others == 0 or (others == 1 and hit.first == 1)
    return others <= 1 or text[hit.start].isupper()


def _joined(text: str, tokens: list[tuple[str, int, int]], span: range) -> bool:
    """Whether consecutive tokens are written together or with a hyphen ("CX-5", not "a 1")."""
    return all(text[tokens[i][2] : tokens[i + 1][1]] in ("-", "") for i in span if i + 1 in span)
