"""Register and language: "usted" customers are answered with "usted", names are kept whole, and each reply is in
the language of the message it answers (very short messages keep the conversation's)."""

from __future__ import annotations

import re

import pytest

from graph.context import Context
from graph.turn import run_turn
from graph.understanding import understand_offline
from tools.inventory import InventoryStore
from tools.text import fold
from tools.toolkit import Toolkit

CATALOG = Toolkit.from_store(InventoryStore.from_csv("sqlite://")).catalog
CONTEXT = Context(now="2026-11-25T10:00:00-06:00")
TU = re.compile(r"\b(?:te|tu|ti|contigo|tienes|quieres|buscas|puedes|dime|cuentame)\b")
USTED = re.compile(r"\b(?:usted|le ayudo|su visita|su folio|busca usted|le queda)\b")
SPANISH = re.compile(r"\b(?:tengo|opciones|mensualidad|visita|listo|gusto|claro|de|para)\b")
ENGLISH = re.compile(r"\b(?:i have|options|monthly|visit|done|nice to meet|the|for)\b")


@pytest.mark.parametrize(
    ("text", "formal"),
    [
        ("Buenas tardes. ¿Me podría decir si tiene camionetas?", True),
        ("Disculpe, ¿cuánto cuesta el Onix?", True),
        ("Le agradezco mucho la información", True),
        ("Buenos días, busco un sedán para mi esposa", True),
        ("¿Cuenta usted con financiamiento?", True),
        ("Buenas tardes, tienes algo barato?", False),  # a formal opening, then "tú"
        ("oye q onda tienes trocas?", False),
        ("¿ustedes tienen autos automáticos?", False),  # "ustedes" is plain "you all" in Mexico
        ("Quisiera conocer el precio del Jetta", True),
        ("¿Tiene algún sedán de hasta 300 mil?", True),
        ("Me interesaría una camioneta para la familia", True),
        ("quisiera ver el jetta, lo tienes?", False),  # polite, but "tú"
    ],
)
def test_usted_is_recognised(text: str, formal: bool) -> None:
    assert understand_offline(text, CATALOG).formal is formal


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Mi nombre es María Fernanda López Ortega", "María Fernanda López Ortega"),
        ("a nombre de mi esposo, Julio Ramos", "Julio Ramos"),
        ("a nombre de José Luis de la Garza", "José Luis de la Garza"),
        ("Full name: Ann Smith", "Ann Smith"),
        ("my name is Mary Jane Watson-Parker", "Mary Jane Watson-Parker"),
        ("soy Juan Pérez", "Juan Pérez"),
        ("me llamo ana", "Ana"),
        ("it's Tom by the way", "Tom"),
        ("Hola, soy Mariana y busco una camioneta", "Mariana"),
        ("el viernes a las 4, Ricardo", "Ricardo"),
    ],
)
def test_names_are_kept_whole(text: str, name: str) -> None:
    assert understand_offline(text, CATALOG).customer_name == name


@pytest.mark.parametrize(
    "text", ["soy de Monterrey", "I'm interested in the Onix", "soy nuevo en esto", "im looking for a truck"]
)
def test_no_name_is_invented(text: str) -> None:
    assert understand_offline(text, CATALOG).customer_name is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("do you have SUVs?", "en"),
        ("tienes suvs?", "es"),
        ("quiero saber el precio del Jetta please", "es"),
        ("how much for the jetta, cuanto sale?", "en"),
        ("Full name: Ann Smith", "en"),
        ("what about something cheaper", "en"),
        ("y algo mas barato?", "es"),
    ],
)
def test_the_language_is_that_of_the_message(text: str, language: str) -> None:
    assert understand_offline(text, CATALOG).language == language


# ----------------------------------------------------------------------------------------- through the graph


def test_a_formal_customer_is_never_answered_with_tu(agent) -> None:
    turns = [
        "Buenas tardes, quisiera información para comprar un auto",
        "¿Me podría decir qué garantía tienen?",
        "Disculpe, ¿cuánto cuesta el Onix?",
        "¿Me lo podría financiar a 4 años?",
        "¿Con usted puedo agendar una cita para el viernes?",
        "A las 11, por favor",
        "A nombre de María Fernanda López Ortega",
        "Le agradezco, es usted muy amable",
    ]
    replies = [run_turn(agent, "formal", text, CONTEXT).reply for text in turns]
    for text, reply in zip(turns, replies, strict=True):
        assert not TU.search(fold(reply)), (text, reply)
    assert sum(bool(USTED.search(fold(r))) for r in replies) >= 3
    assert "María Fernanda López Ortega" in replies[6]


def test_an_informal_customer_is_not_answered_with_usted(agent) -> None:
    for text in ("hola q onda, tienes trocas?", "va, cuanto sale al mes a 4 años?", "y lo puedo ver mañana a las 5?"):
        reply = run_turn(agent, "informal", text, CONTEXT).reply
        assert not re.search(r"\busted\b", fold(reply)), (text, reply)


def test_each_reply_is_in_the_language_of_its_message(agent) -> None:
    english = run_turn(agent, "lang", "how much is the onix?", CONTEXT).reply
    assert ENGLISH.search(fold(english)) and not re.search(r"\btengo\b", fold(english))
    spanish = run_turn(agent, "lang", "y cuanto seria la mensualidad a 4 años?", CONTEXT).reply
    assert re.search(r"\bmensualidad\b", fold(spanish)) and not re.search(r"\bmonthly\b", fold(spanish))
    short = run_turn(agent, "lang", "48", CONTEXT).reply  # too short to tell: the conversation's language
    assert SPANISH.search(fold(short)), short


def test_a_bare_name_keeps_the_conversations_language(agent) -> None:
    run_turn(agent, "bare-name", "how much is the onix?", CONTEXT)
    run_turn(agent, "bare-name", "can I see it saturday at 11?", CONTEXT)
    named = run_turn(agent, "bare-name", "Dana Whitfield-Osei", CONTEXT)  # no word of either language
    assert "Saturday, November 28, 11:00" in named.reply and "sábado" not in named.reply, named.reply


def test_a_name_given_in_english_is_answered_in_english(agent) -> None:
    run_turn(agent, "en-name", "how much is the onix?", CONTEXT)
    asked = run_turn(agent, "en-name", "can I see it saturday at 11?", CONTEXT)
    assert "Saturday, November 28, 11:00" in asked.reply
    named = run_turn(agent, "en-name", "Full name: Ann Smith", CONTEXT)
    names = [
        c["args"].get("customer_name") for c in named.tool_calls if c["name"] in ("schedule_visit", "set_visit_name")
    ]
    assert names == ["Ann Smith"]  # the visit is under the whole name, whether booked now or named after
    assert "Ann Smith" in named.reply and not re.search(r"\b(?:listo|mucho gusto|a nombre de)\b", fold(named.reply))
