"""The coder's misses on the Google dev titles (config/eval/occupation_titles_dev.jsonl) only, for
reading them while choosing rules; prints to the terminal, stores nothing (the titles are
local-use data). Never reads the fresh held-out set.

    PYTHONPATH=$PWD .venv/bin/python bench/occupation_dev_misses.py [--cache DIR] [--all]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.artifacts.occupations import load_coder  # noqa: E402
from bench.occupation_heldout import DEV, extracted_skills, heldout_items  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--all", action="store_true", help="print hits too")
    args = ap.parse_args()
    coder = load_coder(ROOT / "config" / "occupations", ROOT / "config/models/concept_vectors")
    items = heldout_items(DEV)
    skills = extracted_skills(items, args.cache)
    codes = coder.code_many([(t, skills[pid]) for pid, t, _, _ in items])
    for (_, title, _, gold), c in zip(items, codes, strict=True):
        top = [a.soc_code for a in c.alternatives]
        hit = bool(gold) and bool(top) and top[0] == gold
        if hit and not args.all:
            continue
        mark = "HIT " if hit else ("2d  " if gold and top and top[0][:2] == gold[:2] else "MISS")
        print(f"{mark} {gold}\t{' '.join(top)}\t{c.method}\t{c.confidence:.2f}\t{title}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
