"""What a newcomer hit on a fresh clone: the demo keeps their postings, `history` of an unknown
id says so, bad numbers are usage errors (real DuckDB files, the real CLI entry points)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import click
import pytest

from adapters.duckdb.store import DuckDbStore
from cli import enrich as cli
from cli import enrich_ops as ops_cli
from cli.fleet import INVALID_SAMPLES, SAMPLES, foreign_rows
from domain.models import ExtractedSkill, JobEnrichment, Mention, Rejection, Section
from tests.conftest import load_samples, posting
from worker.errors import BAD_INPUT, FAILED
from worker.settings import get_settings


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("ENRICH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ENRICH_STORE_BACKEND", "duckdb")
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def _demo_rows(store: DuckDbStore) -> None:
    """What the demo itself writes: sample postings, and a rejection of an invalid sample line."""
    bad = Rejection("r1", "validate", "invalid_json", "line 2: bad", "file:invalid_postings.jsonl",
                    "2026-11-30T00:00:00+00:00")  # fmt: skip
    store.write_batch(load_samples(3), [], [bad])


def test_demo_would_only_empty_a_warehouse_that_holds_its_own_rows(data: Path) -> None:
    store = DuckDbStore(get_settings().duckdb_path)
    _demo_rows(store)
    assert foreign_rows(get_settings(), [SAMPLES, INVALID_SAMPLES]) == []
    mine = replace(posting("my-own-1", "Python and SQL"), source="mine")
    store.write_batch([mine], [], [])
    assert foreign_rows(get_settings(), [SAMPLES, INVALID_SAMPLES]) == ["my-own-1"]
    store.write_batch([], [], [Rejection("r2", "validate", "invalid_json", "line 1: bad",
                                         "file:mine.jsonl", "2026-11-30T00:00:00+00:00")])  # fmt: skip
    assert foreign_rows(get_settings(), [SAMPLES, INVALID_SAMPLES]) == [
        "my-own-1", "rejections from file:mine.jsonl"]  # fmt: skip


def test_demo_refuses_to_delete_a_users_postings_and_names_fresh(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = DuckDbStore(get_settings().duckdb_path)
    _demo_rows(store)
    store.write_batch([posting("my-own-1", "Python and SQL")], [], [])
    before = store.stored_keys()
    assert cli.main(["demo"]) == BAD_INPUT  # refused before any process starts
    err = capsys.readouterr().err
    assert "my-own-1" in err and "--fresh" in err and "--no-fresh" in err
    assert store.stored_keys() == before and "my-own-1" in before[0]


def test_history_of_an_unknown_id_says_so_and_exits_1(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _demo_rows(DuckDbStore(get_settings().duckdb_path))
    assert cli.main(["history", "no-such-posting"]) == FAILED
    out = capsys.readouterr()
    assert out.out == "" and out.err.strip() == "no rows for no-such-posting"


def test_history_of_a_rejected_posting_shows_its_rejection_without_text(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = DuckDbStore(get_settings().duckdb_path)
    store.write_batch([], [], [Rejection("r3", "validate", "missing_field", "line 1: 'text' is missing",
                                         "file:invalid_postings.jsonl", "2026-11-30T00:00:00+00:00",
                                         "bad-missing-text")])  # fmt: skip
    assert cli.main(["history", "bad-missing-text"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    row = json.loads(line)
    assert (row["stage"], row["reason"]) == ("validate", "missing_field")
    assert row["detail"] == "line 1: 'text' is missing" and "text" not in row


@pytest.mark.parametrize(
    ("main", "argv"),
    [
        (ops_cli.main, ["trends", "--top", "-5"]),
        (ops_cli.main, ["trends", "--top", "0"]),
        (cli.main, ["extract", "--batch-size", "0"]),
        (cli.main, ["extract", "--batch-size", "-1"]),
        (cli.main, ["bridge", "--timeout", "-1", "x.jsonl"]),
        (cli.main, ["demo", "--timeout", "-1"]),
        (ops_cli.main, ["replay-failures", "--limit", "0"]),
        (ops_cli.main, ["replay-failures", "--timeout", "-2"]),
        (ops_cli.main, ["reenrich", "--limit", "-3"]),
        (ops_cli.main, ["clusters", "--top", "0"]),
        (ops_cli.main, ["evaluations", "--limit", "0"]),
        (ops_cli.main, ["metrics", "--port", "0"]),
    ],
)
def test_a_count_size_or_timeout_out_of_range_is_a_usage_error(
    data: Path,
    main,
    argv: list[str],
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert ": error: Invalid value for" in err and "Traceback" not in err


def _commands() -> list[tuple[str, click.Command]]:
    from cli.enrich import enrich
    from cli.enrich_ops import enrich_ops

    return [(f"{g.name} {n}", c) for g in (enrich, enrich_ops) for n, c in g.commands.items()]


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_every_command_and_option_has_help_and_says_its_default(
    name: str, command: click.Command
) -> None:
    assert command.help and len(command.help.split()) >= 12, f"{name}: no help paragraph"
    assert "e.g." in command.help or "example" in command.help.lower(), f"{name}: no example"
    for p in command.params:
        if not isinstance(p, click.Option) or p.name == "help":
            continue
        assert p.help, f"{name} {p.opts[0]}: no help"
        default = p.default if type(p.default).__name__ != "Sentinel" else None
        if not p.is_flag and default not in (None, (), []):
            assert "default" in p.help, f"{name} {p.opts[0]}: help does not say its default"


def test_summary_names_each_group_and_keeps_long_skill_names(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.common import current_version

    long_name = "manage the lifecycle of continuous integration and delivery pipelines"  # 70
    p = posting("p1", "Python and SQL")
    skills = (
        ExtractedSkill("esco:ci", long_name, "skill", 0.9, ("taxonomy",),
                       (Mention(0, 6, "Python", "overview", "taxonomy"),), link_level="concept",
                       group_id="isced-f/0613", group_name=None),
        ExtractedSkill("onet:docker", "Docker", "knowledge", 0.9, ("taxonomy",),
                       (Mention(11, 14, "SQL", "overview", "taxonomy"),), link_level="concept",
                       group_id="onet-category:Application server software", group_name=""),
    )  # fmt: skip
    row = JobEnrichment(p.posting_id, p.content_hash, current_version(get_settings()), {},
                        (Section("overview", 0, 14),), skills, "2026-11-30T00:00:00.000+00:00", 1.0)  # fmt: skip
    DuckDbStore(get_settings().duckdb_path).write_batch([p], [row], [])
    assert cli.main(["summary"]) == 0
    out = capsys.readouterr().out
    assert long_name in out and "distinct skills per enrichment row" in out
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert "1 1 isced-f/0613 software and applications development and analysis" in lines
    assert (
        "1 1 onet-category:Application server software Application server software" in lines
    )  # code cut at 34, the name beside it


def test_the_first_broker_refusal_asks_whether_the_fleet_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from domain.errors import TransientError
    from tests.fakes import ListSource
    from worker.bridge import Bridge

    calls: list[int] = []

    def refuse_twice(batch: object) -> None:
        calls.append(1)
        if len(calls) <= 2:
            raise TransientError("broker refused enrich.classify_sections: OperationalError: down")

    src = ListSource([json.dumps({"posting_id": "p1", "text": "Python"}).encode()])
    with caplog.at_level("ERROR", logger="worker.bridge"):
        Bridge(src, refuse_twice, lambda rs: None, batch_size=1, sleep=lambda s: None).run()
    held = [r.getMessage() for r in caplog.records if "postings held" in r.getMessage()]
    assert len(held) == 2
    assert held[0].endswith("; is the fleet running? (enrich fleet start)")
    assert "fleet running" not in held[1]
