"""What a new user hit on a fresh clone on 2026-12-01 (ops7's trial): the broker port held by a
process that is not redis, `evaluate` and `extract` errors without the program's prefix or naming
the wrong cause (real sockets, the real CLI entry points)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cli import enrich as cli
from cli import enrich_ops as ops_cli
from worker.checks import check_broker
from worker.errors import BAD_INPUT
from worker.fleet import free_port
from worker.settings import Settings


@pytest.fixture
def squatter() -> Iterator[int]:
    """A TCP listener on a free 127.0.0.1 port that accepts connections and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield int(s.getsockname()[1])


def test_a_broker_port_held_by_another_service_is_named_not_start_it(
    squatter: int, tmp_path: Path
) -> None:
    settings = Settings(broker_url=f"redis://127.0.0.1:{squatter}/0", data_dir=tmp_path)
    check = check_broker(settings, timeout_s=0.3)
    assert not check.ok
    assert "listens on that port but does not answer as redis-server" in check.detail
    assert "ENRICH_BROKER_URL" in check.detail and "start it" not in check.detail


def test_a_broker_port_nobody_holds_still_says_start_it(tmp_path: Path) -> None:
    settings = Settings(broker_url=f"redis://127.0.0.1:{free_port()}/0", data_dir=tmp_path)
    check = check_broker(settings, timeout_s=0.3)
    assert not check.ok
    assert "start it (enrich fleet start)" in check.detail
    assert "does not answer as redis-server" not in check.detail


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from worker.settings import get_settings

    monkeypatch.setenv("ENRICH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("main", "argv", "line"),
    [
        (cli.main, ["evaluate", "--dataset", "nosuch", "--no-store"],
         "enrich: error: no dataset named 'nosuch' in config/evaluation.yaml"),
        (ops_cli.main, ["evaluate", "--dataset", "nosuch", "--no-store"],
         "enrich-ops: error: no dataset named 'nosuch' in config/evaluation.yaml"),
        (cli.main, ["extract", "{dir}"],
         "enrich: error: input is a directory, not a JSONL file: {dir}"),
        # one wording for a missing input, whichever command reads it (ops12)
        (cli.main, ["extract", "{dir}/nosuch.jsonl"],
         "enrich: error: no such input file: {dir}/nosuch.jsonl"),
        (cli.main, ["bridge", "{dir}/nosuch.jsonl"],
         "enrich: error: no such input file: {dir}/nosuch.jsonl"),
        (cli.main, ["bridge", "-", "{dir}"],
         "enrich: error: input is a directory, not a JSONL file: {dir}"),
        (cli.main, ["publish", "{dir}/nosuch.jsonl"],
         "enrich: error: no such input file: {dir}/nosuch.jsonl"),
    ],
)  # fmt: skip
def test_a_bad_dataset_or_input_is_one_error_line_with_the_programs_prefix(
    env: Path,
    capsys: pytest.CaptureFixture[str],
    main: Callable[[list[str]], int],
    argv: list[str],
    line: str,
) -> None:
    assert main([a.format(dir=env) for a in argv]) == BAD_INPUT  # before any model loads
    assert capsys.readouterr().err.strip().splitlines() == [line.format(dir=env)]


def test_a_taken_flower_port_is_named_before_flower_starts(squatter: int, tmp_path: Path) -> None:
    from worker.fleet import Fleet, FleetError

    fleet = Fleet(Settings(flower_port=squatter, data_dir=tmp_path), tmp_path / "run")
    with pytest.raises(FleetError, match=f"port 127.0.0.1:{squatter} is taken.*ENRICH_FLOWER_PORT"):
        fleet._start_flower(timeout=10)
    assert fleet.pid("flower") is None  # nothing was spawned
