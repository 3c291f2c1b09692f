"""Prometheus metrics of the fleet, read from the warehouse and the broker at scrape time.

The warehouse is the record of what happened (every posting is a row: enriched, rejected or
failed), so the counts come from it, not from in-process counters that would reset with every
worker restart and double-count redeliveries. One scrape = a handful of aggregate queries.
Labels are versions, stages, reason codes, queues and dataset names: never posting text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from domain.ports import (
    ClusterStore,
    Coordinator,
    EnrichmentStore,
    EventMarks,
    IntakeLedger,
    Spool,
)
from domain.trends import Period, TrendStore

log = logging.getLogger(__name__)

SKILL_BUCKETS = (0, 1, 2, 5, 10, 20, 30, 50, 100)
TAXONOMY_PREFIXES = ("esco:", "onet:")


@dataclass
class Sources:
    store: EnrichmentStore
    coordinator: Coordinator | None
    spool: Spool | None
    current_version: Callable[[], str]
    queues: Sequence[str]
    reconcile_grace_s: float = 900.0  # what counts as unaccounted in the intake ledger
    # the current week's top concepts (enrich_trend_*), when given; `today` is injected so a
    # test never depends on the wall clock
    trends: TrendStore | None = None
    today: Callable[[], date] = date.today
    # the week's counts move slowly and their query reads every current row (~1 s at 1M rows),
    # so scrapes reuse them for this long (a scrape stays cheap)
    trends_every_s: float = 300.0
    monotonic: Callable[[], float] = time.monotonic
    # the events outbox (None: events off): rows in the resend window past its grace, unsent
    events: EventMarks | None = None
    events_window_s: float = 86400.0
    events_grace_s: float = 120.0


def current_week(today: date) -> Period:
    """Monday of today's ISO week .. the next Monday."""
    monday = today - timedelta(days=today.weekday())
    return Period(monday.isoformat(), (monday + timedelta(days=7)).isoformat())


def skill_histogram(
    dist: Sequence[tuple[int, int, float]], bounds: Sequence[float] = SKILL_BUCKETS
) -> tuple[list[tuple[str, float]], float]:
    """Cumulative (le, count) buckets incl. +Inf, and the sum of skills, from (skills, rows, ms)."""
    buckets = [(str(float(b)), float(sum(n for k, n, _ in dist if k <= b))) for b in bounds]
    buckets.append(("+Inf", float(sum(n for _, n, _ in dist))))
    return buckets, float(sum(k * n for k, n, _ in dist))


