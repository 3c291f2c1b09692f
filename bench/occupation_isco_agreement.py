"""Self-agreement of the hand-labelled ISCO-08 codes of the dev Google titles (s27lab).

sheet  prints (tab-separated) item and title of N dev items, drawn by sha256(SEED + item) and
       listed in that order, without their labels, for a blind second labelling
score  reads a second-label file (JSONL: item, isco_code, esco_uri; null where the title names
       no occupation) and prints raw agreement with config/eval/occupation_titles_dev.jsonl at
       ISCO 4-digit and 1-digit (major group; null is its own class), and on esco_uri where both
       labels set one; --disagreements lists the items that differ (titles read from the local
       Google CSV, never stored)

    .venv/bin/python bench/occupation_isco_agreement.py sheet --n 30 > /tmp/sheet.tsv
    .venv/bin/python bench/occupation_isco_agreement.py score config/eval/occupation_isco_dev_second.jsonl
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "config" / "eval" / "occupation_titles_dev.jsonl"
GOOGLE = ROOT.parent / "shared" / "data" / "postings" / "google_job_skills" / "job_skills.csv"
SEED = "isco-second-s27lab:"

Row = Mapping[str, object]


def read_rows(path: Path) -> list[dict[str, object]]:
    """The item rows of a label file (a first 'guideline' line is skipped)."""
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [r for r in rows if "item" in r]


def draw(rows: Sequence[Row], n: int, seed: str = SEED) -> list[str]:
    """Item ids of the n rows that come first by sha256(seed + item)."""
    items = sorted(
        (str(r["item"]) for r in rows),
        key=lambda i: hashlib.sha256((seed + i).encode()).hexdigest(),
    )
    return items[:n]


def agreement(first: Sequence[Row], second: Sequence[Row]) -> dict[str, float | int]:
    """Raw agreement of the second labels with the first on the items of the second file:
    isco_4digit and isco_1digit (share of items, null as a class), esco (share of the items that
    both set an esco_uri), with counts; raises KeyError on an item the first file lacks."""
    by_item = {str(r["item"]): r for r in first}
    pairs = [(by_item[str(s["item"])], s) for s in second]
    if not pairs:
        raise ValueError("no items to compare")

    def major(code: object) -> object:
        return None if code is None else str(code)[0]

    both_esco = [
        (a, b) for a, b in pairs if a["esco_uri"] is not None and b["esco_uri"] is not None
    ]
    return {
        "n": len(pairs),
        "isco_4digit": sum(a["isco_code"] == b["isco_code"] for a, b in pairs) / len(pairs),
        "isco_1digit": sum(major(a["isco_code"]) == major(b["isco_code"]) for a, b in pairs)
        / len(pairs),
        "esco_both_set": len(both_esco),
        "esco": (sum(a["esco_uri"] == b["esco_uri"] for a, b in both_esco) / len(both_esco))
        if both_esco
        else 0.0,
        "esco_set_first_only": sum(
            a["esco_uri"] is not None and b["esco_uri"] is None for a, b in pairs
        ),
        "esco_set_second_only": sum(
            a["esco_uri"] is None and b["esco_uri"] is not None for a, b in pairs
        ),
    }


def _titles() -> dict[int, str]:
    with GOOGLE.open(encoding="utf-8") as fh:
        return {i: g["Title"].strip() for i, g in enumerate(csv.DictReader(fh))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sh = sub.add_parser("sheet")
    sh.add_argument("--n", type=int, default=30)
    sh.add_argument("--seed", default=SEED)
    sc = sub.add_parser("score")
    sc.add_argument("second", type=Path)
    sc.add_argument("--json", action="store_true")
    sc.add_argument("--disagreements", action="store_true")
    args = ap.parse_args()
    dev = read_rows(DEV)
    if args.cmd == "sheet":
        titles, by_item = _titles(), {str(r["item"]): r for r in dev}
        for item in draw(dev, args.n, args.seed):
            print(f"{item}\t{titles[int(str(by_item[item]['row']))]}")
        return
    second = read_rows(args.second)
    result = agreement(dev, second)
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        print(
            "  ".join(
                f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()
            )
        )
    if args.disagreements:
        titles, by_item = _titles(), {str(r["item"]): r for r in dev}
        for s in second:
            a = by_item[str(s["item"])]
            if a["isco_code"] != s["isco_code"] or a["esco_uri"] != s["esco_uri"]:
                title = titles[int(str(a["row"]))]
                print(
                    f"{s['item']}\t{title}\tfirst {a['isco_code']} {a['esco_uri']}\tsecond {s['isco_code']} {s['esco_uri']}"
                )


if __name__ == "__main__":
    main()
