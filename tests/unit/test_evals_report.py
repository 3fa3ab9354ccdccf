"""Report files: JSON + HTML with an SVG chart, and the comparison with the previous report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.report import compare, metric_chart, previous_report, write_report
from evals.runner import ConversationResult, SuiteResult, gate, summarize


def suite(passes: dict[str, bool], guardrail_ok: bool = True) -> dict[str, Any]:
    results = [
        ConversationResult(
            cid,
            "vague",
            "es",
            ok,
            {
                "tool_accuracy": {"score": 1.0 if ok else 0.0, "comment": "ok" if ok else "turn 1: x"},
                "guardrail": {"score": 1.0 if guardrail_ok else 0.0, "comment": ""},
                "semantic_similarity": {"score": 0.8, "comment": ""},
            },
            [],
            {"llm_calls": 2, "total_tokens": 100},
            0.1,
        )
        for cid, ok in passes.items()
    ]
    result = SuiteResult(results, summarize(results, 1.0))
    ok, reasons = gate(result.summary, 0.95)
    return {**result.as_dict(), "gate": {"ok": ok, "reasons": reasons}}


def test_summary_gate_and_usage() -> None:
    report = suite({"a": True, "b": False})
    summary = report["summary"]
    assert summary["pass_rate"] == 0.5 and summary["failed"] == ["b"]
    assert summary["metrics"]["tool_accuracy"] == {"mean": 0.5, "n": 2, "hard": True}
    assert summary["metrics"]["semantic_similarity"]["hard"] is False
    assert summary["usage_per_conversation"]["llm_calls"] == 2
    assert report["gate"] == {"ok": False, "reasons": ["pass rate 50.0% is below 95%"]}
    guarded = suite({"a": True}, guardrail_ok=False)
    assert guarded["summary"]["guardrail_failures"] == ["a"] and not guarded["gate"]["ok"]


def test_reports_are_written_and_compared_with_the_previous_one(tmp_path: Path) -> None:
    assert previous_report(tmp_path) is None
    first_json, first_html = write_report(suite({"a": True, "b": False, "c": True}), tmp_path)
    first = json.loads(first_json.read_text())
    assert first["comparison"]["previous"] is None
    html = first_html.read_text()
    assert "<svg" in html and "tool_accuracy" in html and "66.7%" in html and "No previous report" in html
    second_json, second_html = write_report(suite({"a": False, "b": True, "c": True}), tmp_path)
    second = json.loads(second_json.read_text())
    comparison = second["comparison"]
    assert comparison["previous"] == first["run"]["id"]
    assert comparison["regressions"] == ["a"] and comparison["fixed"] == ["b"]
    assert comparison["metrics"]["tool_accuracy"]["delta"] == 0.0
    assert "Regressions (passed before, fail now): a" in second_html.read_text()
    assert (tmp_path / "latest.html").read_text() == second_html.read_text()
    assert previous_report(tmp_path)["run"]["id"] == second["run"]["id"]


def test_comparison_reports_metric_deltas() -> None:
    before = suite({"a": True, "b": True})
    after = suite({"a": True, "b": False})
    before["run"] = {"id": "old"}
    delta = compare(after, before)
    assert delta["metrics"]["tool_accuracy"] == {"before": 1.0, "now": 0.5, "delta": -0.5}
    assert delta["pass_rate"] == {"before": 1.0, "now": 0.5}


def test_chart_has_one_bar_per_scored_metric() -> None:
    svg = metric_chart({"a": {"mean": 1.0}, "b": {"mean": 0.5}, "c": {"mean": None}})
    assert svg.count("<rect") == 2 and "50.0%" in svg
