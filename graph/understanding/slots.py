"""Slots said with words: body type, equipment, what the data cannot answer, order, list references, names, register.

Every cue list is in data/understanding/cues.yml; this module only says how a cue becomes a slot value.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from graph.understanding.vocab import alternation, cue, lexicon, patterns_rx, phrases_rx
from tools.text import fold

NAME_WORD = r"[^\W\d_]+(?:[-'’][^\W\d_]+)?"
MAX_NAME_WORDS = 5


def _negated(c: str, start: int) -> bool:
    neg = phrases_rx(cue("features.negated_before"), suffix=r"\s+(?:\w+\s+){0,3}$")
    return bool(neg.search(c[max(0, start - 30) : start]))


def body_types(c: str) -> list[str]:
    """Every body type asked for, in the order written ("pickup o suv grande" → pickup, suv)."""
    first = body_type(c)
    if first is None:
        return []
    found = [first]
    for label in ("pickup", "minivan", "suv", "sedan", "hatchback", "coupe"):
        if label in found:
            continue
        for m in phrases_rx(cue(f"body.{label}")).finditer(c):
            generic = label == "suv" and phrases_rx(cue("body.generic_suv")).fullmatch(m.group(0))
            if not _negated(c, m.start()) and not generic:
                found.append(label)
                break
    order = {
        label: min((m.start() for m in phrases_rx(cue(f"body.{label}")).finditer(c)), default=0) for label in found
    }
    return sorted(found, key=lambda label: order[label]) if len(found) > 1 else found


def body_type(c: str) -> str | None:
    """Requested body type; pickup and minivan phrases win over the generic 'camioneta' (an SUV in Mexico)."""
    tiers = (("pickup", 0), ("minivan", 1), ("suv", 2), ("sedan", 2), ("hatchback", 2), ("coupe", 2), ("seats", 3))
    found: list[tuple[int, int, str]] = []
    for label, tier in tiers:
        phrases = cue("body.seats_minivan" if label == "seats" else f"body.{label}")
        for m in phrases_rx(phrases).finditer(c):
            if not _negated(c, m.start()):
                found.append((tier, m.start(), label))
                break
    if not found:
        return None
    label = min(found)[2]
    generic = phrases_rx(cue("body.generic_suv"))
    refused_van = any(_negated(c, m.start()) for m in phrases_rx(cue("body.minivan")).finditer(c))
    if refused_van and label in ("seats", "suv"):
        return "suv"  # "una camioneta de 7 pasajeros, no le gustan las minivans"
    if label == "seats" or (label == "suv" and generic.search(c) and any(f[2] == "seats" for f in found)):
        return "minivan"
    return label


SEATS = re.compile(
    r"\b(?:([6-9])\s*(?:pasajeros|asientos|lugares|plazas|seats|passengers|seater)|"
    r"(?:somos|we are|family of|familia de)\s+([6-9])\b)"
)
"""Six seats or more: five is every car's, and a third row is what the version codes say ("7 PASAJEROS")."""


def min_seats(c: str) -> int | None:
    """ "de 7 pasajeros", "somos 6": the seats needed (the version codes say how many a car has)."""
    m = SEATS.search(c)
    return int(m.group(1) or m.group(2)) if m else None


def _transmissions(c: str) -> tuple[list[tuple[re.Match[str], str]], list[tuple[re.Match[str], str]]]:
    """The transmissions named, and those refused ("no quiero estándar")."""
    found: list[tuple[re.Match[str], str]] = []
    refused: list[tuple[re.Match[str], str]] = []
    for label in ("automatic", "manual"):
        m = phrases_rx(cue(f"features.{label}")).search(c)
        if m:
            (refused if _negated(c, m.start()) else found).append((m, label))
    return found, refused


def _either(c: str, found: list[tuple[re.Match[str], str]]) -> bool:
    """ "automático o estándar": both transmissions joined by "or"."""
    if len(found) != 2:
        return False
    first, last = sorted((f[0] for f in found), key=lambda m: m.start())
    return re.fullmatch(r"\W*(?:o|u|or|ni|y|and)\W*", c[first.end() : last.start()]) is not None


KM_ASK = re.compile(
    r"\b(?:(?:que|q)\s+tal\s+(?:de|en|los|el)\s+(?:km|kms|kilometr\w*)|cuant[oa]s?\s+(?:km|kms|kilometros|millas)|"
    r"(?:que|q)\s+kilometraje|how\s+many\s+(?:km|kms|miles|kilometers)|(?:what|how)(?:'s|\s+is|\s+about)\s+(?:the\s+)?"
    r"(?:mileage|km)|(?:y|and)\s+(?:de\s+|el\s+|the\s+)?(?:km|kms|kilometraje|mileage)\s*$)"
)
"""A question about a car's mileage ("¿y qué tal de km?"), answered from its record."""


