"""The planning side through the compiled graph (offline, in memory): what each turn searches, prices and says,
for the conversations of issue 8: several cars, changes of course, references into the last list, superlatives,
affordability, cash buyers and cars the customer owns."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from graph.context import Context
from graph.turn import TurnResult, run_turn
from tools.text import fold

CONTEXT = Context(now="2026-11-25T10:00:00-06:00")
LISTED = re.compile(r"^\d+\. (.+?), [\d,]+ km: \$([\d,]+)", re.M)


class Chat:
    """One customer's conversation with the agent."""

    def __init__(self, agent: Any) -> None:
        self.agent, self.thread = agent, uuid.uuid4().hex

    def say(self, text: str) -> TurnResult:
        return run_turn(self.agent, self.thread, text, CONTEXT)


def calls(turn: TurnResult, name: str) -> list[dict[str, Any]]:
    return [c for c in turn.tool_calls if c["name"] == name]


def listed(turn: TurnResult) -> list[tuple[str, int]]:
    """The cars a reply lists, as (name and year, price)."""
    return [(name, int(price.replace(",", ""))) for name, price in LISTED.findall(turn.reply)]


@pytest.fixture
def chat(agent) -> Chat:
    return Chat(agent)


# ----------------------------------------------------------------------------------------- several cars


def test_two_models_are_both_searched_and_listed(chat: Chat) -> None:
    turn = chat.say("¿tienes jetta o vento?")
    models = [c["args"].get("model") for c in calls(turn, "search_inventory")]
    assert models == ["Jetta", "Vento"]
    assert "Jetta" in turn.reply and "Vento" in turn.reply


def test_a_payment_question_about_two_models_prices_both(chat: Chat) -> None:
    turn = chat.say("cuanto pagaria al mes por la crv o la rav4 a 4 años?")
    assert {c["args"].get("model") for c in calls(turn, "search_inventory")} == {"CR-V", "RAV4"}
    priced = calls(turn, "calculate_financing")
    assert len(priced) >= 2 and all(c["args"]["term_months"] == 48 for c in priced)


def test_a_typod_model_searches_that_model_only(chat: Chat) -> None:
    turn = chat.say("nissan sentrra")
    [search] = calls(turn, "search_inventory")
    assert (search["args"]["make"], search["args"]["model"]) == ("Nissan", "Sentra")


def test_a_model_we_do_not_stock_is_named_back(chat: Chat) -> None:
    turn = chat.say("¿tienen mustang?")
    assert "No tenemos Mustang" in turn.reply
    assert calls(turn, "search_inventory")[0]["args"]["make"] == "Ford"  # what the make does have


def test_the_car_owned_is_not_searched_the_car_wanted_is(chat: Chat) -> None:
    turn = chat.say("tengo un Aveo 2012 que quiero dar a cuenta, somos 4 y buscamos sedán de hasta 250")
    [search] = calls(turn, "search_inventory")
    assert search["args"] == {"body_type": "sedan", "max_price": 250000, "sort": "price_asc", "limit": 12}
    assert [c["args"]["topic"] for c in calls(turn, "search_knowledge")] == ["trade-in"]


# ----------------------------------------------------------------------------------------- budgets


def test_criteria_alone_are_a_concrete_request(chat: Chat) -> None:
    turn = chat.say("algo 2018 o mas nuevo con menos de 60 mil km")
    [search] = calls(turn, "search_inventory")
    assert search["args"]["min_year"] == 2018 and search["args"]["max_km"] == 60000


def test_an_around_budget_is_shown_as_said(chat: Chat) -> None:
    turn = chat.say("busco algo alrededor de 250 mil")
    assert "alrededor de $250,000" in turn.reply and "hasta $250,000" not in turn.reply


def test_a_monthly_budget_is_turned_into_a_price_and_each_car_shows_its_payment(chat: Chat) -> None:
    turn = chat.say("puedo dar 60 mil de entrada y pagar unos 4,500 al mes, ¿qué me alcanza?")
    [afford] = calls(turn, "max_price_for_payment")
    assert afford["args"] == {"monthly_payment": 4500, "term_months": 48, "down_payment": 60000}
    ceiling = int(float(afford["output"]["max_price"]))
    [search] = calls(turn, "search_inventory")
    assert search["args"]["max_price"] == ceiling
    payments = calls(turn, "calculate_financing")
    assert payments and all(float(c["output"]["monthly_payment"]) <= 4500 for c in payments)
    assert all(p <= ceiling for _, p in listed(turn))


