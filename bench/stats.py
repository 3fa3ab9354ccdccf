"""Small helpers to summarise latency samples."""

from __future__ import annotations

import statistics


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile of samples (same units in and out)."""
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(samples_s: list[float]) -> str:
    """'median 1.23 ms · p95 2.34 ms · n=500' for samples in seconds."""
    ms = [s * 1000 for s in samples_s]
    return f"median {statistics.median(ms):6.2f} ms · p95 {percentile(ms, 95):6.2f} ms · n={len(ms)}"
