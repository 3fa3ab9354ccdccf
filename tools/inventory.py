"""The inventory: the cars for sale in any SQLAlchemy database, searched with indexed SQL. Read-only here.

By default it is an SQLite file built once from `data/vehicles.csv` (`tools.inventory_build`); in production the
URL can point at a PostgreSQL read replica that already holds the `vehicles` table.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal, get_args

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
)

from tools.database import make_engine, ping

REPO_DATA = Path(__file__).resolve().parent.parent / "data"
DEFAULT_CSV = REPO_DATA / "vehicles.csv"
BodyType = Literal["sedan", "hatchback", "suv", "pickup", "minivan", "coupe"]
Transmission = Literal["automatic", "manual"]
Sort = Literal["price_asc", "price_desc", "year_desc", "km_asc"]
"""Orders a customer asks for: cheapest, most expensive, newest, lowest mileage."""
BODY_TYPES: tuple[str, ...] = get_args(BodyType)
TRANSMISSIONS: tuple[str, ...] = get_args(Transmission)
SORTS: tuple[str, ...] = get_args(Sort)
MAX_LIMIT = 20
TOTAL_COUNT_CAP = 1000
AUTOMATIC_CODES = ("AUTO", "AT", "TA", "CVT", "XTRONIC", "IVT", "DCT", "DSG", "ASG", "TIPTRONIC", "STEPTRONIC")
MANUAL_CODES = ("MT", "TM", "STD", "MANUAL")
"""Transmission codes in the versions' text; a version with neither says nothing about the transmission."""


def transmission_of(version: str) -> Transmission | None:
    """The transmission a version's codes state ("1.6 SENSE MT" → manual, "2.5 I SPORT AUTO" → automatic)."""
    words = set(re.findall(r"[A-Z0-9]+", (version or "").upper()))
    if words & set(AUTOMATIC_CODES):
        return "automatic"
    if words & set(MANUAL_CODES):
        return "manual"
    return None


SEAT_CODES = re.compile(r"\b([2-9])\s*PAS(?:AJEROS|AJ|\.)?(?=\W|$)")
AWD_CODES = ("AWD", "4X4", "4WD", "QUATTRO", "4MOTION", "XDRIVE", "ALLGRIP", "ALL4")


def seats_of(version: str) -> int | None:
    """Seats a version's codes state ("1.5 LT 7 PASAJEROS" → 7), or None."""
    match = SEAT_CODES.search((version or "").upper())
    return int(match.group(1)) if match else None


def all_wheel_drive_of(version: str) -> bool:
    """Whether a version's codes state all-wheel drive (AWD, 4X4, 4WD, 4MOTION...)."""
    return bool(set(re.findall(r"[A-Z0-9]+", (version or "").upper())) & set(AWD_CODES))


metadata = MetaData()

vehicles = Table(
    "vehicles",
    metadata,
    Column("stock_id", Integer, primary_key=True, autoincrement=False),
    Column("make", String(40), nullable=False),
    Column("model", String(60), nullable=False),
    Column("year", Integer, nullable=False),
    Column("version", String(120), nullable=False, default=""),
    Column("price", Integer, nullable=False),  # whole pesos
    Column("km", Integer, nullable=False),
    Column("body_type", String(16), nullable=False),
    Column("bluetooth", Boolean, nullable=False, default=False),
    Column("car_play", Boolean, nullable=False, default=False),
    Column("transmission", String(16)),  # derived from the version's codes at load; NULL = not stated
    Column("seats", Integer),  # derived from the version's codes ("7 PASAJEROS"); NULL = not stated
    Column("all_wheel_drive", Boolean, nullable=False, default=False),  # AWD, 4X4, 4MOTION... in the version
    Column("length_mm", Integer),
    Column("width_mm", Integer),
    Column("height_mm", Integer),
    # Every search orders by price: each index leads with an equality filter, then price; year and km ride along
    # so that year/km filters (and the capped count) are checked inside the index without reading rows.
    Index("ix_vehicles_price", "price", "year", "km"),
    Index("ix_vehicles_make_model_price", "make", "model", "price"),
    Index("ix_vehicles_make_price", "make", "price", "year", "km"),
    Index("ix_vehicles_body_price", "body_type", "price", "year", "km"),
)


