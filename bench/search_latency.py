"""Search latency on a generated inventory of 1,000,000 cars (SQLite file, the same indexes as production).

    python -m bench.search_latency [--cars 1000000] [--queries 400]

Cars are drawn from the makes, models and body types of data/vehicles.csv with random prices, years and km.
Queries mix the filters customers use: make (+ model), body type, budget, years and km, cheapest first.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from bench.stats import summary
from tools.inventory import InventoryStore, SearchFilters, read_vehicles_csv


def generate(n: int, seed: int = 7):
    """n synthetic cars shaped like the real sample."""
    rng = random.Random(seed)
    sample = list(read_vehicles_csv())
    for stock_id in range(1, n + 1):
        base = rng.choice(sample)
        yield {
            **base,
            "stock_id": stock_id,
            "year": rng.randint(2012, 2024),
            "price": rng.randrange(90_000, 1_500_000, 1000) - 1,
            "km": rng.randint(1_000, 220_000),
        }


def queries(n: int, seed: int = 11) -> list[SearchFilters]:
    """A mix of realistic customer searches."""
    rng = random.Random(seed)
    sample = list(read_vehicles_csv())
    out = []
    for _ in range(n):
        car = rng.choice(sample)
        budget = rng.randrange(150_000, 900_000, 10_000)
        out.append(
            rng.choice(
                [
                    SearchFilters(make=car["make"], max_price=budget),
                    SearchFilters(make=car["make"], model=car["model"]),
                    SearchFilters(body_type=car["body_type"], max_price=budget),
                    SearchFilters(max_price=budget),
                    SearchFilters(body_type=car["body_type"], min_price=budget - 100_000, max_price=budget),
                    SearchFilters(make=car["make"], max_price=budget, min_year=2019, max_km=80_000),
                ]
            )
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cars", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = InventoryStore.from_url(f"sqlite:///{Path(tmp) / 'big.sqlite'}")
        start = time.perf_counter()
        store.load(generate(args.cars), batch_size=20_000)
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        print(f"generated and indexed {args.cars:,} cars in {time.perf_counter() - start:.1f} s")
        workload = queries(args.queries)
        for filters in workload[:20]:  # warm the page cache
            store.search(filters)
        samples = []
        for filters in workload:
            t0 = time.perf_counter()
            store.search(filters)
            samples.append(time.perf_counter() - t0)
        print(f"search at {args.cars:,} cars : {summary(samples)} (target p95 < 20 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
