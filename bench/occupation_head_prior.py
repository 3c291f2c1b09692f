"""Choosing the head-word prior's weight (coder v6) on the Google dev titles and the 150 sample
lines (both chosen-on sets); never reads the fresh held-out set. Counts come from the kept O*NET
strings (domain/occupations/split.py), as scripts/build_occupations.py builds them.

    PYTHONPATH=$PWD .venv/bin/python bench/occupation_head_prior.py [--coder DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.occupations import load_coder  # noqa: E402
from bench.occupation_heldout import DEV, hand_items, heldout_items, score_items  # noqa: E402
from domain.occupations.fusion import major_groups  # noqa: E402
from domain.occupations.head_prior import HeadWordPrior, head_counts  # noqa: E402
from domain.occupations.split import split_titles  # noqa: E402
from scripts.build_occupations import DATA, read_onet  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--coder", type=Path, default=ROOT / "config" / "occupations")
    ap.add_argument("--weights", default="0,0.25,0.5,1,2")
    ap.add_argument("--min-counts", default="5,20")
    args = ap.parse_args()
    coder = load_coder(args.coder, ROOT / "config/models/concept_vectors")
    assert coder.majors is not None
    occ_rows, _, alts = read_onet(DATA / "onet_29.2")
    groups, _ = major_groups(coder.soc.codes)
    counts = head_counts(split_titles(occ_rows, alts).kept(), groups)
    sets = {"google_dev_150": heldout_items(DEV), "hand_150": hand_items()}
    for m in [int(x) for x in args.min_counts.split(",")]:
        for w in [float(x) for x in args.weights.split(",")]:
            prior = HeadWordPrior(counts, len(groups), w, min_count=m)
            c = replace(coder, majors=replace(coder.majors, heads=prior if w else None))
            res = {}
            for name, items in sets.items():
                s = score_items(c, items, None)
                res[name] = {k: s[k] for k in ("6d_top1", "6d_top3", "2d_top1", "2d_top3")}
            print(json.dumps({"min_count": m, "weight": w, **res}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