@dataclass(frozen=True)
class Vehicle:
    """One car for sale, as the customer sees it (price in pesos)."""

    stock_id: int
    make: str
    model: str
    year: int
    version: str
    price: int
    km: int
    body_type: str
    bluetooth: bool
    car_play: bool
    transmission: str | None = None
    seats: int | None = None
    all_wheel_drive: bool = False

    @property
    def title(self) -> str:
        """ "Chevrolet Onix 2021"."""
        return f"{self.make} {self.model} {self.year}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return asdict(self)


@dataclass(frozen=True)
class SearchFilters:
    """What a search may constrain; None means "any". The one definition of the search filters."""

    make: str | None = None
    model: str | None = None
    body_type: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    min_year: int | None = None
    max_year: int | None = None
    max_km: int | None = None
    transmission: str | None = None
    bluetooth: bool | None = None
    car_play: bool | None = None
    min_seats: int | None = None
    all_wheel_drive: bool | None = None
    sort: str = "price_asc"
    limit: int = 5


FILTER_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(SearchFilters) if f.name not in ("sort", "limit"))
"""Every filter of a search, in order (the graph derives its search slots from this)."""


@dataclass(frozen=True)
class SearchResult:
    """Cheapest-first matches and how many cars match in all (exact up to TOTAL_COUNT_CAP)."""

    results: list[Vehicle]
    total: int
    total_is_lower_bound: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        out: dict[str, Any] = {"results": [v.as_dict() for v in self.results], "total": self.total}
        if self.total_is_lower_bound:
            out["total_is_lower_bound"] = True
        return out


class InventoryError(ValueError):
    """A search the inventory cannot answer, with a message the agent can relay."""


def read_vehicles_csv(path: Path = DEFAULT_CSV) -> Iterator[dict[str, Any]]:
    """Rows of the vehicles CSV as typed dicts ready for insertion."""
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {
                "stock_id": int(row["stock_id"]),
                "make": row["make"].strip(),
                "model": row["model"].strip(),
                "year": int(row["year"]),
                "version": row["version"].strip(),
                "price": int(float(row["price"])),
                "km": int(float(row["km"])),
                "body_type": row["body_type"].strip(),
                "bluetooth": row["bluetooth"].strip().lower() == "true",
                "car_play": row["car_play"].strip().lower() == "true",
                "transmission": transmission_of(row["version"]),
                "seats": seats_of(row["version"]),
                "all_wheel_drive": all_wheel_drive_of(row["version"]),
                "length_mm": int(row["length_mm"]) if row.get("length_mm") else None,
                "width_mm": int(row["width_mm"]) if row.get("width_mm") else None,
                "height_mm": int(row["height_mm"]) if row.get("height_mm") else None,
            }


