"""Score a section classifier on labelled postings, line by line (segmentation-agnostic)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from domain.errors import ConfigError
from domain.models import Section
from domain.sections.blocks import LABELS, LabelledBlock, assemble, line_labels
from domain.sections.header_rules import section_at


def parse_export(record: Mapping[str, Any], where: str) -> list[LabelledBlock]:
    """One annotation-export posting {posting_id, blocks: [{header?, text, label}]}."""
    try:
        blocks = [
            LabelledBlock(b.get("header") or None, str(b["text"]), str(b["label"]))
            for b in record["blocks"]
        ]
    except (KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"{where}: expected {{posting_id, blocks: [{{header?, text, label}}]}} ({exc!r})"
        ) from exc
    if unknown := sorted({b.label for b in blocks} - set(LABELS)):
        raise ConfigError(f"{where}: unknown labels {unknown}; expected one of {LABELS}")
    return blocks


def gold_lines(blocks: Sequence[LabelledBlock]) -> tuple[str, list[str]]:
    """The posting text and the gold label of each of its non-blank lines."""
    text, ranges = assemble(blocks)

    def at(offset: int) -> str:
        return next(label for s, e, label in ranges if s <= offset <= e)

    return text, line_labels(text, at)


def score_lines(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Accuracy, macro-F1 over the labels present in gold, and per-label P/R/F1."""
    tp: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    total = correct = 0
    for gold, pred in pairs:
        total += 1
        n_gold[gold] += 1
        n_pred[pred] += 1
        if gold == pred:
            correct += 1
            tp[gold] += 1
    per: dict[str, dict[str, float | int]] = {}
    for label in LABELS:
        if not n_gold[label]:
            continue
        p = tp[label] / n_pred[label] if n_pred[label] else 0.0
        r = tp[label] / n_gold[label]
        f = 2 * p * r / (p + r) if p + r else 0.0
        per[label] = {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3),
                      "lines": n_gold[label]}  # fmt: skip
    macro = sum(float(v["f1"]) for v in per.values()) / len(per) if per else 0.0
    return {
        "lines": total,
        "accuracy": round(correct / total, 3) if total else 0.0,
        "macro_f1": round(macro, 3),
        "per_label": per,
    }


def evaluate_classifier(
    postings: Sequence[Sequence[LabelledBlock]], classify: Callable[[str], tuple[Section, ...]]
) -> dict[str, Any]:
    pairs: list[tuple[str, str]] = []
    for blocks in postings:
        text, gold = gold_lines(blocks)
        sections = classify(text)
        pred = line_labels(text, lambda off, s=sections: section_at(s, off))  # type: ignore[misc]
        pairs.extend(zip(gold, pred, strict=True))
    return score_lines(pairs)
