"""Short conversations through `kavak-agent ask --json`, one process per turn as a shell script would run them:
one per kind of message of the understanding issue (brands, several cars, budgets, superlatives, change of course,
affordability, names and visit times, managing a booking, the car named, register, language) and per family of
dealer questions (two-part questions, knowledge answers with their facts, a person and the silence after).

All conversations run once, side by side (a few processes at a time, each thread's turns in order), against one
fresh data folder; the tests then read what each turn printed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from subprocess import run
from typing import Any

import pytest

from prompts.replies import phrase
from tests.conftest import ENV_VARS
from tools.knowledge import KnowledgeBase

pytestmark = pytest.mark.integration

CONVERSATIONS: dict[str, list[str]] = {
    "brands": ["todavia tienen el kicks o algun mustang?"],
    "cash": ["traigo 280k de contado, q suv hay?", "mejor una pickup pal negocio"],
    "cheapest": [
        "¿qué es lo más económico que manejan?",
        "la mas economica la quiero ver el sabado a las 11, soy Mariana",
        "¿la podemos pasar al jueves, misma hora?",
    ],
    "afford": ["puedo dar 60 mil de entrada y pagar unos 4,500 al mes, q me alcanza?"],
    "named": ["cuanto al mes la cr-v 2017?"],
    "usted": ["Buenas tardes, le escribe María Fernanda López Ortega. ¿Qué garantía tienen sus vehículos?"],
    "language": ["hi, any sedans under 250k?", "y en suv? y si no me convence lo puedo devolver?"],
    "person": ["quiero hablar con un asesor", "hola? sigue ahi alguien?"],
}
"""Thirteen turns: each process costs seconds of start-up, so each turn checks what it can."""
WORKERS = 3
"""Processes at once: the machine has two cores; a third overlaps one process's start with the others' work."""
KAVAK_AGENT = Path(sys.executable).with_name("kavak-agent")


def ask(thread: str, message: str, data_dir: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS} | {"DATA_DIR": str(data_dir)}
    done = run(
        [str(KAVAK_AGENT), "ask", "--thread", thread, "--json", message],
        capture_output=True, text=True, env=env, cwd=data_dir.parent, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, done.stdout  # exactly one JSON object
    return dict(json.loads(lines[0]))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ask-json") / "kavak-data"


@pytest.fixture(scope="module")
def talks(data_dir: Path) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Every conversation's turns, as `ask --json` printed them."""

    def converse(thread: str) -> list[dict[str, Any]]:
        return [ask(thread, message, data_dir) for message in CONVERSATIONS[thread]]

    with ThreadPoolExecutor(WORKERS) as pool:
        # the longest conversations first, so they do not finish last
        threads = sorted(CONVERSATIONS, key=lambda t: -len(CONVERSATIONS[t]))
        yield dict(zip(threads, pool.map(converse, threads), strict=True))


def calls(turn: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [c for c in turn["tool_calls"] if c["name"] == name]


def rows(data_dir: Path, table: str, thread: str) -> list[dict[str, Any]]:
    with sqlite3.connect(data_dir / "records.sqlite") as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute(f"SELECT * FROM {table} WHERE thread_id = ?", (thread,))]


def money(amount: Any) -> str:
    return f"${float(amount):,.0f}" if float(amount) == int(float(amount)) else f"${float(amount):,.2f}"


# ------------------------------------------------------------------------------------------ the shape


def test_every_turn_prints_the_public_shape(talks: dict[str, list[dict[str, Any]]]) -> None:
    for thread, turns in talks.items():
        for turn in turns:
            assert set(turn) == {"thread_id", "reply", "route", "tool_calls", "status"}, thread
            assert turn["thread_id"] == thread and turn["route"][-1] in ("respond", "hold")
            assert turn["status"] in ("answered", "handed_off", "waiting_for_human")
            assert all(set(c) == {"name", "args", "output"} for c in turn["tool_calls"])