@pytest.mark.parametrize(
    ("text", "budget"),
    [
        ("traigo 280k de contado", 280000),
        ("traigo 280k de contado, no quiero credito", 280000),
        ("I can pay 380k cash, no financing", 380000),
    ],
)
def test_a_cash_buyer_is_not_pushed_to_financing(chat: Chat, text: str, budget: int) -> None:
    turn = chat.say(text)
    assert calls(turn, "search_inventory")[0]["args"]["max_price"] == budget
    assert not calls(turn, "search_knowledge") and not calls(turn, "calculate_financing")
    pitch = r"\b(?:credito|mensualidad|financiamiento|financing|monthly|loan)\b"
    assert not re.search(pitch, fold(turn.reply)), turn.reply


# ----------------------------------------------------------------------------------------- changing course


def test_out_of_budget_shows_cheaper_cars_never_the_same_list(chat: Chat) -> None:
    first = listed(chat.say("busco una suv de hasta 400 mil"))
    cheapest = min(price for _, price in first)
    turn = chat.say("se sale de mi presupuesto, ¿qué más hay?")
    again = listed(turn)
    assert again, turn.reply
    assert not set(again) & set(first), "the same cars again"
    assert all(price < cheapest for _, price in again)  # under what they saw, another body type if need be


def test_stretching_the_budget_shows_what_the_higher_range_adds(chat: Chat) -> None:
    first = listed(chat.say("busco una suv de hasta 300 mil"))
    turn = chat.say("¿y si estiro a 450?")
    [search] = calls(turn, "search_inventory")
    assert search["args"]["max_price"] == 450000 and search["args"].get("min_price") == 300001
    again = listed(turn)
    assert again and all(300000 < price <= 450000 for _, price in again)
    assert not set(again) & set(first)


def test_other_options_leave_out_the_cars_already_shown(chat: Chat) -> None:
    first = listed(chat.say("busco un sedan de hasta 300 mil"))
    turn = chat.say("que otras opciones hay?")
    again = listed(turn)
    assert again and not set(again) & set(first)
    assert all(price <= 300000 for _, price in again)


def test_a_new_body_type_keeps_the_budget(chat: Chat) -> None:
    chat.say("busco algo de hasta 350 mil")
    turn = chat.say("mejor una pickup para el negocio")
    search = calls(turn, "search_inventory")[0]
    assert search["args"]["body_type"] == "pickup" and search["args"]["max_price"] == 350000


# ----------------------------------------------------------------------------------------- references and superlatives


def test_that_one_in_installments_right_after_one_car(chat: Chat) -> None:
    chat.say("cuanto cuesta el onix?")
    turn = chat.say("ese a plazos cuanto sale")
    [priced] = calls(turn, "calculate_financing")
    assert priced["args"] == {"price": 226999, "term_months": 48, "down_payment_pct": 20}
    assert "$4,605.82" in turn.reply


def test_references_into_the_last_list(chat: Chat) -> None:
    shown = listed(chat.say("busco sedan de hasta 300 mil"))
    turn = chat.say("la más económica a 4 años")
    assert calls(turn, "calculate_financing")[0]["args"]["price"] == min(p for _, p in shown)
    turn = chat.say("y la del 2012 a 4 años cuanto sale al mes?")
    year_2012 = [p for name, p in shown if name.endswith("2012")]
    assert [c["args"]["price"] for c in calls(turn, "calculate_financing")] == year_2012


def test_the_cheapest_in_stock_is_listed_without_pretending_not_to_know(chat: Chat) -> None:
    turn = chat.say("¿qué es lo más económico que manejan?")
    [search] = calls(turn, "search_inventory")
    assert search["args"]["sort"] == "price_asc" and "max_price" not in search["args"]
    prices = [p for _, p in listed(turn)]
    assert prices == sorted(prices) and prices
    assert "no lo tengo" not in fold(turn.reply) and not calls(turn, "request_human")


def test_the_lowest_mileage_over_the_whole_stock(chat: Chat) -> None:
    turn = chat.say("cual es el de menos kilometros que tienen?")
    [search] = calls(turn, "search_inventory")
    assert search["args"]["sort"] == "km_asc"
    best = search["output"]["results"][0]
    assert f"{best['km']:,} km" in turn.reply


