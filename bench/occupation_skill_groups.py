"""Coder v7's choice (s27title3): the skills' weight / temperature on the major group and their
sharpness on the code, scored on the two choose-on sets only (the 150 Google dev titles and the
150 sample lines, each with the skills the quality profile extracts); never the fresh sets.

    PYTHONPATH=$PWD nice -n 10 .venv/bin/python bench/occupation_skill_groups.py [--cache DIR]

Prints one line per setting: dev and sample 6d top-1 / top-3, 2d top-1 / top-3, and their sum.
The group-only rows have class sharpness 0; "off" is v6's reading (weight 0).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.occupations import load_coder  # noqa: E402
from bench.occupation_heldout import (  # noqa: E402
    DEV,
    extracted_skills,
    hand_items,
    heldout_items,
    score_items,
)

GRID = [(0.0, 100.0, 0.0)]
GRID += [(w, t, 0.0) for t in (20.0, 50.0, 100.0, 200.0) for w in (0.5, 1.0, 2.0, 3.0)]
GRID += [(2.0, 100.0, s) for s in (5.0, 10.0, 20.0, 40.0, 80.0, 160.0)]
KEYS = ("6d_top1", "6d_top3", "2d_top1", "2d_top3")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/occupation_bench"))
    args = ap.parse_args()
    with gzip.open(ROOT / "config/taxonomy/skills.jsonl.gz", "rt", encoding="utf-8") as fh:
        names = {r["skill_id"]: r["name"] for r in map(json.loads, fh)}
    coder = load_coder(
        ROOT / "config/occupations",
        ROOT / "config/models/concept_vectors",
        skill_names=names,
        skill_group_weight=2.0,
    )
    assert coder.skill_groups is not None
    sets = [(name, items) for name, items in (("dev", heldout_items(DEV)), ("hand", hand_items()))]
    skills = {name: extracted_skills(items, args.cache) for name, items in sets}
    for w, t, s in GRID:
        sg = replace(coder.skill_groups, weight=w, temperature=t, class_sharpness=s)
        c = replace(coder, skill_groups=sg)
        scores = [score_items(c, items, skills[name]) for name, items in sets]
        row = [[r[k] for k in KEYS] for r in scores]
        total = round(sum(sum(x) for x in row), 3)
        print(
            f"weight {w} temperature {t} class sharpness {s}: dev {row[0]} hand {row[1]} sum {total}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
