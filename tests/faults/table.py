"""Print the fault suite's outcomes (reports/fault_suite.jsonl, latest run per scenario) as the
markdown table of docs/numbers.md, section "Fault suite":  .venv/bin/python -m tests.faults.table
`--write` replaces that table in docs/numbers.md instead (the text around it, which says which run
it is, stays yours to update); `--report FILE` reads another run's outcomes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

NUMBERS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "numbers.md"
HEADER = ("| scenario | postings in | enriched | failed with reason (then replayed) | lost | "
          "duplicates | settled after the fault |")  # fmt: skip


def table(report_lines: list[str]) -> list[str]:
    """The markdown table's lines, one row per scenario (its latest outcome in the jsonl lines)."""
    latest: dict[str, dict[str, object]] = {}
    for line in report_lines:
        row = json.loads(line)
        latest[str(row["scenario"])] = row
    out = [HEADER, "|---|---:|---:|---|---:|---:|---:|"]
    for r in latest.values():
        reasons = ", ".join(f"{n} {why}" for why, n in r["failure_reasons"].items())  # type: ignore[attr-defined]
        failed = f"{r['failed']}" + (
            f" ({reasons}; {r['enriched_after_replay']} enriched after replay)"
            if r["failed"]
            else ""
        )
        note = f" — {r['note']}" if r["note"] else ""
        out.append(f"| {r['scenario']}{note} | {r['postings_in']} | {r['enriched']} | {failed} | "
                   f"{r['lost']} | {r['duplicates']} | {r['recovery_s']} s |")  # fmt: skip
    return out


def replace_table(page: str, rows: list[str]) -> str:
    """`page` with its table that starts with HEADER replaced by `rows`; ValueError without one."""
    lines = page.splitlines()
    if HEADER not in lines:
        raise ValueError("no fault-suite table (its header line) in the page")
    start = lines.index(HEADER)
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "\n".join([*lines[:start], *rows, *lines[end:]]) + "\n"


def main(argv: list[str] | None = None) -> None:
    from tests.faults.harness import REPORT

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--report", type=Path, default=REPORT, help="outcomes, one JSON per line")
    ap.add_argument("--write", action="store_true", help=f"replace the table in {NUMBERS_PAGE}")
    args = ap.parse_args(argv)
    rows = table(args.report.read_text(encoding="utf-8").splitlines())
    if args.write:
        page = NUMBERS_PAGE.read_text(encoding="utf-8")
        NUMBERS_PAGE.write_text(replace_table(page, rows), encoding="utf-8")
    else:
        print("\n".join(rows))


if __name__ == "__main__":
    main()
