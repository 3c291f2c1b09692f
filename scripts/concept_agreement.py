"""Inter-annotator agreement on the hand-linked concept gold (docs/concept-gold.md, "Second annotator").

The first annotator's links are `config/eval/skillspan_dev_concepts_more.jsonl`; a second annotator
linked a sample of its spans blind (`scripts/concept_gold.py resample`, rows
`index<TAB>answer<TAB>doc_id<TAB>start<TAB>end`, e.g. `config/eval/skillspan_dev_concepts_second.tsv`).

    .venv/bin/python scripts/concept_agreement.py [RELINK.tsv] [--disagreements]

Prints, besides `concept_gold.py agree`'s exact / one-step / one-path shares: Cohen's kappa on the
3-way link level (concept / group / none), the level confusion table, and the two ceilings the linker
targets are read against:

- recall ceiling: of the spans the first annotator links to a concept, the share the second links to
  the same concept;
- precision ceiling: of the spans the second annotator links to a concept, the share the first links
  to the same concept.

The same per kind (SKILL / KNOWLEDGE). --disagreements lists every differing span (its text, both answers by name).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scripts import agreement
from scripts import concept_gold as cg

SECOND = cg.ROOT / "config" / "eval" / "skillspan_dev_concepts_second.tsv"
LEVELS = ("concept", "group", "none")


@dataclass(frozen=True)
class Pair:
    """One span linked by both annotators: an id (concept or group) or None, and its level."""

    index: str
    text: str
    kind: str
    first: str | None
    first_level: str
    second: str | None
    second_level: str


def concept_ceilings(pairs: Sequence[Pair]) -> dict[str, float | int]:
    """Recall / precision ceilings: same concept given the first / the second says 'concept'."""
    first_c = [p for p in pairs if p.first_level == "concept"]
    second_c = [p for p in pairs if p.second_level == "concept"]
    if not first_c or not second_c:
        raise ValueError("need spans each annotator links to a concept")
    same_of_first = sum(p.second_level == "concept" and p.second == p.first for p in first_c)
    same_of_second = sum(p.first_level == "concept" and p.first == p.second for p in second_c)
    r_lo, r_hi = agreement.wilson(same_of_first, len(first_c))
    p_lo, p_hi = agreement.wilson(same_of_second, len(second_c))
    return {
        "first_concept": len(first_c),
        "second_concept": len(second_c),
        "same_concept": same_of_first,
        "recall_ceiling": same_of_first / len(first_c),
        "precision_ceiling": same_of_second / len(second_c),
        "recall_ceiling_wilson95": [round(r_lo, 3), round(r_hi, 3)],
        "precision_ceiling_wilson95": [round(p_lo, 3), round(p_hi, 3)],
    }


def level_agreement(pairs: Sequence[Pair]) -> dict[str, object]:
    """Raw agreement and Cohen's kappa on the 3-way level, plus the confusion (first -> second)."""
    x = [p.first_level for p in pairs]
    y = [p.second_level for p in pairs]
    confusion = Counter(f"{a}->{b}" for a, b in zip(x, y, strict=True))
    return {
        "level_raw": agreement.raw_agreement(x, y),
        "level_kappa": agreement.kappa(x, y),
        "confusion": {f"{a}->{b}": confusion[f"{a}->{b}"] for a in LEVELS for b in LEVELS},
    }


def exact(pairs: Sequence[Pair]) -> dict[str, float | int]:
    k = sum(p.first == p.second for p in pairs)
    lo, hi = agreement.wilson(k, len(pairs))
    return {
        "n": len(pairs),
        "exact": k / len(pairs),
        "exact_wilson95": [round(lo, 3), round(hi, 3)],
    }


def load_pairs(ix: cg.Index, relink: Path, gold: Path = cg.MORE) -> list[Pair]:
    docs = [json.loads(x) for x in gold.read_text(encoding="utf-8").splitlines()]
    spans = {(d["doc_id"], s["start"], s["end"]): (d, s) for d in docs if "doc_id" in d for s in d["spans"]}  # fmt: skip
    out = []
    for line in relink.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = line.split("\t")
        d, s = spans[(r[2], int(r[3]), int(r[4]))]
        second, level = ix.resolve(r[1], s["label"])
        first = s.get("skill_id") or s.get("group_id")
        text = d["text"][s["start"] : s["end"]]
        out.append(Pair(r[0], text, s["label"], first, s["link_level"], second, level))
    return out


def _name(ix: cg.Index, i: str | None) -> str:
    if i is None:
        return "-"
    e = ix.entries[i]
    return f"g:{e.extra} {e.name}" if e.kind == "GROUP" else f"{e.name} ({i.split(':')[0]})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("relink", nargs="?", type=Path, default=SECOND)
    ap.add_argument("--disagreements", action="store_true")
    args = ap.parse_args(argv)
    ix = cg.Index()
    pairs = load_pairs(ix, args.relink)
    close = sum(cg.near(ix, p.first, p.second) for p in pairs)
    path = sum(cg.on_one_path(ix, p.first, p.second) for p in pairs)
    out: dict[str, object] = {**exact(pairs), "same_or_one_step": close / len(pairs)}
    out["same_or_on_one_broader_path"] = path / len(pairs)
    out.update(level_agreement(pairs))
    out.update(concept_ceilings(pairs))
    for kind in ("SKILL", "KNOWLEDGE"):
        sub = [p for p in pairs if p.kind == kind]
        out[kind] = {**exact(sub), **concept_ceilings(sub)}
    print(json.dumps(out))
    if args.disagreements:
        for p in pairs:
            if p.first != p.second:
                step = "path" if cg.on_one_path(ix, p.first, p.second) else "-"
                print(f"{p.index}\t{p.kind[0]}\t{p.text!r}\tfirst={_name(ix, p.first)}\t"
                      f"second={_name(ix, p.second)}\t{step}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
