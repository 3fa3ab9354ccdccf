"""The dealer's knowledge base: Markdown sections in data/knowledge/ (es, en), searched offline with BM25.

Each section has a stable id shared by its languages, a short answer, details, the next question to ask, the
keywords customers use, and the key facts every answer must state. Search is SQLite FTS5 (BM25) over folded,
stemmed text (snowball), with the synonyms of dealer.yml applied to sections and questions alike, so "buró",
"historial crediticio" and "bad credit" find the same section. Values in braces come from the settings.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import snowballstemmer
import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA

from tools.knowledge_files import (
    Branch,
    KnowledgeError,
    Passage,
    Section,
    parse_sections,
    read_branches,
)
from tools.text import fold, is_english_word, load_lexicon, sounds_like

__all__ = ["KNOWLEDGE_DIR", "Branch", "KnowledgeBase", "KnowledgeError", "Passage", "Section", "parse_sections"]

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "data" / "knowledge"
LANGUAGES = ("es", "en")
WEIGHTS = (4.0, 3.0, 1.0)
"""BM25 weight of a section's title, keywords and text."""
TYPO_MIN_LENGTH = 6
"""Words this long or longer are corrected to a keyword one typo away (two from nine letters on)."""
PHRASE_BONUS = 2.0
"""Added per word of a section's keyword phrase found whole in the question ("lo menos", "a cuenta")."""
QUESTION_WEIGHT = 0.5
"""How much more the clauses ending in "?" count than the rest of a message."""
MIN_SCORE = 1.5
"""Below this BM25 score a passage does not answer the question (measured on the paraphrase set)."""


@functools.lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    """Function words of both languages (the lexicon's one stop-word list) and the words for "a car" that every
    question carries ("carro", "cars"): never searched for."""
    lexicon = load_lexicon()
    lists = lexicon.get("stopwords") or {}
    words = {fold(w) for text in lists.values() for w in str(text).split()}
    words |= {fold(w) for w in str(lexicon.get("car_words", "")).split()}
    return frozenset(words | QUESTION_WORDS)


QUESTION_WORDS = frozenset(
    {"cuanto", "cuanta", "cuantos", "cuantas", "much", "many", "what", "which", "whats", "y", "mil", "k", "pesos"}
)
"""How a question asks ("¿cuánto...?", "how much") and the words of amounts: not what it asks about."""


@functools.lru_cache(maxsize=4)
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer("spanish" if language == "es" else "english")


