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


def metric_chart(metrics: dict[str, dict[str, Any]]) -> str:
    """An inline SVG bar chart of the metric means (0–100%)."""
    rows = [(k, m["mean"]) for k, m in metrics.items() if m.get("mean") is not None]
    height = 28 * len(rows) + 10
    bars = []
    for i, (key, mean) in enumerate(rows):
        y = 10 + 28 * i
        width = round(BAR_WIDTH * mean)
        color = "#2e7d32" if mean >= 0.95 else "#f9a825" if mean >= 0.8 else "#c62828"
        bars.append(
            f'<text x="0" y="{y + 15}" font-size="13">{html.escape(key)}</text>'
            f'<rect x="170" y="{y}" width="{width}" height="20" fill="{color}">'
            f"<title>{mean:.1%}</title></rect>"
            f'<text x="{176 + width}" y="{y + 15}" font-size="13">{mean:.1%}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{BAR_WIDTH + 240}" height="{height}" role="img" '
        f'aria-label="metric scores">{"".join(bars)}</svg>'
    )


def render_html(report: dict[str, Any]) -> str:
    """The human-readable page: summary, chart, comparison, failing conversations."""
    s = report["summary"]
    e = html.escape
    comparison = report.get("comparison") or {}
    rows = "".join(
        f"<tr><td>{e(k)}</td><td>{_pct(m['mean'])}</td><td>{m['n']}</td>"
        f"<td>{'gate' if m['hard'] else 'score'}</td>"
        f"<td>{_delta(comparison.get('metrics', {}).get(k))}</td></tr>"
        for k, m in s["metrics"].items()
    )
    failing = (
        "".join(
            f"<li><b>{e(c['id'])}</b> ({e(c['category'])}): "
            + "; ".join(
                f"{e(k)}: {e(str(v['comment']))}"
                for k, v in c["metrics"].items()
                if v["score"] is not None and v["score"] < 1 and k in _hard(s)
            )
            + "</li>"
            for c in report["conversations"]
            if not c["passed"]
        )
        or "<li>none</li>"
    )
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
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kavak-agent eval {e(report["run"]["id"])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto}}td,th{{padding:4px 10px;
text-align:left}}table{{border-collapse:collapse}}tr:nth-child(even){{background:#f3f3f3}}</style></head><body>
<h1>kavak-agent eval: {verdict}</h1>
<p>{s["passed"]}/{s["conversations"]} conversations passed (<b>{s["pass_rate"]:.1%}</b>), {s["turns"]} turns,
{s["seconds"]:.1f} s, mode {e(str(report.get("run", {}).get("mode", "")))}. {e(reasons)}</p>
{metric_chart(s["metrics"])}
<table><tr><th>metric</th><th>mean</th><th>n</th><th>role</th><th>vs previous</th></tr>{rows}</table>
<h2>Compared with the previous report</h2><p>{versus}</p>
<p>Regressions (passed before, fail now): {regressions}</p><p>Fixed: {fixed}</p>
<h2>Failing conversations</h2><ul>{failing}</ul>
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
    return "" if value is None else f"{value:.1%}"
