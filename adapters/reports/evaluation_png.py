"""One PNG per evaluation run: per-category P/R/F1 bars per dataset, and the calibration curve."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def write_png(report: Mapping[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = report["results"]
    cal = report["calibration"]
    n = len(results) + (1 if cal else 0)
    fig, axes = plt.subplots(1, n, figsize=(5.2 * n, 4.4), squeeze=False)
    for ax, r in zip(axes[0], results, strict=False):
        labels = [k for k in r["metrics"] if k not in ("micro", "macro", "concept")]
        x = range(len(labels))
        for j, (metric, mode, hatch) in enumerate(
            (("precision", "overlap", ""), ("recall", "overlap", ""), ("f1", "overlap", ""),
             ("f1", "strict", "//"))
        ):  # fmt: skip
            vals = [r["metrics"][lab][mode][metric] for lab in labels]
            ax.bar([i + (j - 1.5) * 0.2 for i in x], vals, 0.2, hatch=hatch,
                   label=f"{mode} {metric}")  # fmt: skip
        ax.set_xticks(list(x), labels, fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(f"{r['dataset']}\n{r['enrichment_version'][:30]}", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7)
    if cal:
        ax = axes[0][-1]
        ax.plot([0, 1], [0, 1], ":", color="grey", label="perfectly calibrated")
        for name, c in cal.items():
            rows = [row for row in c["table"] if row["n"]]
            ax.plot([row["mean_confidence"] for row in rows], [row["precision"] for row in rows],
                    "-o", label=f"{name} (ECE {c['ece']:.3f})")  # fmt: skip
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("confidence (bin mean)")
        ax.set_ylabel("observed precision (overlap)")
        ax.set_title("Calibration", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
