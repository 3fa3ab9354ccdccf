"""Brand/model normalization: what the customer wrote → the inventory's canonical make and model.

Exact matches (makes, models, the alias table in `data/aliases.csv`, simple plurals) win; otherwise rapidfuzz
looks for a typo of a make, model or alias. A brand the alias table knows but the inventory lacks ("Ferrari") is
reported as not in stock; words that match nothing are reported as unknown. Nothing is forced onto a wrong brand.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

DEFAULT_ALIASES = Path(__file__).resolve().parent.parent / "data" / "aliases.csv"

# Model names that are also everyday words ("quiero uno", "in March", "un gol"): they count only next to their
# make or when written with a capital letter in the middle of a sentence.
AMBIGUOUS = frozenset(
    {
        "uno",
        "march",
        "gol",
        "rio",
        "swift",
        "escape",
        "compass",
        "frontier",
        "journey",
        "kicks",
        "spark",
        "avanza",
        "toledo",
        "cooper",
        "odyssey",
        "discovery",
        "seat",
        "mini",
        "sport",
        "versa",
        "captiva",
        "tracker",
        "sonic",
        "passat",
        "ram",
        "smart",
        "one",
        "m2",
        "m3",
        "bm",
        "cla",
        "208",
        "hs",
        "golf",
    }
)
# Frequent words that must never be fuzzily read as a brand.
STOPWORDS = frozenset(
    [
        "hola",
        "buenas",
        "buenos",
        "tienes",
        "tienen",
        "tiene",
        "quiero",
        "quisiera",
        "busco",
        "buscando",
        "necesito",
        "carro",
        "carros",
        "auto",
        "autos",
        "coche",
        "coches",
        "precio",
        "precios",
        "mensual",
        "mensualidad",
        "cuanto",
        "cuanta",
        "cuantos",
        "para",
        "gracias",
        "favor",
        "camioneta",
        "camionetas",
        "sedan",
        "sedanes",
        "menos",
        "hasta",
        "entre",
        "desde",
        "modelo",
        "modelos",
        "marca",
        "marcas",
        "anos",
        "meses",
        "enganche",
        "credito",
        "pesos",
        "barato",
        "barata",
        "mejor",
        "otro",
        "otra",
        "otros",
        "opcion",
        "opciones",
        "seria",
        "este",
        "esta",
        "estos",
        "ese",
        "esos",
        "algo",
        "alguna",
        "alguno",
        "usado",
        "usados",
        "nuevo",
        "nueva",
        "familia",
        "familiar",
        "trabajo",
        "ciudad",
        "manejo",
        "visita",
        "cita",
        "agendar",
        "mañana",
        "manana",
        "tarde",
        "noche",
        "hoy",
        "semana",
        "sabado",
        "domingo",
        "lunes",
        "martes",
        "miercoles",
        "jueves",
        "viernes",
        "have",
        "cars",
        "used",
        "under",
        "over",
        "about",
        "with",
        "from",
        "that",
        "this",
        "what",
        "which",
        "show",
        "need",
        "want",
        "looking",
        "monthly",
        "payment",
        "payments",
        "years",
        "months",
        "budget",
        "cheap",
        "cheaper",
        "much",
        "many",
        "price",
        "prices",
        "some",
        "there",
        "your",
        "their",
        "would",
        "could",
        "should",
        "thanks",
        "hello",
        "please",
        "model",
        "make",
        "brand",
        "down",
        "finance",
        "schedule",
        "visit",
        "tomorrow",
        "morning",
        "afternoon",
        "evening",
        "today",
        "week",
        "saturday",
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "also",
        "tambien",
        "pero",
        "como",
        "donde",
        "cuando",
        "porque",
        "because",
        "where",
        "when",
        "family",
        "work",
        "city",
        "drive",
        "test",
        "prueba",
    ]
)


def fold(text: str) -> str:
    """Lowercase without accents: "Sedán CX-5" → "sedan cx-5"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def compact(text: str) -> str:
    """Key for comparisons: folded, letters and digits only ("CX-5" → "cx5", "Mercedes-Benz" → "mercedesbenz")."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


@dataclass(frozen=True)
class BrandMatch:
    """Result of normalizing one mention. `make` is None when nothing in stock matches."""

    make: str | None
    model: str | None = None
    confidence: float = 0.0
    matched_text: str | None = None
    method: str = "unknown"  # exact | alias | fuzzy | not_in_stock | unknown
    requested_make: str | None = None
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
            "suggestions": self.suggestions,
        }


@dataclass(frozen=True)
class _Target:
    make: str
    model: str | None
    in_stock: bool
    method: str


class BrandCatalog:
    """The makes and models in stock plus the alias table, indexed for exact and fuzzy lookups."""

    def __init__(self, stock: dict[str, list[str]], aliases: list[tuple[str, str, str | None]]) -> None:
        self.makes = sorted(stock)
        self.stock = stock
        self._targets: dict[str, _Target] = {}
        for alias, make, model in aliases:
            in_stock = make in stock and (model is None or model in stock[make])
            self._targets[compact(alias)] = _Target(make, model if in_stock else None, make in stock, "alias")
        for make, models in stock.items():
            for model in models:
                self._targets[compact(model)] = _Target(make, model, True, "exact")
                self._targets[compact(f"{make} {model}")] = _Target(make, model, True, "exact")
            self._targets[compact(make)] = _Target(make, None, True, "exact")
        self._fuzzy_keys = [k for k in self._targets if len(k) >= 4 and k not in AMBIGUOUS]

    @classmethod
    def build(cls, stock: dict[str, list[str]], aliases_path: Path = DEFAULT_ALIASES) -> BrandCatalog:
        """Catalog from the inventory's makes/models and an alias CSV (alias,make,model)."""
        rows: list[tuple[str, str, str | None]] = []
        with aliases_path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                rows.append((row["alias"], row["make"], (row.get("model") or "").strip() or None))
        return cls(stock, rows)

    def _exact(self, key: str) -> tuple[str, _Target] | None:
        """The catalog key a word matches exactly, singular or plural ("toyotas", "chevys"), with its target."""
        if key in self._targets:
            return key, self._targets[key]
        for suffix in ("es", "s"):
            base = key[: -len(suffix)]
            if key.endswith(suffix) and base in self._targets:
                return base, self._targets[base]
        return None

    def match(self, text: str) -> BrandMatch:
        """Find the make (and model) a customer's words refer to."""
        text = (text or "")[:500]
        words = re.findall(r"[^\W_]+", text)
        keys = [compact(w) for w in words]
        hits: list[tuple[_Target, float, str]] = []
        used: set[int] = set()
        for size in (3, 2, 1):
            for start in range(len(keys) - size + 1):
                span = range(start, start + size)
                if used.intersection(span):
                    continue
                key = "".join(keys[start : start + size])
                found = self._exact(key)
                if found is None:
                    continue
                base, target = found
                if size == 1 and base in AMBIGUOUS and not _reads_as_a_car(words, start):
                    hits.append((target, -1.0, words[start]))  # kept aside: counts only next to its make
                    continue
                used.update(span)
                hits.append((target, 1.0, " ".join(words[start : start + size])))
        for index, key in enumerate(keys):
            if index in used or len(key) < 4 or key in STOPWORDS or key.isdigit():
                continue
            close = process.extractOne(key, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=75)
            if close and close[0][0] == key[0]:  # typos rarely hit the first letter; this keeps "hola" off Honda
                hits.append((self._targets[close[0]], close[1] / 100, words[index]))
        return self._resolve(hits, text)

    def _resolve(self, hits: list[tuple[_Target, float, str]], text: str) -> BrandMatch:
        sure = [h for h in hits if h[1] > 0]
        makes = {h[0].make for h in sure}
        sure += [(t, 0.9, w) for t, score, w in hits if score < 0 and t.make in makes]
        if not sure:
            return BrandMatch(make=None, suggestions=self.suggest(text))
        sure.sort(key=lambda h: (h[0].model is not None and h[0].in_stock, h[1]), reverse=True)
        best, score, written = sure[0]
        if not best.in_stock:
            others = [h for h in sure if h[0].in_stock]
            if not others:
                return BrandMatch(
                    make=None,
                    confidence=score,
                    matched_text=written,
                    method="not_in_stock",
                    requested_make=best.make,
                    suggestions=self.popular_makes(),
                )
            best, score, written = others[0]
        model = best.model
        method = "fuzzy" if score < 1 else best.method
        return BrandMatch(make=best.make, model=model, confidence=score, matched_text=written, method=method)

    def popular_makes(self, limit: int = 5) -> list[str]:
        """The makes with the widest choice of models in stock."""
        return sorted(self.makes, key=lambda make: (-len(self.stock[make]), make))[:limit]

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """Makes in stock that look most like the words given (for "did you mean …?")."""
        candidates: dict[str, float] = {}
        for word in re.findall(r"[^\W_]+", fold(text or ""))[:50]:
            if len(word) < 3 or word in STOPWORDS:
                continue
            for make, score, _ in process.extract(word, self.makes, scorer=fuzz.ratio, limit=limit, processor=fold):
                if score >= 60:
                    candidates[make] = max(candidates.get(make, 0.0), score)
        return [m for m, _ in sorted(candidates.items(), key=lambda kv: -kv[1])][:limit]


ARTICLES = frozenset({"el", "la", "los", "las", "un", "una", "the", "a", "an", "mi", "my", "tu", "your"})
NEVER_AFTER_ARTICLE = frozenset({"uno", "one", "sport", "seat", "ram", "smart", "golf"})  # "el uno" = "the one"


def _reads_as_a_car(words: list[str], index: int) -> bool:
    """Whether an everyday word that is also a model name ("kicks", "march", "rio") names the car here.

    It does when it is the whole text ("Kicks"), is capitalised mid-sentence ("me gusta el March"), or follows
    an article ("la kicks", "un swift") unless it is a word articles commonly precede ("el uno" = "the one").
    """
    word = words[index]
    if len(words) == 1 or (index > 0 and word[:1].isupper()):
        return True
    after_article = index > 0 and fold(words[index - 1]) in ARTICLES
    return (
        after_article
        and compact(word).rstrip("s") not in NEVER_AFTER_ARTICLE
        and compact(word) not in NEVER_AFTER_ARTICLE
    )


def match_brand(text: str, catalog: BrandCatalog) -> BrandMatch:
    """Normalize a make/model mention against a catalog (pure function over the catalog)."""
    return catalog.match(text)
