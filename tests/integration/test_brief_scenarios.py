"""The three scenarios of the original brief, through the graph and through `kavak-agent ask --json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph.turn import run_turn

pytestmark = pytest.mark.integration

ONIX_PRICE = 226999
ONIX_48_MONTHS = "4605.82"


def check_vague(turn: dict) -> None:
    assert turn["route"] == ["consult", "respond"]
    assert turn["tool_calls"] == []
    reply = turn["reply"].lower()
    assert "?" in reply and "budget" in reply and ("suv" in reply or "sedan" in reply)


def check_chebys(turn: dict) -> None:
    names = [c["name"] for c in turn["tool_calls"]]
    assert names[:2] == ["normalize_brand", "search_inventory"]
    assert turn["tool_calls"][0]["output"]["make"] == "Chevrolet"
    args = turn["tool_calls"][1]["args"]
    assert args["make"] == "Chevrolet" and args["max_price"] == 300000
    output = turn["tool_calls"][1]["output"]
    assert output["total"] == 7 and [c["make"] for c in output["results"]] == ["Chevrolet"] * 7
    # "the most affordable": the five cheapest cars (not one per model), the header's count is the search's
    cheapest = output["results"][:5]
    assert [c["price"] for c in cheapest] == sorted(c["price"] for c in output["results"])[:5]
    assert "7" in turn["reply"].split("\n")[0]
    assert all(f"{c['model']} {c['year']}" in turn["reply"] and f"${c['price']:,}" in turn["reply"] for c in cheapest)
    assert "Aveo" in turn["reply"]
    assert turn["route"] == ["consult", "normalize", "search", "respond"]


def check_onix_payment(turn: dict) -> None:
    finance = [c for c in turn["tool_calls"] if c["name"] == "calculate_financing"]
    assert len(finance) == 1
    args = finance[0]["args"]
    assert args["price"] == ONIX_PRICE and args["term_months"] == 48 and args["down_payment_pct"] == 20
    assert finance[0]["output"]["monthly_payment"] == ONIX_48_MONTHS
    assert "$4,605.82" in turn["reply"]
    assert "finance" in turn["route"]


def test_brief_through_the_graph(agent) -> None:
    check_vague(run_turn(agent, "brief", "I need a car.").as_dict())
    check_chebys(run_turn(agent, "brief", "Do you have any Chebys under 300k?").as_dict())
    check_onix_payment(run_turn(agent, "brief", "How much is the monthly payment for the Onix over 4 years?").as_dict())


def ask(thread: str, message: str, data_dir: Path) -> dict:
    env = {**os.environ, "DATA_DIR": str(data_dir)}
    out = subprocess.run(
        [sys.executable, "-m", "cli.main", "ask", "--thread", thread, "--json", message],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, out.stdout  # exactly one JSON object
    return json.loads(lines[0])


def test_brief_through_the_cli_in_separate_processes(isolated_env: Path) -> None:
    """Each turn is a new process: the SQLite checkpointer carries the conversation between them."""
    first = ask("cli-brief", "I need a car.", isolated_env)
    assert set(first) == {"thread_id", "reply", "route", "tool_calls", "status"} and first["thread_id"] == "cli-brief"
    assert first["status"] == "answered"
    check_vague(first)
    check_chebys(ask("cli-brief", "Do you have any Chebys under 300k?", isolated_env))
    check_onix_payment(ask("cli-brief", "How much is the monthly payment for the Onix over 4 years?", isolated_env))
    assert (isolated_env / "checkpoints.sqlite").exists()
