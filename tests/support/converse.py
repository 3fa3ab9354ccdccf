"""A process that answers customer turns through the graph, the way `kavak-agent ask` does, for fault tests.

    python -m tests.support.converse --name p1 --turns 25 [--ready-dir D --start-file F] [--until-file F]

Touches `D/<name>` and waits until `--start-file` exists (so many processes start at once); its first turn
builds (or finds) the inventory and the records like a freshly started process. Prints one JSON line per turn:
{"name", "turn", "question", "ok", "error", "reply", "totals", "inode"} (totals: the search_inventory totals
of the turn; inode: of the default inventory file afterwards). With `--until-file` it keeps answering until
that file exists.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

QUESTIONS = (
    ("Do you have any Chebys under 300k?", 7),
    ("¿tienes Chevrolet de hasta 300 mil?", 7),
    ("busco una suv de menos de 400 mil", None),
    ("quiero un Nissan", None),
    ("Mazda 3", None),
)
"""Questions whose answer is in stock (with the exact count where it is known)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", required=True)
    parser.add_argument("--turns", type=int, default=25)
    parser.add_argument("--ready-dir", type=Path)
    parser.add_argument("--start-file", type=Path)
    parser.add_argument("--until-file", type=Path)
    args = parser.parse_args(argv)
    if args.ready_dir:
        (args.ready_dir / args.name).touch()
    while args.start_file and not args.start_file.exists():
        time.sleep(0.005)

    from graph.builder import build_graph
    from graph.checkpoint import open_checkpointer
    from graph.settings import get_settings
    from graph.turn import run_turn

    turn = 0
    with open_checkpointer() as saver:
        graph = build_graph(saver)
        while turn < args.turns or (args.until_file and not args.until_file.exists()):
            text, _ = QUESTIONS[turn % len(QUESTIONS)]
            line: dict[str, object] = {"name": args.name, "turn": turn, "question": text}
            try:
                result = run_turn(graph, f"{args.name}-{turn}", text)
                totals = [c["output"].get("total") for c in result.tool_calls if c["name"] == "search_inventory"]
                line.update(ok=True, error=None, reply=result.reply, totals=totals)
            except Exception as exc:  # counted by the test, never hidden
                line.update(ok=False, error=f"{type(exc).__name__}: {exc}"[:300], reply="", totals=[])
            inventory = get_settings().data_dir / "inventory.sqlite"
            line["inode"] = inventory.stat().st_ino if inventory.exists() else None
            print(json.dumps(line, ensure_ascii=False), flush=True)
            turn += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
