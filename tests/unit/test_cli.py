"""The command line refuses bad arguments with a usage error before touching any conversation."""

import pytest

from cli.main import build_parser


@pytest.mark.parametrize("thread", ["", "   ", "x" * 201])
def test_blank_or_huge_thread_ids_are_usage_errors(thread: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["ask", "--thread", thread, "hola"])
    assert exit_info.value.code == 2
    assert "thread id must be 1 to 200 non-blank characters" in capsys.readouterr().err


def test_thread_ids_are_trimmed() -> None:
    args = build_parser().parse_args(["ask", "--thread", "  cliente-42 ", "--json", "hola"])
    assert args.thread == "cliente-42" and args.json and args.message == ["hola"]
