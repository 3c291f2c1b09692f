"""What a new user hit on a fresh clone on 2026-12-01 (ops7's trial): the broker port held by a
process that is not redis, and `enrich extract`'s progress lines (real sockets, real CLI code)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from worker.checks import check_broker
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
