"""The inventory build and the records database: start-up cost, many processes at once, booking latency.

    python -m bench.records [--cars 100000] [--processes 8] [--turns 25] [--rounds 3] [--bookings 500]

- inventory: building `inventory.sqlite` from a CSV of `--cars` cars (generated from data/vehicles.csv) versus
  a start-up that finds it current (a hash of the CSV);
- processes: `--rounds` times, `--processes` processes start at once on a fresh data folder and answer
  `--turns` turns each (tests/support/converse.py); prints errors and false "not in stock" replies;
- bookings: `Visits.book` on the SQLite records file, new requests and repeated ones (idempotent path).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import summary
from tools.database import make_engine, migrate
from tools.inventory import DEFAULT_CSV
from tools.inventory_build import ensure_inventory, open_inventory
from tools.visits import Visits

REPO = Path(__file__).resolve().parent.parent
NOT_IN_STOCK = ("no tengo", "no tenemos", "don't have", "do not have")


def big_csv(path: Path, cars: int) -> None:
    """`cars` rows cycling through the sample with fresh stock ids."""
    with DEFAULT_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows, fields = list(reader), reader.fieldnames or []
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for i in range(cars):
            writer.writerow({**rows[i % len(rows)], "stock_id": 1_000_000 + i})


def inventory(tmp: Path, cars: int) -> None:
    source = tmp / "big.csv"
    big_csv(source, cars)
    builds, checks = [], []
    for i in range(3):
        start = time.perf_counter()
        ensure_inventory(tmp / f"build-{i}" / "inventory.sqlite", source)
        builds.append(time.perf_counter() - start)
    for _ in range(30):
        start = time.perf_counter()
        assert not ensure_inventory(tmp / "build-0" / "inventory.sqlite", source)
        checks.append(time.perf_counter() - start)
    print(f"inventory of {cars:,} cars : build {summary(builds)}")
    print(f"start-up, inventory current: {summary(checks)} (hash of the CSV, no rebuild)")


def processes(tmp: Path, count: int, turns: int, rounds: int) -> None:
    for round_ in range(rounds):
        folder = tmp / f"round-{round_}"
        ready = folder / "ready"
        ready.mkdir(parents=True)
        env = {"DATA_DIR": str(folder / "data"), "PATH": "/usr/bin:/bin"}
        names = [f"p{i}" for i in range(count)]
        outs = [(folder / f"{n}.jsonl").open("w") for n in names]
        command = [sys.executable, "-m", "tests.support.converse", "--turns", str(turns), "--ready-dir", str(ready)]
        procs = [
            subprocess.Popen([*command, "--name", n, "--start-file", str(folder / "go")], cwd=REPO, stdout=o, env=env)
            for n, o in zip(names, outs, strict=True)
        ]
        while len(list(ready.iterdir())) < count:
            time.sleep(0.02)
        start = time.perf_counter()
        (folder / "go").touch()
        for proc in procs:
            proc.wait()
        wall = time.perf_counter() - start
        lines = [json.loads(raw) for n in names for raw in (folder / f"{n}.jsonl").read_text().splitlines()]
        errors = sum(not line["ok"] for line in lines)
        wrong = sum(
            line["ok"] and (any(p in line["reply"].lower() for p in NOT_IN_STOCK) or 0 in line["totals"])
            for line in lines
        )
        builds = len({line["inode"] for line in lines})
        print(
            f"round {round_ + 1}: {count} processes x {turns} turns: {len(lines)} answered, {errors} errors, "
            f"{wrong} false 'not in stock', inventory files seen {builds}, {wall:.1f} s wall"
        )


def bookings(tmp: Path, count: int) -> None:
    url = f"sqlite:///{tmp / 'records.sqlite'}"
    migrate(url)
    visits = Visits(make_engine(url), open_inventory(tmp / "inventory.sqlite"))
    new, repeated = [], []
    for i in range(count):
        start = time.perf_counter()
        visits.book(311726, f"bench-{i % 50}", f"SM{i}", when_iso="2031-01-10T11:00")
        new.append(time.perf_counter() - start)
        start = time.perf_counter()
        visits.book(311726, f"bench-{i % 50}", f"SM{i}", when_iso="2031-01-10T11:00")
        repeated.append(time.perf_counter() - start)
    print(f"book, new request      : {summary(new)}")
    print(f"book, repeated request : {summary(repeated)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cars", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--turns", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bookings", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inventory(Path(tmp), args.cars)
        bookings(Path(tmp), args.bookings)
        processes(Path(tmp), args.processes, args.turns, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
