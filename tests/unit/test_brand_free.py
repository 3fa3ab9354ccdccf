"""The brand-free corpus: customer-style sentences with no make or model, where a false brand match must be zero.

evals/brand_free.txt is written as customers write (Spanish WhatsApp style and English), with the everyday
words, places, people and streets that look like car names ("honda la barranca", "clase a las 6", "Lincoln
avenue", "car seat"). It is read through the process's own toolkit, whose catalog knows the dealer's places.
"""

from __future__ import annotations

from pathlib import Path

from graph.resources import get_toolkit
from graph.understanding import understand_offline

CORPUS = Path(__file__).resolve().parents[2] / "evals" / "brand_free.txt"
MIN_SENTENCES = 500


def sentences() -> list[str]:
    return [line.strip() for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_corpus_is_large_and_has_no_repeats() -> None:
    lines = sentences()
    assert len(lines) >= MIN_SENTENCES
    assert len(set(lines)) == len(lines)


def false_matches(field: str) -> dict[str, object]:
    """Sentences of the corpus where the parser finds a car in `field`, with what it found."""
    catalog = get_toolkit().catalog
    assert catalog.places, "the toolkit's catalog should know the dealer's place names"
    found = {}
    for line in sentences():
        value = getattr(understand_offline(line, catalog), field)
        if value:
            found[line] = value
    return found


def test_no_sentence_of_the_corpus_names_a_car_wanted() -> None:
    false = false_matches("brand_texts")
    assert false == {}, f"{len(false)} false brand matches: {false}"


def test_no_sentence_of_the_corpus_names_a_car_owned() -> None:
    """ "tengo clase a las 6" is a lesson, not a Mercedes-Benz the customer owns."""
    false = false_matches("owned_car")
    assert false == {}, f"{len(false)} false owned cars: {false}"
