"""Draw a fresh set of Google posting titles for hand labelling (fresh2-4: s27title3, s27lab, s27lab4).

Prints (stdout, tab-separated) row, title_sha256 and title of the N distinct `Title` values of
../shared/data/postings/google_job_skills/job_skills.csv that come first when ordered by
sha256(SEED + title), skipping every title already in a labelled file
(config/eval/occupation_titles*.jsonl, matched by title_sha256 or title text). 'row' is the
0-based data row of the title's first occurrence; title_sha256 the first 16 hex of sha256 of the
stripped title. Runs no coder: the output is for a person to label.

    .venv/bin/python bench/occupation_fresh_draw.py --n 150 > /tmp/fresh2.tsv
    .venv/bin/python bench/occupation_fresh_draw.py --n 150 --seed fresh3-s27lab: > /tmp/fresh3.tsv
    .venv/bin/python bench/occupation_fresh_draw.py --n 150 --seed fresh4-s27lab4: > /tmp/fresh4.tsv

After fresh4 (s27lab4) 19 of the 794 distinct Google titles are left unlabelled: a fifth set
needs another source of titles.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOOGLE = ROOT.parent / "shared" / "data" / "postings" / "google_job_skills" / "job_skills.csv"
SEED = "fresh2-s27title3:"


def sha16(title: str) -> str:
    """First 16 hex of sha256 of the stripped title."""
    return hashlib.sha256(title.strip().encode()).hexdigest()[:16]


def labelled_shas() -> set[str]:
    """title_sha256 of every title in config/eval/occupation_titles*.jsonl (text hashed too)."""
    out: set[str] = set()
    for path in sorted((ROOT / "config" / "eval").glob("occupation_titles*.jsonl")):
        for line in path.open(encoding="utf-8"):
            r = json.loads(line)
            if "title_sha256" in r:
                out.add(r["title_sha256"])
            if "title" in r:
                out.add(sha16(r["title"]))
    return out


def draw(n: int, seed: str = SEED) -> list[tuple[int, str, str]]:
    """(row, title_sha256, title) of the n first unlabelled distinct titles by sha256(seed+title)."""
    with GOOGLE.open(encoding="utf-8") as fh:
        data = list(csv.DictReader(fh))
    first: dict[str, int] = {}
    for i, g in enumerate(data):
        first.setdefault(g["Title"].strip(), i)
    seen = labelled_shas()
    order = sorted(first, key=lambda t: hashlib.sha256((seed + t).encode()).hexdigest())
    out = [(first[t], sha16(t), t) for t in order if sha16(t) not in seen]
    return out[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=150)
    ap.add_argument("--seed", default=SEED, help=f"hash prefix of the draw (default {SEED!r})")
    args = ap.parse_args()
    for row, sha, title in draw(args.n, args.seed):
        print(f"{row}\t{sha}\t{title}")


if __name__ == "__main__":
    main()
