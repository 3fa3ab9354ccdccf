"""Number phrases → digits: "trescientos mil", "1.5M", "$300,000", "80k", "medio millón", "3 cientos mil".

`canonical_numbers` rewrites every number phrase of a folded text as plain digits and returns the numbers with
their spans in the new text, so slot rules read "menos de 300000" whatever the customer typed. Number words and
multipliers come from data/understanding/lexicon.yml.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from graph.understanding.vocab import lexicon

TOKEN_RX = re.compile(r"(?<![0-9])[0-9]{1,3}(?: [0-9]{3})+(?! ?[0-9.,])|-?[0-9]+(?:[.,][0-9]+)*|[a-z]+|\S")
GROUPED_RX = re.compile(r"-?\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*")
CENTS_RX = re.compile(r"-?\d{1,3}(?:,\d{3})+\.\d{1,2}|-?\d{1,3}(?:\.\d{3})+,\d{1,2}")
SPACED_RX = re.compile(r"\d{1,3}(?: \d{3})+")
DECIMAL_RX = re.compile(r"-?\d+[.,]\d+")
MAX_DIGITS = 15


@dataclass(frozen=True)
class NumberWords:
    """Number words of both languages, from the lexicon."""

    units: dict[str, int]
    spanish_only: frozenset[str]
    multipliers: dict[str, int]
    after_digits_only: frozenset[str]
    one: frozenset[str]
    big: frozenset[str]


@functools.lru_cache(maxsize=1)
def number_words() -> NumberWords:
    """The lexicon's number words."""
    data = lexicon()["numbers"]
    es = {str(k): int(v) for k, v in data["es"].items()}
    en = {str(k): int(v) for k, v in data["en"].items()}
    return NumberWords(
        units={**es, **en},
        spanish_only=frozenset(es) - frozenset(en),
        multipliers={str(k): int(v) for k, v in data["multipliers"].items()},
        after_digits_only=frozenset(map(str, data["after_digits_only"])),
        one=frozenset(map(str, data["one"])),
        big=frozenset(map(str, data["big"])),
    )


@dataclass
class Num:
    """A number found in the canonical text, with its span there and how it was written."""

    value: float
    start: int
    end: int
    mult: int = 1
    grouped: bool = False


@dataclass
class _Acc:
    """Accumulator while reading one number phrase."""

    total: float = 0.0
    current: float = 0.0
    mult: int = 1
    last_mult: int = 0
    grouped: bool = False
    prev: str = ""  # kind of the last accepted token: d(igits) w(ord) h(undred) m(ultiplier)


Token = tuple[str, int, int]


def digits_value(tok: str) -> tuple[float | None, bool]:
    """Value of a digit token ('300', '300,000', '300.000', '1.5', '1,234.50', '-100') and whether it is grouped."""
    if len(tok) > MAX_DIGITS:
        return None, False  # "999999999999999999…" is no amount anyone means
    if tok.lstrip("-").isdigit():
        return float(tok), False
    if GROUPED_RX.fullmatch(tok) or SPACED_RX.fullmatch(tok):
        return float(re.sub(r"[., ]", "", tok)), True
    if CENTS_RX.fullmatch(tok):
        whole, cents = re.split(r"[.,](?=\d{1,2}$)", tok)
        return float(re.sub(r"[.,]", "", whole) + "." + cents), True
    if DECIMAL_RX.fullmatch(tok):
        return float(tok.replace(",", ".")), False
    return None, False


def _can_add(current: float, value: int) -> bool:
    """Whether a number word extends the running value ('treinta' + 'cinco', 'doscientos' + 'cincuenta')."""
    if current == 0:
        return True
    place = 10 if value < 10 else 100 if value < 100 else 1000
    return current < 1000 and current % place == 0


def _tok(toks: list[Token], j: int) -> str:
    return toks[j][0] if 0 <= j < len(toks) else ""


def _accept_digits(toks: list[Token], j: int, acc: _Acc) -> int:
    """Accept a digit token into the phrase; 0 when it starts a new number instead."""
    words = number_words()
    if acc.prev == "m":
        follow = words.multipliers.get(_tok(toks, j + 1), 0)
        if not follow or _tok(toks, j + 1) == "m" or follow >= acc.last_mult:
            return 0
    elif acc.prev:
        return 0
    value, grouped = digits_value(toks[j][0])
    if value is None:
        return 0
    acc.current += value
    acc.grouped = acc.grouped or grouped
    acc.prev = "d"
    return 1


TRIM_AFTER_GRAND = frozenset({"touring", "cherokee", "vitara", "caravan", "sport", "limited", "i10", "tour", "sedan"})
"""Words after "grand" that make it part of a version's name."""


