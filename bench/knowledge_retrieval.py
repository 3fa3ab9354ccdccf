"""Retrieval quality of the knowledge base on hand-written customer questions: hit@1, hit@3, unknown questions.

Questions are in evals/knowledge_questions.jsonl (WhatsApp style, es/en, typos), each with the section that answers
it, or null when the knowledge base cannot answer it; the "holdout" split is never used to tune the knowledge base.
Prints figures per split and the misses of the dev split.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from tools.knowledge import KnowledgeBase

QUESTIONS = Path(__file__).resolve().parent.parent / "evals" / "knowledge_questions.jsonl"


def main(show_misses: bool = "--misses" in sys.argv) -> None:
    kb = KnowledgeBase.load()
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    for split in ("dev", "holdout"):
        subset = [r for r in rows if r["split"] == split]
        answerable = [r for r in subset if r["expected"]]
        unknown = [r for r in subset if not r["expected"]]
        hit1 = hit3 = 0
        timings = []
        misses = []
        for row in answerable:
            started = time.perf_counter()
            ids = [p["id"] for p in kb.search(row["q"], row["lang"], limit=3)]
            timings.append((time.perf_counter() - started) * 1000)
            hit1 += bool(ids) and ids[0] == row["expected"]
            hit3 += row["expected"] in ids
            if not ids or ids[0] != row["expected"]:
                misses.append(f"  miss {row['expected']:>20} got {ids[:2]}: {row['q']}")
        silent = sum(1 for row in unknown if not kb.search(row["q"], row["lang"], limit=1))
        n = len(answerable) or 1
        print(
            f"{split:8} answerable={len(answerable)} hit@1={hit1 / n:.1%} hit@3={hit3 / n:.1%} "
            f"unknown={len(unknown)} said-unknown={silent / (len(unknown) or 1):.1%} "
            f"median={statistics.median(timings):.2f} ms"
        )
        if show_misses and split == "dev":
            print("\n".join(misses))


if __name__ == "__main__":
    main()