class KnowledgeBase:
    """The sections of every language, the branches, and an in-memory BM25 index over them."""

    def __init__(
        self,
        sections: list[Section],
        branches: list[Branch],
        synonyms: list[list[str]],
        cities: list[str] | None = None,
    ) -> None:
        """Build the index; sections of the same id in several languages share it."""
        self.cities = cities or []
        self.place_aliases: dict[str, list[str]] = {}
        ids = {(s.id, s.language) for s in sections}
        if len(ids) != len(sections):
            raise KnowledgeError("duplicate section id in one language")
        self.sections = sections
        self.branches = branches
        self._synonyms = _synonym_table(synonyms)
        self._by_id = {(s.id, s.language): s for s in sections}
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute("CREATE VIRTUAL TABLE kb USING fts5(sid UNINDEXED, lang UNINDEXED, title, keywords, body)")
        rows = [
            (
                s.id,
                s.language,
                self.terms(s.title, s.language),
                self.terms(" ".join(s.keywords), s.language),
                self.terms(f"{s.answer} {s.details}", s.language),
            )
            for s in sections
        ]
        self._db.executemany("INSERT INTO kb VALUES (?, ?, ?, ?, ?)", rows)
        self._vocabulary = sorted(
            {
                w
                for s in sections
                for w in re.findall(r"[a-z]+", fold(" ".join([s.title, *s.keywords])))
                if len(w) >= TYPO_MIN_LENGTH
            }
        )
        self._known = set(self._vocabulary) | _stopwords()
        sounds: dict[str, set[str]] = {}
        for s in sections:
            for w in re.findall(r"[a-z]+", fold(" ".join([s.title, *s.keywords]))):
                if len(w) >= 4:
                    sounds.setdefault(sounds_like(w), set()).add(w)
        self._sounds = {key: next(iter(words)) for key, words in sounds.items() if len(words) == 1}
        self._corrections: dict[str, str] = {}
        self._phrases: dict[str, set[tuple[str, ...]]] = {}
        for s in sections:
            for keyword in s.keywords:
                words = self._sequence(keyword, s.language)
                if len(words) > 1:
                    self._phrases.setdefault(s.id, set()).add(words)

    @classmethod
    def load(
        cls, directory: Path = KNOWLEDGE_DIR, values: Callable[[str], dict[str, Any]] | None = None
    ) -> KnowledgeBase:
        """Read es.md, en.md, branches.csv and dealer.yml; `values(language)` fill the {placeholders}."""
        dealer = yaml.safe_load((directory / "dealer.yml").read_text(encoding="utf-8")) or {}
        branches = read_branches(directory / "branches.csv")
        sections: list[Section] = []
        for language in LANGUAGES:
            filled = {
                "branch_count": len(branches),
                "inspection_centers": dealer.get("inspection_centers", ""),
                **(values(language) if values else {}),
            }
            path = directory / f"{language}.md"
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise KnowledgeError(f"cannot read {path}: {exc.strerror}") from exc
            sections += parse_sections(text, language, path.name, filled, strict=values is not None)
        aliases = {
            str(region): [str(a) for a in names] for region, names in (dealer.get("place_aliases") or {}).items()
        }
        kb = cls(sections, branches, dealer.get("synonyms") or [], [str(c) for c in dealer.get("cities") or []])
        kb.place_aliases = aliases
        return kb

    def terms(self, text: str, language: str) -> str:
        """Folded, synonym-normalised, stemmed words of `text`, space-separated (what the index stores)."""
        folded = " " + " ".join(re.findall(r"[a-z0-9]+", fold(text))) + " "
        for variant, canonical in self._synonyms:
            folded = folded.replace(f" {variant} ", f" {variant} {canonical} ")
        words = [w for w in folded.split() if w not in _stopwords() and not w.isdigit()]
        return " ".join(_stemmer(language).stemWords(words))

    def correct(self, text: str) -> str:
        """`text` folded, each long word the keywords do not know replaced by the keyword word one typo away
        ("garatia" → "garantia", "sucrusales" → "sucursales", "orarios" → "horarios"; two typos from nine
        letters on). Short words are left alone: "motos" is not "montos"."""
        return re.sub(r"[a-z]+", lambda m: self._correct_word(m.group()), fold(text))

    def _correct_word(self, word: str) -> str:
        if word in self._known or len(word) < 4 or is_english_word(word):
            return word  # "check out" is English, not a misspelt "cheque"
        if sounds_like(word) in self._sounds:
            return self._sounds[sounds_like(word)]  # "aseguransa" → "aseguranza": spelt as it sounds
        if len(word) < TYPO_MIN_LENGTH:
            return word
        if word not in self._corrections:
            limit = 2 if len(word) >= 9 else 1
            found = process.extractOne(word, self._vocabulary, scorer=OSA.distance, score_cutoff=limit)
            fixed = str(found[0]) if found else word
            if _inflection(word, fixed):  # "interesa" is "interés" conjugated, not misspelt
                fixed = word
            self._corrections[word] = fixed
        return self._corrections[word]

    def _sequence(self, text: str, language: str) -> tuple[str, ...]:
        """Every word of `text`, folded and stemmed, stop words kept (for matching keyword phrases whole)."""
        return tuple(_stemmer(language).stemWords(re.findall(r"[a-z0-9]+", fold(text))))

    def search(self, query: str, language: str | None = None, limit: int = 3) -> list[Passage]:
        """Sections answering `query`, best first (BM25 over both languages), in the customer's language.

        The clauses that ask ("¿de cuánto es la garantía?") count again on their own, so the story around a
        question ("...el último que compré tronaba el motor") does not outweigh it."""
        query = self.correct(query)
        best = self._bm25(query)
        asked = " ".join(re.findall(r"[^?.!]*\?", query))
        if asked and asked.strip() != query.strip():
            for sid, score in self._bm25(asked).items():
                best[sid] = best.get(sid, 0.0) + QUESTION_WEIGHT * score
        if not best:
            return []
        sequences = [self._sequence(query, lang) for lang in LANGUAGES]
        for sid, phrases in self._phrases.items():
            bonus = max(sum(len(p) for p in phrases if _contains(seq, p)) for seq in sequences)
            if bonus and sid in best:
                best[sid] += PHRASE_BONUS * bonus
        ranked = sorted(best.items(), key=lambda kv: -kv[1])
        wanted = language if language in LANGUAGES else "es"
        return [
            self.section(sid, wanted).passage(round(score, 3))
            for sid, score in ranked[: max(1, limit)]
            if score >= MIN_SCORE
        ]

    def _bm25(self, text: str) -> dict[str, float]:
        """Each section's best BM25 score for the words of `text` (either language's version of the section)."""
        words: set[str] = set()
        for lang in LANGUAGES:
            words.update(w for w in self.terms(text, lang).split() if len(w) > 1)
        if not words:
            return {}
        expression = " OR ".join(f'"{w}"' for w in sorted(words))
        with self._lock:
            rows = self._db.execute(
                "SELECT sid, lang, bm25(kb, 0, 0, ?, ?, ?) AS rank FROM kb WHERE kb MATCH ? ORDER BY rank",
                (*WEIGHTS, expression),
            ).fetchall()
        best: dict[str, float] = {}
        for sid, _lang, rank in rows:
            best[sid] = max(best.get(sid, 0.0), -float(rank))
        return best

    def section(self, section_id: str, language: str = "es") -> Section:
        """A section in a language (falling back to the other language)."""
        found = self._by_id.get((section_id, language)) or next(
            (s for (sid, _), s in self._by_id.items() if sid == section_id), None
        )
        if found is None:
            raise KnowledgeError(f"no section {section_id!r}")
        return found

    @property
    def ids(self) -> list[str]:
        """Every section id, in file order."""
        return list(dict.fromkeys(s.id for s in self.sections))

    def place_names(self) -> tuple[str, ...]:
        """Every place the dealer knows by name: branches and their other names, cities, regions."""
        names = [n for b in self.branches for n in (b.name, *b.aliases, b.city, b.region)]
        names += self.cities + [n for region, aliases in self.place_aliases.items() for n in (region, *aliases)]
        return tuple(dict.fromkeys(names))

    def branches_in(self, text: str) -> tuple[list[Branch], str | None]:
        """Branches in a city or area the text names ("Guadalajara", "santa fe"), and that place as written; of
        several places, the one named first ("¿hay en qro o tengo que ir a cdmx?" asks about Querétaro)."""
        folded = f" {' '.join(re.findall(r'[a-z0-9]+', fold(text)))} "
        found: list[tuple[int, int, list[Branch], str]] = []

        def look(name: str, tier: int, branches: list[Branch], said: str) -> None:
            key = " ".join(re.findall(r"[a-z0-9]+", fold(name)))
            at = folded.find(f" {key} ") if key else -1
            if at >= 0:
                found.append((at, tier, branches, said))

        for branch in self.branches:
            for name in (branch.name, *branch.aliases):
                look(name, 0, [branch], name)
            for place in (branch.city, branch.region):
                look(place, 1, [b for b in self.branches if b.city == branch.city or b.region == place], place)
        for region, names in self.place_aliases.items():
            for name in names:
                look(name, 2, [b for b in self.branches if b.region == region or b.city == region], region)
        for city in self.cities:  # a city we know has no branch
            look(city, 3, [], city)
        if not found:
            return [], None
        _at, _tier, branches, said = min(found, key=lambda f: (f[0], f[1]))
        return branches, said


def _inflection(word: str, other: str) -> bool:
    """Whether two words differ only at the end ("interesa"/"interes", "cuesta"/"cuesto"): another form of the same
    word, which the stemmed index already matches, not a typo."""
    return word.startswith(other) or other.startswith(word) or word[:-1] == other[:-1]


def _contains(sequence: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether `phrase` occurs as consecutive words of `sequence`."""
    size = len(phrase)
    return any(sequence[i : i + size] == phrase for i in range(len(sequence) - size + 1))


def _synonym_table(groups: list[list[str]]) -> list[tuple[str, str]]:
    table: list[tuple[str, str]] = []
    for group in groups:
        canonical = " ".join(re.findall(r"[a-z0-9]+", fold(str(group[0]))))
        for variant in group[1:]:
            key = " ".join(re.findall(r"[a-z0-9]+", fold(str(variant))))
            if key and key != canonical:
                table.append((key, canonical))
    return sorted(table, key=lambda kv: -len(kv[0]))