def _accept_mult(toks: list[Token], j: int, acc: _Acc) -> int:
    """Accept a multiplier (k, mil, millones, thousand, M) and an optional 'y medio' / 'and a half'."""
    words = number_words()
    word = toks[j][0]
    if acc.prev in ("", "m") or (word in words.after_digits_only and acc.prev != "d"):
        return 0
    if word == "m" and toks[j][1] != toks[j - 1][2]:
        return 0
    if word == "grand" and _tok(toks, j + 1) in TRIM_AFTER_GRAND:
        return 0  # "la CX-5 2019 Grand Touring": a trim, not two million
    mult = words.multipliers[word]
    if mult == 1000:
        acc.total += (acc.current or 1) * 1000
    else:
        acc.total = (acc.total + (acc.current or 1)) * mult
    acc.current = 0
    acc.mult, acc.last_mult, acc.prev = max(acc.mult, mult), mult, "m"
    if _tok(toks, j + 1) == "y" and _tok(toks, j + 2) in ("medio", "media"):
        acc.total += mult / 2
        return 3
    if (_tok(toks, j + 1), _tok(toks, j + 2), _tok(toks, j + 3)) == ("and", "a", "half"):
        acc.total += mult / 2
        return 4
    return 1


def _accept_word(toks: list[Token], j: int, acc: _Acc, lang: str) -> int:
    """Accept a number word, 'hundred'/'cientos', 'un/a' before a multiplier, 'medio millón' or a connector."""
    words = number_words()
    word, nxt = toks[j][0], _tok(toks, j + 1)
    if word in words.units and (word != "once" or lang == "es"):
        value = words.units[word]
        if acc.prev == "d" or not _can_add(acc.current, value):
            return 0
        if acc.prev == "m" and not _reaches_smaller_mult(toks, j + 1, acc.last_mult):
            return 0
        acc.current += value
        acc.prev = "w"
        return 1
    if word in ("hundred", "cientos", "cien") and acc.prev in ("w", "d") and acc.current < 10:
        acc.current = (acc.current or 1) * 100  # "three hundred", "3 cientos"
        acc.prev = "h"
        return 1
    if word in words.one and nxt in words.big and not acc.prev:
        acc.current, acc.prev = 1, "w"
        return 1
    if word in ("medio", "half") and not acc.prev:
        skip = 2 if nxt == "a" else 1
        if _tok(toks, j + skip) in ("millon", "million"):
            acc.current, acc.prev = 0.5, "w"
            return skip
        return 0
    return _accept_connector(toks, j, acc)


def _reaches_smaller_mult(toks: list[Token], j: int, mult: int) -> bool:
    """Whether number words from j lead to a multiplier below `mult` ('un millón doscientos mil')."""
    words = number_words()
    while _tok(toks, j) in words.units or _tok(toks, j) in ("y", "and", "hundred"):
        j += 1
    return 0 < words.multipliers.get(_tok(toks, j), 0) < mult and _tok(toks, j) not in words.after_digits_only


def _accept_connector(toks: list[Token], j: int, acc: _Acc) -> int:
    """Accept 'y' in 'treinta y cinco' and 'and' in 'two hundred and fifty'."""
    word, nxt = toks[j][0], _tok(toks, j + 1)
    value = number_words().units.get(nxt)
    if value is None or not _can_add(acc.current, value):
        return 0
    if word == "y" and acc.prev == "w" and value < 10:
        return 1
    if word == "and" and acc.prev == "h" and value < 100:
        return 1
    return 0


def _parse_phrase(toks: list[Token], i: int, lang: str) -> tuple[_Acc, int] | None:
    """Read the longest number phrase starting at token i; the accumulator and the index after it."""
    words = number_words()
    acc, j = _Acc(), i
    while j < len(toks):
        word = toks[j][0]
        if word[0] in "-0123456789" and (word[0] != "-" or len(word) > 1):
            step = _accept_digits(toks, j, acc)
        elif word in words.multipliers:
            step = _accept_mult(toks, j, acc)
        else:
            step = _accept_word(toks, j, acc, lang)
        if not step:
            break
        j += step
    if not acc.prev:
        return None
    return acc, j


def _render(acc: _Acc, literal: str, single_token: bool) -> tuple[str, float]:
    """Canonical text and value of a phrase: plain digits, or the literal for plain and decimal numerals."""
    value = acc.total + acc.current
    if single_token and literal.lstrip("-")[:1].isdigit() and acc.mult == 1 and not acc.grouped:
        return literal, value
    if acc.mult == 1 and value != int(value):
        return literal, value
    return str(round(value)), float(round(value))


def canonical_numbers(text: str, lang: str) -> tuple[str, list[Num]]:
    """Rewrite every number phrase of folded `text` as digits; the new text and the numbers with their spans."""
    toks = [(m.group(0), m.start(), m.end()) for m in TOKEN_RX.finditer(text)]
    # "200-300" is a range, not 200 and -300: a minus right after a letter or digit is a hyphen
    toks = [
        (t[0][1:], t[1] + 1, t[2]) if t[0][:1] == "-" and len(t[0]) > 1 and t[1] > 0 and text[t[1] - 1].isalnum() else t
        for t in toks
    ]
    parts: list[str] = []
    nums: list[Num] = []
    pos = length = 0
    i = 0
    while i < len(toks):
        parsed = _parse_phrase(toks, i, lang)
        if parsed is None:
            i += 1
            continue
        acc, j = parsed
        start, end = toks[i][1], toks[j - 1][2]
        rendered, value = _render(acc, text[start:end], j == i + 1)
        parts.append(text[pos:start])
        length += start - pos
        nums.append(Num(value, length, length + len(rendered), acc.mult, acc.grouped))
        parts.append(rendered)
        length += len(rendered)
        pos, i = end, j
    parts.append(text[pos:])
    return "".join(parts), nums
