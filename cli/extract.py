"""`enrich extract`: skills from postings in this process, no broker (JSONL in, JSON lines out)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.common import COUNT, Argument, Command, Progress, call, check_inputs, raw

if TYPE_CHECKING:
    from worker.settings import Settings

DESCRIPTION = """Extract skills from postings without the fleet (backfills, debugging, scoring
a gold set from outside).

input:  one JSON object per line: {"posting_id": str, "text": str, "title"?: str,
        "content_type"?: "text/plain" | "text/html" | "text/markdown" (default: detected)}
output: one JSON line per input posting, in input order:
  {"posting_id", "enrichment_version", "language", "truncated",
   "sections": [{"kind", "start", "end", "header"}, ...],
   "mentions": [
     {"start", "end", "text", "skill_id", "name", "category", "kind",
      "confidence", "source_strategies", "section", "section_relevance_score",
      "link_score", "link_method", "link_level", "group_id", "group_name",
      "candidates": [{"skill_id", "name", "score", "source"}, ...],
      "experience_years": null | {"min", "max"}}, ...],
   "stats": {"candidates": {strategy: n},
             "alias_resolution": {"alias_matches", "ambiguous_kept", "ambiguous_dropped",
                                  "forms": {"<form>:kept|dropped": n}}},
   "occupation": null | {"soc_code", "soc_title", "onet_code", "esco_uri", "esco_label",
                         "isco_group", "confidence", "alternatives", "seniority", "method",
                         "reason", "title_from"}}
  start/end are character offsets into "text" exactly as sent (end exclusive): CRLF, HTML,
  entities, decomposed accents, invisible characters included; a mention's "text" is that slice
  after normalization (line ends, NFC, entities, markup, invisible characters: see
  domain/text/normalize.py). language: ISO 639-1, "mul" mixed, "und" undetermined; a
  posting in another language (not en, mul or und) reports names only. experience_years: what "5+ years of Java" asks for
  that mention (max null when open-ended). kind is SKILL (an ability or
  competence) or KNOWLEDGE (a body of knowledge, tool or technology). skill_id is a taxonomy id
  (esco:..., onet:...) or, for a span no taxonomy entry names, "span:<kind>:<text>".
  link_method says how the concept was found: exact (a taxonomy label), alias (a curated alias),
  normalized (same words up to order, plurals, verb forms, filler such as "skills"), vector
  (nearest taxonomy label, reranked score >= the concept_linker threshold) or none; link_score is 1.0
  for exact/alias, 0.95 for normalized, the reranked cosine for vector, 0 for none; group when only a
  broader place fits: link_level is then group:<n> (ESCO level, 3 most specific) and
  group_id/group_name name it (for a concept: its nearest group). candidates: the top 5 concepts.
  sections cover the whole text in order; kind is one of overview company responsibilities
  requirements preferred benefits application legal other (header rules where a header
  matches, the trained block model elsewhere). confidence, in [0, 1], is the span's score
  times section_relevance_score, the weight of the mention's section (config/model_versions.yaml:
  section_relevance, skip_sections): the score is the learned combiner's probability in the
  quality profile (a span is reported from its fitted threshold up, and a named technology in a
  naming section or a list line is reported whatever its score), the weighted noisy-OR of the
  strategies that found it in the fast profile; spans in skipped sections (by default company
  and legal) are not reported. truncated is true when the text exceeded max_text_chars and only
  its head was read. occupation: the posting's occupation code; method says how it was found
  (title, skills, none), reason why the title was not used or there is no code, confidence
  estimates the probability that soc_code is the right 6-digit code (a code under 0.1 is not
  given: reason low_confidence; every value: docs/occupations.md, "Reading a posting's
  occupation").
  An invalid line gives {"posting_id", "line", "rejected": {"reason", "detail"}} instead;
  a posting the pipeline could not enrich gives {"posting_id", "error": "component_error"}.

example: enrich extract postings.jsonl -o skills.jsonl   (or: cat postings.jsonl | enrich extract)"""


def cmd_extract(args: Any, settings: Settings) -> int:
    """In-process extraction, no broker: JSONL postings in, one JSON line per posting out."""
    from adapters.artifacts.config_files import build_pipeline, load_config
    from adapters.local.jsonl_source import JsonlSource
    from domain.models import JobEnrichment, Posting
    from domain.pipeline import utc_now
    from domain.recovery import unique_id_batches
    from domain.skills.linking import concept_fields
    from domain.validation import ValidationPolicy, validate

    check_inputs([args.input])  # a wrong path fails at once, not after the models have loaded
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    config = load_config(settings.active_config_root())
    print(f"extracting with {config.manifest.effective} (loading models ...)", file=sys.stderr,
          flush=True)  # fmt: skip
    pipeline = build_pipeline(config, settings.model_threads)
    version = pipeline.manifest.effective
    policy = ValidationPolicy(max_bytes=settings.max_posting_bytes)
    params = getattr(pipeline.extractor, "params", None)
    relevance = params.relevance if params is not None else (lambda _section: 1.0)
    show = Progress(first=False)  # a short run prints its final count only, not a partial one too
    done = rejected = 0

    def flush(pending: list[Posting | dict[str, object]]) -> None:
        nonlocal done
        batch = [p for p in pending if isinstance(p, Posting)]
        # Each input line gets its own output, even when a posting_id repeats: batches never
        # hold an id twice, and results are matched by (id, content), not by id alone.
        results: dict[tuple[str, str], JobEnrichment] = {}
        for chunk in unique_id_batches(batch, len(batch) or 1):
            for e in pipeline.enrich(chunk).enrichments:
                results[(e.posting_id, e.content_hash)] = e
        for p in pending:
            if not isinstance(p, Posting):  # a rejected line keeps its place in the output
                out.write(json.dumps(p) + "\n")
                continue
            e = results.get((p.posting_id, p.content_hash))
            if e is None:
                out.write(
                    json.dumps({"posting_id": p.posting_id, "error": "component_error"}) + "\n"
                )
                continue
            mentions = [
                {"start": m.start, "end": m.end, "text": m.text, "skill_id": s.skill_id,
                 "name": s.name, "category": s.category,
                 "kind": s.kind,
                 "confidence": round(s.confidence, 4), "source_strategies": list(s.source_strategies),
                 "section": m.section, "section_relevance_score": relevance(m.section),
                 "link_score": s.link_score, "link_method": s.link_method, **concept_fields(s),
                 "experience_years": None if m.years_min is None
                 else {"min": m.years_min, "max": m.years_max}}
                for s in e.skills for m in s.mentions
            ]  # fmt: skip
            mentions.sort(key=lambda m: (m["start"], m["end"]))
            sections = [{"kind": c.kind, "start": c.start, "end": c.end, "header": c.header}
                        for c in e.sections]  # fmt: skip
            out.write(json.dumps({"posting_id": p.posting_id, "enrichment_version": version,
                                  "language": e.language,
                                  "truncated": e.truncated, "sections": sections,
                                  "mentions": mentions, "stats": e.stats,
                                  "occupation": e.occupation},
                                 ensure_ascii=False) + "\n")  # fmt: skip
        done += len(batch)
        show(f"  extracted {done} postings so far, {rejected} rejected")

    batch: list[Posting | dict[str, object]] = []
    source = JsonlSource(None if args.input == "-" else Path(args.input), "extract",
                         max_line_bytes=policy.max_bytes)  # fmt: skip
    try:
        for msg in source.messages():
            r = validate(msg.payload, source="extract", ref=msg.ref, now=utc_now(),
                         policy=policy, size=msg.size)  # fmt: skip
            if isinstance(r, Posting):
                batch.append(r)
            else:
                rejected += 1
                batch.append({"posting_id": r.posting_id, "line": int(msg.ref.split()[-1]),
                              "rejected": {"reason": r.reason, "detail": r.detail}})  # fmt: skip
            if len(batch) >= args.batch_size:
                flush(batch)
                batch = []
        if batch:
            flush(batch)
    finally:
        if out is not sys.stdout:
            out.close()
    show(f"  extracted {done} postings, {rejected} rejected, version {version}", final=True)
    return 0


@click.command(
    "extract",
    cls=Command,
    short_help="extract skills in-process (no broker): JSONL postings in, JSON lines out",
    help=raw(DESCRIPTION),
)
@click.argument("input", required=False, default="-", cls=Argument,
                help="JSONL file (default: stdin)")  # fmt: skip
@click.option("-o", "--output", default="-", help="output file (default: stdout)")
@click.option("--batch-size", type=COUNT, default=32,
              help="postings run through the pipeline together (default 32)")  # fmt: skip
def extract(**params: Any) -> int:
    return call(cmd_extract, params)
