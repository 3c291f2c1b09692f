"""Coder v9's choices (s27v9): one coder field over values, on the CHOOSE-ON sets only.

    PYTHONPATH=$PWD .venv/bin/python bench/occupation_v9_choices.py FIELD VALUE... [--cache DIR]

FIELD is an `OccupationCoder` field (v9: head_weight, isco_by_soc_group, same_class_bonus,
lone_foreign_words; values as JSON: 10, 0.3, true). Each value prints one line: the 150 Google
dev titles and the 150 sample lines, title only (t) and with the extracted skills (s), as
SOC 6-digit top-1 / top-3, 2-digit top-1 / top-3 and ISCO-08 4-digit / 1-digit top-1 of the ESCO
pick (bench/occupation_heldout.py's scores); then the O*NET held-out strings (6-digit top-1 /
top-3, 2-digit top-1 / top-3), which must not drop. The coder is loaded as bench/occupations.py
loads it (with the skills' group profiles). Never reads the fresh sets; prints aggregates only.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.occupation_heldout import (  # noqa: E402
    DEV,
    HAND,
    extracted_skills,
    hand_items,
    heldout_items,
    isco_gold,
    score_items,
)
from bench.occupations import _load_new_coder, held_out_strings, score_strings  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("field")
    ap.add_argument("values", nargs="+", type=json.loads)
    ap.add_argument("--cache", type=Path)
    args = ap.parse_args()
    coder = _load_new_coder(ROOT / "config/occupations", None)
    sets = []
    for name, path in (("dev", DEV), ("samples", HAND)):
        items = heldout_items(DEV) if path == DEV else hand_items()
        sets.append((name, items, extracted_skills(items, args.cache), isco_gold(path)))
    strings = held_out_strings()
    for value in args.values:
        c = replace(coder, **{args.field: value})
        row = []
        for name, items, skills, isco in sets:
            for label, sk in (("t", None), ("s", skills)):
                r = score_items(c, items, sk, isco)
                i = r["isco"]
                row.append(
                    f"{name}-{label} {r['6d_top1']:.3f}/{r['6d_top3']:.3f} "
                    f"{r['2d_top1']:.3f}/{r['2d_top3']:.3f} "
                    f"isco {i['isco4_top1']:.3f}/{i['isco1_top1']:.3f}"  # type: ignore[index]
                )
        o = score_strings(c, strings)
        row.append(
            f"onet {o['6d_top1']:.4f}/{o['6d_top3']:.4f} {o['2d_top1']:.4f}/{o['2d_top3']:.4f}"
        )
        print(args.field, value, " | ".join(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
