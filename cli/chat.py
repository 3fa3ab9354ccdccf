"""`kavak-agent chat`: the terminal conversation, with colour, soft wrapping and local /commands."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli.render import tool_line, whatsapp_text
from graph.builder import build_graph
from graph.checkpoint import open_checkpointer
from graph.settings import Settings
from graph.turn import run_turn

USER, AGENT = "tú ›", "kavi ›"
RESUME_MESSAGES = 4
"""How many of a resumed thread's last messages are shown on start."""
HELP = {
    "/help": "this list",
    "/new": "start a new conversation (a new thread)",
    "/thread": "show the thread id; `/thread ID` switches to another thread",
    "/quit": "leave (Ctrl-D too); the conversation is kept",
}


@dataclass
class ChatSession:
    """The terminal chat: the graph, the current thread, and where it prints."""

    graph: Any
    thread_id: str
    console: Console
    verbose: bool = False

    def say(self, who: str, text: Text | str, style: str) -> None:
        """One message with its label, soft-wrapped under itself (never mid-word)."""
        row = Table.grid(padding=(0, 1))
        row.add_column(width=len(AGENT), no_wrap=True)
        row.add_column(overflow="fold")
        row.add_row(Text(who, style=style), whatsapp_text(text) if isinstance(text, str) else text)
        self.console.print(row)

    def notice(self, text: str) -> None:
        """A line from the terminal itself, not from the agent."""
        self.console.print(Text(text, style="dim italic"))

    def show_resumed(self) -> None:
        """When the thread already has a conversation, say so and show its last messages."""
        state = self.graph.get_state({"configurable": {"thread_id": self.thread_id}})
        said = [m for m in (state.values or {}).get("messages", []) if _is_said(m)]
        if not said:
            return
        self.notice(f"resumed conversation '{self.thread_id}' ({len(said)} messages); the last ones:")
        for message in said[-RESUME_MESSAGES:]:
            mine = isinstance(message, HumanMessage)  # past turns: dim labels without the prompt's arrow
            self.say("tú" if mine else "kavi", str(message.content), "dim cyan" if mine else "dim green")
        self.console.print()

    def command(self, line: str) -> bool:
        """Handle a /command locally (never sent to the agent); False when the chat should end."""
        name, _, arg = line.strip().partition(" ")
        if name in ("/quit", "/exit"):
            return False
        if name == "/help":
            for cmd, what in HELP.items():
                self.console.print(Text.assemble((f"  {cmd:<8}", "bold"), what))
        elif name == "/new":
            self.thread_id = f"terminal-{uuid.uuid4().hex[:8]}"
            self.notice(f"new conversation: thread '{self.thread_id}'")
        elif name == "/thread":
            if arg.strip():
                self.thread_id = arg.strip()[:200]
                self.notice(f"switched to thread '{self.thread_id}'")
                self.show_resumed()
            else:
                self.notice(f"thread '{self.thread_id}'")
        else:
            self.notice(f"unknown command {name}; /help lists the commands")
        return True

    def turn(self, text: str) -> None:
        """Send one message to the agent and print its reply (and tool calls with -v)."""
        with self.console.status("kavi está escribiendo…", spinner="dots"):
            result = run_turn(self.graph, self.thread_id, text)
        if self.verbose:
            for call in result.tool_calls:
                self.say("⚙", tool_line(call), "magenta")
        self.say(AGENT, result.reply, "bold green")
        self.console.print()

    def loop(self, read: Callable[[], str]) -> int:
        """Read lines until /quit or end of input."""
        while True:
            try:
                line = read()
            except (EOFError, KeyboardInterrupt):
                self.console.print()
                return 0
            if not line.strip():
                continue
            if line.lstrip().startswith("/"):
                if not self.command(line):
                    return 0
                continue
            self.turn(line)


def _is_said(message: Any) -> bool:
    """Customer messages and the agent's replies (not tool calls or their results)."""
    if isinstance(message, HumanMessage):
        return True
    return isinstance(message, AIMessage) and not message.tool_calls and bool(message.content)


def run_chat(settings: Settings, thread_id: str, verbose: bool) -> int:
    """Open the checkpointer, greet, resume the thread if it has history, and chat."""
    console = Console(highlight=False)
    with contextlib.suppress(ImportError):  # line editing and history for input(), where available
        import readline  # noqa: F401
    mode = "offline (rules + templates)" if settings.offline else f"model {settings.agent_model}"
    console.print(Text.assemble(("Kavak sales agent", "bold"), f" · {mode} · thread '{thread_id}'"))
    console.print(Text("Type a message, or /help for the commands.", style="dim"))
    with open_checkpointer(settings) as saver:
        session = ChatSession(build_graph(saver), thread_id, console, verbose)
        session.show_resumed()
        prompt = Text(USER + " ", style="bold cyan")
        return session.loop(lambda: console.input(prompt))
