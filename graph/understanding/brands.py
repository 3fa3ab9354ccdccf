"""Which makes and models a message names, as written: "tienen el kicks?", "jetta o vento", "nissan sentrra".

The names themselves come from the brand catalog (inventory + data/aliases.csv, `tools.normalize`); this module
decides, from the words around them, whether an everyday word is a car ("la kicks" yes, "vamos al rio" no), joins
a make with its model ("Kia Rio"), keeps unknown capitalised names after "un/el/tienes" ("el Xpander") so they can be
named back, and sets apart the car the customer owns ("tengo un Aveo 2012 que quiero dar a cuenta").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from graph.understanding.vocab import cue, lexicon, phrases_rx, word_set
from tools.normalize import BrandCatalog, Hit, Target
from tools.text import compact, fold, is_ordinary_word, is_spanish_word

FUZZY_ANYWHERE = 0.85
"""A typo of a name counts anywhere at this similarity; below it only next to a make or a car word."""
OWNED_BEFORE = re.compile(
    r"\b(?:tengo|traigo|tenemos|mi|my|our|nuestro|nuestra|cabemos\s+en|i\s+have|we\s+have|i\s+own|i\s+drive|doy|"
    r"dar(?:ia)?|vender|vendo|sell|selling|trade(?:\s+in)?|"
    r"entregar|entrego|compre|bought|les\s+compre|a\s+cuenta\s+(?:mi|un|una))\s+(?:un|una|el|la|a|an|my|mi)?\s*(?:(?:19|20)\d\d\s+)?$"
)
OWNED_AFTER = re.compile(
    r"^\W*(?:(?:19|20)\d\d\W+)?(?:[a-z]+\W+){0,5}?(?:(?:que|q)\s+(?:quiero|queremos|puedo|pienso|me\s+gustaria)\s+"
    r"(?:dar|dejar|meter|vender|entregar|cambiar)|a\s+cuenta|como\s+(?:parte\s+de\s+pago|enganche)|"
    r"as\s+(?:a\s+)?(?:trade|down)|to\s+trade|trade[\s-]?in|para\s+(?:dar|vender|cambiar)|a\s+vender|for\s+sale|"
    r"en\s+venta|que\s+ya\s+tengo|que\s+tengo|y\s+(?:lo\s+|la\s+)?(?:quiero|queremos)\s+(?:cambiar|vender|dar)\w*)"
)
"""After the name: what the customer will do with it (no amount in between: "el Onix con 10% de enganche" is a
car they want)."""


@dataclass(frozen=True)
class Mention:
    """A car name in the message: its span in the original text, as written, and whether it is the customer's own."""

    start: int
    end: int
    text: str
    owned: bool = False


@functools.lru_cache(maxsize=1)
def _context() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    return (
        word_set("car_context.articles"),
        word_set("car_context.verbs"),
        word_set("car_context.places"),
        word_set("car_context.place_verbs"),
    )


def shouting(raw: str) -> bool:
    """Whether capitalisation carries no information (all caps or Title Case Everywhere)."""
    words = re.findall(r"[^\W\d_]+", raw)
    if len(words) >= 2 and not any(ch.islower() for ch in raw):
        return True
    rest = words[1:]
    return len(rest) >= 3 and sum(1 for w in rest if w[0].isupper()) / len(rest) >= 0.75


def _capitalised_mid(raw: str, start: int) -> bool:
    if not raw[start].isupper():
        return False
    head = raw[:start].rstrip(" \t\"'“”(")
    return bool(head) and head[-1] not in ".!?¡¿\n"


