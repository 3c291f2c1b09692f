"""Clustering PNG (`enrich-ops clusters --plot`): cluster sizes and run-to-run stability."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from domain.models import ClusterRun


def plot_clusters(runs: Sequence[ClusterRun], active: ClusterRun | None, path: Path) -> None:
    """Left: the 20 largest clusters of `active` (a ClusterRun, or None); right: ARI, NMI and
    changed share of each completed run in `runs` (oldest first). Writes `path` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8))
    clusters = (active.metrics.get("clusters", []) if active else [])[:20]
    left.barh([f"{c['cluster_id']}: {c['label'][:40]}" for c in clusters][::-1],
              [c["size"] for c in clusters][::-1])  # fmt: skip
    left.set_title(f"cluster sizes, active run {active.run_id if active else '-'}", fontsize=9)
    left.tick_params(axis="y", labelsize=6)
    done = [r for r in runs if r.status == "completed" and r.metrics.get("stability")]
    x = list(range(len(done)))
    for key, style in (("ari", "-o"), ("nmi", "--s"), ("changed_share", ":^")):
        right.plot(x, [r.metrics["stability"].get(key, 0) for r in done], style, label=key)
    right.set_xticks(x, [r.started_at[:16] for r in done], rotation=30, fontsize=6)
    right.set_ylim(0, 1.05)
    right.set_title("stability vs the previous active run", fontsize=9)
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
