"""The command line refuses bad arguments with a usage error before touching any conversation."""

import pytest

from cli.main import build_parser, main


@pytest.mark.parametrize("thread", ["", "   ", "x" * 201])
def test_blank_or_huge_thread_ids_are_usage_errors(thread: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["ask", "--thread", thread, "hola"])
    assert exit_info.value.code == 2
    assert "thread id must be 1 to 200 non-blank characters" in capsys.readouterr().err


def test_thread_ids_are_trimmed() -> None:
    args = build_parser().parse_args(["ask", "--thread", "  cliente-42 ", "--json", "hola"])
    assert args.thread == "cliente-42" and args.json and args.message == ["hola"]


def test_eval_without_its_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "agentevals" else real(name))
    assert main(["eval", "--limit", "1"]) == 2
    err = capsys.readouterr().err
    assert "agentevals missing" in err and "make setup-eval" in err and "pip install -e '.[eval]'" in err
