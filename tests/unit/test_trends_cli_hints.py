"""`enrich-ops trends` tells a newcomer why a table is empty: postings outside the span (how many,
which months, the --span that includes them), an unknown --with id, --by cluster before any
clustering run (real DuckDB warehouse, the real entry point)."""

from __future__ import annotations

import pytest

from adapters.duckdb.store import DuckDbStore
from cli import enrich_ops as ops_cli
from tests.unit.test_trends_cli import _lines, warehouse  # noqa: F401  (the seeded warehouse)
from worker.errors import BAD_INPUT, FAILED


def test_trends_says_how_many_postings_fall_outside_the_span_and_how_to_include_them(
    warehouse: DuckDbStore,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert ops_cli.main(["trends", "--span", "2026-04-01..2026-05-01"]) == 0
    out = _lines(capsys.readouterr().out)
    assert (
        "6 postings dated 2026-03..2026-03 are outside 2026-04-01..2026-05-01: include them "
        "with --span 2026-03-01..2026-05-01" in out
    )
    assert ops_cli.main(["trends", "--span", "2026-03-01..2026-05-01"]) == 0
    assert not any("are outside" in line for line in capsys.readouterr().out.splitlines())


def test_trends_with_an_unknown_id_says_so(
    warehouse: DuckDbStore,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert ops_cli.main(["trends", "--with", "esco:no-such-skill"]) == BAD_INPUT
    err = capsys.readouterr().err
    assert "unknown --with esco:no-such-skill" in err and "Traceback" not in err


def test_trends_by_cluster_without_a_clustering_run_says_what_to_run(
    warehouse: DuckDbStore,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert ops_cli.main(["trends", "--by", "cluster", "--span", "2026-03-01..2026-05-01"]) == FAILED
    assert "no clustering run: enrich-ops cluster" in capsys.readouterr().err


@pytest.mark.parametrize("span", ["2026-02-01..2026-01-01", "2026-01-01..2026-01-01"])
def test_a_reversed_or_empty_span_says_start_must_come_before_end(
    span: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        ops_cli.main(["trends", "--span", span])
    assert stop.value.code == BAD_INPUT
    assert "START must come before END" in capsys.readouterr().err
