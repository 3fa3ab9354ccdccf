"""server/outbound.py: replies split at Twilio's 1,600-character limit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from server.outbound import MAX_PART_CHARS, split_message


def test_short_reply_is_one_part() -> None:
    assert split_message("  Hola, ¿qué auto buscas?  ") == ["Hola, ¿qué auto buscas?"]
    assert split_message("") == []


def test_cuts_at_sentence_boundaries_and_keeps_order() -> None:
    sentences = [f"Frase {i} sobre el auto {'x' * 40}." for i in range(100)]
    parts = split_message(" ".join(sentences))
    assert len(parts) > 1
    assert all(len(p) <= MAX_PART_CHARS for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == " ".join(sentences)


def test_newlines_are_boundaries_and_prices_are_not() -> None:
    lines = [f"{i}. Chevrolet Onix 2021, 28,430 km: $226,999.00 al contado" for i in range(60)]
    parts = split_message("\n".join(lines), limit=300)
    assert all(len(p) <= 300 for p in parts)
    assert [line for p in parts for line in p.split("\n")] == lines


def test_long_sentence_falls_back_to_spaces_then_hard_cuts() -> None:
    words = " ".join(["palabra"] * 500)
    parts = split_message(words, limit=100)
    assert all(len(p) <= 100 and not p.startswith(" ") for p in parts)
    assert " ".join(parts) == words
    assert split_message("a" * 250, limit=100) == ["a" * 100, "a" * 100, "a" * 50]


@given(st.text(alphabet=st.sampled_from("ab .!?\n¿é"), max_size=2000), st.integers(min_value=5, max_value=200))
def test_parts_fit_and_keep_every_character(text: str, limit: int) -> None:
    parts = split_message(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
