"""What the third new user (ops9's trial, 2026-12-01) found: `enrich fleet status` printed
`persister ok:` one column right of the other checks (a 9-letter name in an 8-wide column); a
worker started alone on a config with a file missing named it relative to a root it did not
name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from adapters.artifacts.config_files import load_config
from domain.errors import ConfigError
from worker.checks import Check

ROOT = Path(__file__).resolve().parents[2]


def test_fleet_status_puts_every_checks_ok_or_failed_in_one_column() -> None:
    names = ("store", "broker", "config", "models", "worker", "persister")
    lines = [Check(n, i % 2 == 0, "detail").line() for i, n in enumerate(names)]
    starts = {ln.index("ok:") if " ok:" in ln else ln.index("FAILED:") for ln in lines}
    assert len(starts) == 1, lines
    assert lines[-1] == "persister FAILED: detail" and lines[0] == "store     ok: detail"


def test_a_file_missing_from_the_config_is_named_by_its_full_path(tmp_path: Path) -> None:
    # a worker started alone logged "['config/taxonomy/skill_groups.jsonl.gz']": under which
    # root (ENRICH_CONFIG_ROOT) it did not say
    shutil.copytree(ROOT / "config", tmp_path / "config",
                    ignore=shutil.ignore_patterns("skill_groups.jsonl.gz"))  # fmt: skip
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    gone = tmp_path / "config" / "taxonomy" / "skill_groups.jsonl.gz"
    assert str(exc.value) == (
        f"component 'concept_linker' names files that do not exist: ['{gone}']"
    )


def test_history_shows_each_rows_language_and_occupation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the warehouse stores both (#27, 2026.11.7+); history printed skill names only
    from adapters.duckdb.store import DuckDbStore
    from cli import enrich
    from domain.models import JobEnrichment, Section
    from tests.conftest import posting
    from worker.settings import get_settings

    monkeypatch.setenv("ENRICH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ENRICH_STORE_BACKEND", "duckdb")
    get_settings.cache_clear()
    occupation = {"soc_code": "29-1141", "soc_title": "Registered Nurses", "confidence": 0.9,
                  "alternatives": [], "method": "title", "reason": None, "title_from": "title"}  # fmt: skip
    p = posting("rn-1", "Patient care.", title="Staff Nurse")
    row = JobEnrichment(p.posting_id, p.content_hash, "v1", {}, (Section("overview", 0, 13),), (),
                        "2026-12-01T00:00:00.000+00:00", 1.0, language="en",
                        occupation=occupation)  # fmt: skip
    try:
        DuckDbStore(get_settings().duckdb_path).write_batch([p], [row], [])
        assert enrich.main(["history", "rn-1"]) == 0
    finally:
        get_settings.cache_clear()
    (line,) = capsys.readouterr().out.splitlines()
    shown = json.loads(line)
    assert shown["language"] == "en"
    assert {k: shown["occupation"][k] for k in ("soc_code", "method", "title_from")} == {
        "soc_code": "29-1141", "method": "title", "title_from": "title"}  # fmt: skip


@pytest.mark.parametrize(
    ("prog", "argv", "hint"),
    [
        ("enrich-ops", ["fleet", "status"], "It is a command of enrich: enrich fleet status"),
        ("enrich", ["reenrich", "--wait"], "It is a command of enrich-ops: enrich-ops reenrich --wait"),
        ("enrich", ["trends", "--by", "a b"], "enrich-ops trends --by 'a b'"),
    ],
)  # fmt: skip
def test_a_command_of_the_other_program_is_pointed_there(
    prog: str, argv: list[str], hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # the trial's brief itself typed `enrich-ops fleet status`: "No such command 'fleet'."
    from cli import enrich, enrich_ops

    main = {"enrich": enrich.main, "enrich-ops": enrich_ops.main}[prog]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    (line,) = [ln for ln in capsys.readouterr().err.splitlines() if ": error: " in ln]
    assert line.startswith(f"{prog}: error: No such command '{argv[0]}'.") and line.endswith(hint)


def test_an_unknown_command_of_both_programs_gets_no_hint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cli import enrich

    with pytest.raises(SystemExit):
        enrich.main(["nope"])
    assert capsys.readouterr().err.splitlines()[-1] == "enrich: error: No such command 'nope'."


@pytest.mark.parametrize(
    ("n", "noun", "want"),
    [(1, "batch", "1 batch"), (0, "batch", "0 batches"), (7, "batch", "7 batches"),
     (1, "message", "1 message"), (12, "message", "12 messages")],
)  # fmt: skip
def test_counts_take_their_nouns_number(n: int, noun: str, want: str) -> None:
    # the bridge said "enqueued 10 in 1 batches"
    from cli.common import counted

    assert counted(n, noun) == want


def test_the_bridge_logs_a_rejection_without_posting_id_in_words(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # it logged "rejected -: invalid_json (...)", and "-" is also how stdin is named
    import logging

    from tests.fakes import ListSource
    from worker.bridge import Bridge

    src = ListSource([b"{broken", b'{"posting_id": "b"}'])
    with caplog.at_level(logging.WARNING, logger="worker.bridge"):
        Bridge(src, lambda ps: None, lambda rs: None, batch_size=10).run()
    lines = sorted(r.getMessage() for r in caplog.records if r.getMessage().startswith("rejected"))
    assert lines[0].startswith("rejected (no posting_id): invalid_json (")
    assert lines[1].startswith("rejected b: missing_field (")