def _words(folded: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[^\W_]+", folded)]


def _prev_words(tokens: list[tuple[str, int, int]], index: int, count: int) -> list[str]:
    return [t[0] for t in tokens[max(0, index - count) : index]]


def _car_context(tokens: list[tuple[str, int, int]], first: int, last: int, lang_es: bool) -> bool:
    """ "tienen el kicks", "busco un ibiza", "el rio 2019", "jetta o vento": the words around make it a car."""
    articles, verbs, places, place_verbs = _context()
    before = _prev_words(tokens, first, 3)
    nxt = tokens[last][0] if last < len(tokens) else ""
    if nxt.isdigit() and len(nxt) == 4 and nxt.startswith(("19", "20")):
        return not (before and before[-1] in places)
    if not before:
        return False
    prev = before[-1]
    if prev in places or (prev == "a" and lang_es) or any(w in place_verbs for w in before):
        return False
    if prev.isdigit() and 1 < int(prev) <= 20:
        return True  # "¿tienen 3 versas?": a number of cars
    if prev in POSSESSIVES and lang_es == (prev in ("mi", "nuestro", "nuestra")) and _owned_context(tokens, last):
        return True  # "mi march es 2016, ¿me lo toman a cuenta?": the customer's own car
    if prev in verbs:
        return True
    seen = word_set("car_context.seen")
    if prev in seen or (prev in articles and len(before) >= 2 and before[-2] in seen):
        ahead = [w for w, _, _ in tokens[last : last + 3]]
        return any(w.isdigit() or w in word_set("car_context.listing") for w in ahead)  # "vi la kicks en 338"
    after = [w for w, _, _ in tokens[last : last + 2]]
    if prev in articles and len(after) == 2 and after[0] in ("mas", "menos"):
        return after[1] in word_set("car_context.superlative_after")  # "el mercedes más nuevo"
    return prev in articles and len(before) >= 2 and before[-2] in verbs


OWN_CAR_WORDS = frozenset(
    {
        "cuenta",
        "toman",
        "reciben",
        "vender",
        "vendo",
        "cambiar",
        "cambio",
        "trade",
        "sell",
        "modelo",
        "model",
        "km",
        "kilometros",
        "enganche",
        "down",
        "auto",
        "carro",
        "coche",
        "car",
    }
)


def _time_after_a(hit: Hit, tokens: list[tuple[str, int, int]]) -> bool:
    """ "tengo clase a las 6": the "a" of a time, not the Clase A."""
    nxt = tokens[hit.last][0] if hit.last < len(tokens) else ""
    return tokens[hit.last - 1][0] == "a" and nxt in ("las", "la", "eso", "partir", "que")


def _owned_context(tokens: list[tuple[str, int, int]], last: int) -> bool:
    """ "mi march es 2016", "my polo to trade in": a year right after, or words of a car a customer owns."""
    after = [t[0] for t in tokens[last : last + 3]]
    if any(w.isdigit() and len(w) == 4 and w.startswith(("19", "20")) for w in after):
        return True
    return bool(OWN_CAR_WORDS & {t[0] for t in tokens})


def _accept(hit: Hit, raw: str, tokens: list[tuple[str, int, int]], sure_makes: set[str], lang_es: bool) -> bool:
    """Whether a catalog hit names a car in this sentence."""
    target = hit.target
    if hit.first > 0 and tokens[hit.first - 1][0] in ("marca", "brand"):
        return True
    alone = len(tokens) <= 2 and hit.last - hit.first == len(tokens) - (1 if len(tokens) == 2 else 0)
    capital = not shouting(raw) and _capitalised_mid(raw, hit.start)
    next_to_make = (
        any(tokens[i][0] in sure_makes for i in (hit.first - 1, hit.last) if 0 <= i < len(tokens))
        and fold(target.make) in sure_makes
    )
    if target.method == "fuzzy":
        if len(tokens[hit.first][0]) < 5 and not (next_to_make or _car_context(tokens, hit.first, hit.last, lang_es)):
            return False
        return hit.score >= FUZZY_ANYWHERE or next_to_make or _car_context(tokens, hit.first, hit.last, lang_es)
    if not target.everyday:
        return True
    if next_to_make:
        return True
    articles = _context()[0]
    prev = tokens[hit.first - 1][0] if hit.first > 0 else ""
    if target.everyday == "common":
        going = any(w in _context()[3] for w in _prev_words(tokens, hit.first, 3))
        before = _prev_words(tokens, hit.first, 2)
        priced = len(before) == 2 and before[0] in PRICE_BEFORE and prev in articles  # "dame precio del golf gti"
        return (capital and prev in articles and not going) or priced  # "voy a la City": a place
    places, place_verbs = _context()[2], _context()[3]
    going = any(w in place_verbs for w in _prev_words(tokens, hit.first, 3))
    if capital and prev not in places and not (prev == "a" and lang_es) and not going:
        return True
    if alone and len(tokens) == 1:
        return True
    ahead = [w for w, _, _ in tokens[hit.last : hit.last + 3]]
    priced = any(any(ch.isdigit() for ch in w) or w in PRICE_WORDS for w in ahead)
    if (
        prev in articles
        and lang_es
        and not is_spanish_word(tokens[hit.first][0])
        and prev not in ("a", "the")
        and priced
    ):
        return True  # "q rollo, la frontier pro4x en cuánto?": a name that is no Spanish word, its article, a price
    return _car_context(tokens, hit.first, hit.last, lang_es)


def brand_mentions(
    raw: str, catalog: BrandCatalog | None, lang: str, context_models: tuple[str, ...] = ()
) -> list[Mention]:
    """The car names of a message in order, as written, each marked when it is the customer's own car.

    `context_models` (the models just listed) make their everyday-word names cars here ("el versa a 4 años").
    """
    if catalog is None:
        return []
    folded = fold(raw)
    tokens = _words(folded)
    discussed = {compact(m) for m in context_models}
    hits = [h if compact(h.target.model or h.target.make) not in discussed else _plain(h) for h in catalog.hits(raw)]
    sure = {h.target.make for h in hits if not h.target.everyday and h.target.method != "fuzzy"}
    sure_makes = {fold(m) for m in sure} | {
        tokens[h.first][0] for h in hits if h.target.model is None and not h.target.everyday
    }
    blocked = _place_spans(folded, catalog)
    hits = [h for h in hits if not any(s < h.end and h.start < e for s, e in blocked) and not _time_after_a(h, tokens)]
    place_words = _place_words(catalog.places)
    accepted = [
        h
        for h in hits
        if _accept(h, raw, tokens, sure_makes, lang == "es") and not _not_a_car_here(h, raw, tokens, hits, place_words)
    ]
    if accepted:  # an everyday word coordinated with a sure mention ("el rio o el march") is a car too
        accepted = _coordinated(hits, accepted, tokens)
    spans = _merge([(h.start, h.end) for h in accepted], folded)
    unknown = [(a, b) for a, b in _unknown_names(raw, folded, tokens, spans, lang) if folded[a:b] not in place_words]
    spans = sorted(spans + [(a, b) for a, b in unknown if not any(s < b and a < e for s, e in blocked)])
    mentions = [_mention(raw, folded, start, end) for start, end in spans]
    owned = {fold(m.text) for m in mentions if m.owned}  # "no cabemos en el Aveo ... damos el Aveo a cuenta"
    return [Mention(m.start, m.end, m.text, m.owned or fold(m.text) in owned) for m in mentions]


PRICE_BEFORE = frozenset({"precio", "cuanto", "cuesta", "cuestan", "vale", "price", "cotiza", "cotizame", "cotizar"})
"""Words before an article and a common word that make it a car asked about ("precio del golf", "cuánto el city")."""
PRICE_WORDS = frozenset({"cuanto", "cuesta", "cuestan", "precio", "sale", "vale", "en", "mes", "credito", "contado"})
"""Words right after a name that ask its price ("la frontier en cuánto?", "la tracker a crédito")."""
POSSESSIVES = frozenset({"mi", "nuestro", "nuestra", "my", "our"})
PLACE_NOUNS = frozenset({"sucursal", "branch", "agencia", "tienda", "store", "location", "plaza", "patio"})


def _place_spans(folded: str, catalog: BrandCatalog) -> list[tuple[int, int]]:
    """Where the message names one of the dealer's places: a branch's full name ("Patio Santa Fe"), or a place
    with "sucursal"/"branch" next to it ("the Santa Fe branch"). No car name inside counts."""
    spans = []
    for place in catalog.places:
        key = " ".join(re.findall(r"[a-z0-9]+", fold(place)))
        if not key:
            continue
        pattern = r"\b" + r"\W+".join(map(re.escape, key.split())) + r"\b"
        for m in re.finditer(pattern, folded):
            before = re.findall(r"[a-z]+", folded[max(0, m.start() - 20) : m.start()])[-2:]
            after = re.findall(r"[a-z]+", folded[m.end() : m.end() + 20])[:1]
            own_name = " " in key and catalog.match(key).model is None  # "patio santa fe" is only a place
            if own_name or PLACE_NOUNS & {*before, *after}:
                spans.append((m.start(), m.end()))
    return spans


@functools.lru_cache(maxsize=4)
def _place_words(places: tuple[str, ...]) -> frozenset[str]:
    return frozenset(" ".join(re.findall(r"[a-z0-9]+", fold(p))) for p in places)


def _not_a_car_here(
    hit: Hit, raw: str, tokens: list[tuple[str, int, int]], hits: list[Hit], places: frozenset[str]
) -> bool:
    """An everyday name used as something else: a person ("mi esposa Mercedes", "Dana Cooper"), a street ("Lincoln
    avenue"), a date ("March 3rd") or a place ("soy de León", "from Toledo")."""
    word = " ".join(t[0] for t in tokens[hit.first : hit.last])
    place = hit.target.everyday == "place" or word in places
    if not hit.target.everyday and not place:
        return False
    before = fold(raw)[max(0, hit.start - 40) : hit.start]
    prev = tokens[hit.first - 1][0] if hit.first > 0 else ""
    nxt = tokens[hit.last][0] if hit.last < len(tokens) else ""
    caps = not shouting(raw)
    cues_before = phrases_rx([*cue("name.explicit"), *cue("name.soft"), *cue("name.person_before")], suffix="")
    for m in cues_before.finditer(before):
        between = raw[max(0, hit.start - 40) + m.end() : hit.start].split()
        if not between or (len(between) == 1 and caps and between[0][:1].isupper()):
            return True  # "mi esposa Mercedes", "my name is Dana Cooper"
    surname = caps and nxt and raw[tokens[hit.last][1]].isupper() and not is_ordinary_word(nxt)
    if surname and not any(h.first == hit.last for h in hits):
        return True  # "Mercedes Ramírez": a surname follows
    if caps and prev in _first_names() and raw[tokens[hit.first - 1][1]].isupper():
        return True  # "Dana Cooper"
    if prev in word_set("car_context.street_before") or nxt in word_set("car_context.street_after"):
        return True
    if word in _months() and re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)?", nxt):
        return True
    if nxt == "de" and hit.last + 1 < len(tokens) and raw[tokens[hit.last + 1][1]].isupper():
        return True  # "Rio de Janeiro": a place
    return place and (prev in _context()[2] | {"de", "del", "from", "of", "a"})


