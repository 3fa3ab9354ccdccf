"""`kavak-agent chat` in a real pseudo-terminal (pexpect): colour, wrapping, local /commands, resumed threads."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
WIDTH = 60
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PROMPT = "tú › "


def spawn_chat(data_dir: Path, *args: str) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REDIS_", "NO_COLOR"))}
    env.update(DATA_DIR=str(data_dir), TERM="xterm-256color", COLUMNS=str(WIDTH), LINES="40")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "cli.main", "chat", *args],
        cwd=str(REPO),
        env=env,
        encoding="utf-8",
        dimensions=(40, WIDTH),
        timeout=60,
    )
    child.expect_exact(PROMPT)
    return child


def say(child: pexpect.spawn, text: str) -> str:
    """Type a line; everything printed until the next prompt (escape codes kept)."""
    child.sendline(text)
    child.expect_exact(PROMPT)
    return child.before


def plain(screen: str) -> str:
    """The text as the terminal shows it: escape codes dropped, a carriage return starts its line over (the
    "escribiendo…" spinner redraws itself in place; its frames are not one long line)."""
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in ANSI.sub("", screen).split("\n"))


def test_terminal_chat_commands_formatting_and_resume(tmp_path: Path) -> None:
    data = tmp_path / "data"
    child = spawn_chat(data, "--thread", "demo", "-v")
    try:
        assert "resumed" not in plain(child.before)

        shown = plain(say(child, "/help"))
        assert all(cmd in shown for cmd in ("/help", "/new", "/thread", "/quit")), shown
        assert "kavi ›" not in shown, "/help went to the agent"
        assert "demo" in plain(say(child, "/thread"))
        assert "unknown command /nope" in plain(say(child, "/nope"))

        listing = say(child, "Do you have any Chebys under 300k?")
        text = plain(listing)
        assert "kavi ›" in text and "Spark 2021" in text and "Aveo 2017" in text
        assert "search_inventory" in text and "7 results" in text, text  # -v: one line per tool call
        assert max(len(line) for line in text.splitlines()) <= WIDTH, max(text.splitlines(), key=len)
        # Soft wrapping: every word of the reply appears whole on some line (no word cut at the margin).
        assert "Chevrolet" in text and "Chevrol\n" not in text

        payment = say(child, "How much is the monthly payment for the Onix over 4 years?")
        assert "*" not in plain(payment), "WhatsApp markers must be rendered, not printed"
        assert re.search(r"\x1b\[[0-9;]*1[0-9;]*m\$4,605\.82", payment), "the payment is not bold"
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    # The agent never saw the commands: a new process resumes the thread and shows its last messages.
    child = spawn_chat(data, "--thread", "demo")
    try:
        greeting = plain(child.before)
        assert "resumed conversation 'demo' (4 messages)" in greeting, greeting
        assert "$4,605.82" in greeting and "/nope" not in greeting and "/thread" not in greeting
        assert "new conversation" in plain(say(child, "/new"))
        assert "terminal-" in plain(say(child, "/thread"))
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