def test_the_next_one_is_the_car_after_the_one_discussed(chat: Chat) -> None:
    first = chat.say("cual es el sedan mas barato que tenga carplay")
    shown = listed(first)
    turn = chat.say("y el siguiente?")
    assert shown, first.reply
    _, second_price = shown[0]
    assert f"${second_price:,}" in turn.reply and "asesor" not in fold(turn.reply)
    after = chat.say("¿y el que sigue?")
    _, third_price = shown[1]
    assert f"${third_price:,}" in after.reply


def test_either_transmission_is_a_question_about_the_car_in_focus(chat: Chat) -> None:
    chat.say("tienen passat?")
    turn = chat.say("es automatico o estandar?")
    assert not calls(turn, "search_inventory") and not calls(turn, "request_human")
    [knowledge] = calls(turn, "search_knowledge")
    assert knowledge["args"]["topic"] == "car-data"
    assert "no indica la transmision" in fold(turn.reply) and "asesor" in fold(turn.reply)


def test_of_those_two_only_looks_at_the_two_discussed(chat: Chat) -> None:
    chat.say("cual es el sedan mas barato que tenga carplay")
    chat.say("y el siguiente?")
    turn = chat.say("de esos dos cual es automatico")
    names = [name for name, _ in listed(turn)]
    assert names == ["Kia Rio 2019"], turn.reply
    assert "Kia Rio 2020" in turn.reply and "no indica la transmision" in fold(turn.reply)  # its version says nothing


def test_an_open_year_range_narrows_the_search(chat: Chat) -> None:
    chat.say("looking for an automatic sedan")
    turn = chat.say("2019+")
    [search] = calls(turn, "search_inventory")
    assert search["args"]["min_year"] == 2019 and search["args"]["body_type"] == "sedan"
    assert search["args"]["transmission"] == "automatic"
    assert all(int(name[-4:]) >= 2019 for name, _ in listed(turn)) and listed(turn)
    assert "automatic sedan options" in turn.reply


def test_does_it_fit_prices_the_car_with_the_terms_the_customer_gave(chat: Chat) -> None:
    chat.say("puedo dar 5 mil al mes a 6 años con 50 mil de enganche, q sedan me alcanza")
    turn = chat.say("el corolla entra?")
    [priced] = calls(turn, "calculate_financing")
    assert priced["args"]["term_months"] == 72 and priced["args"]["down_payment"] == 50000
    monthly = priced["output"]["monthly_payment"]
    verdict = "si entra" if float(monthly) <= 5000 else "se pasa"
    assert verdict in fold(turn.reply) and f"{float(monthly):,.2f}" in turn.reply
    follow = chat.say("y el jetta?")
    [jetta] = calls(follow, "calculate_financing")
    assert jetta["args"]["term_months"] == 72 and jetta["args"]["down_payment"] == 50000


def test_and_the_other_model_after_a_search_is_a_search(chat: Chat) -> None:
    chat.say("tienes corolla?")
    turn = chat.say("y el jetta?")
    assert not calls(turn, "calculate_financing")
    assert [c["args"].get("model") for c in calls(turn, "search_inventory")] == ["Jetta"]


def test_a_two_digit_year_points_at_the_listed_car_of_that_year(chat: Chat) -> None:
    chat.say("tienen mazda3 hatch?")
    turn = chat.say("el 18 trae carplay?")
    assert not calls(turn, "search_inventory")
    assert "Mazda 3 2018" in turn.reply and "no trae CarPlay" in turn.reply and "Bluetooth" in turn.reply


def test_equipment_asked_about_a_model_lists_each_car_with_it(chat: Chat) -> None:
    turn = chat.say("tienen spark? traen bluetooth?")
    [search] = calls(turn, "search_inventory")
    assert "bluetooth" not in search["args"] and search["args"]["model"] == "Spark"  # asked about, not a filter
    lines = [line for line in turn.reply.splitlines() if "Spark" in line and "$" in line]
    assert len(lines) == search["output"]["total"] == 2
    assert all(("con Bluetooth" in line) != ("sin Bluetooth" in line) for line in lines)
    [knowledge] = calls(turn, "search_knowledge")
    assert knowledge["args"]["topic"] == "car-data"


