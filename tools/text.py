"""Text normalisation shared by the tools and the understanding layer: one fold, one compact key, one lexicon.

`fold` lowercases and strips accents without changing the length of the text, so a span found in the folded copy
is the same span in what the customer wrote. `is_ordinary_word` knows the words of Spanish and English (the
dictionaries of pyspellchecker plus the project's own lexicon of Mexican WhatsApp words) so that no ordinary word is
ever read as a typo of a car name.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml

LEXICON_PATH = Path(__file__).resolve().parent.parent / "data" / "understanding" / "lexicon.yml"


@functools.lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """One character, lowercased and without accents, always of length one so indices stay aligned."""
    if ch in "’‘´`":
        return "'"
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)).lower()
    if len(base) == 1:
        return base
    low = ch.lower()
    return low if len(low) == 1 else " "


def fold(text: str) -> str:
    """Lowercase, accent-free copy of `text` with exactly the same length ("Sedán CX-5" → "sedan cx-5")."""
    return "".join(_fold_char(ch) for ch in text)


def compact(text: str) -> str:
    """Key for comparisons: folded, letters and digits only ("CX-5" → "cx5", "Mercedes-Benz" → "mercedesbenz")."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


@functools.lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_PATH) -> dict[str, Any]:
    """The lexicon data file (stop words, everyday words, number words...), read once."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


@functools.lru_cache(maxsize=1)
def _lexicon_words() -> frozenset[str]:
    lexicon = load_lexicon()
    words: set[str] = set()
    for key in ("stopwords", "language_markers", "everyday"):
        for language_words in (lexicon.get(key) or {}).values():
            words.update(fold(w) for w in str(language_words).split())
    return frozenset(words)


@functools.lru_cache(maxsize=1)
def _dictionary_words() -> frozenset[str]:
    """Every word of pyspellchecker's Spanish and English dictionaries, folded ("garantía" → "garantia")."""
    return _spanish_words() | _language_words("en")


@functools.lru_cache(maxsize=1)
def _spanish_words() -> frozenset[str]:
    lexicon = load_lexicon()
    words = {fold(w) for key in ("stopwords", "everyday") for w in str((lexicon.get(key) or {}).get("es", "")).split()}
    return frozenset(words) | _language_words("es")


@functools.lru_cache(maxsize=2)
def _language_words(language: str) -> frozenset[str]:
    from spellchecker import SpellChecker

    return frozenset(fold(word) for word in SpellChecker(language=language, distance=1).word_frequency)


def is_english_word(word: str) -> bool:
    """Whether a folded word is in the English dictionary ("check", "deliver")."""
    return word.lower() in _language_words("en")


def is_spanish_word(word: str) -> bool:
    """Whether a folded word is Spanish ("polo", "rio" are; "frontier", "kicks" are not)."""
    return word.lower() in _spanish_words()


@functools.lru_cache(maxsize=65536)
def is_ordinary_word(word: str) -> bool:
    """Whether a folded word belongs to everyday Spanish or English (or Mexican WhatsApp usage)."""
    return any(w in _lexicon_words() or w in _dictionary_words() for w in _variants(word.lower()))


def is_message_word(word: str) -> bool:
    """Whether a folded word is one of the lexicon's stop words or everyday words of customers' messages."""
    return word.lower() in _lexicon_words()


CLITICS = ("selos", "selas", "selo", "sela", "melo", "mela", "telo", "tela", "los", "las", "les", "nos", "lo", "la",
           "le", "me", "te", "se")  # fmt: skip
"""Pronouns written onto a Spanish verb ("cambiarlo", "enséñame"): the verb is still an ordinary word."""


VERB_ENDINGS = (
    "ieron", "aron", "amos", "emos", "imos", "aste", "iste", "aban", "abas", "aria", "eria", "iria", "ando", "iendo",
    "aba", "ado", "ido", "ada", "ida", "io", "ia", "ian", "as", "es", "an", "en", "a", "e", "o", "i",
)  # fmt: skip
"""Endings of Spanish verb forms the dictionary may lack ("compré", "prendió"): their infinitive is there."""


def _variants(word: str) -> list[str]:
    """The word, its singular ("capturas" → "captura") and its verb without pronouns ("cambiarlo" → "cambiar")."""
    variants = [word]
    for suffix in ("es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            variants.append(word[: -len(suffix)])
    for suffix in CLITICS:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            variants.append(word[: -len(suffix)])
    return variants


@functools.lru_cache(maxsize=65536)
def is_verb_form(word: str) -> bool:
    """Whether a folded word is a form of a Spanish verb of the dictionary ("compre" → "comprar", "busque" →
    "buscar", "prendio" → "prender"): never a typo of a cue word."""
    for ending in VERB_ENDINGS:
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= 3:
            stems = {stem, re.sub(r"qu$", "c", stem), re.sub(r"gu$", "g", stem), re.sub(r"c$", "z", stem)}
            if any(s + infinitive in _spanish_words() for s in stems for infinitive in ("ar", "er", "ir")):
                return True
    return False


_SOUNDS = (
    (re.compile(r"ch"), "C"),  # kept apart from the silent h
    (re.compile(r"h"), ""),  # "orarios" / "horarios", "ablar" / "hablar"
    (re.compile(r"qu(?=[ei])"), "k"),  # "kiero" / "quiero"
    (re.compile(r"c(?=[ei])"), "s"),  # "acesor" / "asesor", "finansiamiento" / "financiamiento"
    (re.compile(r"c"), "k"),
    (re.compile(r"z"), "s"),  # "aseguransa" / "aseguranza"
    (re.compile(r"v"), "b"),  # "balor" / "valor"
    (re.compile(r"ll"), "y"),  # "yave" / "llave"
    (re.compile(r"x(?=[aeiou])"), "j"),  # "Méjico" / "México"
    (re.compile(r"(.)\1"), r"\1"),  # "mensualidaad", "carro" / "caro" read alike
)


@functools.lru_cache(maxsize=65536)
def sounds_like(word: str) -> str:
    """How a folded Spanish word sounds, for spelling that follows the sound ("acesor" → "asesor", "kiero" →
    "quiero", "orarios" → "horarios"): words written differently that read alike get the same key."""
    for pattern, replacement in _SOUNDS:
        word = pattern.sub(replacement, word)
    return word
