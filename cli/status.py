"""`enrich-ops status`: versions, drift, queues, held messages, failures, ledger, evaluations, clusters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from cli.common import Command, call
from cli.common import services as _services
from cli.common import table as _table

if TYPE_CHECKING:
    from worker.settings import Settings


def cmd_status(args: Any, s: Settings) -> int:
    from worker.app import (
        CLUSTER_QUEUE,
        ENRICH_QUEUE,
        LIFECYCLE_QUEUE,
        PERSIST_QUEUE,
        REENRICH_QUEUE,
    )
    from worker.events import events_status_line

    svc = _services(s)
    current = current_or_last_good(svc, s)
    rolled_back = s.active_release_file.exists() and svc.config_root != s.config_root
    print(
        f"current version: {current}"
        + ("   (ROLLED BACK: enrich-ops rollback --clear to undo)" if rolled_back else "")
    )
    print(f"config root:     {svc.config_root}")
    counts = svc.store.counts_by_version()
    rows = [
        (
            c.enrichment_version + ("  <- current" if c.enrichment_version == current else ""),
            c.rows,
            c.latest,
        )
        for c in counts
    ]
    print("\nrows per version:")
    print(_table(rows, ("version", "rows", "latest for postings")) if rows else "  (no rows yet)")
    print(
        f"\ndrift backlog: {svc.store.count_drifted(current)} postings whose latest row is not current"
    )
    try:
        depths = {
            q: svc.coordinator.queue_depth(q)
            for q in (ENRICH_QUEUE, REENRICH_QUEUE, PERSIST_QUEUE, LIFECYCLE_QUEUE, CLUSTER_QUEUE)
        }
        print("queue lengths:  " + ", ".join(f"{q}={n}" for q, n in depths.items()))
    except Exception as exc:  # status must still print when the broker is down
        print(
            f"queue lengths:  unavailable ({type(exc).__name__}: broker {s.broker_url} unreachable?)"
        )
    print_held(svc, s)
    counts = svc.store.rejection_counts()
    failed = {k: n for k, n in counts.items() if k[0] != "validate"}
    print(f"failures:       {sum(failed.values())} rows "
          + (", ".join(f"{st}/{r}={n}" for (st, r), n in sorted(failed.items())) or "")
          + f"; spooled batches: {len(list(svc.spool.items()))}"
          + ("  (enrich-ops replay-failures)" if failed else ""))  # fmt: skip
    print(rejections_line(counts))
    print(ledger_line(svc.ledger, s))
    print(events_status_line(svc))
    evals = svc.store.evaluations(limit=200)
    latest: dict[str, object] = {}
    for r in evals:
        latest.setdefault(r.dataset, r)
    print("\nlast evaluation per dataset:")
    if not latest:
        print("  none yet (enrich-ops evaluate)")
    for r in latest.values():
        flag = "REGRESSED: " + "; ".join(r.regressions) if r.regressed else "ok"  # type: ignore[attr-defined]
        print(
            f"  {r.dataset}: {r.evaluated_at} version {r.enrichment_version} micro overlap F1 {r.f1():.3f}  {flag}"
        )  # type: ignore[attr-defined]
    runs = svc.cluster_store.cluster_runs(limit=1)
    active = next(iter(svc.cluster_store.cluster_runs(limit=1, active_only=True)), None)
    print("\nclustering:")
    if active is None:
        print("  no active run (enrich-ops cluster)")
    else:
        st = active.metrics.get("stability") or {}
        print(f"  active run {active.run_id}: {active.n_postings} postings, {active.n_clusters} "
              f"clusters, cluster_version {active.cluster_version}, model {active.model_id}"
              + (f", ARI vs previous {st['ari']:.3f}" if "ari" in st else ""))  # fmt: skip
    if runs and (active is None or runs[0].run_id != active.run_id):
        print(f"  newest run {runs[0].run_id}: {runs[0].status}"
              + (f" ({runs[0].reason})" if runs[0].reason else ""))  # fmt: skip
    return 0


def rejections_line(counts: dict[tuple[str, str], int]) -> str:
    """The status line of input rejected at validation, by reason: (stage, reason) -> rows."""
    rejected = {r: n for (st, r), n in counts.items() if st == "validate"}
    return (f"rejections:     {sum(rejected.values())} rows "
            + ", ".join(f"{r}={n}" for r, n in sorted(rejected.items()))
            + ("  (enrich history POSTING_ID shows one)" if rejected else ""))  # fmt: skip


def ledger_line(ledger, s: Settings) -> str:  # type: ignore[no-untyped-def]
    """One status line from the intake ledger: what the reconciler found and did."""
    try:
        c = ledger.ledger_counts(s.reconcile_grace_s)
    except Exception as exc:  # status must still print when the ledger is unreadable
        return f"intake ledger:  unavailable ({type(exc).__name__})"
    return (
        f"intake ledger:  {c.accepted} accepted, {c.unaccounted} unaccounted past the "
        f"{s.reconcile_grace_s:.0f} s grace; reconciler re-enqueued {c.reenqueued}, "
        f"gave up on {c.lost_in_transit} (intake/lost_in_transit); "
        f"{c.compacted} compacted (text dropped after {s.ledger_retention_s / 86400:g} days)"
        + ("" if s.reconcile_enabled else "  [reconciler DISABLED]")
    )


def current_or_last_good(svc, s: Settings) -> str:  # type: ignore[no-untyped-def]
    """The active config's version; when it does not load (a bad push), say so and give the
    last good version, which the workers keep serving."""
    try:
        return str(svc.manifest.effective)
    except Exception as exc:
        from worker.bootstrap import last_good

        print(f"ACTIVE CONFIG INVALID ({type(exc).__name__}: {' '.join(str(exc).split())[:200]}); "
              "workers keep serving their last good config")  # fmt: skip
        good = last_good(s, svc.store, models=False)
        if good is None:
            raise
        return str(good.manifest.effective)


def print_held(svc, s: Settings) -> None:  # type: ignore[no-untyped-def]
    """Messages workers hold unacked (queue lengths leave them out) and refused configs."""
    try:
        held, age = svc.coordinator.unacked()
        refused = svc.coordinator.refused_configs()
    except Exception as exc:  # status must still print when the broker is down
        print(f"unacked:        unavailable ({type(exc).__name__})")
        return
    line = f"unacked:        {held} messages held by workers"
    if age is not None:
        line += f", oldest {age:.0f}s"
        if age > s.visibility_timeout_s:
            line += f" (over the {s.visibility_timeout_s}s visibility timeout: its worker died; due back)"
    print(line)
    for worker, st in sorted(refused.items()):
        print(f"CONFIG REFUSED by {worker} at {st.get('at', '?')}: {st.get('reason', '?')}; "
              f"still serving {st.get('serving', '?')}")  # fmt: skip


@click.command(
    "status",
    cls=Command,
    short_help="rows per version, drift backlog, queue lengths, last evaluations",
    help="Print where the fleet stands, read from the warehouse and the broker: the current "
    "enrichment version (and a rollback, if any), rows and postings per version, the drift "
    "backlog, the length of each queue and the messages held unacked, failures and rejections "
    "by stage and reason, the intake ledger, the newest evaluations (REGRESSED when the gate "
    "flagged one) and the active clustering run. Example: enrich-ops status",
)
def status(**params: Any) -> int:
    return call(cmd_status, params)