def test_equipment_nobody_listed_has_names_the_car_further_down(chat: Chat) -> None:
    turn = chat.say("tienen mazda 3? traen carplay?")
    [search] = calls(turn, "search_inventory")
    equipped = [c for c in search["output"]["results"] if c["car_play"]]
    assert equipped and f"${equipped[0]['price']:,}" in turn.reply and "Con CarPlay tengo además" in turn.reply
    picked = chat.say(f"el {len(listed(turn))}")
    assert f"${equipped[0]['price']:,}" in picked.reply


def test_a_model_word_named_whole_picks_that_model_over_its_prefix(chat: Chat) -> None:
    newest = chat.say("what's the newest mercedes you have?")
    [search] = calls(newest, "search_inventory")
    assert search["args"]["make"] == "Mercedes-Benz" and newest.reply.count("Clase A") >= 1
    turn = chat.say("the CLA, does it have CarPlay?")  # "Clase A 2020" was in focus; the CLA is another car
    assert "Clase CLA 2019" in turn.reply and "Clase A 20" not in turn.reply, turn.reply


def test_equipment_asked_together_is_answered_in_one_sentence(chat: Chat) -> None:
    [search] = calls(chat.say("tienen mazda3 hatch?"), "search_inventory")
    [car] = [c for c in search["output"]["results"] if c["year"] == 2018]
    turn = chat.say("el 18 trae carplay y bluetooth?")
    has = [name for key, name in (("car_play", "CarPlay"), ("bluetooth", "Bluetooth")) if car[key]]
    lacks = [name for key, name in (("car_play", "CarPlay"), ("bluetooth", "Bluetooth")) if not car[key]]
    expected = {  # what the record says, in one sentence
        (2, 0): "Sí, el Mazda 3 2018 trae CarPlay y Bluetooth.",
        (1, 1): f"Sí, el Mazda 3 2018 trae {''.join(has)}, pero no {''.join(lacks)}.",
        (0, 2): "El Mazda 3 2018 no trae CarPlay ni Bluetooth.",
    }[(len(has), len(lacks))]
    assert expected in turn.reply and turn.reply.count("Mazda 3 2018") == 1, turn.reply


@pytest.mark.parametrize(("answer", "down"), [("con 100", 100000), ("80 mil", 80000), ("$45,000", 45000)])
def test_a_bare_amount_answers_how_much_down(chat: Chat, answer: str, down: int) -> None:
    asked = chat.say("cuanto sale el onix al mes con 5% de enganche")
    assert "¿Con cuánto de enganche" in asked.reply  # under the minimum: the agent asks for another down payment
    turn = chat.say(answer)
    [quote] = calls(turn, "calculate_financing")
    assert quote["args"]["down_payment"] == down and f"${down:,}.00" in turn.reply, turn.reply


def test_which_of_those_after_another_question_narrows_the_whole_search(chat: Chat) -> None:
    first = chat.say("need an automatic, budget tops out around 250k pesos")
    [search] = calls(first, "search_inventory")
    assert search["output"]["total"] > len(listed(first))
    chat.say("nice. is there a location in qro?")  # a dealer question in between
    turn = chat.say("which of those come w/ apple carplay?")
    [narrowed] = calls(turn, "search_inventory")
    assert narrowed["args"]["car_play"] is True and narrowed["args"]["max_price"] == 250000
    assert narrowed["args"]["transmission"] == "automatic" and listed(turn)
    assert all(car["car_play"] for car in narrowed["output"]["results"])


def test_version_words_pick_the_car_among_those_of_a_model(chat: Chat) -> None:
    turn = chat.say("I'd love to test drive the Kia Forte GT Line tomorrow at 3pm. Name's Sarah Whitfield")
    [booking] = calls(turn, "schedule_visit")
    [search] = calls(turn, "search_inventory")
    [gt_line] = [c for c in search["output"]["results"] if "GT LINE" in c["version"]]
    assert booking["args"]["stock_id"] == gt_line["stock_id"] and "Sarah Whitfield" in turn.reply


