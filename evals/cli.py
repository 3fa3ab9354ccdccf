"""`kavak-agent eval`: run the golden dataset, print the metrics, write reports, and gate the deploy."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.dataset import BRAND_FREE_PATH, SPLITS, Conversation, DatasetError, load_dataset
from evals.evaluators import HARD_EVALUATORS, HARD_METRICS
from evals.report import write_report
from evals.runner import ConversationResult, EvaluatorFn, SuiteResult, gate, run_suite, summarize

log = logging.getLogger(__name__)


SPLIT_GATES = {"golden": 0.95, "unscripted": 0.90, "holdout": 0.0}
"""Minimum pass rate per split; the held-out part is reported, never gated (it is never tuned on)."""


def brand_free_failures(path: Path = BRAND_FREE_PATH) -> list[str]:
    """Sentences of the brand-free corpus in which the offline understanding sees a car it should not."""
    from graph.resources import get_toolkit
    from graph.understanding import understand_offline

    catalog = get_toolkit().catalog
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [line for line in lines if understand_offline(line, catalog).brand_texts]


def build_evaluators(settings: Any) -> tuple[list[EvaluatorFn], list[str]]:
    """The hard evaluators, semantic similarity, and the LLM judge when a model is configured."""
    from evals.similarity import get_embedder, make_similarity_evaluator

    evaluators: list[EvaluatorFn] = list(HARD_EVALUATORS)
    notes: list[str] = []
    embedder = get_embedder(settings)
    if embedder is not None:
        evaluators.append(make_similarity_evaluator(embedder))
        notes.append(f"similarity: {getattr(embedder, 'name', type(embedder).__name__)}")
    else:
        notes.append("similarity: disabled (no embedding model)")
    if not settings.offline:
        from evals.judge import make_judge_evaluators
        from graph.context import Context
        from graph.resources import get_chat_model

        model = get_chat_model(Context(), settings)
        if model is not None:
            evaluators += make_judge_evaluators(model)
            notes.append(f"judge: {settings.agent_model}")
    else:
        notes.append("judge: skipped (no OPENAI_API_KEY)")
    return evaluators, notes


def format_table(summary: dict[str, Any]) -> str:
    """The per-metric table and the pass rate, as printed."""
    lines = [f"{'metric':<22}{'score':>8}{'n':>6}  role", "-" * 44]
    for key, metric in summary["metrics"].items():
        score = "n/a" if metric["mean"] is None else f"{metric['mean']:.1%}"
        lines.append(f"{key:<22}{score:>8}{metric['n']:>6}  {'gate' if metric['hard'] else 'score'}")
    lines.append("-" * 44)
    lines.append(
        f"pass rate {summary['passed']}/{summary['conversations']} = {summary['pass_rate']:.1%}"
        f"   ({summary['turns']} turns, {summary['seconds']:.1f} s)"
    )
    usage = summary["usage_per_conversation"]
    if usage.get("llm_calls"):
        lines.append(f"per conversation: {usage['llm_calls']} LLM calls, {usage['total_tokens']} tokens")
    return "\n".join(lines)


def quiet_progress_bars() -> None:
    """No progress bars at all, including the embedding model's "Loading weights" (Hugging Face's tqdm)."""
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"  # read when transformers / huggingface_hub are imported
    os.environ["TQDM_DISABLE"] = "1"
    if "transformers" in sys.modules:
        sys.modules["transformers"].utils.logging.disable_progress_bar()


def results_from_experiment(conversations: Sequence[Conversation], rows: Sequence[Any]) -> list[ConversationResult]:
    """Turn `langsmith.evaluate` rows into the runner's results (for the same table, report and gate)."""
    by_id = {c.id: c for c in conversations}
    results = []
    for row in rows:
        conversation = by_id[row["example"].metadata["conversation_id"]]
        metrics = {r.key: {"score": r.score, "comment": r.comment or ""} for r in row["evaluation_results"]["results"]}
        results.append(ConversationResult.from_outputs(conversation, metrics, row["run"].outputs or {}, 0.0))
    return results


