"""Visits: idempotent booking, public ids, lookups by id and name, reschedule, cancel, names, staff ranges."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tools.database import make_engine, migrate
from tools.inventory import InventoryStore
from tools.public_ids import ALPHABET, new_public_id, parse_public_id
from tools.toolkit import Toolkit
from tools.visits import DEALER_TZ, VisitError, VisitNotFoundError, Visits, visits

ONIX = 311726
NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)  # Wednesday 12:00 in Mexico City


class Clock:
    """A settable clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def inventory() -> InventoryStore:
    return InventoryStore.from_csv()


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    migrate(url)
    return make_engine(url)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def book(engine: Engine, inventory: InventoryStore, clock: Clock) -> Visits:
    return Visits(engine, inventory, clock)


def rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(visits)).scalar_one())


def test_a_booking_has_a_short_random_readable_id_and_its_car(book: Visits) -> None:
    visit = book.book(ONIX, "t1", "SM1", customer_name="  Ana   Pérez ", when_text="el sábado a las 11")
    assert re.fullmatch(rf"KV-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", visit.visit_id)
    assert (visit.car, visit.customer_name, visit.status) == ("Chevrolet Onix 2021", "Ana Pérez", "booked")
    assert visit.as_tool_output() == {
        "visit_id": visit.visit_id,
        "status": "booked",
        "stock_id": ONIX,
        "car": "Chevrolet Onix 2021",
        "customer_name": "Ana Pérez",
        "when": "el sábado a las 11",
        "when_iso": None,
        "branch": None,
    }


def test_ids_are_not_sequential() -> None:
    ids = {new_public_id("KV") for _ in range(2000)}
    assert len(ids) == 2000
    assert len({i[3] for i in ids}) > 20  # the first character varies: no counter behind it


def test_the_same_request_books_once(book: Visits, engine: Engine) -> None:
    first = book.book(ONIX, "t1", "SM1", when_text="mañana")
    again = book.book(ONIX, "t1", "SM1", when_text="mañana")
    assert again == first and rows(engine) == 1
    other = book.book(ONIX, "t1", "SM2")
    elsewhere = book.book(ONIX, "t2", "SM1")
    assert len({first.visit_id, other.visit_id, elsewhere.visit_id}) == 3 and rows(engine) == 3


