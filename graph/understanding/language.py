"""The language of a message, and typo repair of the words the cues listen for ("mensualidaad" → "mensualidad")."""

from __future__ import annotations

import functools
import re
from typing import Any

from rapidfuzz import fuzz, process

from graph.understanding.numbers import number_words
from graph.understanding.schema import Language
from graph.understanding.vocab import cues, intents, word_set
from tools.text import is_ordinary_word, is_verb_form, sounds_like

WORD_RX = re.compile(r"[a-z]+")
TYPO_CUTOFF = 88
MIN_TYPO_LENGTH = 6
MIN_SOUND_LENGTH = 4
"""Words this long may be respelt to the cue word they sound like ("ablar" → "hablar")."""


@functools.lru_cache(maxsize=1)
def _stopwords() -> tuple[frozenset[str], frozenset[str]]:
    numbers = number_words()
    es = word_set("stopwords.es", "language_markers.es") | numbers.spanish_only | {"mil", "millon", "millones", "medio"}
    en = (
        word_set("stopwords.en", "language_markers.en")
        | (frozenset(numbers.units) - numbers.spanish_only)
        | {"hundred", "thousand"}
    )
    return es, en


def stopwords() -> tuple[frozenset[str], frozenset[str]]:
    """The function words of Spanish and of English."""
    return _stopwords()


def language_markers(folded: str) -> int:
    """How many words of the message belong to either language's function words."""
    es, en = _stopwords()
    return sum(1 for w in WORD_RX.findall(folded) if w in es or w in en)


def detect_language(folded: str) -> Language:
    """'en' when English function words outnumber Spanish ones, else 'es'."""
    es, en = _stopwords()
    words = WORD_RX.findall(folded)
    english = sum(1 for w in words if w in en)
    spanish = sum(1 for w in words if w in es)
    return "en" if english > spanish else "es"


def _plain_words(node: Any) -> set[str]:
    """Single alphabetic words inside a cue structure (lists, dicts, phrase strings)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for value in node.values():
            found |= _plain_words(value)
    elif isinstance(node, list):
        for value in node:
            found |= _plain_words(value)
    elif isinstance(node, str):
        for word in node.split():
            base = word[:-2] if word.endswith("s?") else word
            if base.isalpha():
                found |= {base, word.replace("?", "")} if base != word else {word}
    return found


@functools.lru_cache(maxsize=1)
def keywords() -> tuple[str, ...]:
    """The cue words a typo may stand for: every long plain word of the intent and slot cues."""
    words = _plain_words(intents()) | _plain_words(cues().get("body")) | _plain_words(cues().get("money"))
    return tuple(sorted(w for w in words if len(w) >= MIN_TYPO_LENGTH))


@functools.lru_cache(maxsize=1)
def _sound_table() -> dict[str, str]:
    """Cue words by how they sound ("asesor" under "asesor", "quiero" under "kiero"); a sound two cue words share is
    left out (no guessing between them)."""
    words = _plain_words(intents()) | _plain_words(cues().get("body")) | _plain_words(cues().get("money"))
    table: dict[str, str] = {}
    shared: set[str] = set()
    for word in sorted(w for w in words if len(w) >= MIN_SOUND_LENGTH):
        key = sounds_like(word)
        if key in table and table[key] != word:
            shared.add(key)
        table.setdefault(key, word)
    return {k: v for k, v in table.items() if k not in shared}


def fix_typos(folded: str) -> str:
    """Replace unknown long words by the cue word they closely resemble (the text may change length: only the
    canonical copy used for numbers and cues is repaired, spans are cut from the original)."""
    known = frozenset(keywords())

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < MIN_SOUND_LENGTH or word in known or is_ordinary_word(word) or is_verb_form(word):
            return word
        same_sound = _sound_table().get(sounds_like(word))
        if same_sound:
            return same_sound  # "acesor" → "asesor", "ablar" → "hablar": spelt as it sounds
        if len(word) < MIN_TYPO_LENGTH:
            return word
        hit = process.extractOne(word, keywords(), scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
        if not hit or hit[0][0] != word[0]:
            return word
        return str(hit[0])

    return WORD_RX.sub(fix, folded)
