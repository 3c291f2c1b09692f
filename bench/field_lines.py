"""Which mentions the field-line rule (2026.12.4, domain/skills/field_lines.py) adds or removes,
per set: the active quality profile run with `field_lines` off, then on, on the same postings.

    .venv/bin/python bench/field_lines.py [SET ...]

SETs: dev (SkillSpan dev gold texts), train (SkillSpan train, ../shared/data), green (Green 2022
test), samples (config/samples), cases (tests/cases/real_postings.jsonl); default all. Prints,
per set, mentions before -> after and the lines of the first added / removed ones (posting text:
run it on public sets only). Exits 2 when the active profile does not set field_lines.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import build_pipeline, load_config  # noqa: E402
from adapters.artifacts.datasets import load_gold_file  # noqa: E402
from domain.models import Posting  # noqa: E402
from domain.pipeline import Pipeline  # noqa: E402

TRAIN = ROOT.parent / "shared" / "data" / "eval" / "skillspan" / "train.json"
JSONL = {
    "dev": ROOT / "config/eval/skillspan_dev.jsonl",
    "green": ROOT / "config/eval/green2022_test.jsonl",
    "samples": ROOT / "config/samples/skillspan_postings.jsonl",
    "cases": ROOT / "tests/cases/real_postings.jsonl",
}
Found = set[tuple[int, int, str]]  # start, end, concept name


def texts_of(name: str) -> list[str]:
    if name == "train":
        gold = load_gold_file(TRAIN, "skillspan-bio", ("SKILL", "KNOWLEDGE"), "skillspan-train")
        return [d.text for d in gold.docs]
    return [json.loads(line)["text"] for line in JSONL[name].open(encoding="utf-8")]


def mentions(pipeline: Pipeline, texts: list[str]) -> list[Found]:
    out: list[Found] = []
    posts = [Posting(f"d{i}", t, f"h{i}") for i, t in enumerate(texts)]
    for i in range(0, len(posts), 32):
        for e in pipeline.enrich(posts[i : i + 32]).enrichments:
            out.append({(m.start, m.end, s.name) for s in e.skills for m in s.mentions})
    return out


def line_of(text: str, start: int, end: int) -> str:
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    return text[lo : hi if hi >= 0 else len(text)][:100]


def main(argv: list[str]) -> int:
    pipeline = build_pipeline(load_config(ROOT))
    extractor = pipeline.extractor
    on = getattr(extractor, "params", None)
    if on is None or not on.field_lines:
        print("the active profile does not set field_lines", file=sys.stderr)
        return 2
    for name in argv or ["dev", "train", "green", "samples", "cases"]:
        texts = texts_of(name)
        extractor.params = replace(on, field_lines=False)  # type: ignore[attr-defined]
        before = mentions(pipeline, texts)
        extractor.params = on  # type: ignore[attr-defined]
        after = mentions(pipeline, texts)
        added = [(i, m) for i, (a, b) in enumerate(zip(before, after, strict=True)) for m in b - a]
        gone = [(i, m) for i, (a, b) in enumerate(zip(before, after, strict=True)) for m in a - b]
        print(f"{name}: {len(texts)} postings, mentions {sum(map(len, before))} -> "
              f"{sum(map(len, after))}, added {len(added)}, removed {len(gone)}")  # fmt: skip
        for sign, rows in (("+", added), ("-", gone)):
            for i, (s, e, concept) in sorted(rows)[:20]:
                print(f"  {sign} {line_of(texts[i], s, e)!r} -> {concept}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
