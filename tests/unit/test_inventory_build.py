"""The default inventory file: built once per CSV content and schema, replaced whole, never written in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

import tools.inventory_build as build
from tools.inventory import DEFAULT_CSV, InventoryError, SearchFilters, read_vehicles_csv
from tools.inventory_build import LEGACY_VISITS_FILE, built_fingerprint, ensure_inventory, fingerprint, open_inventory


@pytest.fixture
def csv_copy(tmp_path: Path) -> Path:
    path = tmp_path / "vehicles.csv"
    path.write_bytes(DEFAULT_CSV.read_bytes())
    return path


def test_built_once_then_reused(tmp_path: Path, csv_copy: Path) -> None:
    db = tmp_path / "data" / "inventory.sqlite"
    assert ensure_inventory(db, csv_copy) is True
    inode = db.stat().st_ino
    assert built_fingerprint(db) == fingerprint(csv_copy)
    assert ensure_inventory(db, csv_copy) is False
    assert db.stat().st_ino == inode
    assert open_inventory(db, csv_copy).search(SearchFilters(make="Chevrolet", max_price=300000)).total == 7


def test_a_changed_csv_replaces_the_file_and_open_readers_keep_theirs(tmp_path: Path, csv_copy: Path) -> None:
    db = tmp_path / "inventory.sqlite"
    reader = open_inventory(db, csv_copy)
    with reader.engine.connect() as conn:  # a reader in the middle of its work holds the file it opened
        csv_copy.write_text(csv_copy.read_text(encoding="utf-8").replace("311726,", "999001,", 1), encoding="utf-8")
        assert ensure_inventory(db, csv_copy) is True
        assert conn.exec_driver_sql("SELECT count(*) FROM vehicles WHERE stock_id = 311726").scalar_one() == 1
    fresh = open_inventory(db, csv_copy)
    assert fresh.get(999001) is not None and fresh.get(311726) is None


def test_a_schema_change_rebuilds(tmp_path: Path, csv_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "inventory.sqlite"
    ensure_inventory(db, csv_copy)
    monkeypatch.setattr(build, "BUILD_FORMAT", build.BUILD_FORMAT + 1)
    assert ensure_inventory(db, csv_copy) is True


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("stock_id,make\n1,Chevrolet\n", "cannot build the inventory"),
        ("stock_id,make,model,year,version,price,km,body_type,bluetooth,car_play\n", "holds no cars"),
        (
            "stock_id,make,model,year,version,price,km,body_type,bluetooth,car_play\n1,Kia,Rio,dos mil,,1,1,sedan,,\n",
            "cannot build the inventory",
        ),
    ],
)
def test_a_bad_csv_is_an_error_and_keeps_the_current_inventory(
    tmp_path: Path, csv_copy: Path, content: str, message: str
) -> None:
    db = tmp_path / "inventory.sqlite"
    ensure_inventory(db, csv_copy)
    inode = db.stat().st_ino
    csv_copy.write_text(content, encoding="utf-8")
    with pytest.raises(InventoryError, match=message):
        ensure_inventory(db, csv_copy)
    assert db.stat().st_ino == inode and built_fingerprint(db) is not None
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_dead_builders_leftovers_are_removed(tmp_path: Path, csv_copy: Path) -> None:
    db = tmp_path / "inventory.sqlite"
    stale = tmp_path / ".inventory.sqlite.4242.deadbeef.tmp"
    stale.write_bytes(b"half a database")
    ensure_inventory(db, csv_copy)
    assert not stale.exists()


def test_the_agent_cannot_write_to_the_inventory(tmp_path: Path, csv_copy: Path) -> None:
    store = open_inventory(tmp_path / "inventory.sqlite", csv_copy)
    with pytest.raises(OperationalError, match="readonly"):
        store.load(read_vehicles_csv(csv_copy))


def test_visits_an_earlier_version_kept_in_the_inventory_are_saved(tmp_path: Path, csv_copy: Path) -> None:
    db = tmp_path / "inventory.sqlite"
    with sqlite3.connect(db) as conn:  # the earlier layout: vehicles and visits in one WAL file, no build record
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE visits (visit_id INTEGER PRIMARY KEY, stock_id INTEGER, thread_id TEXT)")
        conn.execute("INSERT INTO visits VALUES (1, 311726, 'w1')")
    conn.close()
    ensure_inventory(db, csv_copy)
    with sqlite3.connect(tmp_path / LEGACY_VISITS_FILE) as saved:
        assert saved.execute("SELECT stock_id, thread_id FROM visits").fetchall() == [(311726, "w1")]
    saved.close()
    assert not (tmp_path / "inventory.sqlite-wal").exists()
    assert built_fingerprint(db) == fingerprint(csv_copy)
