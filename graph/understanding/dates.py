"""Visit times: find "el sábado a las 11" in a message and resolve it to a date and an hour in Mexico City.

`visit_span` returns the expression as the customer wrote it; `resolve` turns (folded) words into a concrete
date and time relative to `now` (an injectable clock: tests and evals fix it). Without an hour the result says so,
and the agent asks for it; names of days, months and hours come from the lexicon's `calendar`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from graph.understanding.vocab import alternation, lexicon

TIMEZONE = ZoneInfo("America/Mexico_City")
DayPart = Literal["morning", "afternoon", "evening"]


@dataclass(frozen=True)
class VisitTime:
    """What a visit-time expression pins down: a day, an hour, or both."""

    day: date | None = None
    hour: time | None = None
    part: DayPart | None = None
    """A part of the day said without an hour ("en la tarde")."""
    same_time: bool = False
    """ "misma hora": keep the hour of the existing booking."""

    @property
    def complete(self) -> bool:
        """Whether both the day and the hour are known."""
        return self.day is not None and self.hour is not None

    def at(self) -> datetime | None:
        """The datetime in Mexico City, when complete."""
        if self.day is None or self.hour is None:
            return None
        return datetime.combine(self.day, self.hour, tzinfo=TIMEZONE)


@functools.lru_cache(maxsize=1)
def _calendar() -> dict[str, dict[str, int]]:
    cal = lexicon()["calendar"]
    return {
        "weekdays": {**cal["weekdays"]["es"], **cal["weekdays"]["en"]},
        "months": {**cal["months"]["es"], **cal["months"]["en"]},
        "relative": {str(k): int(v) for k, v in cal["relative_days"].items()},
        "hours": {str(k): int(v) for k, v in cal["hour_words"].items()},
    }


@functools.lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    cal = lexicon()["calendar"]
    weekday = alternation(list(_calendar()["weekdays"])) + "s?"
    months_es = alternation(list(cal["months"]["es"]))
    months_en = alternation(list(cal["months"]["en"]))
    hour_word = alternation(list(_calendar()["hours"]))
    clock = (
        rf"(?:\d{{1,2}}(?:[:.]\d{{2}})?(?!\d|[.,]\d)|{hour_word}\b)"
        r"(?!\s*(?:%|mil\b|k\b|pesos|anos|years|meses|months|km))"
        r"(?:\s*(?:am|pm|a\.\s?m\.?|p\.\s?m\.?|hrs?|horas|h)\b\.?)?(?:\s+y\s+(?:media|cuarto))?"
        r"(?:\s+(?:de\s+la\s+(?:manana|tarde|noche)|del\s+mediodia|in\s+the\s+(?:morning|afternoon|evening)|"
        r"o'?clock))?"
    )
    weekend = alternation(cal["weekend"][:3])
    next_week = alternation(cal["next_week"])
    same = alternation(cal["same_time"])
    return {
        "day": re.compile(
            r"\b(?:pasado\s+manana|(?<!la\s)(?<!por\s)manana(?!\s+(?:es|sera|seria))|hoy(?!\s+en\s+dia)|today|tonight|"
            r"tomorrow|day\s+after\s+tomorrow|"
            rf"(?:(?:el|este|next|this|on|el\s+proximo|this\s+coming|para\s+el|the)\s+)?{weekday}"
            r"(?:\s+(?:que\s+viene|proximo))?|"
            rf"(?<!cada\s)(?<!every\s)(?:(?:el|este|this|next|el\s+proximo)\s+)?{weekend}|"
            rf"(?:la\s+)?{next_week}|esta\s+semana|this\s+week|later\s+today|mas\s+tarde|esta\s+(?:tarde|noche)|"
            r"this\s+(?:afternoon|evening|morning))"
            r"(?:\s+(?:morning|afternoon|evening|night|temprano))?\b"
        ),
        "date": re.compile(
            rf"\b(?:(?:el\s+)?(\d{{1,2}})(?:ro|o|er|°|º)?\s+de\s+({months_es})|({months_en})\.?\s+(\d{{1,2}})"
            rf"(?:st|nd|rd|th)?(?!\d)|(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s+of\s+({months_en})|"
            r"(?:el\s+)?(\d{1,2})/(\d{1,2})(?:/\d{2,4})?)\b"
        ),
        "clock": re.compile(
            rf"\b(?:(?:como|tipo|a\s+eso\s+de|around|about)\s+)?(?:(?:a\s+las?|at|para\s+las?|de\s+las?|"
            rf"(?:make|move|change|switch|push)\s+it\s+(?:to\s+)?(?:at\s+)?)\s*{clock}|"
            r"\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|hrs)\b|\d{1,2}:\d{2}|"
            r"(?:like|around|about|say|tipo|como|eso\s+de)\s+\d{1,2}(?:[:.]\d{2})?\b(?![.,]\d)"
            r"(?!\s*(?:mil|k|%|km|anos|meses|pesos|years|months|a\s+month|al\s+mes))|"
            r"\d{1,2}(?:[:.]\d{2})?\s*-?ish\b|"
            r"(?:tipo|como|a\s+las|at|around|about|like)\s+(?:[1-9]|1\d|2[0-3])[0-5]\d\b(?![.,]\d)(?!\s*(?:mil|k|km|pesos))|"
            rf"(?:half|quarter)\s+(?:past|to)\s+(?:\d{{1,2}}|{hour_word})\b)"
        ),
        "part": re.compile(
            r"\b(?:(?:en|por|de)\s+la\s+(?:manana|tarde|noche)|in\s+the\s+(?:morning|afternoon|evening)|"
            r"al\s+mediodia|a\s+mediodia|at\s+noon|temprano|(?:the|la)\s+(?:afternoon|tarde|manana|morning)|"
            rf"(?:{weekday}|tomorrow|today)\s+(?:afternoon|morning|evening))\b"
        ),
        "same": re.compile(rf"\b{same}\b"),
    }


GAP = re.compile(
    r"^[\s,.?!]*(?:(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?\s+)?(?:(?:y|o|or|and|a|at|,|like|tipo|como|como\s+a\s+eso(?:\s+de)?|a\s+eso(?:\s+de)?)\s+)?[\s,]*$"
)
"""What may separate the parts of one visit time ("el martes 1 a las 9:30", "mañana, como a las 4")."""


def visit_span(raw: str, folded: str) -> str | None:
    """The visit time as written ('mañana a las 10', 'el viernes a las 5 pm'): of several ("mañana no puedo, mejor el
    sábado a las 11"), the most complete one, the last on a tie."""
    p = _patterns()
    found = {
        key: {(m.start(), m.end()) for m in p[key].finditer(folded)} for key in ("day", "date", "clock", "part", "same")
    }
    days, clocks = found["day"] | found["date"], found["clock"]
    spans = sorted(set().union(*found.values()))
    if not spans:
        return None
    clusters: list[list[tuple[int, int]]] = [[spans[0]]]
    for s, e in spans[1:]:
        last_end = max(end for _, end in clusters[-1])
        gap = folded[last_end:s]
        # "el miércoles 2 a la misma hora? el martes tengo junta": a new sentence naming another day is another time
        new_sentence = re.search(r"[.?!]", gap) and (s, e) in days and any(span in days for span in clusters[-1])
        if s <= last_end or (GAP.match(gap) and not new_sentence):
            clusters[-1].append((s, e))
        else:
            clusters.append([(s, e)])
    best = max(reversed(clusters), key=len)  # the most parts; max() keeps the first of equals: the last said
    start, end = best[0][0], max(e for _, e in best)
    for has, lacks in ((clocks, days), (days, clocks)):  # "mañana tempranito puedo, tipo 9": one day, one hour
        if any(span in has for span in best) and not any(span in lacks for span in best):
            others = [c for c in clusters if c is not best and any(span in lacks for span in c)]
            if len(others) == 1 and not any(span in has for span in others[0]):
                start, end = min(start, others[0][0][0]), max(end, max(e for _, e in others[0]))
                break
    return raw[start:end].strip(" ,") or None


SHIFT_COUNT = {"un": 1, "una": 1, "uno": 1, "an": 1, "a": 1, "one": 1, "dos": 2, "two": 2, "tres": 3, "three": 3}
SHIFT = re.compile(
    r"\b(?P<count>\d{1,2}|un|una|an|a|one|dos|two|tres|three|media|half\s+an?)\s+"
    r"(?P<unit>horitas?|horas?|hours?|hrs?|minutos|minutes|mins?|dias?|days?)\s+"
    r"(?P<way>mas\s+tarde|despues|later|after|antes|before|earlier|mas\s+temprano)\b"
)
MOVE_BY = re.compile(
    r"\b(?P<verb>recorr\w*|atras\w*|pospon\w*|retras\w*|push(?:\s+(?:it|that|this))?\s+back|adelant\w*|"
    r"move(?:\s+(?:it|that|this))?\s+up|bring(?:\s+(?:it|that|this))?\s+forward)\s+"
    r"(?:\w+\s+)?(?P<count>\d{1,2}|un|una|an|a|one|dos|two|media|half\s+an?)\s+(?P<unit>horitas?|horas?|hours?|minutos|minutes)\b"
)
"""'recorrerla una hora' (later), 'adelantarla media hora' (earlier): the verb says which way."""
NEXT_DAY = re.compile(r"\b(?:(?:al|el)\s+dia\s+siguiente|the\s+(?:next\s+)?day\s+after|the\s+next\s+day)\b")
DAY_BEFORE = re.compile(r"\b(?:(?:el|al)\s+dia\s+anterior|the\s+day\s+before)\b")


def _amount(count_word: str, unit: str) -> timedelta:
    """ "una horita", "media hora", "2 days", "30 minutos": how far a move goes."""
    if count_word.startswith(("media", "half")):
        return timedelta(minutes=30) if not unit.startswith(("d", "dia")) else timedelta(hours=12)
    count = int(count_word) if count_word.isdigit() else SHIFT_COUNT.get(count_word, 1)
    if unit.startswith(("d", "dia")):
        return timedelta(days=count)
    return timedelta(minutes=count) if unit.startswith("m") else timedelta(hours=count)


def shift(folded: str) -> timedelta | None:
    """A move relative to the booked time: "una horita más tarde" (+1 h), "media hora antes" (−30 min), "al día
    siguiente" (+1 day), "two hours later", "recorrerla una hora" (+1 h), "adelantarla media hora" (−30 min)."""
    match = SHIFT.search(folded)
    if match:
        delta = _amount(match.group("count"), match.group("unit"))
        return -delta if re.match(r"antes|before|earlier|mas\s+temprano", match.group("way")) else delta
    move = MOVE_BY.search(folded)
    if move:
        delta = _amount(move.group("count"), move.group("unit"))
        return -delta if move.group("verb").startswith(("adelant", "move", "bring")) else delta
    if NEXT_DAY.search(folded):
        return timedelta(days=1)
    if DAY_BEFORE.search(folded):
        return timedelta(days=-1)
    return None


def resolve(folded: str, now: datetime) -> VisitTime:
    """The day and hour a (folded) visit-time expression pins down, relative to `now` in Mexico City."""
    now = now.astimezone(TIMEZONE)
    p = _patterns()
    return VisitTime(
        day=_day(folded, now),
        hour=_hour(folded),
        part=_part(folded),
        same_time=bool(p["same"].search(folded)),
    )


def _day(text: str, now: datetime) -> date | None:
    cal = _calendar()
    today = now.date()
    match = _patterns()["date"].search(text)
    if match:
        groups = match.groups()
        if groups[0]:
            day, month = int(groups[0]), cal["months"][groups[1]]
        elif groups[2]:
            day, month = int(groups[3]), cal["months"][groups[2].rstrip(".")]
        elif groups[4]:
            day, month = int(groups[4]), cal["months"][groups[5]]
        else:
            day, month = int(groups[6]), int(groups[7])
        try:
            found = date(today.year, month, day)
        except ValueError:
            return None
        return found if found >= today else date(today.year + 1, month, day)
    if re.search(r"\b(?:pasado\s+manana|day\s+after\s+tomorrow)\b", text):
        return today + timedelta(days=2)
    if re.search(r"\b(?:tomorrow)\b|(?<!la\s)(?<!por\s)(?<!de\s)\bmanana\b", text):
        return today + timedelta(days=1)
    if re.search(
        r"\b(?:hoy|today|tonight|later\s+today|mas\s+tarde|esta\s+(?:tarde|noche)|this\s+"
        r"(?:afternoon|evening|morning))\b",
        text,
    ):
        return today
    weekday = re.search(r"\b(" + "|".join(sorted(cal["weekdays"], key=len, reverse=True)) + r")s?\b", text)
    if weekday:
        target = cal["weekdays"][weekday.group(1)]
        numbered = _numbered_weekday(text[weekday.end() :], target, today)
        if numbered:
            return numbered  # "el miércoles 2": the coming 2nd that is a Wednesday
        ahead = (target - today.weekday()) % 7
        if re.search(r"\b(?:next|proximo|que\s+viene)\b", text) and ahead == 0:
            ahead = 7
        return today + timedelta(days=ahead)
    if re.search(r"\b(?:fin\s+de\s+semana|finde|weekend)\b", text):
        return today + timedelta(days=(5 - today.weekday()) % 7)
    return None


def _numbered_weekday(after: str, weekday: int, today: date) -> date | None:
    """The date of "miércoles 2" / "Tuesday the 1st": the next day of that number falling on that weekday (within
    two months); otherwise the number is no date ("el sábado 11" may be 11:00)."""
    match = re.match(
        r"\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\b(?!\s*(?::|\.\d|am|pm|hrs?|horas|y\s+media|y\s+cuarto))", after
    )
    if not match:
        return None
    number = int(match.group(1))
    year, month = today.year, today.month
    for _ in range(3):
        try:
            found = date(year, month, number)
        except ValueError:
            found = None
        if found and found >= today and found.weekday() == weekday:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _hour(text: str) -> time | None:
    match = _patterns()["clock"].search(text)
    if not match:
        if re.search(r"\b(?:al\s+mediodia|a\s+mediodia|at\s+noon)\b", text):
            return time(12, 0)
        return None
    words = match.group(0)
    digits = re.search(r"\b([1-9]|1\d|2[0-3])([0-5]\d)\b", words)  # "tipo 1130": 11:30
    digits = digits or re.search(r"(\d{1,2})(?:[:.](\d{2}))?", words)
    if digits:
        hour, minute = int(digits.group(1)), int(digits.group(2) or 0)
    else:
        name = next((w for w in re.findall(r"[a-z]+", words) if w in _calendar()["hours"]), None)
        if name is None:
            return None
        hour, minute = _calendar()["hours"][name], 0
    if re.search(r"\bhalf\s+past\b", words):
        minute = 30
    elif re.search(r"\bquarter\s+past\b", words):
        minute = 15
    elif re.search(r"\bquarter\s+to\b", words):
        hour, minute = hour - 1, 45
    if re.search(r"\by\s+media\b", words):
        minute = 30
    elif re.search(r"\by\s+cuarto\b", words):
        minute = 15
    evening = re.search(
        r"\b(?:tonight|esta\s+noche|en\s+la\s+(?:tarde|noche)|por\s+la\s+(?:tarde|noche)|after\s+work)\b", text
    )
    if (re.search(r"p\.?\s?m\b|\b(?:tarde|noche|afternoon|evening)\b", words) or evening) and hour < 12:
        hour += 12
    elif not re.search(r"a\.?\s?m\b|\b(?:manana|morning)\b", words) and 1 <= hour <= 7:
        hour += 12  # "a las 5": nobody visits a dealer at five in the morning
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def _part(text: str) -> DayPart | None:
    match = _patterns()["part"].search(text)
    if not match:
        return None
    words = match.group(0)
    if re.search(r"\b(?:tarde|afternoon)\b", words):
        return "afternoon"
    if re.search(r"\b(?:noche|evening)\b", words):
        return "evening"
    return "morning"
