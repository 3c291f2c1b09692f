"""The numbers moved out of the README stay whole: the fact check catches a lost figure or
command, and the fault-suite table generator still finds its table in docs/numbers.md."""

from __future__ import annotations

import json

from scripts.docs_facts import lost_facts
from tests.faults.table import HEADER, NUMBERS_PAGE, replace_table, table

OLD = """# Old
Measured 2026-11-30, enrichment 2026.11.7: overlap F1 0.742 / 0.368
(`.venv/bin/python bench/real_shapes.py`), a very long line that will be re-wrapped when moved.

```bash
.venv/bin/enrich extract postings.jsonl -o skills.jsonl
```

Prose without a figure is not checked.
"""


def test_a_moved_and_rewrapped_page_loses_nothing() -> None:
    moved = OLD.replace("python bench", "python\nbench").replace("that will", "that\nwill")
    assert lost_facts(OLD, ["# README\n", moved]) == []


def test_a_dropped_figure_or_command_is_reported() -> None:
    dropped = OLD.replace("0.368", "0.37").replace(" -o skills.jsonl", "")
    lost = lost_facts(OLD, [dropped])
    assert [(f.line_no, f.missing) for f in lost] == [
        (2, ("0.368",)),
        (6, (".venv/bin/enrich extract postings.jsonl -o skills.jsonl",)),
    ]


def _outcome(scenario: str, failed: int = 0) -> str:
    return json.dumps({"scenario": scenario, "note": "", "postings_in": 2000, "enriched": 2000,
                       "failed": failed, "failure_reasons": {"persist/x": failed} if failed else {},
                       "enriched_after_replay": failed, "lost": 0, "duplicates": 0,
                       "recovery_s": 1.5})  # fmt: skip


def test_fault_table_keeps_the_latest_outcome_per_scenario() -> None:
    rows = table([_outcome("a", failed=3), _outcome("b"), _outcome("a")])
    assert rows[0] == HEADER
    assert rows[2:] == ["| a | 2000 | 2000 | 0 | 0 | 0 | 1.5 s |",
                        "| b | 2000 | 2000 | 0 | 0 | 0 | 1.5 s |"]  # fmt: skip


def test_fault_table_replaces_only_its_table() -> None:
    page = f"# N\n\nbefore\n\n{HEADER}\n|---|\n| old | row |\n\nafter\n"
    new = replace_table(page, [HEADER, "|---|", "| new | row |"])
    assert new == f"# N\n\nbefore\n\n{HEADER}\n|---|\n| new | row |\n\nafter\n"


def test_the_numbers_page_holds_the_fault_table() -> None:
    assert HEADER in NUMBERS_PAGE.read_text(encoding="utf-8").splitlines()
