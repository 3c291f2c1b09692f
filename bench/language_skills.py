"""What a language-detector change does to the 198 sample postings' skills and occupations
(bench/language.py --skills): the quality profile's pipeline from model_versions.yaml is built
once and run on the samples with each detector (the extractor and coder are shared, only the
`language` slot differs). --skills-written: the same on the texts of the set this project wrote."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from adapters.artifacts.config_files import LoadedConfig, build_pipeline
from adapters.artifacts.language import LanguageParams, LinguaDetector
from domain.models import JobEnrichment, Posting
from domain.validation import content_hash
from tests.conftest import load_samples


def _by_id(rows: tuple[JobEnrichment, ...]) -> dict[str, JobEnrichment]:
    return {r.posting_id: r for r in rows}


def skill_changes(
    cfg: LoadedConfig,
    old: LanguageParams,
    new: LanguageParams,
    postings: list[Posting] | None = None,
    name: str = "samples",
) -> dict[str, Any]:
    """On `postings` (default: the 198 samples): {postings, language_changes: {"old->new": n}, postings_changed, mentions_gained /
    mentions_lost (mentions, summed over postings), skills_gained / skills_lost (distinct skill
    ids per posting, summed), occupation_changed (postings whose SOC code differs)}."""
    pipeline = build_pipeline(cfg)
    postings = load_samples() if postings is None else postings
    runs = {
        name: _by_id(replace(pipeline, language=LinguaDetector(p)).enrich(postings).enrichments)
        for name, p in (("old", old), ("new", new))
    }
    langs: Counter[str] = Counter()
    out: Counter[str] = Counter()
    for pid, a in runs["old"].items():
        b = runs["new"][pid]
        if a.language != b.language:
            langs[f"{a.language}->{b.language}"] += 1
        ma = Counter((s.skill_id, m.start, m.end) for s in a.skills for m in s.mentions)
        mb = Counter((s.skill_id, m.start, m.end) for s in b.skills for m in s.mentions)
        ida, idb = {s.skill_id for s in a.skills}, {s.skill_id for s in b.skills}
        out["mentions_gained"] += sum((mb - ma).values())
        out["mentions_lost"] += sum((ma - mb).values())
        out["skills_gained"] += len(idb - ida)
        out["skills_lost"] += len(ida - idb)
        out["postings_changed"] += ma != mb
        soc = [(r.occupation or {}).get("soc_code") for r in (a, b)]
        out["occupation_changed"] += soc[0] != soc[1]
    res = {"postings": len(runs["old"]), "language_changes": dict(langs), **out}
    print(f"\n{name} with each detector: {res}")
    return res


def written_postings(items: list[Any]) -> list[Posting]:
    """The written texts of the labelled set (bench.language.Item with group written-*)."""
    return [
        Posting(i.item, i.text, content_hash(None, None, i.text))
        for i in items
        if i.group.startswith("written-")
    ]
