"""Print the fault suite's outcomes (reports/fault_suite.jsonl, latest run per scenario) as the
README's markdown table:  .venv/bin/python -m tests.faults.table"""

from __future__ import annotations

import json

from tests.faults.harness import REPORT


def main() -> None:
    latest: dict[str, dict[str, object]] = {}
    for line in REPORT.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        latest[str(row["scenario"])] = row
    print("| scenario | postings in | enriched | failed with reason (then replayed) | lost | "
          "duplicates | settled after the fault |")  # fmt: skip
    print("|---|---:|---:|---|---:|---:|---:|")
    for r in latest.values():
        reasons = ", ".join(f"{n} {why}" for why, n in r["failure_reasons"].items())  # type: ignore[attr-defined]
        failed = f"{r['failed']}" + (
            f" ({reasons}; {r['enriched_after_replay']} enriched after replay)"
            if r["failed"]
            else ""
        )
        note = f" — {r['note']}" if r["note"] else ""
        print(f"| {r['scenario']}{note} | {r['postings_in']} | {r['enriched']} | {failed} | "
              f"{r['lost']} | {r['duplicates']} | {r['recovery_s']} s |")  # fmt: skip


if __name__ == "__main__":
    main()
