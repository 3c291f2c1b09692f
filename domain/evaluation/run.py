"""Evaluate the active pipeline on a gold dataset and compare with the previous result."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from domain.evaluation.spans import (
    GoldDoc,
    Span,
    concept_scores,
    regressions,
    score,
)
from domain.models import EvaluationResult, Posting
from domain.pipeline import Pipeline
from domain.validation import content_hash


@dataclass(frozen=True, slots=True)
class GoldDataset:
    name: str
    content_hash: str
    docs: tuple[GoldDoc, ...]
    labels: tuple[str, ...]
    label_map: tuple[tuple[str, str], ...] = ()  # extractor kind -> dataset label


def predicted_spans(
    pipeline: Pipeline,
    docs: Sequence[GoldDoc],
    label_map: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, list[Span]]:
    """Run the full pipeline (sections + extraction) and map each mention to a span type;
    `progress(done, total)` after each batch."""
    label_map = label_map or {}
    postings = [Posting(d.doc_id, d.text, content_hash(None, None, d.text)) for d in docs]
    out: dict[str, list[Span]] = {d.doc_id: [] for d in docs}
    for i in range(0, len(postings), 32):
        batch = pipeline.enrich(postings[i : i + 32])
        for e in batch.enrichments:
            for s in e.skills:
                label = label_map.get(s.kind, s.kind)
                sid = None if s.skill_id.startswith("span:") else s.skill_id
                out[e.posting_id].extend(
                    Span(m.start, m.end, label, sid, s.confidence) for m in s.mentions
                )
        if progress is not None:
            progress(min(i + 32, len(postings)), len(postings))
    return out


def evaluate(
    pipeline: Pipeline,
    dataset: GoldDataset,
    now: str,
    previous: EvaluationResult | None = None,
    tolerance: float = 0.02,
    predicted: dict[str, list[Span]] | None = None,
) -> EvaluationResult:
    """Span scores per label (+ concept-level scores when the gold carries skill ids)."""
    if predicted is None:
        predicted = predicted_spans(pipeline, dataset.docs, dict(dataset.label_map))
    metrics = score(predicted, dataset.docs, dataset.labels)
    concepts = concept_scores(predicted, dataset.docs)
    if concepts is not None:
        metrics["concept"] = {"set": concepts.as_dict()}
    version = pipeline.manifest.effective
    rid = hashlib.sha256(f"{dataset.name}|{dataset.content_hash}|{version}|{now}".encode())
    result = EvaluationResult(
        result_id=rid.hexdigest()[:16],
        dataset=dataset.name,
        dataset_hash=dataset.content_hash,
        enrichment_version=version,
        metrics=metrics,
        n_docs=len(dataset.docs),
        evaluated_at=now,
    )
    return compare(result, previous, tolerance)


def compare(
    result: EvaluationResult, previous: EvaluationResult | None, tolerance: float
) -> EvaluationResult:
    """Flag a regression against the previous result on the same dataset content."""
    if previous is None or previous.dataset_hash != result.dataset_hash:
        return result
    dropped = regressions(previous.metrics, result.metrics, tolerance)
    return replace(
        result,
        regressed=bool(dropped),
        regressions=tuple(dropped),
        compared_to=previous.result_id,
    )
