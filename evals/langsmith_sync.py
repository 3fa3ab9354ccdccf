"""LangSmith: upload the golden dataset (create or update, idempotent) and run it as an experiment.

The same target and evaluators as the local runner. `evaluate_locally` runs LangSmith's local mode (no upload,
no tracing, zero requests) so the wiring is tested offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import langsmith
from langsmith import Client
from langsmith.utils import LangSmithError

from evals.dataset import DATASET_NAME, Conversation, example_id, to_examples
from evals.runner import EvaluatorFn
from evals.target import make_target
from graph.context import Context


class LangSmithUnavailable(RuntimeError):
    """LangSmith cannot be used (no API key, unreachable, rejected): a one-line reason for the CLI."""


def make_client(api_url: str | None = None, api_key: str | None = None, timeout_s: float = 10.0) -> Client:
    """A client that fails fast (few retries) when the API is unreachable."""
    from urllib3.util.retry import Retry

    return Client(
        api_url=api_url,
        api_key=api_key,
        timeout_ms=int(timeout_s * 1000),
        retry_config=Retry(total=1, connect=1, read=1, backoff_factor=0.1),
    )


def upload_dataset(client: Client, conversations: Sequence[Conversation], name: str = DATASET_NAME) -> dict[str, int]:
    """Create the dataset if missing; create new examples, update changed ones, delete removed ones."""
    try:
        if client.has_dataset(dataset_name=name):
            dataset = client.read_dataset(dataset_name=name)
        else:
            dataset = client.create_dataset(name, description="kavak-agent golden conversations (evals/golden.jsonl)")
        existing = {str(e.id): e for e in client.list_examples(dataset_id=dataset.id)}
        wanted = {str(e.id): e for e in to_examples(list(conversations), name)}
        create = [_payload(e) for i, e in wanted.items() if i not in existing]
        update = [
            _payload(e)
            for i, e in wanted.items()
            if i in existing
            and (existing[i].inputs, existing[i].outputs, _meta(existing[i])) != (e.inputs, e.outputs, e.metadata)
        ]
        delete = [i for i in existing if i not in wanted]
        if create:
            client.create_examples(dataset_id=dataset.id, examples=create)
        if update:
            client.update_examples(dataset_id=dataset.id, updates=update)
        if delete:
            client.delete_examples(delete)
    except (LangSmithError, OSError) as exc:
        raise LangSmithUnavailable(_reason(exc, client)) from exc
    return {"created": len(create), "updated": len(update), "deleted": len(delete), "total": len(wanted)}


def run_experiment(
    client: Client,
    conversations: Sequence[Conversation],
    evaluators: Sequence[EvaluatorFn],
    experiment_prefix: str,
    context: Context | None = None,
    name: str = DATASET_NAME,
) -> Any:
    """Upload the dataset, then `langsmith.evaluate` it so the results appear as an experiment."""
    upload_dataset(client, conversations, name)
    ids = [example_id(name, c.id) for c in conversations]
    try:
        examples = list(client.list_examples(dataset_name=name, example_ids=ids))
        return langsmith.evaluate(
            make_target(context),
            data=examples,
            evaluators=list(evaluators),
            experiment_prefix=experiment_prefix,
            client=client,
            max_concurrency=0,
            metadata={"dataset_file": "evals/golden.jsonl"},
        )
    except (LangSmithError, OSError) as exc:
        raise LangSmithUnavailable(_reason(exc, client)) from exc


def evaluate_locally(
    conversations: Sequence[Conversation], evaluators: Sequence[EvaluatorFn], context: Context | None = None
) -> list[dict[str, Any]]:
    """LangSmith's local mode: same target and evaluators, nothing uploaded, nothing traced."""
    client = Client(api_key="local-only", auto_batch_tracing=False)
    with langsmith.tracing_context(enabled=False):
        results = langsmith.evaluate(
            make_target(context, traced=False),
            data=to_examples(list(conversations)),
            evaluators=list(evaluators),
            client=client,
            upload_runs=False,
            disable_evaluator_tracing=True,
            max_concurrency=0,
        )
        rows = list(results)
    return [
        {
            "id": (row["example"].metadata or {})["conversation_id"],
            "scores": {r.key: r.score for r in row["evaluation_results"]["results"]},
            "outputs": row["run"].outputs,
        }
        for row in rows
    ]


def _payload(example: Any) -> dict[str, Any]:
    return {
        "id": example.id,
        "inputs": example.inputs,
        "reference_outputs": example.outputs,
        "metadata": example.metadata,
    }


META_KEYS = ("conversation_id", "category", "categories", "persona", "language", "turns")
"""Example metadata compared to decide whether an uploaded example changed."""


def _meta(example: Any) -> dict[str, Any]:
    return {k: v for k, v in (example.metadata or {}).items() if k in META_KEYS}


def _reason(exc: BaseException, client: Client) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"LangSmith at {client.api_url} failed ({type(exc).__name__}): {first[:200]}"