@functools.lru_cache(maxsize=1)
def _months() -> frozenset[str]:
    months = lexicon()["calendar"]["months"]
    return frozenset(fold(m) for names in months.values() for m in names)


@functools.lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    return frozenset(fold(w) for w in str(lexicon().get("first_names", "")).split())


def _plain(hit: Hit) -> Hit:
    """The same hit with its everyday flag cleared (the model is under discussion)."""
    target = Target(
        hit.target.make, hit.target.model, hit.target.make_in_stock, hit.target.model_in_stock, "", hit.target.method
    )
    return Hit(hit.first, hit.last, hit.start, hit.end, target, hit.score)


def _coordinated(hits: list[Hit], accepted: list[Hit], tokens: list[tuple[str, int, int]]) -> list[Hit]:
    chosen = set(map(id, accepted))
    for hit in hits:
        if id(hit) in chosen or not hit.target.everyday:
            continue
        if hit.target.everyday == "common" and not any(o.target.make == hit.target.make for o in accepted):
            continue  # "golf o polo" (both Volkswagen), never "uno o dos"
        for other in accepted:
            between = [t[0] for t in tokens[min(hit.last, other.last) : max(hit.first, other.first)]]
            if 1 <= len(between) <= 2 and between[0] in ("o", "y", "or", "and", "vs", "versus"):
                chosen.add(id(hit))
                break
    return [h for h in hits if id(h) in chosen]