JOINED = r"\W*(?:and|y|e|o|or|ni|,)\W*"
"""Two things asked together: "CarPlay y Bluetooth", "CarPlay or Android Auto"."""


def equipment_asked(raw: str, c: str) -> list[str]:
    """ "¿trae CarPlay?", "does the Kicks have Bluetooth?", "¿el 2021 es automático?": the equipment asked about
    (bluetooth, car_play, transmission), not required."""
    if "?" not in raw:
        return []
    verbs = patterns_rx(cue("ordinal.asks_equipment"))
    asked: list[str] = []
    found = {name: phrases_rx(cue(f"features.{name}")).search(c) for name in ("bluetooth", "car_play")}
    spans = sorted((m.start(), m.end(), name) for name, m in found.items() if m)
    for i, (start, _end, name) in enumerate(spans):
        joined = i > 0 and spans[i - 1][2] in asked and re.fullmatch(JOINED, c[spans[i - 1][1] : start])
        if joined or verbs.search(c[max(0, start - 40) : start]):
            asked.append(name)  # "does it have CarPlay and Bluetooth?": both asked
    if KM_ASK.search(c):
        asked.append("km")  # "¿y qué tal de km?", "how many miles on it?"
    awd = phrases_rx(cue("features.awd")).search(c)
    before_awd = c[max(0, awd.start() - 40) : awd.start()] if awd else ""
    which = re.search(r"\b(?:which|cual|cuales)\b", c[: awd.start()]) if awd else None  # "which one has 4x4?" picks
    if (
        awd
        and not which
        and (verbs.search(before_awd) or patterns_rx(cue("ordinal.asks_transmission")).search(before_awd))
    ):
        asked.append("awd")  # "is it AWD?", "¿es 4x4?": asked about the car, not required
    transmission_verbs = patterns_rx(cue("ordinal.asks_transmission"))
    required = transmission(c)
    for label in ("automatic", "manual"):
        m = phrases_rx(cue(f"features.{label}")).search(c)
        if m and transmission_verbs.search(c[max(0, m.start() - 40) : m.start()]) and not _negated(c, m.start()):
            if required in (None, label):  # "¿es estándar? yo lo quiero automático": a requirement too
                asked.append("transmission")
            break
    return asked


def transmission_asked(raw: str, c: str) -> bool:
    """ "¿es automático o estándar?", "manual or auto?": a question about the transmission, not a requirement."""
    return "?" in raw and _either(c, _transmissions(c)[0])


def transmission(c: str) -> str | None:
    """ "automático", "estándar": the transmission the customer requires."""
    found, refused = _transmissions(c)
    if not found:
        opposite = {"automatic": "manual", "manual": "automatic"}
        return opposite[refused[0][1]] if len(refused) == 1 else None  # "no quiero estándar": an automatic
    m, label = max(found, key=lambda f: f[0].start())  # "¿es estándar? yo lo quiero automático": the last one said
    if _either(c, found):
        return None  # "automático o estándar": either will do
    if phrases_rx(cue("features.indifferent")).search(c[m.end() : m.end() + 30]):
        return None  # "manual is fine", "estándar está bien": no requirement
    return label


def all_wheel_drive(c: str) -> bool:
    """ "4x4", "AWD", "tracción integral": wanted or asked about."""
    m = phrases_rx(cue("features.awd")).search(c)
    return m is not None and not _negated(c, m.start())


def features(c: str) -> list[str]:
    """Required equipment the inventory records: bluetooth, car_play."""
    return [
        name
        for name in ("bluetooth", "car_play")
        if any(not _negated(c, m.start()) for m in phrases_rx(cue(f"features.{name}")).finditer(c))
    ]  # "sin carplay no. ¿qué otro hay con carplay?": the last mention wants it


def unsupported(c: str) -> list[str]:
    """Requirements the inventory data cannot answer (electric, hybrid, colour...), to be said plainly."""
    return [name for name, phrases in cue("features.unsupported").items() if phrases_rx(phrases).search(c)]


def _without_year_bounds(c: str) -> str:
    """The message without "2018 or newer", "2015 y más nuevos": a year bound, not a superlative."""
    bounds = phrases_rx(list(cue("year.min_after")) + list(cue("year.max_after")), prefix="")
    return re.sub(rf"\b(?:19|20)\d{{2}}\s*{bounds.pattern}", " ", c)


