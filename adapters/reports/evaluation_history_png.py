"""Evaluation history PNG (`enrich-ops evaluations --plot`): overlap F1 per dataset over runs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from domain.models import EvaluationResult


def plot_history(hist: Sequence[EvaluationResult], path: Path) -> None:
    """One line per dataset and label (micro, SKILL, KNOWLEDGE overlap F1), oldest run first;
    regressed runs circled in red. Writes `path` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5))
    for dataset in dict.fromkeys(r.dataset for r in hist):
        rs = [r for r in hist if r.dataset == dataset]
        x = list(range(len(rs)))
        for label, style in (("micro", "-o"), ("SKILL", "--s"), ("KNOWLEDGE", ":^")):
            ax.plot(x, [r.f1(label) for r in rs], style, label=f"{dataset} {label} overlap F1")
        bad = [i for i, r in enumerate(rs) if r.regressed]
        ax.scatter(
            bad,
            [rs[i].f1() for i in bad],
            s=160,
            facecolors="none",
            edgecolors="red",
            label="regression",
        )
        ax.set_xticks(
            x, [f"{r.evaluated_at[5:16]}\n{r.enrichment_version[:18]}" for r in rs], fontsize=7
        )
    ax.set_ylim(0, 1)
    ax.set_ylabel("F1")
    ax.set_title("Extraction quality over time")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
