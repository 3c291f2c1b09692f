"""Inter-annotator agreement of two hand-labelled evaluation sets (docs/annotation-agreement.md).

Each set was labelled once by a first annotator and again, blind, by a second one:

    occupation titles  config/eval/occupation_titles_dev.jsonl  vs  occupation_titles_dev_second.jsonl
    group-link verdicts  config/eval/sample_group_links_judged_v2.jsonl  vs  ..._v2_second.jsonl

    .venv/bin/python scripts/agreement.py titles [--json] [--split] [--disagreements]
    .venv/bin/python scripts/agreement.py links [--json] [--disagreements]

titles: raw agreement at SOC 6-digit, at 2-digit (major group, null as its own class) and on
null / non-null, each with the lower end of a 95% Wilson interval, and Cohen's kappa at 2-digit;
--split gives the same for titles a named guideline convention covers (keyword proxy) and the
rest. links: raw agreement and Cohen's kappa on verdicts, the share judged correct by each
annotator, and the share of one annotator's correct links the other also calls correct, overall,
by level and by kind. --disagreements lists the items the two annotators differ on, with the
first annotator's note (titles are read from the local Google CSV, never stored).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "config" / "eval"
TITLES_FIRST = EVAL / "occupation_titles_dev.jsonl"
TITLES_SECOND = EVAL / "occupation_titles_dev_second.jsonl"
LINKS_FIRST = EVAL / "sample_group_links_judged_v2.jsonl"
LINKS_SECOND = EVAL / "sample_group_links_judged_v2_second.jsonl"
GOOGLE = ROOT.parent / "shared" / "data" / "postings" / "google_job_skills" / "job_skills.csv"

Row = dict[str, object]

# Title words that one of the dev guideline's named conventions decides (a rough keyword proxy
# for "a rule of the guideline covers this title"); used by `titles --split` only.
CONVENTION = re.compile(
    r"go-to-market|account strategist|sales representative|sales executive|customer engineer"
    r"|program manager|business development|partner (development|growth|manager)|strategic partner"
    r"|partner manager|strategy lead|strategist|solutions? (engineer|architect)|cloud engineer"
    r"|sales engineer|communications manager|product marketing|ux research|ux design"
    r"|user experience design|intern|deal lead|regional lead|head of .*sales|sales lead"
    r"|account manager|inside sales",
    re.I,
)


def read_rows(path: Path) -> list[Row]:
    """The labelled rows of an eval file (its first line is the guideline)."""
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return lines[1:]


def pair_up(
    first: Sequence[Row], second: Sequence[Row], key: Callable[[Row], tuple]
) -> list[tuple[Row, Row]]:
    """Rows of both annotators matched by key; raises unless both label exactly the same items."""
    a = {key(r): r for r in first}
    b = {key(r): r for r in second}
    if len(a) != len(first) or len(b) != len(second):
        raise ValueError("duplicate item key")
    if a.keys() != b.keys():
        raise ValueError(f"the two files label different items ({len(a.keys() ^ b.keys())} differ)")
    return [(a[k], b[k]) for k in sorted(a, key=str)]


def raw_agreement(x: Sequence[object], y: Sequence[object]) -> float:
    if len(x) != len(y) or not x:
        raise ValueError("need two equally long, non-empty label lists")
    return sum(p == q for p, q in zip(x, y, strict=True)) / len(x)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a share k / n."""
    if n <= 0:
        raise ValueError("n must be positive")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def kappa(x: Sequence[object], y: Sequence[object]) -> float:
    """Cohen's kappa (scikit-learn); labels are compared as strings so None is a class of its own."""
    return float(cohen_kappa_score([str(v) for v in x], [str(v) for v in y]))


def major(code: object) -> str | None:
    """SOC major group ('15' of '15-1252'), None for a null label."""
    return str(code)[:2] if code else None


def title_key(r: Row) -> tuple:
    return (r["row"], r["title_sha256"])


def titles_agreement(first: Sequence[Row], second: Sequence[Row]) -> dict[str, float | int]:
    pairs = pair_up(first, second, title_key)
    a = [p["soc_code"] or None for p, _ in pairs]
    b = [q["soc_code"] or None for _, q in pairs]
    a2, b2 = [major(c) for c in a], [major(c) for c in b]
    six = sum(p == q for p, q in zip(a, b, strict=True))
    two = sum(p == q for p, q in zip(a2, b2, strict=True))
    return {
        "n": len(pairs),
        "null_first": sum(c is None for c in a),
        "null_second": sum(c is None for c in b),
        "raw_6digit": six / len(pairs),
        "raw_6digit_lo": wilson(six, len(pairs))[0],
        "raw_2digit": two / len(pairs),
        "raw_2digit_lo": wilson(two, len(pairs))[0],
        "raw_null": raw_agreement([c is None for c in a], [c is None for c in b]),
        "kappa_2digit": kappa(a2, b2),
    }


