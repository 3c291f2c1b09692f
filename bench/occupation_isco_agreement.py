"""Agreement of a second ISCO-08 / ESCO labelling with the hand labels of Google titles (s27lab:
dev, same annotator; s27lab4: dev and fresh3, another annotator).

sheet  prints (tab-separated) item and title of N items of a set (--set dev | fresh3; default
       dev), drawn by sha256(SEED + item) and listed in that order, without their labels, for a
       blind second labelling
score  reads a second-label file (JSONL: item, isco_code, esco_uri; null where the title names
       no occupation) and prints raw agreement with the set's file (--set, as for sheet) at
       ISCO 4-digit and 1-digit (major group; null is its own class), Cohen's kappa at 1 digit,
       and agreement on esco_uri where both labels set one; --disagreements lists the items that
       differ (titles read from the local Google CSV, never stored)
audit  for each title file, the items whose head (the words before the first comma, bracket or
       dash, without seniority words) is exactly an ESCO v1.1.1 preferred or alt label, and how
       many of them carry an isco_code among the unit groups ESCO files that label under;
       --list prints the departures (each should be an exception the guideline names). Reads
       the ESCO zip under ../shared/data; runs no coder.

    .venv/bin/python bench/occupation_isco_agreement.py sheet --n 30 > /tmp/sheet.tsv
    .venv/bin/python bench/occupation_isco_agreement.py score config/eval/occupation_isco_dev_second.jsonl
    .venv/bin/python bench/occupation_isco_agreement.py sheet --n 30 --set fresh3 > /tmp/sheet3.tsv
    .venv/bin/python bench/occupation_isco_agreement.py score --set fresh3 config/eval/occupation_isco_fresh3_second.jsonl
    .venv/bin/python bench/occupation_isco_agreement.py audit --list
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "config" / "eval" / "occupation_titles_dev.jsonl"
SETS = {"dev": DEV, "fresh3": DEV.parent / "occupation_titles_fresh3.jsonl"}
GOOGLE = ROOT.parent / "shared" / "data" / "postings" / "google_job_skills" / "job_skills.csv"
ESCO_ZIP = ROOT.parent / "shared/data/taxonomy/esco_v1.1.1/esco_v1.1.1_classification_en_csv.zip"
SEED = "isco-second-s27lab:"
AUDITED = (
    "occupation_titles_dev.jsonl",
    "occupation_titles_fresh3.jsonl",
    "occupation_titles_fresh4.jsonl",
    "occupation_titles.jsonl",
)
_SENIORITY = re.compile(
    r"^(senior|sr\.?|junior|jr\.?|associate|lead|principal|staff|global|regional)\s+"
)

Row = Mapping[str, object]


def read_rows(path: Path) -> list[dict[str, object]]:
    """The labelled rows of a label file (its 'guideline' line is skipped)."""
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [r for r in rows if "guideline" not in r]


def draw(rows: Sequence[Row], n: int, seed: str = SEED) -> list[str]:
    """Item ids of the n rows that come first by sha256(seed + item)."""
    items = sorted(
        (str(r["item"]) for r in rows),
        key=lambda i: hashlib.sha256((seed + i).encode()).hexdigest(),
    )
    return items[:n]


def cohen_kappa(a: Sequence[object], b: Sequence[object]) -> float:
    """Cohen's kappa of two labellings of the same items (any hashable classes, None one of
    them): (p_o - p_e) / (1 - p_e), p_e from each labelling's own class shares; 1.0 when both
    use one and the same class throughout; raises ValueError on no items or unequal lengths."""
    if not a or len(a) != len(b):
        raise ValueError("kappa needs two labellings of the same items")
    n = len(a)
    p_o = sum(x == y for x, y in zip(a, b, strict=True)) / n
    p_e = sum((a.count(c) / n) * (b.count(c) / n) for c in set(a) | set(b))
    return 1.0 if p_e == 1.0 else (p_o - p_e) / (1 - p_e)


def agreement(first: Sequence[Row], second: Sequence[Row]) -> dict[str, float | int]:
    """Agreement of the second labels with the first on the items of the second file:
    isco_4digit and isco_1digit (raw share of items, null as a class), kappa_1digit (Cohen's,
    over the major groups and null), esco (share of the items that both set an esco_uri), with
    counts; raises KeyError on an item the first file lacks."""
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
        "kappa_1digit": cohen_kappa(
            [major(a["isco_code"]) for a, _ in pairs], [major(b["isco_code"]) for _, b in pairs]
        ),
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


def title_head(title: str) -> str:
    """The lower-cased words of a title before its first comma, bracket, '|' or spaced dash,
    without anonymization tokens and leading seniority words."""
    head = re.split(r"[,(|]| - | – ", title)[0].strip().lower()
    head = re.sub(r"<[a-z]+>", "", head).strip()
    while _SENIORITY.match(head):
        head = _SENIORITY.sub("", head)
    return head.strip()


def esco_label_groups() -> dict[str, set[str]]:
    """Every ESCO v1.1.1 preferred and alt occupation label (lower case) -> its unit groups."""
    with zipfile.ZipFile(ESCO_ZIP) as z, z.open("occupations_en.csv") as fh:
        rows = csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8-sig"))
        out: dict[str, set[str]] = {}
        for o in rows:
            for label in [o["preferredLabel"], *o["altLabels"].split("\n")]:
                if label.strip():
                    out.setdefault(label.strip().lower(), set()).add(o["iscoGroup"])
    return out


def audit(
    rows: Sequence[Row], titles: Sequence[str], labels: Mapping[str, set[str]]
) -> dict[str, object]:
    """Coded items whose title head is an ESCO label: how many, how many have their isco_code
    among that label's unit groups, and the departures (head, ESCO's groups, isco_code)."""
    hits = [
        (title_head(t), r["isco_code"])
        for r, t in zip(rows, titles, strict=True)
        if r["isco_code"] is not None and title_head(t) in labels
    ]
    departures = [(h, sorted(labels[h]), c) for h, c in hits if c not in labels[h]]
    return {
        "coded": sum(r["isco_code"] is not None for r in rows),
        "head_is_esco_label": len(hits),
        "isco_among_esco_groups": len(hits) - len(departures),
        "departures": departures,
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
    sh.add_argument("--set", choices=sorted(SETS), default="dev", dest="labelled")
    sc = sub.add_parser("score")
    sc.add_argument("--set", choices=sorted(SETS), default="dev", dest="labelled")
    sc.add_argument("second", type=Path)
    sc.add_argument("--json", action="store_true")
    sc.add_argument("--disagreements", action="store_true")
    au = sub.add_parser("audit")
    au.add_argument("--list", action="store_true")
    au.add_argument(
        "--only", choices=AUDITED, help="audit this one file (e.g. before a blind relabel)"
    )
    args = ap.parse_args()
    if args.cmd == "audit":
        labels, google = esco_label_groups(), _titles()
        for name in [args.only] if args.only else AUDITED:
            rows = read_rows(DEV.parent / name)
            titles = [str(r["title"]) if "title" in r else google[int(str(r["row"]))] for r in rows]
            result = audit(rows, titles, labels)
            deps = result.pop("departures")
            print(name, "  ".join(f"{k}={v}" for k, v in result.items()))
            for d in deps if args.list else []:
                print("    " + "\t".join(map(str, d)))
        return
    dev = read_rows(SETS[args.labelled])  # the first labels (dev or fresh3)
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