class InventoryStore:
    """Search the vehicles table. Thread-safe; one per process is enough."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str, *, read_only: bool = False) -> InventoryStore:
        """Connect to an inventory that already holds its vehicles (e.g. a PostgreSQL read replica)."""
        return cls(make_engine(url, read_only=read_only))

    @classmethod
    def from_csv(cls, url: str = "sqlite://", csv_path: Path = DEFAULT_CSV) -> InventoryStore:
        """Load a CSV into a new database at `url` (in memory by default: tests, benchmarks)."""
        store = cls(make_engine(url))
        store.load(read_vehicles_csv(csv_path))
        return store

    def load(self, rows: Iterable[dict[str, Any]], batch_size: int = 5000) -> int:
        """Replace every vehicle with `rows` (creating the table if needed), in one transaction. Returns the count."""
        count = 0
        metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            conn.execute(delete(vehicles))
            batch: list[dict[str, Any]] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= batch_size:
                    conn.execute(insert(vehicles), batch)
                    count += len(batch)
                    batch = []
            if batch:
                conn.execute(insert(vehicles), batch)
                count += len(batch)
        return count

    def catalog(self) -> dict[str, list[str]]:
        """Every make in stock with its models, as spelled in the inventory."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(vehicles.c.make, vehicles.c.model).distinct()).all()
        out: dict[str, list[str]] = {}
        for make, model in rows:
            out.setdefault(make, []).append(model)
        return {make: sorted(models) for make, models in sorted(out.items())}

    def get(self, stock_id: int) -> Vehicle | None:
        """The car with this stock id, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(*_VEHICLE_COLUMNS).where(vehicles.c.stock_id == stock_id)).first()
        return _vehicle(row) if row else None

    def search(self, filters: SearchFilters) -> SearchResult:
        """Cars matching every filter, cheapest first, with the total count of matches."""
        _validate(filters)
        c = vehicles.c
        conditions = []
        for column, value in (("make", filters.make), ("model", filters.model), ("body_type", filters.body_type)):
            if value:
                conditions.append(c[column] == value)
        bounds = (
            (c.price, ">=", filters.min_price),
            (c.price, "<=", filters.max_price),
            (c.year, ">=", filters.min_year),
            (c.year, "<=", filters.max_year),
            (c.km, "<=", filters.max_km),
        )
        conditions += [column >= v if op == ">=" else column <= v for column, op, v in bounds if v is not None]
        if filters.transmission:
            conditions.append(c.transmission == filters.transmission)
        for flag in ("bluetooth", "car_play", "all_wheel_drive"):
            if getattr(filters, flag):
                conditions.append(c[flag].is_(True))
        if filters.min_seats:
            conditions.append(c.seats >= filters.min_seats)
        limit = max(1, min(filters.limit, MAX_LIMIT))
        order = {
            "price_asc": (c.price, c.stock_id),
            "price_desc": (c.price.desc(), c.stock_id),
            "year_desc": (c.year.desc(), c.price, c.stock_id),
            "km_asc": (c.km, c.price, c.stock_id),
        }[filters.sort]
        page = select(*_VEHICLE_COLUMNS).where(*conditions).order_by(*order)
        # Counting stops at the cap: "more than 1,000 cars" needs no full scan of a large inventory.
        capped = select(vehicles.c.stock_id).where(*conditions).limit(TOTAL_COUNT_CAP + 1).subquery()
        with self.engine.connect() as conn:
            rows = conn.execute(page.limit(limit)).all()
            total = conn.execute(select(func.count()).select_from(capped)).scalar_one()
        lower_bound = total > TOTAL_COUNT_CAP
        return SearchResult([_vehicle(r) for r in rows], min(total, TOTAL_COUNT_CAP), lower_bound)

    def ping(self) -> bool:
        """True when the database answers."""
        return ping(self.engine)


_VEHICLE_COLUMNS = (
    vehicles.c.stock_id,
    vehicles.c.make,
    vehicles.c.model,
    vehicles.c.year,
    vehicles.c.version,
    vehicles.c.price,
    vehicles.c.km,
    vehicles.c.body_type,
    vehicles.c.bluetooth,
    vehicles.c.car_play,
    vehicles.c.transmission,
    vehicles.c.seats,
    vehicles.c.all_wheel_drive,
)


def _vehicle(row: Any) -> Vehicle:
    return Vehicle(
        stock_id=int(row.stock_id),
        make=row.make,
        model=row.model,
        year=int(row.year),
        version=row.version or "",
        price=int(row.price),
        km=int(row.km),
        body_type=row.body_type,
        bluetooth=bool(row.bluetooth),
        car_play=bool(row.car_play),
        transmission=row.transmission,
        seats=int(row.seats) if row.seats is not None else None,
        all_wheel_drive=bool(row.all_wheel_drive),
    )


def _validate(filters: SearchFilters) -> None:
    choices = (("body_type", BODY_TYPES), ("transmission", TRANSMISSIONS), ("sort", SORTS))
    for name, allowed in choices:
        value = getattr(filters, name)
        if value is not None and value not in allowed:
            raise InventoryError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    for name in ("min_price", "max_price", "max_km"):
        value = getattr(filters, name)
        if value is not None and value < 0:
            raise InventoryError(f"{name} cannot be negative")
    if filters.min_price is not None and filters.max_price is not None and filters.min_price > filters.max_price:
        raise InventoryError("min_price is above max_price")
    if filters.min_year is not None and filters.max_year is not None and filters.min_year > filters.max_year:
        raise InventoryError("min_year is after max_year")
