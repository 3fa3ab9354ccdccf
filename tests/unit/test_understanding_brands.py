"""Makes and models as customers write them, and everything that only looks like one.

A mention is checked twice: the parser finds it as written, and the brand catalog maps what was written onto the
car meant (a typo'd model is that model, not just its make). Words that are places, people, streets, dates or
plain Spanish/English never become cars: a false brand sends the customer a list they did not ask for.
"""

from __future__ import annotations

import pytest

from graph.understanding import Understanding, understand_offline
from tools.inventory import InventoryStore
from tools.toolkit import Toolkit

CATALOG = Toolkit.from_store(InventoryStore.from_csv("sqlite://")).catalog


def read(text: str) -> Understanding:
    return understand_offline(text, CATALOG)


def meant(mention: str) -> tuple[str | None, str | None]:
    """(make, model) the catalog maps a mention onto; a model we do not stock keeps the name asked for."""
    found = CATALOG.match(mention)
    return found.make, found.model or found.requested_model


# ----------------------------------------------------------------------------------------- one car named

ONE_CAR = [
    ("¿todavía tienen el kicks?", "kicks", ("Nissan", "Kicks")),
    ("todavia tienen el kicks", "kicks", ("Nissan", "Kicks")),
    ("busco un ibiza", "ibiza", ("Seat", "Ibiza")),
    ("algo tipo cx5", "cx5", ("Mazda", "CX-5")),
    ("quiero un versa", "versa", ("Nissan", "Versa")),
    ("algo como una hilux", "hilux", ("Toyota", "Hilux")),
    ("me gusta la cr-v", "cr-v", ("Honda", "CR-V")),
    ("cuanto cuesta el onix", "onix", ("Chevrolet", "Onix")),
    ("hay mazda 3?", "mazda 3", ("Mazda", "Mazda 3")),
    ("un mazda3 2019", "mazda3", ("Mazda", "Mazda 3")),
    ("la serie 3", "serie 3", ("BMW", "Serie 3")),
    ("bmw x1", "bmw x1", ("BMW", "X1")),
    ("audi a3", "audi a3", ("Audi", "A3")),
    ("tienes vw?", "vw", ("Volkswagen", None)),
    ("busco chevy", "chevy", ("Chevrolet", None)),
    ("quiero un chebys", "chebys", ("Chevrolet", None)),
    ("vw polo", "vw polo", ("Volkswagen", "Polo")),
]


@pytest.mark.parametrize(("text", "mention", "car"), ONE_CAR)
def test_lower_case_models_inside_sentences(text: str, mention: str, car: tuple[str, str | None]) -> None:
    u = read(text)
    assert u.brand_texts == [mention] and u.owned_car is None
    assert meant(mention) == car
    assert u.intent == "search"


TYPOS = [
    ("nissan sentrra", "nissan sentrra", ("Nissan", "Sentra")),
    ("tienen nissan sentrra 2018?", "nissan sentrra", ("Nissan", "Sentra")),
    ("busco un sentrra", "sentrra", ("Nissan", "Sentra")),
    ("hay algun jeta barato?", "jeta", ("Volkswagen", "Jetta")),
    ("me interesa la tigun", "tigun", ("Volkswagen", "Tiguan")),
]


@pytest.mark.parametrize(("text", "mention", "car"), TYPOS)
def test_a_typod_model_is_that_model_not_only_its_make(text: str, mention: str, car: tuple[str, str]) -> None:
    assert read(text).brand_texts == [mention]
    assert meant(mention) == car


NOT_IN_STOCK = [
    ("tienen mustang?", "mustang", ("Ford", "Mustang")),
    ("busco un ford mustang", "ford mustang", ("Ford", "Mustang")),
    ("hay algun tsuru?", "tsuru", ("Nissan", "Tsuru")),
    ("tienen el Golf?", "Golf", ("Volkswagen", "Golf")),
    ("tienen el Xpander?", "Xpander", (None, None)),
]


@pytest.mark.parametrize(("text", "mention", "car"), NOT_IN_STOCK)
def test_models_we_do_not_stock_are_kept_to_be_named_back(text: str, mention: str, car: tuple) -> None:
    assert read(text).brand_texts == [mention]
    assert meant(mention) == car
    assert CATALOG.match(mention).model is None  # not in stock: "No tenemos Mustang; de Ford tengo…"


# ----------------------------------------------------------------------------------------- several cars

