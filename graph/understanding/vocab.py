"""The offline understanding's vocabularies, read once from `data/understanding/` and compiled to patterns.

Phrase syntax of the data files (on folded text): words separated by spaces match any run of spaces; `(a|b)` is
a choice; `[word]` an optional word; a trailing `*` any word ending; `s?` an optional letter; `_` an optional
space or hyphen (`pick_up` = pickup, pick up, pick-up). Lists whose name
ends in `_patterns` are regular expressions. Nothing here decides anything: the modules next to it do.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

from tools.text import LEXICON_PATH, fold, load_lexicon

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "understanding"


def _load(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{name}: expected a mapping at the top level")
    _check_phrases(name, data)
    return data


def _check_phrases(name: str, node: Any, key: str = "") -> None:
    """Compile every phrase of a data file once: a broken one is reported with its file and its text."""
    if isinstance(node, dict):
        for child_key, child in node.items():
            _check_phrases(name, child, str(child_key))
        return
    if not isinstance(node, list):
        return
    for item in node:
        if isinstance(item, (dict, list)):
            _check_phrases(name, item, key)
            continue
        if not isinstance(item, str):
            continue
        try:
            re.compile(item if key.endswith("_patterns") else _phrase(item))
        except re.error as exc:
            raise ValueError(f"{name}: the phrase {item!r} of {key!r} is not valid: {exc}") from exc


@functools.lru_cache(maxsize=1)
def cues() -> dict[str, Any]:
    """data/understanding/cues.yml."""
    return _load("cues.yml")


@functools.lru_cache(maxsize=1)
def intents() -> dict[str, Any]:
    """data/understanding/intents.yml."""
    return _load("intents.yml")


def lexicon() -> dict[str, Any]:
    """data/understanding/lexicon.yml (shared with tools.text)."""
    return load_lexicon(LEXICON_PATH)


def words(text: str | None) -> frozenset[str]:
    """A word set from a whitespace-separated string of the data files, folded."""
    return frozenset(fold(w) for w in (text or "").split())


def word_set(*paths: str) -> frozenset[str]:
    """The union of lexicon word lists at dotted paths ("stopwords.es", "everyday.any")."""
    found: set[str] = set()
    for path in paths:
        node: Any = lexicon()
        for part in path.split("."):
            node = node[part]
        found |= words(node if isinstance(node, str) else " ".join(map(str, node)))
    return frozenset(found)


def _tokens(phrase: str) -> list[str]:
    """Split a phrase on the spaces that are not inside parentheses."""
    tokens, depth, current = [], 0, ""
    for ch in phrase.strip():
        depth += (ch == "(") - (ch == ")")
        if ch == " " and depth == 0:
            if current:
                tokens.append(current)
            current = ""
        else:
            current += ch
    return [*tokens, current] if current else tokens


def _token(token: str) -> str:
    body = re.sub(r"\((?!\?)", "(?:", token).replace(" ", r"\s+").replace("_", r"[\s-]?")
    return body[:-1] + r"\w*" if body.endswith("*") else body


def _phrase(phrase: str) -> str:
    """One phrase of the data files as a regular expression (see the module docstring)."""
    out, need_space = "", False
    for token in _tokens(str(phrase)):
        if token.startswith("[") and token.endswith("]"):
            body = _token(token[1:-1])
            out += rf"(?:\s+{body})?" if need_space else rf"(?:{body}\s+)?"
        else:
            out += (r"\s+" if need_space else "") + _token(token)
            need_space = True
    return out


def alternation(phrases: list[Any] | str) -> str:
    """Phrases (a list, or a whitespace-separated string of single words) as one non-capturing alternation."""
    items = phrases.split() if isinstance(phrases, str) else [str(p) for p in phrases]
    items.sort(key=len, reverse=True)  # longest first: "mas o menos" before "mas"
    return "(?:" + "|".join(_phrase(p) for p in items) + ")"


def phrases_rx(phrases: list[Any] | tuple[Any, ...] | str, prefix: str = r"\b", suffix: str = r"\b") -> re.Pattern[str]:
    """A compiled pattern matching any of the phrases, between word boundaries by default (compiled once)."""
    key = phrases if isinstance(phrases, str) else tuple(str(p) for p in phrases)
    return _phrases_rx(key, prefix, suffix)


@functools.lru_cache(maxsize=1024)
def _phrases_rx(phrases: str | tuple[str, ...], prefix: str, suffix: str) -> re.Pattern[str]:
    return re.compile(prefix + alternation(phrases if isinstance(phrases, str) else list(phrases)) + suffix)


def patterns_rx(patterns: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    """A compiled alternation of raw regular expressions from a `*_patterns` list (compiled once)."""
    return _patterns_rx(tuple(patterns))


@functools.lru_cache(maxsize=256)
def _patterns_rx(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def cue(path: str) -> Any:
    """A value of cues.yml at a dotted path ("money.max_before")."""
    node: Any = cues()
    for part in path.split("."):
        node = node[part]
    return node
