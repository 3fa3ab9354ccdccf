"""Retrieval quality of the knowledge base on hand-written customer questions: hit@1, hit@3, unknown questions.

Questions are in evals/knowledge_questions.jsonl (WhatsApp style, es/en, typos), each with the section that answers
it, or null when the knowledge base cannot answer it; the "holdout" split is never used to tune the knowledge base.
Prints figures per split and the misses of the dev split, then the same questions with one letter dropped from
their longest word ("garantia" → "garatia"), the commonest typo, to show how much retrieval depends on spelling.
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
    answerable = [r for r in rows if r["expected"]]
    typo1 = typo3 = 0
    for row in answerable:
        ids = [p["id"] for p in kb.search(drop_a_letter(row["q"]), row["lang"], limit=3)]
        typo1 += bool(ids) and ids[0] == row["expected"]
        typo3 += row["expected"] in ids
    n = len(answerable) or 1
    print(f"one-typo answerable={len(answerable)} hit@1={typo1 / n:.1%} hit@3={typo3 / n:.1%} (all splits)")


def drop_a_letter(question: str) -> str:
    """The question with the middle letter of its longest word dropped (the same typo every run)."""
    words = question.split()
    longest = max(range(len(words)), key=lambda i: len(words[i].strip("?¿!¡.,")))
    word = words[longest]
    if len(word) > 4:
        middle = len(word) // 2
        words[longest] = word[:middle] + word[middle + 1 :]
    return " ".join(words)


if __name__ == "__main__":
    main()