def test_a_booking_moves_relative_to_its_own_time(chat: Chat) -> None:
    chat.say("me late el tiguan, lo puedo ir a ver el sabado a las 10? me llamo Itzel Ramírez")
    later = chat.say("mejor una horita mas tarde, no llego")
    [moved] = calls(later, "reschedule_visit")
    assert moved["output"]["when_iso"].startswith("2026-11-28T11:00") and "11:00" in later.reply
    next_day = chat.say("uy no, mejor al dia siguiente a esa misma hora")
    [moved] = calls(next_day, "reschedule_visit")
    assert moved["output"]["when_iso"].startswith("2026-11-29T11:00") and "29 de noviembre" in next_day.reply


def test_asking_if_the_visit_is_still_on_moves_nothing(chat: Chat) -> None:
    chat.say("kiero ir a ver la mazda cx5 2019 el domingo a las 11")
    chat.say("a nombre de mi esposo, Julio César Ibarra")
    status = chat.say("oye y si sigue en pie lo del domingo verdad? no me la vayan a vender antes jaja")
    assert not calls(status, "reschedule_visit") and "29 de noviembre, 11:00" in status.reply
    renamed = chat.say("mejor ponla a mi nombre, Daniela Ibarra, voy a ir yo sola")
    assert "Daniela Ibarra" in renamed.reply and not calls(renamed, "schedule_visit")


def test_how_much_for_my_car_is_no_search_and_offers_a_person(chat: Chat) -> None:
    chat.say("no kiero comprar, kiero vender mi aveo 2019, ustedes compran carros?")
    turn = chat.say("y mas o menos cuanto me darian? tiene 80 mil km y esta impecable")
    assert not calls(turn, "search_inventory") and "$" not in turn.reply
    assert [c["args"]["topic"] for c in calls(turn, "search_knowledge")] == ["sell-your-car"]
    assert "asesor" in turn.reply
    handed = chat.say("si porfa")
    assert calls(handed, "request_human")


def test_of_those_with_a_feature_the_lowest_mileage_over_the_whole_search(chat: Chat) -> None:
    chat.say("What's the cheapest SUV you've got that has CarPlay?")
    turn = chat.say("And out of the ones with CarPlay, which has the fewest km on it?")
    [search] = calls(turn, "search_inventory")
    assert search["args"]["car_play"] is True and search["args"]["sort"] == "km_asc"
    fewest = min(search["output"]["results"], key=lambda c: c["km"])
    assert f"{fewest['km']:,} km" in turn.reply.splitlines()[0]
    overall = chat.say("How many SUVs do you have altogether?")
    [search] = calls(overall, "search_inventory")
    assert "car_play" not in search["args"] and search["args"]["body_type"] == "suv"


def test_a_bare_year_after_a_list_narrows_that_search(chat: Chat) -> None:
    first = chat.say("mazda")
    assert all(year != 2021 for _, year in [(n, int(n.split()[-1])) for n, _ in listed(first)])
    turn = chat.say("2021")
    [search] = calls(turn, "search_inventory")
    assert search["args"]["make"] == "Mazda" and search["args"]["min_year"] == 2021
    assert listed(turn) and all(name.endswith("2021") for name, _ in listed(turn))


def test_a_term_we_do_not_offer_prices_nothing_and_asks_for_one(chat: Chat) -> None:
    chat.say("cuanto sale el onix a 6 años?")
    turn = chat.say("y a 9 años?")
    assert not calls(turn, "calculate_financing")
    assert "A 9 años no es posible" in turn.reply and "¿A qué plazo lo calculamos para el Chevrolet Onix" in turn.reply


def test_another_body_type_for_the_same_model(chat: Chat) -> None:
    chat.say("busco un mazda 3 hatch")
    turn = chat.say("nel mejor sedan")
    [search] = calls(turn, "search_inventory")
    assert (search["args"]["model"], search["args"]["body_type"]) == ("Mazda 3", "sedan")


def test_of_those_the_lowest_mileage_over_every_match_or_over_the_ones_shown(chat: Chat) -> None:
    first = chat.say("busco un sedan automatico de menos de 225")
    [search] = calls(first, "search_inventory")
    shown = search["output"]["results"][: len(listed(first))]
    assert search["output"]["total"] > len(shown)
    whole = chat.say("cual tiene menos km de esos")
    [again] = calls(whole, "search_inventory")
    assert again["args"]["sort"] == "km_asc"
    fewest = min(again["output"]["results"], key=lambda c: c["km"])
    assert f"{fewest['km']:,} km" in whole.reply.splitlines()[0]
    other = Chat(chat.agent)
    other.say("busco un sedan automatico de menos de 225")
    on_screen = other.say("De esos que me mencionas, ¿cuál tiene menos kilometraje?")
    assert not calls(on_screen, "search_inventory")
    assert f"{min(c['km'] for c in shown):,} km" in on_screen.reply


