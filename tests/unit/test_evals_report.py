"""Report files: JSON + HTML with an SVG chart, and the comparison with the previous report."""

from __future__ import annotations

import json
import re
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
    assert svg.count('class="bar ') == 2 and "50.0%" in svg and ">n/a<" in svg


def test_chart_draws_the_threshold_and_tells_gated_from_scored_metrics() -> None:
    metrics = {
        "tool_accuracy": {"mean": 0.95, "n": 80, "hard": True},
        "guardrail": {"mean": 1.0, "n": 20, "hard": True},
        "facts": {"mean": 0.5, "n": 4, "hard": True},
        "completion": {"mean": None, "n": 0, "hard": True},
        "semantic_similarity": {"mean": 0.99, "n": 80, "hard": False},
    }
    svg = metric_chart(metrics, threshold=0.97)
    assert svg.count('class="threshold"') == 1 and "gate 97%" in svg
    # 95% on a gated metric is below a 97% gate: red, never green; 100% is green; scored bars are hatched.
    bars = dict(re.findall(r"<title>([\d.]+%) \((\w+)\)</title>", svg))
    assert bars == {"95.0%": "gate", "100.0%": "gate", "50.0%": "gate", "99.0%": "score"}
    assert re.search(r'fill="#c62828" class="bar gate"><title>95.0%', svg)
    assert re.search(r'fill="#2e7d32" class="bar gate"><title>100.0%', svg)
    assert re.search(r'fill="url\(#hatch\)"[^>]*class="bar score"><title>99.0%', svg)
    assert svg.count('class="bar ') == 4  # n = 0 has no bar
    assert ">n/a<" in svg


def test_html_shows_n_a_and_the_transcripts_of_failing_conversations(tmp_path: Path) -> None:
    report = suite({"ok-1": True, "bad-1": False})
    report["conversations"][1]["turns"] = [
        {
            "user": "chebys <300k>",
            "reply": "Tengo 7 opciones…",
            "route": ["consult", "normalize", "search", "respond"],
            "tool_calls": [{"name": "search_inventory", "args": {"make": "Chevrolet", "max_price": 300000}}],
        }
    ]
    report["summary"]["metrics"]["completion"] = {"mean": None, "n": 0, "hard": True}
    report["run"] = {"threshold": 0.95, "mode": "offline"}
    _, html_path = write_report(report, tmp_path)
    page = html_path.read_text()
    assert "<td>completion</td><td>n/a</td><td>0</td>" in page
    failing = page.split("<h2>Failing conversations</h2>")[1]
    assert "bad-1" in failing and "ok-1" not in failing
    assert "tool_accuracy</b>: turn 1: x" in failing  # the reason
    assert "chebys &lt;300k&gt;" in failing and "Tengo 7 opciones" in failing  # escaped customer text, reply
    assert "search_inventory({&quot;make&quot;: &quot;Chevrolet&quot;, &quot;max_price&quot;: 300000})" in failing
    assert "consult → normalize → search → respond" in failing
    assert 'class="threshold"' in page and "pass rate ≥ 95%" in page