SEVERAL = [
    ("jetta o vento", ["jetta", "vento"]),
    ("¿tienes jetta o vento?", ["jetta", "vento"]),
    ("clase a o serie 1", ["clase a", "serie 1"]),
    ("me interesa un clase a o un serie 1", ["clase a", "serie 1"]),
    ("algo tipo cx-5 o tiguan", ["cx-5", "tiguan"]),
    ("busco un Polo o un Golf", ["Polo", "Golf"]),
    ("la crv o la rav4?", ["crv", "rav4"]),
]


@pytest.mark.parametrize(("text", "mentions"), SEVERAL)
def test_several_models_in_one_message_in_order(text: str, mentions: list[str]) -> None:
    u = read(text)
    assert u.brand_texts == mentions and u.owned_car is None
    assert all(meant(m)[0] for m in mentions)


@pytest.mark.parametrize(
    "text",
    [
        "cual me recomiendas, la CR-V o la RAV4?",
        "which one is better, the Compass or the RAV4?",
        "cual es mejor el jetta o el vento",
        "crv vs rav4",
        "compara la crv y la rav4",
        "cual me conviene mas, el jetta o el vento?",
    ],
)
def test_asking_which_of_two_is_a_comparison(text: str) -> None:
    u = read(text)
    assert len(u.brand_texts) == 2 and u.compare


def test_two_models_without_a_question_of_choice_are_no_comparison() -> None:
    assert not read("¿tienes jetta o vento?").compare


# ----------------------------------------------------------------------------------------- owned vs wanted

OWNED = [
    ("tengo un Aveo 2012 que quiero dar a cuenta, somos 4 y buscamos sedán de hasta 250", "Aveo 2012", "sedan"),
    ("quiero dar mi aveo 2012 a cuenta de una suv", "aveo 2012", "suv"),
    ("busco sedan, tengo un jetta 2015 que quiero vender", "jetta 2015", "sedan"),
    ("my current car is a 2014 Civic, I want to trade it in for an SUV", "Civic", "suv"),
    ("tenemos una Sienna pero ya no cabemos, buscamos algo de 8 pasajeros", "Sienna", "minivan"),
    ("I drive a Corolla and want something bigger", "Corolla", None),
    ("tengo un versa y quiero cambiarlo por una camioneta", "versa", "suv"),
]


@pytest.mark.parametrize(("text", "owned", "body"), OWNED)
def test_the_car_they_own_is_not_the_car_they_want(text: str, owned: str, body: str | None) -> None:
    u = read(text)
    assert u.owned_car == owned and u.brand_texts == []
    assert u.body_type == body


def test_the_owned_cars_year_is_no_filter_and_the_budget_survives() -> None:
    u = read("tengo un Aveo 2012 que quiero dar a cuenta, somos 4 y buscamos sedán de hasta 250")
    assert (u.min_year, u.max_year, u.max_price) == (None, None, 250000)


# ----------------------------------------------------------------------------------------- never a car

NEVER_A_CAR = [
    "vamos al rio el sabado",
    "queremos ir al Rio de Janeiro",
    "mi hijo juega polo los sabados",
    "me gusta el golf los domingos",
    "mi esposa Mercedes quiere venir",
    "my daughter Mercedes will come with me",
    "busco algo para mi mamá que se llama Mercedes",
    "me llamo Dana Cooper",
    "mi vecina Soul me recomendo venir",
    "soy de Leon Guanajuato",
    "soy de Toledo",
    "vivo en Colorado",
    "me mudo a Colorado el mes que entra",
    "voy a la City por trabajo",
    "I live on Lincoln Avenue",
    "vivo en Lincoln avenue",
    "March 3rd works for me",
    "see you on March 3rd",
    "estoy en la sucursal Patio Santa Fe",
    "fui a la sucursal de Santa Fe",
    "en la sucursal Cosmopol me atendieron",
    "dime la ubicacion de Punto Valle",
    "nos vemos en Polanco",
    "es para mi hijo que entra a la universidad",
    "el auto tiene que ser economico en gasolina",
    "quiero algo que no me deje tirado",
    "necesito una camioneta para el trabajo",
    "que onda, me pasas info? es que ando viendo opciones",
    "the one up there looks fine, is it still available?",
    "un fit de presupuesto, nada muy caro",
]


@pytest.mark.parametrize("text", NEVER_A_CAR)
def test_everyday_words_places_people_streets_and_dates_are_never_cars(text: str) -> None:
    u = read(text)
    assert u.brand_texts == [] and u.owned_car is None, u.brand_texts
