"""Span-level precision/recall/F1, strict (same boundaries) and overlap (any shared character)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    label: str
    skill_id: str | None = field(default=None, compare=False)  # taxonomy id, when known
    confidence: float = field(default=1.0, compare=False)  # predictions only


@dataclass(frozen=True, slots=True)
class GoldDoc:
    doc_id: str
    text: str
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class PRF:
    precision: float
    recall: float
    f1: float
    tp_pred: int  # predictions that matched
    tp_gold: int  # gold spans that were found
    n_pred: int
    n_gold: int

    @classmethod
    def of(cls, tp_pred: int, tp_gold: int, n_pred: int, n_gold: int) -> PRF:
        p = tp_pred / n_pred if n_pred else 0.0
        r = tp_gold / n_gold if n_gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return cls(round(p, 4), round(r, 4), round(f, 4), tp_pred, tp_gold, n_pred, n_gold)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "n_pred": self.n_pred,
            "n_gold": self.n_gold,
        }


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _match(pred: Sequence[Span], gold: Sequence[Span], strict: bool) -> tuple[int, int]:
    """(#predictions that hit a gold span, #gold spans hit by a prediction), same label."""
    if strict:
        g = {(s.start, s.end, s.label) for s in gold}
        p = {(s.start, s.end, s.label) for s in pred}
        hit = len(g & p)
        return hit, hit
    tp_pred = sum(any(s.label == t.label and _overlaps(s, t) for t in gold) for s in pred)
    tp_gold = sum(any(s.label == t.label and _overlaps(s, t) for s in pred) for t in gold)
    return tp_pred, tp_gold


def score(
    predictions: Mapping[str, Iterable[Span]],
    gold: Sequence[GoldDoc],
    labels: Sequence[str],
) -> dict[str, dict[str, dict[str, float | int]]]:
    """Per label, micro and macro over labels; each with 'strict' and 'overlap' P/R/F1."""
    out: dict[str, dict[str, dict[str, float | int]]] = {}
    for mode in ("strict", "overlap"):
        totals = {lab: [0, 0, 0, 0] for lab in labels}
        for doc in gold:
            pred = [s for s in predictions.get(doc.doc_id, ()) if s.label in totals]
            for lab in labels:
                ps = sorted({s for s in pred if s.label == lab}, key=lambda s: (s.start, s.end))
                gs = [s for s in doc.spans if s.label == lab]
                tp_p, tp_g = _match(ps, gs, strict=mode == "strict")
                t = totals[lab]
                t[0] += tp_p
                t[1] += tp_g
                t[2] += len(ps)
                t[3] += len(gs)
        per = {lab: PRF.of(*totals[lab]) for lab in labels}
        micro = PRF.of(*(sum(t[i] for t in totals.values()) for i in range(4)))
        for lab, prf in per.items():
            out.setdefault(lab, {})[mode] = prf.as_dict()
        out.setdefault("micro", {})[mode] = micro.as_dict()
        macro_f1 = round(sum(p.f1 for p in per.values()) / len(per), 4) if per else 0.0
        out.setdefault("macro", {})[mode] = {
            "precision": round(sum(p.precision for p in per.values()) / max(len(per), 1), 4),
            "recall": round(sum(p.recall for p in per.values()) / max(len(per), 1), 4),
            "f1": macro_f1,
        }
    return out


def regressions(
    previous: Mapping[str, Mapping[str, Mapping[str, float | int]]],
    current: Mapping[str, Mapping[str, Mapping[str, float | int]]],
    tolerance: float,
) -> list[str]:
    """Every F1 (label x mode) that dropped by more than `tolerance` since `previous`."""
    out = []
    for label, modes in current.items():
        for mode, m in modes.items():
            before = previous.get(label, {}).get(mode, {}).get("f1")
            now = m.get("f1")
            if before is not None and now is not None and float(before) - float(now) > tolerance:
                out.append(f"{label}/{mode} F1 {float(before):.3f} -> {float(now):.3f}")
    return out


def concept_scores(
    predictions: Mapping[str, Iterable[Span]], gold: Sequence[GoldDoc]
) -> PRF | None:
    """Set-of-skill-ids P/R/F1 per document, over the documents whose gold carries ids.

    None when no gold span has a skill id. A prediction with no taxonomy link names no concept:
    it is not counted as a predicted concept, so missing links show up as lost recall.
    """
    tp = n_pred = n_gold = 0
    for doc in gold:
        g = {s.skill_id for s in doc.spans if s.skill_id}
        if not g:
            continue
        p = {s.skill_id for s in predictions.get(doc.doc_id, ()) if s.skill_id}
        tp += len(g & p)
        n_pred += len(p)
        n_gold += len(g)
    if not n_gold:
        return None
    return PRF.of(tp, tp, n_pred, n_gold)


def reliability(
    predictions: Mapping[str, Iterable[Span]], gold: Sequence[GoldDoc], bins: int = 10
) -> list[dict[str, float | int]]:
    """Calibration table: per confidence bin, how many predictions and how many overlap a gold
    span of the same label (observed precision). A calibrated extractor has precision ~ mean
    confidence in every bin."""
    counts = [[0, 0, 0.0] for _ in range(bins)]  # n, hits, confidence sum
    by_doc = {d.doc_id: d for d in gold}
    for doc_id, spans in predictions.items():
        doc = by_doc.get(doc_id)
        if doc is None:
            continue
        for s in spans:
            b = min(int(s.confidence * bins), bins - 1)
            hit = any(s.label == g.label and _overlaps(s, g) for g in doc.spans)
            counts[b][0] += 1
            counts[b][1] += int(hit)
            counts[b][2] += s.confidence
    return [
        {
            "bin_low": round(i / bins, 3),
            "bin_high": round((i + 1) / bins, 3),
            "n": n,
            "mean_confidence": round(c / n, 4) if n else 0.0,
            "precision": round(h / n, 4) if n else 0.0,
        }
        for i, (n, h, c) in enumerate(counts)
    ]


def expected_calibration_error(table: Sequence[Mapping[str, float | int]]) -> float:
    total = sum(int(r["n"]) for r in table)
    if not total:
        return 0.0
    gap = sum(int(r["n"]) * abs(float(r["precision"]) - float(r["mean_confidence"])) for r in table)
    return round(gap / total, 4)