def test_another_year_of_the_car_discussed_is_looked_up(chat: Chat) -> None:
    chat.say("en otra agencia vi la misma cx-5 2019 20 mil mas barata, me la igualan?")
    turn = chat.say("y la del 2018?")
    [search] = calls(turn, "search_inventory")
    assert (search["args"]["model"], search["args"]["min_year"]) == ("CX-5", 2018)
    [car] = search["output"]["results"]
    assert f"${car['price']:,}" in turn.reply and "no lo tengo" not in turn.reply


def test_a_price_difference_is_no_budget_and_a_price_match_is_haggling(chat: Chat) -> None:
    turn = chat.say("en otra agencia vi la misma cx-5 2019 20 mil mas barata, me la igualan?")
    assert all("max_price" not in c["args"] for c in calls(turn, "search_inventory"))
    assert [c["args"]["topic"] for c in calls(turn, "search_knowledge")] == ["fixed-prices"]


def test_another_one_of_a_body_type_keeps_the_body_type(chat: Chat) -> None:
    chat.say("q rollo, la frontier pro4x en cuanto me la dejas? sin rodeos")
    chat.say("ta carisima, 580 y me la llevo, ni tu ni yo")
    turn = chat.say("ps entonces q otra troca tienes")
    assert listed(turn) and all("Frontier" in name for name, _ in listed(turn)), turn.reply


def test_a_day_earlier_moves_the_booking(chat: Chat) -> None:
    chat.say("holaa quiero ver el t-cross el jueves 3 a las 10, soy mariana quezada")
    turn = chat.say("mejor un dia antes")
    [moved] = calls(turn, "reschedule_visit")
    assert moved["output"]["when_iso"].startswith("2026-12-02T10:00") and "2 de diciembre" in turn.reply


def test_a_monthly_budget_holds_while_the_customer_refines(chat: Chat) -> None:
    chat.say("What can I get for around 6,000 pesos a month? I can put down 70k, 4-year loan")
    refined = chat.say("Only automatics please, and nothing older than 2019")
    [search] = calls(refined, "search_inventory")
    [afford] = calls(refined, "max_price_for_payment")
    assert search["args"]["max_price"] == int(float(afford["output"]["max_price"]))
    assert (search["args"]["transmission"], search["args"]["min_year"]) == ("automatic", 2019)
    stretched = chat.say("what if I stretch it to 60 months? does an SUV fit then?")
    [afford] = calls(stretched, "max_price_for_payment")
    [search] = calls(stretched, "search_inventory")
    assert afford["args"]["term_months"] == 60 and search["args"]["body_type"] == "suv"
    assert not calls(stretched, "search_knowledge") or all(
        c["args"]["topic"] != "financing-process" for c in calls(stretched, "search_knowledge")
    )


def test_each_car_of_a_model_is_priced_when_asked_for_both(chat: Chat) -> None:
    chat.say("I need a minivan")
    turn = chat.say("ok what about both odysseys, how much monthly each with 20% down 48 months?")
    [search] = calls(turn, "search_inventory")
    odysseys = [c for c in search["output"]["results"] if c["model"] == "Odyssey"]
    priced = sorted(c["args"]["price"] for c in calls(turn, "calculate_financing"))
    assert len(odysseys) >= 2 and priced == sorted(c["price"] for c in odysseys[:2])


def test_selling_my_car_is_no_search_for_its_year(chat: Chat) -> None:
    turn = chat.say("nice. and if I sell you my 2015 honda fit, do you pay right away?")
    assert not calls(turn, "search_inventory")
    assert [c["args"]["topic"] for c in calls(turn, "search_knowledge")] == ["sell-your-car"]
    assert "immediate payment" in turn.reply


def test_a_make_and_its_missing_model_make_one_list(chat: Chat) -> None:
    turn = chat.say("hey, you guys carry any Jeeps? a Wrangler would be the dream lol")
    assert len([c for c in calls(turn, "search_inventory")]) == 1 and turn.reply.count("Jeep option") == 1
    assert "Wrangler" in turn.reply