def sort_order(c: str) -> str | None:
    """A superlative: the cheapest, the most expensive, the newest, the lowest mileage."""
    c = _without_year_bounds(c)
    found = [(m.start(), name) for name, phrases in cue("sort").items() if (m := phrases_rx(phrases).search(c))]
    return min(found)[1] if found else None


PLURAL_SUPERLATIVE = re.compile(
    r"\b(?:los|las|unos|unas)\b|\b\w{3,}[oa]s\b|\b(?:ones|cars|autos|carros|coches|opciones|options)\b"
)


def sort_plural(c: str) -> bool:
    """ "las más económicas", "the cheapest cars": a list in that order, not the one car at the top."""
    c = _without_year_bounds(c)
    if re.search(
        r"\b(?:orden(?:a|e|alas|alos|elas|elos|ar|amelas|amelos)|sort\s+(?:them|it|by|those)|sorted\s+by)\b", c
    ):
        return True  # "ordénalas por las de menos km": the list, re-ordered
    found = [m for phrases in cue("sort").values() if (m := phrases_rx(phrases).search(c))]
    if not found:
        return False
    m = min(found, key=lambda m: m.start())
    around = re.sub(
        r"\b(?:mas|menos|tengas|tengan|tienes|tienen|manejas|manejan|vendas|vendan|hayas|quieras)\b",
        " ",
        c[max(0, m.start() - 5) : m.end() + 12],
    )
    return bool(PLURAL_SUPERLATIVE.search(around))


@functools.lru_cache(maxsize=1)
def _ordinal_rx() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    months = alternation(list(lexicon()["calendar"]["months"]["es"]) + list(lexicon()["calendar"]["months"]["en"]))
    suffixes = alternation(cue("ordinal.digit_suffixes")).replace(r"\b", "")
    digit = re.compile(
        rf"(?<![\d.,])([1-9])\s?{suffixes}\b(?!\s*(?:mano|hand|owner|dueno|vez|time|de\s+{months}|of\s+{months}))"
    )
    number = re.compile(
        r"(?:"
        + alternation(cue("ordinal.number_before"))
        + r"\s*#?\s*|#\s*|(?<!\ba\s)(?<!\bcon\s)(?<!\bdando\s)\b(?:el|la)\s+)(10|[1-9])\b"
        rf"(?!\s*(?:de\s+{months}|%|mil\b|k\b|anos?|years?|meses|months?|km|pm|am|hrs?|:|[.,]\d|personas|pasajeros))"
    )
    words = re.compile(r"\b(" + "|".join(map(str, lexicon()["ordinals"])) + r")\b")
    return digit, number, words


def ordinal(c: str) -> int | None:
    """Position in the last list the customer points at (1, 2, ..., -1 for the last one)."""
    digit, number, words = _ordinal_rx()
    table = {str(k): int(v) for k, v in lexicon()["ordinals"].items()}
    candidates = [(m.start(), int(m.group(1))) for m in digit.finditer(c)]
    candidates += [(m.start(), int(m.group(1))) for m in number.finditer(c)]
    not_after = phrases_rx(cue("ordinal.not_after"), prefix=r"^\s*")
    not_before = phrases_rx(cue("ordinal.not_before"), suffix=r"\s*$")
    determiner = phrases_rx(cue("ordinal.determiners"), suffix=r"\s*$")
    follow = phrases_rx(cue("ordinal.follow"), prefix=r"^\s*")
    tail = phrases_rx(cue("ordinal.tail"), prefix=r"^\s*(?:", suffix=r")?\s*[.!?]*\s*$")
    for m in words.finditer(c):
        before, after = c[max(0, m.start() - 30) : m.start()], c[m.end() : m.end() + 40]
        if not_after.match(after) or not_before.search(before):
            continue
        alone = len(re.findall(r"[a-z]+", c[: m.start()])) <= 1 and tail.match(c[m.end() :])
        if alone or determiner.search(before) or follow.match(after):
            candidates.append((m.start(), table[m.group(1)]))
    return min(candidates)[1] if candidates else None


def step(c: str) -> int | None:
    """ "¿y el siguiente?": 1, the car after the one discussed; "¿y el anterior?": -1, the one before it."""
    if patterns_rx(cue("ordinal.next")).search(c):
        return 1
    if patterns_rx(cue("ordinal.previous")).search(c):
        return -1
    return None


def refers_back(raw: str, c: str) -> bool:
    """Whether the message points at a car already discussed ('ese', 'that one', 'verlo')."""
    accented = patterns_rx(cue("references.accented"))
    return bool(accented.search(raw.lower())) or bool(patterns_rx(cue("references.demonstrative_patterns")).search(c))


