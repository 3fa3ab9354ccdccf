"""Eval reports: a JSON file plus a readable HTML page with a bar chart and the regressions since last run."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPORT_GLOB = "eval-*.json"
BAR_WIDTH = 360


def previous_report(report_dir: Path) -> dict[str, Any] | None:
    """The newest report already in `report_dir`, if any (unreadable files are skipped)."""
    for path in sorted(report_dir.glob(REPORT_GLOB), reverse=True):
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return None


def compare(current: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """Metric deltas and conversations that passed before and fail now (regressions) or the reverse."""
    if previous is None:
        return {"previous": None, "metrics": {}, "regressions": [], "fixed": []}
    now, before = current["summary"], previous.get("summary", {})
    deltas = {}
    for key, metric in now["metrics"].items():
        old = before.get("metrics", {}).get(key, {}).get("mean")
        if metric["mean"] is not None and old is not None:
            deltas[key] = {"before": old, "now": metric["mean"], "delta": round(metric["mean"] - old, 4)}
    old_passed = {c["id"]: c["passed"] for c in previous.get("conversations", [])}
    new_passed = {c["id"]: c["passed"] for c in current["conversations"]}
    return {
        "previous": previous.get("run", {}).get("id"),
        "pass_rate": {"before": before.get("pass_rate"), "now": now["pass_rate"]},
        "metrics": deltas,
        "regressions": sorted(i for i, ok in new_passed.items() if not ok and old_passed.get(i) is True),
        "fixed": sorted(i for i, ok in new_passed.items() if ok and old_passed.get(i) is False),
    }


def write_report(report: dict[str, Any], report_dir: Path | str) -> tuple[Path, Path]:
    """Add run info and the comparison with the previous report; write `eval-<time>.json` and `.html`."""
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    run_id = now.strftime("%Y%m%dT%H%M%S%fZ")
    report = {**report, "run": {**report.get("run", {}), "id": run_id, "finished_at": now.isoformat()}}
    report["comparison"] = compare(report, previous_report(report_dir))
    json_path = report_dir / f"eval-{run_id}.json"
    html_path = report_dir / f"eval-{run_id}.html"
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    html_path.write_text(render_html(report), encoding="utf-8")
    (report_dir / "latest.html").write_text(render_html(report), encoding="utf-8")
    return json_path, html_path


GATE_COLOURS = ("#2e7d32", "#f9a825", "#c62828")
"""Gated metrics: perfect, at or above the threshold, below it."""
SCORE_COLOUR = "#5c7cfa"
"""Scored (informational) metrics: one neutral colour, hatched, whatever the value."""
LABEL_X, BAR_X = 0, 170


def metric_chart(metrics: dict[str, dict[str, Any]], threshold: float | None = None) -> str:
    """An inline SVG bar chart (0–100%): gated metrics solid and coloured by the gate, scored ones hatched and
    neutral, n = 0 written "n/a", and a dashed line at the gate's threshold."""
    height = 28 * len(metrics) + 34
    parts = [
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{SCORE_COLOUR}" fill-opacity="0.35"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{SCORE_COLOUR}" stroke-width="3"/></pattern></defs>'
    ]
    for i, (key, metric) in enumerate(metrics.items()):
        y = 10 + 28 * i
        mean, hard = metric.get("mean"), metric.get("hard", False)
        role = "gate" if hard else "score"
        parts.append(
            f'<text x="{LABEL_X}" y="{y + 15}" font-size="13">{html.escape(key)}'
            f'<tspan fill="#777" font-size="11"> {role}</tspan></text>'
        )
        if mean is None or not metric.get("n", 1):
            parts.append(f'<text x="{BAR_X + 6}" y="{y + 15}" font-size="13" fill="#777">n/a</text>')
            continue
        width = round(BAR_WIDTH * mean)
        if hard:
            colour = GATE_COLOURS[0 if mean >= 1 else 1 if threshold is not None and mean >= threshold else 2]
            bar = f'fill="{colour}" class="bar gate"'
        else:
            bar = f'fill="url(#hatch)" stroke="{SCORE_COLOUR}" class="bar score"'
        parts.append(
            f'<rect x="{BAR_X}" y="{y}" width="{width}" height="20" {bar}><title>{mean:.1%} ({role})</title></rect>'
            f'<text x="{BAR_X + 6 + width}" y="{y + 15}" font-size="13">{mean:.1%}</text>'
        )
    if threshold is not None:
        x = BAR_X + round(BAR_WIDTH * threshold)
        bottom = 28 * len(metrics) + 12
        parts.append(
            f'<line class="threshold" x1="{x}" y1="4" x2="{x}" y2="{bottom}" stroke="#333" stroke-dasharray="4 3"/>'
            f'<text x="{x}" y="{bottom + 16}" font-size="12" text-anchor="middle">gate {threshold:.0%}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{BAR_X + BAR_WIDTH + 70}" height="{height}" role="img" '
        f'aria-label="metric scores">{"".join(parts)}</svg>'
    )