# ------------------------------------------------------------------------------------------ understanding


def test_models_in_lower_case_and_one_not_stocked(talks: dict[str, list[dict[str, Any]]]) -> None:
    (turn,) = talks["brands"]
    kicks, mustang = (c["output"] for c in calls(turn, "normalize_brand"))
    assert (kicks["make"], kicks["model"]) == ("Nissan", "Kicks")
    assert mustang["make"] == "Ford" and mustang.get("requested_model") == "Mustang"
    assert calls(turn, "search_inventory")[0]["args"]["model"] == "Kicks"
    assert "No tenemos Mustang" in turn["reply"] and "Nissan Kicks" in turn["reply"]


def test_a_cash_budget_and_a_change_of_body_type(talks: dict[str, list[dict[str, Any]]]) -> None:
    suvs, pickups = talks["cash"]
    (search,) = calls(suvs, "search_inventory")
    assert (search["args"]["body_type"], search["args"]["max_price"]) == ("suv", 280000)
    assert not calls(suvs, "calculate_financing") and "mensualidad" not in suvs["reply"]  # cash: no financing push
    first = calls(pickups, "search_inventory")[0]["args"]
    assert (first["body_type"], first["max_price"]) == ("pickup", 280000)  # the same budget, another body type
    assert "$280,000" in pickups["reply"]


def test_the_cheapest_then_a_visit_to_it_and_moving_it(talks: dict[str, list[dict[str, Any]]], data_dir: Path) -> None:
    cheapest, visit, moved = talks["cheapest"]
    (search,) = calls(cheapest, "search_inventory")
    assert search["args"]["sort"] == "price_asc" and set(search["args"]) <= {"sort", "limit"}
    prices = [car["price"] for car in search["output"]["results"]]
    assert prices == sorted(prices) and money(prices[0]) in cheapest["reply"]
    first = search["output"]["results"][0]
    (booking,) = calls(visit, "schedule_visit")
    assert (booking["args"]["stock_id"], booking["args"]["customer_name"]) == (first["stock_id"], "Mariana")
    at = datetime.fromisoformat(booking["output"]["when_iso"])
    assert (at.strftime("%A %H:%M"), at.utcoffset()) == ("Saturday 11:00", timedelta(hours=-6))
    assert f"sábado {at.day} de" in visit["reply"] and "11:00" in visit["reply"] and "Mariana" in visit["reply"]
    (move,) = calls(moved, "reschedule_visit")
    new = datetime.fromisoformat(move["output"]["when_iso"])
    assert (move["output"]["visit_id"], new.strftime("%A %H:%M")) == (booking["output"]["visit_id"], "Thursday 11:00")
    assert not calls(moved, "schedule_visit") and f"jueves {new.day} de" in moved["reply"]
    assert [(r["status"], r["customer_name"]) for r in rows(data_dir, "visits", "cheapest")] == [("booked", "Mariana")]


def test_a_superlative_is_not_an_unknown_question(talks: dict[str, list[dict[str, Any]]]) -> None:
    assert phrase("unknown_question", "es") not in talks["cheapest"][0]["reply"]


def test_a_monthly_budget_finds_the_price_it_reaches(talks: dict[str, list[dict[str, Any]]]) -> None:
    (turn,) = talks["afford"]
    (afford,) = calls(turn, "max_price_for_payment")
    assert afford["args"] == {"monthly_payment": 4500, "term_months": 48, "down_payment": 60000}
    ceiling = int(afford["output"]["max_price"])
    assert calls(turn, "search_inventory")[0]["args"]["max_price"] == ceiling
    shown = calls(turn, "calculate_financing")
    assert shown and all(float(c["output"]["monthly_payment"]) <= 4500 for c in shown)
    assert money(ceiling) in turn["reply"] and turn["route"][:3] == ["consult", "afford", "search"]