def _merge(spans: list[tuple[int, int]], folded: str) -> list[tuple[int, int]]:
    """Join a make and its model written next to each other ("Kia Rio", "Mazda 3"), with a model code after."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and re.fullmatch(r"[\s-]{1,2}", folded[merged[-1][1] : start]):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    out = []
    for start, end in merged:
        code = re.match(
            r"[\s-]?([a-z]{0,2}\d{1,4}[a-z]?)\b(?!\s*(?:mil\b|k\b|pesos|km|%|anos?|meses|[.,]\d))", folded[end:]
        )
        if code and not (code.group(1).isdigit() and 1990 <= int(code.group(1)) <= 2035):
            end += code.end()
        out.append((start, end))
    return out


def _unknown_names(
    raw: str, folded: str, tokens: list[tuple[str, int, int]], taken: list[tuple[int, int]], lang: str
) -> list[tuple[int, int]]:
    """ "el Xpander", "la marca reno": a name we do not know, said where a car name goes (to name it back)."""
    articles, verbs, places, place_verbs = _context()
    found = []
    use_caps = not shouting(raw)
    for k, (word, start, end) in enumerate(tokens):
        if any(s <= start < e for s, e in taken) or len(word) < 2 or word.isdigit():
            continue
        prev = tokens[k - 1][0] if k > 0 else ""
        if prev in ("marca", "brand") and word.isalpha() and not is_ordinary_word(word):
            found.append((start, end))
            continue
        capital = use_caps and _capitalised_mid(raw, start)
        if not capital or is_ordinary_word(word) or word in _body_words() or prev not in articles | verbs:
            continue
        if (
            (prev == "a" and lang == "es")
            or prev in places
            or (prev == "de" and k > 1 and tokens[k - 2][0] in place_verbs)
        ):
            continue
        if _is_person(raw, tokens, k):
            continue
        found.append((start, end))
    return found


@functools.lru_cache(maxsize=1)
def _body_words() -> frozenset[str]:
    """Plain words of the body-type cues ("suv", "sedan", "pickup"), never unknown car names."""
    words: set[str] = set()
    for phrases in cue("body").values():
        for item in phrases:
            words |= {
                w.strip("?").rstrip("s?")
                for w in str(item).replace("_", " ").split()
                if w.isalpha() or w.endswith("s?")
            }
            words |= {w for w in str(item).replace("_", "").split() if w.isalpha()}
    return frozenset(words)


def _is_person(raw: str, tokens: list[tuple[str, int, int]], k: int) -> bool:
    """ "soy Mariana", "con Julio": a capitalised word after a name cue is a person, not a car."""
    name_cues = phrases_rx([*cue("name.explicit"), *cue("name.soft"), "con", "with", "para"], suffix=r"\s*$")
    before = " ".join(t[0] for t in tokens[max(0, k - 3) : k])
    return bool(name_cues.search(before))


def _mention(raw: str, folded: str, start: int, end: int) -> Mention:
    owned = bool(OWNED_BEFORE.search(folded[max(0, start - 40) : start]) or OWNED_AFTER.match(folded[end : end + 80]))
    if owned and re.search(
        r"\b(?:quiero|busco|me\s+interesa|want|looking)\s+(?:un|una|el|la|a|an)?\s*$", folded[:start]
    ):
        owned = False
    return Mention(start, end, raw[start:end].strip(" -"), owned)
