"""Trend PNG: demand lines of the top keys per bucket, and a rising / falling bar chart."""

from __future__ import annotations

from pathlib import Path

from domain.trends import Changes, Demand


def plot_trends(demand: Demand, changes: Changes | None, title: str, path: Path) -> None:
    """Left: postings per bucket, one line per key; right (when given): count change per key,
    rising up and falling down, each bar labelled 'before -> after'. Writes `path` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 2 if changes is not None else 1
    fig, axes = plt.subplots(1, cols, figsize=(7 * cols, 4.8), squeeze=False)
    left = axes[0][0]
    buckets = sorted({p.bucket for p in demand.points})
    keys: dict[str, str] = {}
    for p in demand.points:
        keys.setdefault(p.key, p.label)
    by = {(p.bucket, p.key): p.postings for p in demand.points}
    for key, label in keys.items():
        left.plot(range(len(buckets)), [by.get((b, key), 0) for b in buckets], "-o",
                  markersize=3, label=label[:40])  # fmt: skip
    step = max(1, len(buckets) // 12)
    left.set_xticks(range(0, len(buckets), step), buckets[::step], rotation=30, fontsize=6)
    left.set_ylabel("postings")
    note = " (spans versions: " + ", ".join(v for v, _ in demand.coverage.versions) + ")" \
        if demand.coverage.spans_versions else ""  # fmt: skip
    left.set_title(f"{title}{note}", fontsize=9)
    if keys:
        left.legend(fontsize=6)
    if changes is not None:
        right = axes[0][1]
        rows = [*changes.rising, *reversed(changes.falling)]
        right.barh([r.label[:40] for r in rows][::-1], [r.delta for r in rows][::-1],
                   color=["tab:green" if r.delta > 0 else "tab:red" for r in rows][::-1])  # fmt: skip
        for i, r in enumerate(rows[::-1]):
            right.text(r.delta, i, f" {r.before} -> {r.after}", va="center", fontsize=6)
        right.axvline(0, color="black", linewidth=0.5)
        right.set_xlabel("change in postings")
        right.set_title("rising and falling", fontsize=9)
        right.tick_params(axis="y", labelsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