def run(args: argparse.Namespace) -> int:
    """Entry point of `kavak-agent eval`; 0 when the gate passes, 1 when it fails, 2 on a usage error."""
    from graph.settings import get_settings

    split = getattr(args, "split", "golden") or "golden"
    path = Path(args.dataset) if args.dataset else SPLITS[split]
    threshold = getattr(args, "threshold", None)
    threshold = threshold if threshold is not None else SPLIT_GATES[split]
    try:
        conversations = load_dataset(path, args.limit)
    except DatasetError as exc:
        print(f"kavak-agent eval: {exc}", file=sys.stderr)
        return 2
    settings = get_settings()
    if args.langsmith and settings.langsmith_api_key is None:  # before anything heavy is loaded
        print(
            "kavak-agent eval: --langsmith needs LANGSMITH_API_KEY (and LANGSMITH_ENDPOINT for a self-hosted "
            "LangSmith)",
            file=sys.stderr,
        )
        return 2
    if args.no_progress:
        quiet_progress_bars()
    mode = "offline (rules + templates)" if settings.offline else f"model {settings.agent_model}"
    evaluators, notes = build_evaluators(settings)
    print(f"kavak-agent eval · {len(conversations)} conversations · {mode} · {' · '.join(notes)}")
    if args.langsmith:
        outcome = _run_langsmith(args, conversations, evaluators, settings)
        if isinstance(outcome, int):
            return outcome
        suite = outcome
    else:
        suite = run_suite(conversations, evaluators, progress=not args.no_progress)
    ok, reasons = gate(suite.summary, threshold, strict_guardrails=split == "golden")
    false_names: list[str] = []
    if split == "unscripted" and not args.dataset and args.limit is None:
        false_names = brand_free_failures()
        if false_names:
            ok = False
            reasons.append(f"{len(false_names)} false car names in the brand-free corpus")
    report = {
        **suite.as_dict(),
        "run": {
            "mode": mode,
            "dataset": str(path),
            "split": split,
            "threshold": threshold,
            "langsmith": bool(args.langsmith),
            "evaluators": notes,
        },
        "gate": {"ok": ok, "reasons": reasons},
    }
    json_path, html_path = write_report(report, Path(args.report_dir))
    print(format_table(suite.summary))
    for result in suite.results:
        if not result.passed:
            failing = [
                f"{k}: {v['comment']}"
                for k, v in result.metrics.items()
                if k in HARD_METRICS and v["score"] is not None and v["score"] < 1
            ]
            print(f"  FAIL {result.id}: {' | '.join(failing)}")
    if split == "unscripted" and not args.dataset and args.limit is None:
        print(f"brand-free corpus: {len(false_names)} false car names")
        for line in false_names[:10]:
            print(f"  FALSE NAME: {line}")
    print(f"report: {json_path} · {html_path}")
    print("gate: PASS" if ok else f"gate: FAIL ({'; '.join(reasons)})")
    return 0 if ok else 1


def _run_langsmith(
    args: argparse.Namespace, conversations: list[Conversation], evaluators: list[EvaluatorFn], settings: Any
) -> SuiteResult | int:
    from evals.langsmith_sync import LangSmithUnavailable, make_client, run_experiment

    assert settings.langsmith_api_key is not None  # checked in `run` before loading the evaluators
    client = make_client(settings.langsmith_endpoint, settings.langsmith_api_key.get_secret_value())
    try:
        results = run_experiment(client, conversations, evaluators, args.experiment_prefix)
        rows = list(results)
    except LangSmithUnavailable as exc:
        print(f"kavak-agent eval: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # network errors surfacing from inside langsmith's executor
        print(
            f"kavak-agent eval: LangSmith run failed ({type(exc).__name__}): {_first_line(exc)}",
            file=sys.stderr,
        )
        return 2
    print(f"LangSmith experiment: {getattr(results, 'experiment_name', '?')}")
    suite = SuiteResult(results_from_experiment(conversations, rows))
    suite.summary = summarize(suite.results)
    return suite


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
