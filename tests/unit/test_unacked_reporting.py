"""`enrich-ops status` and the Prometheus exporter show what queue lengths leave out: messages
workers hold unacked (with the oldest one's age) and configs workers refused (#21, #22)."""

from __future__ import annotations

from types import SimpleNamespace

from prometheus_client import generate_latest
from prometheus_client.registry import CollectorRegistry

from adapters.prometheus.exporter import FleetCollector, Sources
from cli.status import print_held
from tests.fakes import FakeCoordinator, InMemoryStore, MemorySpool
from worker.settings import Settings


def coordinator() -> FakeCoordinator:
    c = FakeCoordinator()
    c.depths = {"enrich": 0, "persist": 0}
    c.held = [3.0, 725.0]
    c.report_config("host:42", {"reason": "ConfigError: not valid YAML", "serving": "v1",
                                "at": "2026-11-30T10:00:00"})  # fmt: skip
    return c


def test_metrics_count_unacked_messages_with_the_oldest_age_and_refused_configs() -> None:
    registry = CollectorRegistry()
    registry.register(FleetCollector(Sources(
        store=InMemoryStore(), coordinator=coordinator(), spool=MemorySpool(),
        current_version=lambda: "v1", queues=("enrich", "persist"))))  # fmt: skip
    text = generate_latest(registry).decode()
    assert 'enrich_queue_depth{queue="enrich"} 0.0' in text
    assert "enrich_unacked_messages 2.0" in text
    assert "enrich_unacked_oldest_seconds 725.0" in text
    assert "enrich_config_refused 1.0" in text


def test_status_shows_held_messages_past_the_visibility_timeout_and_refusals(capsys) -> None:
    print_held(SimpleNamespace(coordinator=coordinator()), Settings(visibility_timeout_s=600))
    out = capsys.readouterr().out
    assert "unacked:        2 messages held by workers, oldest 725s" in out
    assert "over the 600s visibility timeout" in out
    assert "CONFIG REFUSED by host:42" in out and "still serving v1" in out


def test_status_with_nothing_held_says_so(capsys) -> None:
    print_held(SimpleNamespace(coordinator=FakeCoordinator()), Settings())
    assert capsys.readouterr().out == "unacked:        0 messages held by workers\n"
