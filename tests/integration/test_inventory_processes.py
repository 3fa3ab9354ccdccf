"""The default inventory under many processes: built once while 8 start and answer at once; rebuilt under readers.

Each process is a real Python process driving the graph with the SQLite checkpointer and the default inventory,
as `kavak-agent ask` does, on one fresh DATA_DIR. Counted: errors, and "we don't have it" replies (or empty
searches) for questions whose answer is in stock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from tools.inventory import DEFAULT_CSV

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
NOT_IN_STOCK = ("no tengo", "no tenemos", "don't have", "do not have", "no encontr", "couldn't find")


def start(name: str, tmp: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    out = (tmp / f"{name}.jsonl").open("w")
    command = [sys.executable, "-m", "tests.support.converse", "--name", name, *args]
    return subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, text=True, env=env)


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def turns(tmp: Path, names: Iterable[str]) -> list[dict[str, Any]]:
    lines = []
    for name in names:
        for raw in (tmp / f"{name}.jsonl").read_text().splitlines():
            try:
                lines.append(json.loads(raw))
            except ValueError:
                lines.append({"name": name, "ok": False, "error": raw, "reply": "", "totals": []})
    return lines


def false_negatives(lines: list[dict[str, Any]], chebys: set[int]) -> list[dict[str, Any]]:
    """Turns that told the customer a car in stock is not there (or searched and found nothing)."""
    bad = []
    for line in lines:
        if not line["ok"]:
            continue
        said_none = any(phrase in line["reply"].lower() for phrase in NOT_IN_STOCK)
        empty = not line["totals"] or 0 in line["totals"]
        wrong = "Chev" in line["question"] and not set(line["totals"]) <= chebys
        if said_none or empty or wrong:
            bad.append(line)
    return bad


def test_eight_processes_start_and_answer_at_once_on_a_fresh_data_dir(isolated_env: Path, tmp_path: Path) -> None:
    ready, go = tmp_path / "ready", tmp_path / "go"
    ready.mkdir()
    names = [f"p{i}" for i in range(8)]
    procs = [start(n, tmp_path, "--turns", "25", "--ready-dir", str(ready), "--start-file", str(go)) for n in names]
    wait_for(lambda: len(list(ready.iterdir())) == len(names), 60, "8 processes to be ready")
    go.touch()
    for proc in procs:
        assert proc.wait(timeout=300) == 0
    lines = turns(tmp_path, names)
    errors = [line["error"] for line in lines if not line["ok"]]
    wrong = false_negatives(lines, chebys={7})
    assert len(lines) == 200, f"{len(lines)} of 200 turns answered"
    assert not errors, f"{len(errors)} of 200 turns failed: {errors[:3]}"
    assert not wrong, f"{len(wrong)} of 200 replies said a car in stock is not there: {wrong[:2]}"
    inodes = {line["inode"] for line in lines}
    assert len(inodes) == 1, f"the inventory was replaced {len(inodes) - 1} times after the first build"
    inventory = isolated_env / "inventory.sqlite"
    again = start("late", tmp_path, "--turns", "1")
    assert again.wait(timeout=120) == 0
    assert inventory.stat().st_ino in inodes, "an unchanged CSV was rebuilt"


def test_a_changed_csv_is_rebuilt_while_readers_keep_answering(isolated_env: Path, tmp_path: Path) -> None:
    stop = tmp_path / "stop"
    readers = [f"r{i}" for i in range(4)]
    procs = [start(n, tmp_path, "--turns", "5", "--until-file", str(stop)) for n in readers]

    def answered(name: str) -> int:
        path = tmp_path / f"{name}.jsonl"
        return len(path.read_text().splitlines()) if path.exists() else 0

    wait_for(lambda: all(answered(n) >= 5 for n in readers), 120, "the readers' first turns")
    inventory = isolated_env / "inventory.sqlite"
    first = inventory.stat().st_ino
    changed = tmp_path / "vehicles.csv"  # one more Chevrolet under $300,000
    rows = DEFAULT_CSV.read_text(encoding="utf-8").splitlines()
    onix = next(r for r in rows if r.startswith("311726,"))
    changed.write_text("\n".join([*rows, onix.replace("311726", "999001", 1)]) + "\n", encoding="utf-8")
    builder = start("builder", tmp_path, "--turns", "10", env={**os.environ, "VEHICLES_CSV": str(changed)})
    assert builder.wait(timeout=120) == 0
    before = {n: answered(n) for n in readers}
    wait_for(lambda: all(answered(n) >= before[n] + 5 for n in readers), 120, "readers' turns after the rebuild")
    stop.touch()
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    assert inventory.stat().st_ino != first, "the changed CSV was not rebuilt"
    lines = turns(tmp_path, readers)
    errors = [line["error"] for line in lines if not line["ok"]]
    wrong = false_negatives(lines, chebys={7, 8})
    assert not errors, f"{len(errors)} of {len(lines)} reader turns failed during the rebuild: {errors[:3]}"
    assert not wrong, f"{len(wrong)} of {len(lines)} reader replies said a car in stock is not there: {wrong[:2]}"
    built = turns(tmp_path, ["builder"])
    assert all(line["ok"] for line in built)
    assert {t for line in built if "Chev" in line["question"] for t in line["totals"]} == {8}