class FleetCollector(Collector):
    def __init__(self, sources: Sources) -> None:
        self.src = sources
        self._trend_cache: tuple[float, list[Metric]] | None = None

    def collect(self) -> Iterator[Metric]:
        t0 = time.perf_counter()
        up = GaugeMetricFamily(
            "enrich_exporter_source_up", "1 when the source answered this scrape", labels=["source"]
        )
        try:
            yield from self._warehouse()
            up.add_metric(["warehouse"], 1)
        except Exception as exc:  # a scrape must answer even when the warehouse does not
            log.warning("metrics: warehouse unavailable: %s", type(exc).__name__)
            up.add_metric(["warehouse"], 0)
        if self.src.trends is not None:
            try:
                now = self.src.monotonic()
                if self._trend_cache is None or now - self._trend_cache[0] >= (
                    self.src.trends_every_s
                ):
                    self._trend_cache = (now, list(self._trending(self.src.trends)))
                yield from self._trend_cache[1]
                up.add_metric(["trends"], 1)
            except Exception as exc:
                log.warning("metrics: trends unavailable: %s", type(exc).__name__)
                up.add_metric(["trends"], 0)
        if self.src.coordinator is not None:
            try:
                yield self._queues(self.src.coordinator)
                yield from self._held(self.src.coordinator)
                up.add_metric(["broker"], 1)
            except Exception as exc:
                log.warning("metrics: broker unavailable: %s", type(exc).__name__)
                up.add_metric(["broker"], 0)
        if self.src.spool is not None:
            spooled = GaugeMetricFamily(
                "enrich_spooled_batches",
                "batches waiting in the spool (enrich-ops replay-failures)",
            )
            spooled.add_metric([], sum(1 for _ in self.src.spool.items()))
            yield spooled
        yield up
        took = GaugeMetricFamily("enrich_exporter_scrape_seconds", "time this scrape took")
        took.add_metric([], time.perf_counter() - t0)
        yield took

    def _trending(self, trends: TrendStore) -> Iterator[Metric]:
        week = current_week(self.src.today())
        # only taxonomy concepts: an unlinked span's id and name are words of a posting
        demand = trends.demand("concept", "week", week, limit=50)
        points = [p for p in demand.points if p.key.startswith(TAXONOMY_PREFIXES)][:10]
        top = GaugeMetricFamily(
            "enrich_trend_week_top_concepts",
            "postings this week (posted_at; received_at where it is missing) naming each of the "
            "10 most named taxonomy skill concepts, one row per posting (its latest enrichment)",
            labels=["rank", "concept", "name", "week"],
        )  # fmt: skip
        for rank, p in enumerate(points, start=1):
            top.add_metric([str(rank), p.key, p.label, p.bucket], p.postings)
        cov = demand.coverage
        dated = GaugeMetricFamily(
            "enrich_trend_week_postings", "postings counted this week, by what dated them",
            labels=["date_source"],
        )  # fmt: skip
        dated.add_metric(["posted_at"], cov.postings - cov.fallback_dates)
        dated.add_metric(["received_at"], cov.fallback_dates)
        versions = GaugeMetricFamily(
            "enrich_trend_week_versions", "postings counted this week per enrichment version "
            "(more than one series: the week spans versions)", labels=["version"],
        )  # fmt: skip
        for v, n in cov.versions:
            versions.add_metric([v], n)
        yield from (top, dated, versions)

    def _queues(self, coordinator: Coordinator) -> Metric:
        depth = GaugeMetricFamily(
            "enrich_queue_depth", "messages waiting in a Celery queue", labels=["queue"]
        )
        for q in self.src.queues:
            depth.add_metric([q], coordinator.queue_depth(q))
        return depth

    def _held(self, coordinator: Coordinator) -> Iterator[Metric]:
        """What queue depths leave out: messages workers took and hold unacked (running,
        prefetched, or orphaned by a dead worker until the visibility timeout), and configs
        workers refused."""
        count, age = coordinator.unacked()
        held = GaugeMetricFamily(
            "enrich_unacked_messages", "messages delivered to workers and not yet acked"
        )
        held.add_metric([], count)
        oldest = GaugeMetricFamily(
            "enrich_unacked_oldest_seconds",
            "age of the oldest message held unacked (0 when none); past the visibility timeout "
            "its worker died and it is due for redelivery",
        )
        oldest.add_metric([], age or 0.0)
        refused = GaugeMetricFamily(
            "enrich_config_refused",
            "worker processes serving their last good config because they refused the active one",
        )
        refused.add_metric([], len(coordinator.refused_configs()))
        yield from (held, oldest, refused)

    def _warehouse(self) -> Iterator[Metric]:
        store = self.src.store
        current = self.src.current_version()
        info = InfoMetricFamily("enrich_version", "the enrichment version the config makes current")
        info.add_metric([], {"current": current})
        yield info

        rows = GaugeMetricFamily(
            "enrich_enrichment_rows", "enrichment rows written, per version", labels=["version"]
        )
        postings = GaugeMetricFamily(
            "enrich_postings_enriched", "distinct postings with a row, per version",
            labels=["version"],
        )  # fmt: skip
        latest = GaugeMetricFamily(
            "enrich_postings_latest", "postings whose latest enrichment is this version",
            labels=["version"],
        )  # fmt: skip
        for c in store.counts_by_version():
            rows.add_metric([c.enrichment_version], c.rows)
            postings.add_metric([c.enrichment_version], c.postings)
            latest.add_metric([c.enrichment_version], c.latest)
        yield from (rows, postings, latest)

        rejected = GaugeMetricFamily(
            "enrich_rejections", "postings recorded as rejected (stage validate) or failed "
            "(classify, extract, handoff, persist), by reason code", labels=["stage", "reason"],
        )  # fmt: skip
        for (stage, reason), n in sorted(store.rejection_counts().items()):
            rejected.add_metric([stage, reason], n)
        yield rejected

        drift = GaugeMetricFamily(
            "enrich_drift_backlog", "postings whose latest enrichment is not the current version"
        )
        drift.add_metric([], store.count_drifted(current))
        yield drift

        dist = store.skill_count_distribution(current)
        buckets, total = skill_histogram(dist)
        hist = HistogramMetricFamily(
            "enrich_skills_per_posting", "skills per enrichment row at the current version",
            labels=["version"],
        )  # fmt: skip
        hist.add_metric([current], buckets, total)
        yield hist
        n = sum(k for _, k, _ in dist)
        latency = GaugeMetricFamily(
            "enrich_extraction_seconds_per_posting",
            "mean time inside the extractor per posting at the current version",
            labels=["version"],
        )
        latency.add_metric([current], (sum(ms for _, _, ms in dist) / n / 1000.0) if n else 0.0)
        yield latency

        yield from self._evaluations(store)
        if hasattr(store, "ledger_counts"):
            yield from self._ledger(store, self.src.reconcile_grace_s)  # type: ignore[arg-type]
        if hasattr(store, "cluster_runs"):
            yield from self._clusters(store)  # type: ignore[arg-type]
        if self.src.events is not None:
            due = GaugeMetricFamily(
                "enrich_events_due",
                "enrichment rows past the resend grace, inside its window, whose event has no "
                "sent mark (the resend job sends them again)",
            )
            due.add_metric(
                [],
                self.src.events.count_due_events(self.src.events_window_s, self.src.events_grace_s),
            )
            yield due

    @staticmethod
    def _evaluations(store: EnrichmentStore) -> Iterator[Metric]:
        f1 = GaugeMetricFamily(
            "enrich_evaluation_f1", "F1 of the newest evaluation per dataset",
            labels=["dataset", "label", "match", "version"],
        )  # fmt: skip
        regressed = GaugeMetricFamily(
            "enrich_evaluation_regressed", "1 when the newest evaluation regressed",
            labels=["dataset"],
        )  # fmt: skip
        seen: set[str] = set()
        for r in store.evaluations(limit=200):
            if r.dataset in seen:
                continue
            seen.add(r.dataset)
            for label, modes in sorted(r.metrics.items()):
                if not isinstance(modes, dict):
                    continue
                for match, m in sorted(modes.items()):
                    if isinstance(m, dict) and isinstance(m.get("f1"), int | float):
                        f1.add_metric([r.dataset, label, match, r.enrichment_version], m["f1"])
            regressed.add_metric([r.dataset], 1 if r.regressed else 0)
        yield from (f1, regressed)

    @staticmethod
    def _ledger(ledger: IntakeLedger, grace_s: float) -> Iterator[Metric]:
        """The reconciler's findings, from the intake ledger (durable, so the counters survive
        restarts and only grow: attempts and failure rows are never removed)."""
        c = ledger.ledger_counts(grace_s)
        found = CounterMetricFamily(
            "enrich_reconciler_reenqueued",
            "accepted postings the reconciler found unaccounted and enqueued again",
        )
        found.add_metric([], c.reenqueued)
        lost = CounterMetricFamily(
            "enrich_reconciler_lost_in_transit",
            "postings given up after the last attempt (failure row intake/lost_in_transit)",
        )
        lost.add_metric([], c.lost_in_transit)
        pending = GaugeMetricFamily(
            "enrich_intake_unaccounted",
            "accepted postings past the grace period, neither enriched nor recorded as failed",
        )
        pending.add_metric([], c.unaccounted)
        accepted = GaugeMetricFamily("enrich_intake_accepted", "postings in the intake ledger")
        accepted.add_metric([], c.accepted)
        compacted = GaugeMetricFamily(
            "enrich_intake_compacted",
            "intake ledger entries whose raw text was dropped after the retention (accounted for)",
        )
        compacted.add_metric([], c.compacted)
        yield from (found, lost, pending, accepted, compacted)

    @staticmethod
    def _clusters(store: ClusterStore) -> Iterator[Metric]:
        active = next(iter(store.cluster_runs(limit=1, active_only=True)), None)
        size = GaugeMetricFamily(
            "enrich_cluster_active", "postings and clusters of the active clustering run",
            labels=["what"],
        )  # fmt: skip
        stab = GaugeMetricFamily(
            "enrich_cluster_stability", "active run vs the run active before it",
            labels=["metric"],
        )  # fmt: skip
        if active is not None:
            size.add_metric(["postings"], active.n_postings)
            size.add_metric(["clusters"], active.n_clusters)
            st: dict[str, Any] = active.metrics.get("stability") or {}
            for key in ("ari", "nmi", "changed_share", "jaccard_mean", "jaccard_worst"):
                if isinstance(st.get(key), int | float):
                    stab.add_metric([key], st[key])
        yield from (size, stab)
