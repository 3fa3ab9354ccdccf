"""`kavak-agent eval` flags: --langsmith fails before loading anything heavy; --no-progress silences every bar."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from evals import cli


def test_langsmith_without_a_key_stops_before_loading_evaluators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def heavy(settings: object) -> None:
        raise AssertionError("the evaluators (embedding model) were loaded before the key check")

    monkeypatch.setattr(cli, "build_evaluators", heavy)
    args = argparse.Namespace(dataset=None, limit=1, langsmith=True, no_progress=True, report_dir=str(tmp_path))
    assert cli.run(args) == 2
    captured = capsys.readouterr()
    assert "needs LANGSMITH_API_KEY" in captured.err and captured.out == ""


def test_no_progress_disables_hugging_face_bars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_DISABLE_PROGRESS_BARS", raising=False)
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    cli.quiet_progress_bars()
    assert os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1" and os.environ["TQDM_DISABLE"] == "1"