def test_a_lost_race_returns_the_winner(book: Visits, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    winner = book.book(ONIX, "t1", "SM1")
    # The loser checked before the winner wrote: its insert hits the unique constraint and reads the winner.
    real = book._by_request
    calls = iter([None])
    monkeypatch.setattr(book, "_by_request", lambda t, k: next(calls, real(t, k)))
    assert book.book(ONIX, "t1", "SM1") == winner and rows(engine) == 1


def test_a_taken_random_id_is_drawn_again(book: Visits, monkeypatch: pytest.MonkeyPatch) -> None:
    first = book.book(ONIX, "t1", "SM1")
    drawn = iter([first.visit_id, "KV-AAAA-BBBB"])
    monkeypatch.setattr("tools.visits.new_public_id", lambda prefix: next(drawn))
    assert book.book(ONIX, "t1", "SM2").visit_id == "KV-AAAA-BBBB"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stock_id": 999999}, "no car with stock_id 999999"),
        ({"stock_id": "onix"}, "stock_id must be a number"),
        ({"thread_id": " "}, "thread_id must be"),
        ({"request_key": ""}, "request_key must be"),
        ({"when_iso": "next saturday"}, "not an ISO-8601"),
        ({"when_iso": "2026-11-24T11:00:00-06:00"}, "has already passed"),
    ],
)
def test_bad_bookings_are_clear_errors_and_write_nothing(
    book: Visits, engine: Engine, kwargs: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {"stock_id": ONIX, "thread_id": "t1", "request_key": "SM1", **kwargs}
    with pytest.raises(VisitError, match=message):
        book.book(**args)  # type: ignore[arg-type]
    assert rows(engine) == 0


def test_times_are_kept_in_mexico_city_and_naive_ones_are_local(book: Visits) -> None:
    utc = book.book(ONIX, "t1", "a", when_iso="2026-11-28T17:00:00+00:00")
    naive = book.book(ONIX, "t1", "b", when_iso="2026-11-28T11:00")
    assert utc.when_iso == naive.when_iso == "2026-11-28T11:00:00-06:00"
    assert naive.when == datetime(2026, 11, 28, 11, tzinfo=DEALER_TZ)
    again = book.get(utc.visit_id)
    assert again is not None and again.when_iso == "2026-11-28T11:00:00-06:00"


def test_get_accepts_ids_as_customers_type_them(book: Visits) -> None:
    visit = book.book(ONIX, "t1", "SM1")
    typed = visit.visit_id.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert book.get(typed) == visit
    assert parse_public_id("kv-7k3q-9xma", "KV") == "KV-7K3Q-9XMA"
    assert book.get("KV-ZZZZ-ZZZZ") is None and book.get("hola") is None and book.get("") is None


def test_for_thread_lists_newest_first_and_hides_cancelled(book: Visits, clock: Clock) -> None:
    first = book.book(ONIX, "t1", "a")
    clock.now += timedelta(minutes=1)
    second = book.book(ONIX, "t1", "b")
    book.book(ONIX, "t2", "a")
    assert [v.visit_id for v in book.for_thread("t1")] == [second.visit_id, first.visit_id]
    book.cancel(first.visit_id)
    assert [v.visit_id for v in book.for_thread("t1")] == [second.visit_id]
    assert len(book.for_thread("t1", active_only=False)) == 2


@pytest.mark.parametrize("said", ["julio ramos", "JULIO RAMOS", "Julio Ramós", "Julio", "Julio Ramos Pérez"])
def test_find_by_name_ignores_accents_and_case(book: Visits, said: str) -> None:
    visit = book.book(ONIX, "t1", "a", customer_name="Julio Ramos")
    book.book(ONIX, "t1", "b", customer_name="Ana López")
    assert book.find("t1", said) == [visit]
    assert book.find("t2", said) == []  # another conversation's booking is not found by name


def test_find_needs_a_matching_name(book: Visits) -> None:
    book.book(ONIX, "t1", "a", customer_name="Julio Ramos")
    book.book(ONIX, "t1", "b")
    assert book.find("t1", "Mariana") == [] and book.find("t1", "  ") == []


def test_reschedule_moves_a_booked_visit(book: Visits, clock: Clock) -> None:
    visit = book.book(ONIX, "t1", "a", when_iso="2026-11-28T11:00", when_text="sábado a las 11")
    clock.now += timedelta(minutes=5)
    moved = book.reschedule(visit.visit_id, "2026-11-26T11:00-06:00", "el jueves, misma hora")
    assert (moved.when_iso, moved.when_text) == ("2026-11-26T11:00:00-06:00", "el jueves, misma hora")
    assert moved.updated_at == clock.now and moved.created_at == visit.created_at
    assert book.for_thread("t1") == [moved]  # moved, not booked twice


def test_reschedule_and_cancel_refuse_what_they_cannot_do(book: Visits) -> None:
    visit = book.book(ONIX, "t1", "a")
    with pytest.raises(VisitError, match="say when"):
        book.reschedule(visit.visit_id, None, " ")
    with pytest.raises(VisitError, match="already passed"):
        book.reschedule(visit.visit_id, "2020-01-01T10:00", None)
    with pytest.raises(VisitNotFoundError):
        book.reschedule(visit.visit_id, None, "mañana", thread_id="someone-else")
    with pytest.raises(VisitNotFoundError):
        book.cancel(visit.visit_id, thread_id="someone-else")
    with pytest.raises(VisitNotFoundError):
        book.cancel("KV-0000-0000")
    assert book.cancel(visit.visit_id, thread_id="t1").status == "cancelled"
    assert book.cancel(visit.visit_id).status == "cancelled"  # cancelling twice is harmless
    with pytest.raises(VisitError, match="cancelled visit cannot be moved"):
        book.reschedule(visit.visit_id, None, "mañana")


def test_a_name_given_later_goes_on_the_active_visits(book: Visits) -> None:
    kept = book.book(ONIX, "t1", "a")
    cancelled = book.book(ONIX, "t1", "b")
    book.cancel(cancelled.visit_id)
    named = book.set_customer_name("t1", " María Fernanda  López Ortega ")
    assert [v.visit_id for v in named] == [kept.visit_id]
    assert named[0].customer_name == "María Fernanda López Ortega"
    assert book.get(cancelled.visit_id).customer_name is None  # type: ignore[union-attr]
    with pytest.raises(VisitError):
        book.set_customer_name("t1", "   ")


def test_between_lists_booked_visits_of_a_period_soonest_first(book: Visits) -> None:
    friday = book.book(ONIX, "t1", "a", when_iso="2026-11-27T16:00")
    thursday = book.book(ONIX, "t2", "a", when_iso="2026-11-26T10:00")
    book.book(ONIX, "t3", "a", when_iso="2026-12-05T10:00")  # next week
    book.book(ONIX, "t4", "a")  # no time yet
    gone = book.book(ONIX, "t5", "a", when_iso="2026-11-26T12:00")
    book.cancel(gone.visit_id)
    week = (datetime(2026, 11, 23, tzinfo=DEALER_TZ), datetime(2026, 11, 30, tzinfo=DEALER_TZ))
    assert [v.visit_id for v in book.between(*week)] == [thursday.visit_id, friday.visit_id]
    with pytest.raises(VisitError):
        book.between(datetime(2026, 11, 23), datetime(2026, 11, 30))


def test_the_tool_books_once_per_request_and_hides_its_wiring(
    engine: Engine, inventory: InventoryStore, clock: Clock
) -> None:
    toolkit = Toolkit.from_store(inventory, visits=Visits(engine, inventory, clock))
    tool = toolkit.tools["schedule_visit"]
    assert set(tool.tool_call_schema.model_json_schema()["properties"]) == {"stock_id", "customer_name", "when"}
    args = {"stock_id": ONIX, "when": "sábado 11", "thread_id": "t1", "request_key": "SM1", "branch": "Explanada"}
    first = tool.invoke({**args, "when_iso": "2026-11-28T11:00"})
    assert tool.invoke(args) == first and rows(engine) == 1
    assert first["when_iso"] == "2026-11-28T11:00:00-06:00" and first["branch"] == "Explanada"
    assert tool.invoke({**args, "stock_id": 1, "request_key": "SM2"}) == {"error": "no car with stock_id 1 is in stock"}
    assert Toolkit.from_store(inventory).tools["schedule_visit"].invoke(args) == {
        "error": "visits cannot be booked here"
    }
