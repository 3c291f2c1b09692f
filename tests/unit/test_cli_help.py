"""`enrich` and `enrich-ops` keep every command, option, metavar, default, choice and help line
they had before the move to click (tests/snapshots/cli_help.json, see tests/cli_snapshot.py)."""

from __future__ import annotations

import json

import pytest

from cli import enrich, enrich_ops
from tests.cli_snapshot import SNAPSHOT, current

PROGRAMS = {"enrich": enrich.main, "enrich-ops": enrich_ops.main}
SNAP = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
COMMANDS = [(prog, name) for prog in SNAP for name in SNAP[prog]["commands"]]


def test_the_clis_match_the_help_snapshot() -> None:
    view = current()
    for prog in SNAP:
        assert sorted(view[prog]["commands"]) == sorted(SNAP[prog]["commands"]), prog
        for name, want in SNAP[prog]["commands"].items():
            assert view[prog]["commands"][name] == want, f"{prog} {name}"
        top = {k: v for k, v in view[prog].items() if k != "commands"}
        assert top == {k: v for k, v in SNAP[prog].items() if k != "commands"}, prog


@pytest.mark.parametrize(("prog", "command"), COMMANDS, ids=[f"{p} {c}" for p, c in COMMANDS])
def test_every_help_page_prints_its_options(
    prog: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for flag in ("--help", "-h"):
        with pytest.raises(SystemExit) as exc:
            PROGRAMS[prog]([command, flag])
        assert exc.value.code == 0
        page = " ".join(capsys.readouterr().out.split())
        assert f"Usage: {prog} {command}" in page
        for param in SNAP[prog]["commands"][command]["params"]:
            if param["help"]:
                assert param["help"] in page, param["names"]
            shown = param["choices"] or [
                n if n.startswith("-") else n.upper() for n in param["names"]
            ]
            assert all(word in page for word in shown), shown


@pytest.mark.parametrize(
    ("prog", "argv"),
    [
        ("enrich", ["bridge", "--source", "kafka"]),
        ("enrich", ["nope"]),
        ("enrich", ["history"]),
        ("enrich", ["extract", "--batch-size", "many"]),
        ("enrich-ops", ["rollback"]),
        ("enrich-ops", ["rollback", "--to", "v1", "--clear"]),
        ("enrich-ops", ["replay-failures", "--stage", "everything"]),
        ("enrich-ops", ["clusters", "--changed", "only-one"]),
    ],
)
def test_a_usage_error_exits_2_with_its_error(
    prog: str, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        PROGRAMS[prog](argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"{prog}: error: " in err and len([ln for ln in err.splitlines() if ln.strip()]) <= 3
    assert "Error: " not in err  # click's own prefix: the program's instead (ops9)