def customer_name(raw: str) -> str | None:
    """The customer's name, whole: "me llamo Ana", "soy Juan Pérez", "a nombre de mi esposo, Julio Ramos",
    or a known first name standing alone in the message ("el viernes a las 4, Ricardo")."""
    folded = fold(raw)
    surname = re.search(r"\b(?:last\s+name\s+is|apellido\s+es)\s+([^\W\d_]+)\W+([^\W\d_]+\s+\1)\b", raw, re.I)
    if surname:  # "last name is Hernandez, Claire Hernandez"
        return surname.group(2)
    alone = re.search(r"(?:^|[,.;!?]\s*)([^\W\d_]+(?:\s+[^\W\d_]+)?)\s*[.!]*$", raw.strip())
    if alone and fold(alone.group(1).split()[0]) in first_names() and len(raw.split()) > 1:
        name = _name_at(raw, raw.index(alone.group(1)), explicit=True)
        if name:
            return name
    explicit = phrases_rx(cue("name.explicit"), suffix=r"[\s,:?]+")
    position = 0
    while (match := explicit.search(folded, position)) is not None:  # overlapping: "está a nombre de mi esposo X"
        name = _name_at(raw, match.end(), explicit=True)
        if name:
            return name
        position = match.start() + 1
    soft = phrases_rx(cue("name.soft"), suffix=r"\.?\s+")  # "le saluda el Lic. Jorge Medina"
    for match in soft.finditer(folded):
        name = _name_at(raw, match.end(), explicit=False)
        if name:
            return name
    return None


def _name_at(raw: str, start: int, explicit: bool) -> str | None:
    """The name that starts at `start`: up to five words; after "soy"/"I'm" only capitalised or known first names."""
    from tools.text import is_message_word, is_ordinary_word

    not_names = frozenset(fold(w) for w in cue("name.not_names"))
    connectors = ("de", "del", "la", "los", "y")
    kept: list[str] = []
    previous_end = 0
    for m in re.finditer(NAME_WORD, raw[start : start + 120]):
        word, folded = m.group(0), fold(m.group(0))
        if kept and raw[start + previous_end : start + m.start()].strip(" -"):
            break  # a comma or a full stop ends the name
        previous_end = m.end()
        if kept and folded in connectors:
            kept.append(word)
            continue
        known = folded in first_names()
        plain = not is_ordinary_word(folded)
        capital = word[0].isupper()
        if folded in not_names or (kept and not capital and kept[0][0].isupper()):
            break
        if kept:
            rest = raw[start + m.end() :]
            closing = not rest.strip() or rest.lstrip()[:1] in ",.;!?"
            lower_surname = fold(kept[0]) in first_names() and closing and not is_message_word(folded)
            fits = capital or known or plain or lower_surname  # surnames: "Pérez", "López Ortega", "fer castañeda"
        else:
            fits = (known or plain or explicit) if capital else (known or (explicit and plain))
        if not fits:
            break
        kept.append(word)
        if sum(1 for w in kept if fold(w) not in connectors) >= MAX_NAME_WORDS:
            break  # "María de los Ángeles Cortés Rivera": the connectors do not count
    while kept and fold(kept[-1]) in connectors:
        kept.pop()
    if not kept:
        return None
    name = " ".join(kept)
    return name.title() if name.islower() else name


@functools.lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Common first names (lexicon), to tell a bare name from other words."""
    return frozenset(fold(w) for w in str(lexicon().get("first_names", "")).split())


def formal(c: str) -> bool:
    """Whether the customer writes with "usted" (usted, disculpe, ¿me podría…?, muéstreme, le agradezco...), or opens
    with "Buenas tardes." and never uses "tú" or slang."""
    if phrases_rx(cue("register.formal")).search(c):
        return True
    opening = phrases_rx(cue("register.formal_opening"), prefix=r"^\W*").search(c)
    polite = phrases_rx(cue("register.formal_soft")).search(c)
    return bool(opening or polite) and not phrases_rx(cue("register.informal")).search(c)


def minimum_down(c: str) -> bool:
    """ "dando el mínimo de enganche", "with just the minimum down": the dealer's minimum down payment."""
    return bool(phrases_rx(cue("money.min_down")).search(c))


def matches_any(c: str, phrases: list[Any]) -> bool:
    """Whether a cue list (cues.yml or intents.yml) matches the canonical text."""
    return bool(phrases) and bool(phrases_rx(phrases).search(c))