def test_the_car_named_is_the_car_priced(talks: dict[str, list[dict[str, Any]]]) -> None:
    (turn,) = talks["named"]
    (search,) = calls(turn, "search_inventory")
    assert (search["args"]["model"], search["args"]["min_year"], search["args"]["max_year"]) == ("CR-V", 2017, 2017)
    (car,) = search["output"]["results"]
    (finance,) = calls(turn, "calculate_financing")
    assert finance["args"]["price"] == car["price"] and "CR-V 2017" in turn["reply"]
    assert money(finance["output"]["monthly_payment"]) in turn["reply"]


def test_usted_is_answered_with_usted_and_the_knowledge_fact(
    talks: dict[str, list[dict[str, Any]]], kb: KnowledgeBase
) -> None:
    (turn,) = talks["usted"]
    assert turn["route"] == ["consult", "knowledge", "respond"] and topics_of(turn) == ["warranty"]
    assert states_facts(kb, turn, "warranty")  # 3 meses, 1 año
    assert turn["reply"].endswith("¿Qué auto busca para mostrarle opciones?")


def test_a_full_name_is_kept_whole(talks: dict[str, list[dict[str, Any]]]) -> None:
    assert "María Fernanda López Ortega" in talks["usted"][0]["reply"]


def test_language_follows_each_message_and_two_questions_get_two_answers(
    talks: dict[str, list[dict[str, Any]]], kb: KnowledgeBase
) -> None:
    english, spanish = talks["language"]
    assert (
        english["reply"].startswith("I have") and calls(english, "search_inventory")[0]["args"]["max_price"] == 250000
    )
    (search,) = calls(spanish, "search_inventory")
    assert (search["args"]["body_type"], search["args"]["max_price"]) == ("suv", 250000)  # the budget is kept
    assert topics_of(spanish) == ["trial-return"] and {"knowledge", "search"} <= set(spanish["route"])
    assert states_facts(kb, spanish, "trial-return")  # 7 días, 300 km: in Spanish, like the message
    assert money(search["output"]["results"][0]["price"]) in spanish["reply"]


@pytest.mark.xfail(
    strict=True,
    reason="product bug: with a dealer question in the same message the SUV search runs with limit 17 and the "
    "header says 'Tengo 1 opción ... Es esta:' above five cars",
)
def test_the_header_count_matches_the_list(talks: dict[str, list[dict[str, Any]]]) -> None:
    spanish = talks["language"][1]
    (search,) = calls(spanish, "search_inventory")
    total = search["output"]["total"]
    listed = sum(1 for line in spanish["reply"].splitlines() if line[:3].rstrip(".").isdigit())
    assert f"Tengo {total} opciones" in spanish["reply"] and listed == min(total, 5)


# ------------------------------------------------------------------------------------------ a person


def test_a_person_then_silence(talks: dict[str, list[dict[str, Any]]], data_dir: Path) -> None:
    asked, waiting = talks["person"]
    assert (asked["status"], asked["route"]) == ("handed_off", ["consult", "handoff", "respond"])
    (call,) = calls(asked, "request_human")
    assert call["args"]["reason"] == "customer_request" and asked["reply"].startswith(phrase("handoff_done", "es"))
    assert (waiting["status"], waiting["reply"], waiting["route"], waiting["tool_calls"]) == (
        "waiting_for_human", "", ["hold"], [],
    )  # fmt: skip
    (record,) = rows(data_dir, "handoffs", "person")
    assert (record["handoff_id"], record["status"]) == (call["output"]["handoff_id"], "open")


# ------------------------------------------------------------------------------------------ helpers


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    from tools.finance import FinancingTerms

    return KnowledgeBase.load(values=FinancingTerms().knowledge_values)


def topics_of(turn: dict[str, Any]) -> list[str]:
    return [c["args"].get("topic") for c in calls(turn, "search_knowledge")]


def states_facts(kb: KnowledgeBase, turn: dict[str, Any], section: str) -> bool:
    return all(fact in turn["reply"] for fact in kb.section(section, "es").facts)
