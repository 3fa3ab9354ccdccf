"""Terminal rendering of WhatsApp markup and tool calls."""

from __future__ import annotations

from cli.render import tool_line, tool_summary, whatsapp_text


def styles(text: str) -> list[tuple[str, str]]:
    rendered = whatsapp_text(text)
    return [(rendered.plain[span.start : span.end], str(span.style)) for span in rendered.spans]


def test_markers_become_styles_and_disappear() -> None:
    text = "La mensualidad es *$4,605.82* a _48 meses_, ~antes~ ```code```"
    assert whatsapp_text(text).plain == "La mensualidad es $4,605.82 a 48 meses, antes code"
    assert styles(text) == [("$4,605.82", "bold"), ("48 meses", "italic"), ("antes", "strike"), ("code", "cyan")]


def test_markers_that_do_not_hug_a_word_stay_literal() -> None:
    for text in ("2 * 3 * 4", "snake_case_name", "a*b*c", "* nada *", "precio ~ 300k"):
        assert whatsapp_text(text).plain == text and styles(text) == [], text


def test_nested_markers() -> None:
    assert styles("*muy _importante_*") == [("muy importante", "bold"), ("importante", "italic")]


def test_tool_summaries() -> None:
    assert tool_summary("search_inventory", {"results": [{}] * 5, "total": 7}) == "7 results, 5 shown"
    assert tool_summary("calculate_financing", {"monthly_payment": "4605.82", "term_months": 48}) == (
        "$4,605.82/month over 48 months"
    )
    assert tool_summary("schedule_visit", {"visit_id": "V-1", "status": "booked"}) == "visit V-1 booked"
    assert tool_summary("normalize_brand", {"make": "Chevrolet", "model": None, "method": "alias"}) == (
        "Chevrolet (alias)"
    )
    assert tool_summary("request_human", {"ticket": 3, "queue": "sales"}) == "ticket, queue"
    assert tool_summary("anything", {"error": "bad term"}) == "error: bad term"
    line = tool_line({"name": "search_inventory", "args": {"make": "Kia", "model": None}, "output": {"total": 0}})
    assert line.plain == "search_inventory make=Kia → 0 results"