def transcript_html(conversation: dict[str, Any], gated: set[str]) -> str:
    """A failing conversation: why it failed, then each turn (customer, tool calls, route, reply)."""
    e = html.escape
    reasons = "".join(
        f"<li><b>{e(k)}</b>: {e(str(v['comment']))}</li>"
        for k, v in conversation["metrics"].items()
        if k in gated and v["score"] is not None and v["score"] < 1
    )
    turns = []
    for number, turn in enumerate(conversation.get("turns", []), start=1):
        calls = "".join(
            f"<li><code>{e(c['name'])}({e(json.dumps(c.get('args', {}), ensure_ascii=False))})</code></li>"
            for c in turn.get("tool_calls", [])
        )
        turns.append(
            f'<div class="turn"><div class="n">turn {number}</div>'
            f'<div class="user"><b>customer</b> {e(turn.get("user", ""))}</div>'
            f'<ul class="calls">{calls or "<li>no tool calls</li>"}</ul>'
            f'<div class="route">route: {e(" → ".join(turn.get("route", [])))}</div>'
            f'<div class="reply"><b>agent</b> {e(turn.get("reply", ""))}</div></div>'
        )
    return (
        f'<details class="failing" open><summary><b>{e(conversation["id"])}</b> ({e(conversation["category"])}, '
        f'{e(conversation.get("language", ""))})</summary><ul class="reasons">{reasons}</ul>{"".join(turns)}'
        "</details>"
    )


def render_html(report: dict[str, Any]) -> str:
    """The human-readable page: summary, chart, comparison, failing conversations with their transcripts."""
    s = report["summary"]
    e = html.escape
    comparison = report.get("comparison") or {}
    threshold = report.get("run", {}).get("threshold")
    rows = "".join(
        f'<tr class="{"gate" if m["hard"] else "score"}"><td>{e(k)}</td><td>{_pct(m["mean"])}</td><td>{m["n"]}</td>'
        f"<td>{'gate' if m['hard'] else 'score'}</td>"
        f"<td>{_delta(comparison.get('metrics', {}).get(k))}</td></tr>"
        for k, m in s["metrics"].items()
    )
    failing = "".join(transcript_html(c, _hard(s)) for c in report["conversations"] if not c["passed"])
    regressions = ", ".join(e(i) for i in comparison.get("regressions", [])) or "none"
    fixed = ", ".join(e(i) for i in comparison.get("fixed", [])) or "none"
    previous = comparison.get("previous")
    before = (comparison.get("pass_rate") or {}).get("before")
    versus = (
        f"Previous run {e(str(previous))}: pass rate {before:.1%}."
        if previous and before is not None
        else "No previous report in this folder."
    )
    verdict = "PASS" if report.get("gate", {}).get("ok") else "FAIL"
    reasons = "; ".join(report.get("gate", {}).get("reasons", []))
    chart_rows = {"pass rate": {"mean": s["pass_rate"], "n": s["conversations"], "hard": True}, **s["metrics"]}
    gate_line = f" Gate: pass rate ≥ {threshold:.0%} and no guardrail failure." if threshold is not None else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kavak-agent eval {e(report["run"]["id"])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em}}td,th{{padding:4px 10px;
text-align:left}}table{{border-collapse:collapse}}tr:nth-child(even){{background:#f3f3f3}}tr.score td{{color:#555}}
.verdict-PASS{{color:#2e7d32}}.verdict-FAIL{{color:#c62828}}details.failing{{border:1px solid #ddd;border-radius:6px;
padding:6px 10px;margin:8px 0}}.turn{{border-top:1px dashed #ddd;padding:6px 0}}.turn .n,.route{{color:#777;
font-size:12px}}.reply{{white-space:pre-wrap}}.calls{{margin:2px 0;font-size:13px}}.reasons{{color:#c62828}}</style>
</head><body>
<h1>kavak-agent eval: <span class="verdict-{verdict}">{verdict}</span></h1>
<p>{s["passed"]}/{s["conversations"]} conversations passed (<b>{s["pass_rate"]:.1%}</b>), {s["turns"]} turns,
{s["seconds"]:.1f} s, mode {e(str(report.get("run", {}).get("mode", "")))}.{gate_line} {e(reasons)}</p>
<p>Solid bars gate the run (green: perfect; amber: at or above the threshold; red: below); hatched bars are scored
only. A conversation passes when every gated metric that applies to it is perfect.</p>
{metric_chart(chart_rows, threshold)}
<table><tr><th>metric</th><th>mean</th><th>n</th><th>role</th><th>vs previous</th></tr>{rows}</table>
<h2>Compared with the previous report</h2><p>{versus}</p>
<p>Regressions (passed before, fail now): {regressions}</p><p>Fixed: {fixed}</p>
<h2>Failing conversations</h2>{failing or "<p>none</p>"}
</body></html>
"""


def _hard(summary: dict[str, Any]) -> set[str]:
    return {k for k, m in summary["metrics"].items() if m["hard"]}


def _delta(delta: dict[str, Any] | None) -> str:
    if not delta:
        return ""
    d = delta["delta"]
    return f"{'▲' if d > 0 else '▼' if d < 0 else '='} {d:+.1%}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"
