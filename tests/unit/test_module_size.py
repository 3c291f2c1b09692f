"""No module over 400 lines outside bench/ and scripts/ (issue #26), except the ones listed here
with the reason; a new entry is a decision made here on purpose."""

from __future__ import annotations

from tests.conftest import ROOT

MAX_LINES = 400
OVER = {
    # every port the domain declares, in the one file STYLE.md names for them (domain/ports.py)
    "domain/ports.py": "every port in one place",
    # the in-memory fakes of every port, kept in one file on purpose (STYLE.md: tests/fakes.py)
    "tests/fakes.py": "every port's fake in one place",
    # one suite over every store: each behaviour is one test run on fake, DuckDB and BigQuery
    "tests/contract/test_store_contract.py": "the one store contract suite",
}


def test_no_module_over_400_lines_but_the_listed_ones() -> None:
    over = {
        str(p.relative_to(ROOT)): n
        for p in ROOT.rglob("*.py")
        if p.relative_to(ROOT).parts[0] not in ("bench", "scripts")
        and not any(part.startswith(".") for part in p.relative_to(ROOT).parts)
        and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert sorted(set(over) - set(OVER)) == [], over
