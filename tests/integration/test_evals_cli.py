"""`kavak-agent eval` as a subprocess on the full golden dataset, offline: exit code and report files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def kavak_eval(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "eval", "--no-progress", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_full_dataset_offline_gate_and_reports(tmp_path: Path) -> None:
    done = kavak_eval("--report-dir", str(tmp_path / "reports"), cwd=tmp_path)
    reports = sorted((tmp_path / "reports").glob("eval-*.json"))
    assert len(reports) == 1, done.stderr
    report = json.loads(reports[0].read_text())
    summary = report["summary"]
    assert summary["conversations"] >= 60 and summary["turns"] > summary["conversations"]
    assert set(summary["metrics"]) >= {"tool_accuracy", "guardrail", "completion", "grounding", "facts"}
    assert done.returncode == (0 if report["gate"]["ok"] else 1), done.stdout + done.stderr
    assert report["gate"]["ok"] == (summary["pass_rate"] >= 0.95 and not summary["guardrail_failures"])
    assert f"pass rate {summary['passed']}/{summary['conversations']}" in done.stdout
    assert "Traceback" not in done.stderr
    html = reports[0].with_suffix(".html").read_text()
    assert "<svg" in html and "Compared with the previous report" in html
    # The regression gate itself: CI fails when the offline agent drops below 95% or breaks a guardrail case.
    assert done.returncode == 0 and report["gate"]["ok"], done.stdout


def test_small_run_passes_a_lower_threshold_and_compares_with_the_last_report(tmp_path: Path) -> None:
    first = kavak_eval("--limit", "4", "--threshold", "0.5", "--report-dir", "r", cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    second = kavak_eval("--limit", "4", "--threshold", "0.5", "--report-dir", "r", cwd=tmp_path)
    assert second.returncode == 0
    assert second.stderr == "", "--no-progress must print no progress bar (the model's 'Loading weights' included)"
    latest = json.loads(sorted((tmp_path / "r").glob("eval-*.json"))[-1].read_text())
    assert latest["comparison"]["previous"] is not None and latest["comparison"]["regressions"] == []


def test_a_broken_dataset_is_a_clear_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n')
    done = kavak_eval("--dataset", str(bad), cwd=tmp_path)
    assert done.returncode == 2 and "bad.jsonl:1" in done.stderr and "Traceback" not in done.stderr


def test_the_unscripted_split_has_its_own_gate_and_the_brand_free_corpus(tmp_path: Path) -> None:
    done = kavak_eval("--split", "unscripted", "--report-dir", "r", cwd=tmp_path)
    [report_path] = sorted((tmp_path / "r").glob("eval-*.json"))
    report = json.loads(report_path.read_text())
    summary = report["summary"]
    assert (
        summary["conversations"] >= 200 and report["run"]["split"] == "unscripted" and report["run"]["threshold"] == 0.9
    )
    assert "brand-free corpus: 0 false car names" in done.stdout
    assert done.returncode == (0 if report["gate"]["ok"] else 1), done.stdout[-2000:]
    # The gate on messages written the way customers write: 90% of the conversations, no false car name.
    assert done.returncode == 0, done.stdout[-2000:]


def test_the_holdout_split_is_measured_without_a_gate(tmp_path: Path) -> None:
    done = kavak_eval("--split", "holdout", "--report-dir", "r", cwd=tmp_path)
    [report_path] = sorted((tmp_path / "r").glob("eval-*.json"))
    summary = json.loads(report_path.read_text())["summary"]
    assert summary["conversations"] >= 40 and done.returncode == 0, done.stdout[-2000:]
    assert f"pass rate {summary['passed']}/{summary['conversations']}" in done.stdout
