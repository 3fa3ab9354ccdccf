"""Brand/model normalization: slang, typos, plurals, ambiguity and unknown brands."""

import pytest

from tools.inventory import InventoryStore
from tools.normalize import BrandCatalog


@pytest.fixture(scope="module")
def catalog() -> BrandCatalog:
    return BrandCatalog.build(InventoryStore.from_csv("sqlite://").catalog())


@pytest.mark.parametrize(
    ("text", "make", "model"),
    [
        ("Chebys", "Chevrolet", None),
        ("Do you have any Chebys under 300k?", "Chevrolet", None),
        ("chevy", "Chevrolet", None),
        ("CHEVROLET", "Chevrolet", None),
        ("nisan", "Nissan", None),
        ("volks", "Volkswagen", None),
        ("vocho", "Volkswagen", None),
        ("vw jetta", "Volkswagen", "Jetta"),
        ("toyotas", "Toyota", None),
        ("el onix", "Chevrolet", "Onix"),
        ("onyx", "Chevrolet", "Onix"),
        ("mazda 3", "Mazda", "Mazda 3"),
        ("cx5", "Mazda", "CX-5"),
        ("CX-5", "Mazda", "CX-5"),
        ("crv", "Honda", "CR-V"),
        ("Mercedes", "Mercedes-Benz", None),
        ("mercedes benz clase c", "Mercedes-Benz", "Clase C"),
        ("kia forte", "Kia", "Forte"),
        ("FORTE", "Kia", "Forte"),
        ("KIA", "Kia", None),
        ("mazada", "Mazda", None),
        ("Peugeot 208", "Peugeot", "208"),
        ("un Fiat uno", "Fiat", "Uno"),
        ("me interesa el March", "Nissan", "March"),
        ("land rover", "Land Rover", None),
        ("sentras", "Nissan", "Sentra"),
    ],
)
def test_spellings_map_to_the_inventory_names(catalog: BrandCatalog, text: str, make: str, model: str | None) -> None:
    match = catalog.match(text)
    assert (match.make, match.model) == (make, model), match
    assert match.confidence >= 0.75


@pytest.mark.parametrize("text", ["Ferrari", "tienen hyundai?", "un Tesla"])
def test_known_brands_we_do_not_stock_are_reported_not_forced(catalog: BrandCatalog, text: str) -> None:
    match = catalog.match(text)
    assert match.make is None and match.method == "not_in_stock"
    assert match.suggestions and set(match.suggestions) <= set(catalog.makes)


@pytest.mark.parametrize(
    "text",
    ["Zorgblat", "hola", "quiero uno barato", "necesito un auto", "tengo 208 mil", "", "🚗🚗", "x" * 5000],
)
def test_words_that_are_not_brands_match_nothing(catalog: BrandCatalog, text: str) -> None:
    assert catalog.match(text).make is None


def test_hyundai_is_not_read_as_honda(catalog: BrandCatalog) -> None:
    assert catalog.match("hyundai").make is None


@pytest.mark.parametrize(("text", "model"), [("Kicks", "Kicks"), ("uno", "Uno"), ("March", "March")])
def test_a_lone_model_name_is_a_mention(catalog: BrandCatalog, text: str, model: str) -> None:
    assert catalog.match(text).model == model