def link_key(r: Row) -> tuple:
    return (r["posting_id"], r["start"], r["end"], r["group_id"])


def _verdict_block(pairs: Sequence[tuple[Row, Row]]) -> dict[str, float | int]:
    a = [p["verdict"] for p, _ in pairs]
    b = [q["verdict"] for _, q in pairs]
    both = sum(p == q == "correct" for p, q in zip(a, b, strict=True))
    agree = sum(p == q for p, q in zip(a, b, strict=True))
    ca, cb = sum(v == "correct" for v in a), sum(v == "correct" for v in b)
    out: dict[str, float | int] = {
        "n": len(pairs),
        "raw": agree / len(pairs),
        "raw_lo": wilson(agree, len(pairs))[0],
        "raw_hi": wilson(agree, len(pairs))[1],
        "correct_first": ca / len(a),
        "correct_second": cb / len(b),
    }
    # how a product judged all-correct by one annotator would score with the other
    if ca:
        out["second_if_first_correct"] = both / ca
    if cb:
        out["first_if_second_correct"] = both / cb
    if len(set(a) | set(b)) > 1:
        out["kappa"] = kappa(a, b)
    return out


def links_agreement(first: Sequence[Row], second: Sequence[Row]) -> dict[str, object]:
    pairs = pair_up(first, second, link_key)
    for p, q in pairs:
        if (p["text"], p["kind"]) != (q["text"], q["kind"]):
            raise ValueError(f"item {link_key(p)} has different text/kind in the two files")
        if {p["verdict"], q["verdict"]} - {"correct", "wrong"}:
            raise ValueError(f"item {link_key(p)}: verdict must be correct or wrong")

    def by(field: str) -> dict[str, dict[str, float | int]]:
        groups: dict[str, list[tuple[Row, Row]]] = {}
        for p, q in pairs:
            groups.setdefault(str(p[field]), []).append((p, q))
        return {k: _verdict_block(v) for k, v in sorted(groups.items())}

    return {"all": _verdict_block(pairs), "by_level": by("level"), "by_kind": by("kind")}


def _titles_by_row(rows: Iterable[int]) -> dict[int, str]:
    with GOOGLE.open(encoding="utf-8") as fh:
        data = list(csv.DictReader(fh))
    return {r: data[r]["Title"].strip() for r in rows}


def _print_block(name: str, block: dict[str, float | int]) -> None:
    cells = "  ".join(
        f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in block.items()
    )
    print(f"{name:<28} {cells}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("set", choices=["titles", "links"])
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument(
        "--split", action="store_true", help="titles: agreement with / without a named convention"
    )
    ap.add_argument(
        "--disagreements", action="store_true", help="list the items the annotators differ on"
    )
    args = ap.parse_args(argv)
    if args.set == "titles":
        first, second = read_rows(TITLES_FIRST), read_rows(TITLES_SECOND)
        figures: dict[str, object] = titles_agreement(first, second)
    else:
        first, second = read_rows(LINKS_FIRST), read_rows(LINKS_SECOND)
        figures = links_agreement(first, second)
    if args.json:
        print(json.dumps(figures, indent=1))
    elif args.set == "titles":
        _print_block("titles (dev, 150)", figures)  # type: ignore[arg-type]
    else:
        _print_block("links: all", figures["all"])  # type: ignore[arg-type,index]
        for part in ("by_level", "by_kind"):
            for k, block in figures[part].items():  # type: ignore[attr-defined]
                _print_block(f"links: {k}", block)
    if args.split and args.set == "titles":
        titles = _titles_by_row(int(r["row"]) for r in first)  # type: ignore[call-overload]
        covered = {
            r["row"] for r in first if not titles[r["row"]] or CONVENTION.search(titles[r["row"]])
        }  # type: ignore[index]
        for name, keep in (("convention", True), ("no convention", False)):
            part = [r for r in first if (r["row"] in covered) == keep]
            rows = {r["row"] for r in part}
            block = titles_agreement(part, [r for r in second if r["row"] in rows])
            _print_block(f"titles: {name}", block)
    if args.disagreements:
        if args.set == "titles":
            pairs = pair_up(first, second, title_key)
            titles = _titles_by_row(int(p["row"]) for p, _ in pairs)  # type: ignore[call-overload]
            for p, q in pairs:
                if p["soc_code"] != q["soc_code"]:
                    same = (
                        "same major"
                        if major(p["soc_code"]) == major(q["soc_code"])
                        else "other major"
                    )
                    print(
                        f"row {p['row']:>5}  {p['soc_code']} | {q['soc_code']}  ({same})  {titles[p['row']]}"
                    )  # type: ignore[index]
        else:
            for p, q in pair_up(first, second, link_key):
                if p["verdict"] != q["verdict"]:
                    print(
                        f"{p['verdict']:>7} | {q['verdict']:<7} {p['level']} {p['kind']:<9} "
                        f"[{p['text']}] -> {p['group_id']} {p.get('group_name', '')}  note: {p.get('note', '')}"
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
