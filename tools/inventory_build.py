"""The default inventory: an SQLite file built once from the CSV, replaced whole, never written in place.

Many processes (the server, each worker child, `ask`, `chat`, `eval`) may start at once on one data folder. The
first to find the file missing or stale builds a new one next to it under a file lock and renames it into place
(`os.replace` is atomic); the others wait on the lock and find it done. The file records the content hash of the
CSV and of the table's schema, so an unchanged inventory is never rebuilt. Readers open it read-only: a reader
holds the file it opened until it reconnects, so it never sees a missing or half-built table.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
import sqlite3
import uuid
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from tools.inventory import DEFAULT_CSV, InventoryError, InventoryStore, read_vehicles_csv, vehicles

log = logging.getLogger(__name__)

BUILD_FORMAT = 1
"""Bump when the way the file is built changes without the table's schema changing."""
LEGACY_VISITS_FILE = "inventory-visits-v0.sqlite"
"""Where visits booked by earlier versions (which kept them in the inventory file) are saved before a rebuild."""

build_info = Table(
    "inventory_build",
    MetaData(),
    Column("fingerprint", String(64), nullable=False),
    Column("built_at", String(40), nullable=False),
    Column("cars", Integer, nullable=False),
)


def schema_fingerprint() -> str:
    """Hash of the vehicles table's DDL (columns and indexes) and of the build format."""
    dialect = sqlite.dialect()
    ddl = [str(CreateTable(vehicles).compile(dialect=dialect))]
    ddl += sorted(str(CreateIndex(index).compile(dialect=dialect)) for index in vehicles.indexes)
    return hashlib.sha256(f"{BUILD_FORMAT}\n{''.join(ddl)}".encode()).hexdigest()


def fingerprint(csv_path: Path = DEFAULT_CSV) -> str:
    """What a built file must record to be current: the hash of the schema and of the CSV's bytes."""
    digest = hashlib.sha256(schema_fingerprint().encode())
    with csv_path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def built_fingerprint(db_path: Path) -> str | None:
    """The fingerprint a built file records; None when it is missing, foreign or unreadable."""
    try:
        with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
            row = conn.execute("SELECT fingerprint FROM inventory_build").fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def ensure_inventory(db_path: Path, csv_path: Path = DEFAULT_CSV) -> bool:
    """Make `db_path` hold the cars of `csv_path`; True when this call built it, False when it was current.

    A CSV that cannot be read raises `InventoryError` and leaves the current file as it was.
    """
    wanted = fingerprint(csv_path)
    if built_fingerprint(db_path) == wanted:
        return False
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(f"{db_path}.lock"):
        if built_fingerprint(db_path) == wanted:
            return False  # another process built it while we waited
        for stale in db_path.parent.glob(f".{db_path.name}.*.tmp"):
            stale.unlink(missing_ok=True)  # left by a builder that died; nobody else builds while we hold the lock
        tmp = db_path.with_name(f".{db_path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            cars = _build(tmp, csv_path, wanted)
            _save_legacy_visits(db_path)
            os.replace(tmp, db_path)
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(db_path.parent)
        for suffix in ("-wal", "-shm"):  # an earlier version kept this file in WAL mode
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    log.info("inventory built: %d cars from %s into %s", cars, csv_path, db_path)
    return True


def open_inventory(db_path: Path, csv_path: Path = DEFAULT_CSV) -> InventoryStore:
    """The default inventory, built first if missing or stale, opened read-only."""
    ensure_inventory(db_path, csv_path)
    return InventoryStore.from_url(f"sqlite:///{db_path}", read_only=True)


def _build(path: Path, csv_path: Path, wanted: str) -> int:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=OFF")  # a private file: a failed build is thrown away
        try:
            cars = InventoryStore(engine).load(read_vehicles_csv(csv_path))
        except (KeyError, ValueError, csv.Error) as exc:
            raise InventoryError(f"cannot build the inventory from {csv_path}: {type(exc).__name__}: {exc}") from exc
        if not cars:
            raise InventoryError(f"{csv_path} holds no cars; the inventory was left as it was")
        with engine.begin() as conn:
            build_info.create(conn)
            conn.execute(
                insert(build_info).values(fingerprint=wanted, built_at=datetime.now(UTC).isoformat(), cars=cars)
            )
            conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
    return cars


def _save_legacy_visits(db_path: Path) -> None:
    """Before replacing a file of an earlier version that holds booked visits, keep a copy of it."""
    legacy = db_path.with_name(LEGACY_VISITS_FILE)
    if legacy.exists() or not db_path.exists():
        return
    try:
        with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
            count = conn.execute("SELECT count(*) FROM visits").fetchone()[0]
            if not count:
                return
            with closing(sqlite3.connect(legacy)) as copy:
                conn.backup(copy)
    except sqlite3.Error:
        return  # no visits table: nothing to keep
    log.warning("kept %d visits booked by an earlier version in %s", count, legacy)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
