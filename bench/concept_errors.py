"""Why the linker misses: the spans of half A of the dev gold that name a concept and that the
product does not link to it, each put in one class (first that applies):

    wrapper     a wrapper phrase around the name ("knowledge of X", "experience with X",
                "X skills", "X knowledge"): the inner X alone links to the gold symbolically
    symbolic    a plural / verb form / word-order / case variant: the gold concept has a label
                whose `normalized_key` or lemma-sorted words equal the mention's
    wrong kind  the gold concept is of the other kind (SKILL <-> KNOWLEDGE): kind-consistent
                linking cannot reach it
    wrong top-1 the product linked another concept (gold among the candidates or not)
    below       the gold concept is the best candidate that may link, under the threshold
    in top-k    the gold concept is among the k candidates, not first
    not found   the gold concept is not among the candidates

Half B's misses are never printed (choose on A, check on B).

    PYTHONPATH=$PWD .venv/bin/python bench/concept_errors.py [--show N]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.config_files import build_extractor, load_config  # noqa: E402
from adapters.artifacts.datasets import load_gold  # noqa: E402
from bench.concept_linking import _pick_half, gold_items, half_of, link_items  # noqa: E402
from domain.skills.linking import normalized_key, strip_filler  # noqa: E402

GOLDS = ("skillspan_dev_concepts.jsonl", "skillspan_dev_concepts_more.jsonl")
WRAPPERS = ("knowledge of", "experience with", "experience in", "experience of",
            "understanding of", "expertise in", "familiarity with", "knowledge in",
            "working knowledge of", "background in", "proficiency in")  # fmt: skip


def unwrap(text: str) -> str | None:
    low = text.lower().strip()
    for w in sorted(WRAPPERS, key=len, reverse=True):
        if low.startswith(w + " "):
            return text[len(w) + 1 :]
    for tail in (" skills", " skill", " knowledge", " experience"):
        if low.endswith(tail):
            return text[: -len(tail)]
    return None


def classify(linker, text: str, kind: str, gold: str, link) -> str:
    inner = unwrap(text)
    if inner:
        got = linker._symbolic(strip_filler(" ".join(inner.split())), kind)
        if got is not None and got.skill_id == gold:
            return "wrapper"
    concept = linker.taxonomy.get(gold)
    key = normalized_key(text)
    if key and any(normalized_key(lb) == key for lb in (concept.name, *concept.aliases)):
        return "symbolic"
    if linker.kind_of(gold) != kind:
        return "wrong kind"
    cands = [c.skill_id for c in link.candidates]
    if link.skill_id is not None and link.level == "concept":
        return "wrong top-1"
    if cands and cands[0] == gold:
        return "below"
    if gold in cands:
        return "in top-k"
    return "not found"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", type=int, default=0, help="print up to N misses per class")
    args = ap.parse_args()
    linker = build_extractor(load_config(ROOT)).linker
    assert linker is not None
    items = []
    for name in GOLDS:
        gold = load_gold(ROOT / "config" / "eval" / name, "concepts", ("SKILL", "KNOWLEDGE"))
        items += gold_items(gold.docs)
    links = link_items(linker, items)
    links, items = _pick_half(links, items, half_of(items), "A")
    why: Counter[str] = Counter()
    shown: dict[str, list] = {}
    named = 0
    for lk, (text, kind, gold, *_rest) in zip(links, items, strict=True):
        if gold is None:
            continue
        named += 1
        if lk.skill_id == gold and lk.level == "concept":
            continue
        c = classify(linker, text, kind, gold, lk)
        why[c] += 1
        top3 = [(x.label, round(x.score, 3)) for x in lk.candidates[:3]]
        shown.setdefault(c, []).append((text, kind, linker.taxonomy.get(gold).name, top3))
    print(f"half A: {named} spans naming a concept, {sum(why.values())} missed")
    print(json.dumps(dict(why.most_common())))
    for c, rows in shown.items():
        for r in rows[: args.show]:
            print(c, r)


if __name__ == "__main__":
    main()
