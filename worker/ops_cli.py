"""`enrich-ops`: operate the fleet — status, re-enrichment, evaluation history, rollback."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from worker.errors import retry_busy
from worker.settings import Settings, get_settings


def _services(settings: Settings):  # type: ignore[no-untyped-def]
    from worker.bootstrap import Services, build_store

    return Services(settings, build_store(settings))


def _table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    cells = [[str(c) for c in header], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def cmd_status(args: argparse.Namespace, s: Settings) -> int:
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


def ledger_line(ledger, s: Settings) -> str:  # type: ignore[no-untyped-def]
    """One status line from the intake ledger: what the reconciler found and did."""
    try:
        c = ledger.ledger_counts(s.reconcile_grace_s)
    except Exception as exc:  # status must still print when the ledger is unreadable
        return f"intake ledger:  unavailable ({type(exc).__name__})"
    return (
        f"intake ledger:  {c.accepted} accepted, {c.unaccounted} unaccounted past the "
        f"{s.reconcile_grace_s:.0f} s grace; reconciler re-enqueued {c.reenqueued}, "
        f"gave up on {c.lost_in_transit} (intake/lost_in_transit)"
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


def cmd_reenrich(args: argparse.Namespace, s: Settings) -> int:
    from domain.lifecycle import ReenrichRequest, reenrich_drifted
    from tasks.lifecycle import enqueue_reenrichment
    from worker.app import REENRICH_QUEUE

    svc = _services(s)
    current = svc.manifest.effective
    ids: list[str] = []

    def enqueue(postings):  # type: ignore[no-untyped-def]
        enqueue_reenrichment(postings)
        ids.extend(p.posting_id for p in postings)

    since = f"{args.since}T00:00:00+00:00" if args.since and "T" not in args.since else args.since
    req = ReenrichRequest(
        current_version=current,
        cap=args.limit or s.reenrich_cap_per_run,
        batch_size=s.batch_size,
        max_queue_depth=10**9 if args.limit else s.reenrich_max_queue_depth,
        from_version=args.from_version,
        since=since,
    )
    report = reenrich_drifted(
        req, svc.store, svc.coordinator, enqueue, REENRICH_QUEUE, s.reenrich_lock_ttl_s
    )
    print(
        f"re-enriching to {current}: enqueued {report.enqueued} of {report.backlog_before} drifted postings "
        f"in {report.batches} batches" + (f" (skipped: {report.skipped})" if report.skipped else "")
    )
    if args.wait and ids:
        from worker.cli import Progress

        show = Progress()
        t0 = time.monotonic()
        while True:
            done, failed = retry_busy(  # a warehouse the persister holds: retried
                lambda: svc.store.enrichment_status(ids, current), t0 + args.timeout
            )
            finished = done + failed >= len(ids)
            expired = time.monotonic() - t0 > args.timeout
            rate = done / max(time.monotonic() - t0, 1e-9)
            show(
                f"  {done + failed}/{len(ids)} re-enriched ({failed} failed), {rate:.1f} postings/s",
                final=finished or expired,
                done=done + failed,
                total=len(ids),
            )
            if finished:
                return 0
            if expired:
                print(f"timed out after {args.timeout:.0f}s", file=sys.stderr)
                return 1
            time.sleep(0.5)
    return 0


def cmd_replay_failures(args: argparse.Namespace, s: Settings) -> int:
    from domain.recovery import REPLAYABLE_STAGES, replay_failures
    from tasks.enrich import enqueue_batch, enqueue_rejections
    from worker.cli import Progress

    svc = _services(s)
    current = svc.manifest.effective
    stages = args.stage or list(REPLAYABLE_STAGES)
    ids: list[str] = []

    def enqueue(postings):  # type: ignore[no-untyped-def]
        enqueue_batch(postings)
        ids.extend(p.posting_id for p in postings)

    show = Progress()
    report = replay_failures(
        svc.store, svc.spool, enqueue, enqueue_rejections, current, stages, s.batch_size,
        args.limit, progress=lambda n: show(f"  re-enqueued {n} failed postings"),
    )  # fmt: skip
    print(
        f"replaying failures at stages {', '.join(stages)} on {current}: "
        f"{report.postings} postings from the warehouse, {report.from_spool} spooled items, "
        f"{report.batches} batches"
    )
    ids = list(dict.fromkeys(ids))
    if not (args.wait and ids):
        return 0
    t0 = time.monotonic()
    while True:
        done = retry_busy(lambda: svc.store.enrichment_status(ids, current)[0], t0 + args.timeout)
        finished = done >= len(ids)
        expired = time.monotonic() - t0 > args.timeout
        show(f"  {done}/{len(ids)} replayed postings enriched", final=finished or expired,
             done=done, total=len(ids))  # fmt: skip
        if finished:
            return 0
        if expired:
            print(f"timed out after {args.timeout:.0f}s: {len(ids) - done} not enriched yet "
                  "(they may have failed again: enrich-ops status)", file=sys.stderr)  # fmt: skip
            return 1
        time.sleep(0.5)


def cmd_evaluations(args: argparse.Namespace, s: Settings) -> int:
    svc = _services(s)
    hist = svc.store.evaluations(args.dataset, args.limit)
    rows = [
        (r.evaluated_at[:19], r.dataset, r.enrichment_version, f"{r.f1('SKILL'):.3f}", f"{r.f1('KNOWLEDGE'):.3f}",
         f"{r.f1():.3f}", f"{r.f1('micro', 'strict'):.3f}", "REGRESSED" if r.regressed else "ok")
        for r in hist
    ]  # fmt: skip
    header = (
        "evaluated_at",
        "dataset",
        "version",
        "SKILL ovl F1",
        "KNOWL ovl F1",
        "micro ovl F1",
        "micro strict F1",
        "status",
    )
    print(_table(rows, header) if rows else "no evaluations yet (enrich-ops evaluate)")
    if args.plot and hist:
        plot_history(list(reversed(hist)), args.plot)
        print(f"plot written to {args.plot}")
    return 0


def plot_history(hist, path: Path) -> None:  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5))
    for dataset in dict.fromkeys(r.dataset for r in hist):
        rs = [r for r in hist if r.dataset == dataset]
        x = list(range(len(rs)))
        for label, style in (("micro", "-o"), ("SKILL", "--s"), ("KNOWLEDGE", ":^")):
            ax.plot(x, [r.f1(label) for r in rs], style, label=f"{dataset} {label} overlap F1")
        bad = [i for i, r in enumerate(rs) if r.regressed]
        ax.scatter(
            bad,
            [rs[i].f1() for i in bad],
            s=160,
            facecolors="none",
            edgecolors="red",
            label="regression",
        )
        ax.set_xticks(
            x, [f"{r.evaluated_at[5:16]}\n{r.enrichment_version[:18]}" for r in rs], fontsize=7
        )
    ax.set_ylim(0, 1)
    ax.set_ylabel("F1")
    ax.set_title("Extraction quality over time")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def cmd_cluster(args: argparse.Namespace, s: Settings) -> int:
    """Trigger a clustering run on the fleet (or in this process with --inline)."""
    from domain.clustering.runs import run_inline
    from domain.pipeline import utc_now

    svc = _services(s)
    store = svc.cluster_store
    version = svc.manifest.effective
    params = svc.clustering_params()  # a bad clustering block fails here, before anything runs
    if args.inline:
        print(f"clustering postings at {version} in this process", file=sys.stderr)
        run = run_inline(store, svc.cluster_models, svc.coordinator, params, version, utc_now,
                         args.refit)  # fmt: skip
        _print_runs([run])
        return 0 if run.status in ("completed", "skipped") else 1
    from worker.app import app

    started = utc_now()
    app.send_task("lifecycle.cluster_postings", kwargs={"refit": args.refit})
    print(f"clustering run requested (refit={args.refit}) for postings at {version}")
    if not args.wait:
        return 0
    from worker.cli import Progress

    show = Progress()
    total = store.count_current(version)
    t0 = time.monotonic()
    while True:
        run = next((r for r in store.cluster_runs(limit=5) if r.started_at >= started), None)
        done = store.count_cluster_assignments(run.run_id) if run else 0
        state = run.status if run else "queued"
        finished = run is not None and run.status != "running"
        expired = time.monotonic() - t0 > args.timeout
        show(f"  {state}: {done}/{total} postings assigned", final=finished or expired,
             done=done, total=total)  # fmt: skip
        if finished and run is not None:
            _print_runs([run])
            return 0 if run.status in ("completed", "skipped") else 1
        if expired:
            print(f"timed out after {args.timeout:.0f}s", file=sys.stderr)
            return 1
        time.sleep(0.5)


def _print_runs(runs) -> None:  # type: ignore[no-untyped-def]
    def stab(r, key: str) -> str:  # type: ignore[no-untyped-def]
        v = (r.metrics.get("stability") or {}).get(key)
        return "-" if v is None else f"{v:.3f}"

    rows = [
        (r.run_id, r.status + (" *" if r.is_active else ""), r.cluster_version,
         r.enrichment_version, r.model_id or "-", r.n_postings, r.n_clusters, stab(r, "ari"),
         stab(r, "nmi"), stab(r, "changed_share"), stab(r, "jaccard_mean"),
         stab(r, "jaccard_worst"), r.reason or "")
        for r in runs
    ]  # fmt: skip
    header = ("run", "status", "cluster_v", "enrichment_v", "model", "postings", "clusters",
              "ARI", "NMI", "changed", "jacc mean", "jacc worst", "reason")  # fmt: skip
    print(_table(rows, header))


def cmd_clusters(args: argparse.Namespace, s: Settings) -> int:
    from domain.clustering.runs import active_run

    svc = _services(s)
    store = svc.cluster_store
    if args.posting:
        found = store.posting_cluster(args.posting)
        print(f"{args.posting}: " + (f"cluster {found[1]} in active run {found[0]} "
                                     f"(distance {found[2]:.3f})" if found else
                                     "not in the active run"))  # fmt: skip
        return 0 if found else 1
    if args.changed:
        moved = store.changed_postings(args.changed[0], args.changed[1], args.limit)
        print(_table(moved, ("posting", args.changed[0], args.changed[1])) if moved
              else "no posting changed cluster between these runs")  # fmt: skip
        return 0
    runs = store.cluster_runs(limit=args.runs)
    if args.members is not None:
        target = active_run(store)
        ids = store.cluster_members(target.run_id, args.members, args.limit) if target else []
        print("\n".join(ids) if ids else f"cluster {args.members}: no members in the active run")
        return 0
    if not runs:
        print("no clustering runs yet (enrich-ops cluster, or beat's nightly run)")
        return 0
    print("clustering runs, newest first (* = active; stability vs the run active before):")
    _print_runs(runs)
    active = active_run(store)
    if active is not None:
        print(f"\nlargest clusters of the active run {active.run_id}:")
        clusters = active.metrics.get("clusters", [])[: args.top]
        print(_table([(c["cluster_id"], c["size"], c["label"]) for c in clusters],
                     ("cluster", "postings", "label: top skills · title words")))  # fmt: skip
    if args.plot:
        plot_clusters(list(reversed(runs)), active, args.plot)
        print(f"plot written to {args.plot}")
    return 0


def plot_clusters(runs, active, path: Path) -> None:  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8))
    clusters = (active.metrics.get("clusters", []) if active else [])[:20]
    left.barh([f"{c['cluster_id']}: {c['label'][:40]}" for c in clusters][::-1],
              [c["size"] for c in clusters][::-1])  # fmt: skip
    left.set_title(f"cluster sizes, active run {active.run_id if active else '-'}", fontsize=9)
    left.tick_params(axis="y", labelsize=6)
    done = [r for r in runs if r.status == "completed" and r.metrics.get("stability")]
    x = list(range(len(done)))
    for key, style in (("ari", "-o"), ("nmi", "--s"), ("changed_share", ":^")):
        right.plot(x, [r.metrics["stability"].get(key, 0) for r in done], style, label=key)
    right.set_xticks(x, [r.started_at[:16] for r in done], rotation=30, fontsize=6)
    right.set_ylim(0, 1.05)
    right.set_title("stability vs the previous active run", fontsize=9)
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def cmd_metrics(args: argparse.Namespace, s: Settings) -> int:
    """Serve Prometheus metrics read from the warehouse and the broker at each scrape."""
    from prometheus_client import start_http_server
    from prometheus_client.registry import CollectorRegistry

    from adapters.prometheus.exporter import FleetCollector, Sources
    from worker.app import (
        CLUSTER_QUEUE,
        ENRICH_QUEUE,
        LIFECYCLE_QUEUE,
        PERSIST_QUEUE,
        REENRICH_QUEUE,
    )
    from worker.bootstrap import Services, _config_token, build_store

    store = build_store(s)
    if s.store_backend == "duckdb":  # one connection per scrape, let go at once for the writer
        from adapters.duckdb.store import DuckDbStore

        store = DuckDbStore(s.duckdb_path, lock_timeout_s=s.duckdb_lock_timeout_s, hold_s=0.5,
                            idle_s=0.05)  # fmt: skip
    svc = Services(s, store)
    seen: dict[str, object] = {}

    def current_version() -> str:  # re-read only when the config (or the rollback) changed
        token = _config_token(s)
        if seen.get("token") != token:
            seen.update(token=token, version=Services(s, store).manifest.effective)
        return str(seen["version"])

    registry = CollectorRegistry()
    registry.register(FleetCollector(Sources(
        store=store, coordinator=svc.coordinator, spool=svc.spool,
        current_version=current_version,
        queues=(ENRICH_QUEUE, REENRICH_QUEUE, PERSIST_QUEUE, LIFECYCLE_QUEUE, CLUSTER_QUEUE),
        reconcile_grace_s=s.reconcile_grace_s,
        trends=_trends_of(store),
    )))  # fmt: skip
    server, thread = start_http_server(args.port, addr=args.host, registry=registry)
    print(f"serving Prometheus metrics on http://{args.host}:{args.port}/metrics", flush=True)
    try:
        thread.join()
    except KeyboardInterrupt:
        server.shutdown()
    return 0


def _trends_of(store: object):  # type: ignore[no-untyped-def]
    """The TrendStore over the exporter's own store (None for a store without trend queries)."""
    from adapters.duckdb.store import DuckDbStore

    if isinstance(store, DuckDbStore):
        from adapters.duckdb.trends import DuckDbTrends

        return DuckDbTrends(store)
    from adapters.bigquery.store import BigQueryStore

    if isinstance(store, BigQueryStore):
        from adapters.bigquery.trends import BigQueryTrends

        return BigQueryTrends(store)
    return None


def cmd_rollback(args: argparse.Namespace, s: Settings) -> int:
    from adapters.artifacts.config_files import load_config
    from adapters.artifacts.releases import point_to, resolve

    if args.clear:
        point_to(s.active_release_file, None)
        target_root = s.config_root
    else:
        release = resolve(s.releases_dir, args.to)
        point_to(s.active_release_file, release)
        target_root = release
    current = load_config(target_root).manifest.effective
    store = _services(s).store
    print(f"active version is now {current} (config from {target_root})")
    print(f"{store.count_drifted(current)} postings will be re-enriched to it by the drift job "
          "(beat, or now: enrich-ops reenrich --wait); workers reload within seconds.")  # fmt: skip
    return 0


def cmd_profile(args: argparse.Namespace, s: Settings) -> int:
    """Show the extraction profiles, or make one active in the deployed config."""
    import yaml

    from adapters.artifacts.config_files import MODEL_VERSIONS, load_config, with_profile

    path = s.config_root / MODEL_VERSIONS
    text = path.read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    profiles = raw.get("profiles") or {}
    if args.name is None:
        for name, p in profiles.items():
            mark = "*" if name == raw.get("profile") else " "
            print(f"{mark} {name:<8} enrichment_version {p['enrichment_version']:<16} "
                  f"span strategy {p['span_strategy']}")  # fmt: skip
        return 0
    if args.name not in profiles:
        print(f"unknown profile {args.name!r}; choose from {sorted(profiles)}", file=sys.stderr)
        return 2
    if s.active_config_root() != s.config_root:
        print(f"a rollback is active ({s.active_config_root()}): `enrich-ops rollback --clear` "
              "first, then switch the profile", file=sys.stderr)  # fmt: skip
        return 2
    new, n = with_profile(text.encode("utf-8"), args.name)
    if n != 1:
        print(f"{path}: no top-level `profile:` line to change", file=sys.stderr)
        return 2
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_bytes(new)
    tmp.replace(path)  # atomic: a worker reloading mid-write never reads half a file
    current = load_config(s.config_root).manifest.effective
    store = _services(s).store
    print(f"profile {args.name}: active version is now {current}")
    print(f"{store.count_drifted(current)} postings will be re-enriched to it by the drift job "
          "(beat, or now: enrich-ops reenrich --wait); workers reload within seconds. "
          "Back: enrich-ops profile <previous> (or rollback --to <version>).")  # fmt: skip
    return 0


def cmd_releases(args: argparse.Namespace, s: Settings) -> int:
    from adapters.artifacts.releases import list_releases

    active = _services(s).manifest.effective
    names = list_releases(s.releases_dir)
    for n in names:
        print(("* " if n == active else "  ") + n)
    if not names:
        print("no archived releases yet: a worker archives each version it runs")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from worker import evaluate_cli
    from worker.errors import EXIT_CODES

    p = argparse.ArgumentParser(
        prog="enrich-ops",
        description="Operate the enrichment fleet: see versions and drift, re-enrich, evaluate, "
        "cluster, roll back. "
        "Settings come from ENRICH_* environment variables (see README).",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--debug", action="store_true", help="print tracebacks of expected failures")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "status", help="rows per version, drift backlog, queue lengths, last evaluations"
    ).set_defaults(func=cmd_status)

    r = sub.add_parser("reenrich", help="enqueue drifted postings for re-enrichment now",
                       description="Enqueue postings whose latest enrichment is not the current version "
                       "(optionally only those at --from-version, or written --since a date) on the "
                       "reenrich queue. Beat does the same every ENRICH_REENRICH_INTERVAL_S.")  # fmt: skip
    r.add_argument("--from-version", help="only postings whose latest row has this version")
    r.add_argument(
        "--since",
        help="only postings whose latest row was written at/after this date (YYYY-MM-DD or ISO 8601)",
    )
    r.add_argument(
        "--limit", type=int, help="at most this many postings (default: the per-run cap)"
    )
    r.add_argument("--wait", action="store_true", help="show progress until they are re-enriched")
    r.add_argument("--timeout", type=float, default=3600)
    r.set_defaults(func=cmd_reenrich)

    f = sub.add_parser(
        "replay-failures", help="re-enqueue postings recorded as failed (and spooled batches)",
        description="Re-enqueue every posting that has a failure row (stage classify, extract, "
        "handoff or persist; raw text kept in the warehouse) and no enrichment at the current "
        "version, and every batch spooled under ENRICH_DATA_DIR/spool because the warehouse was "
        "down too. Idempotent: running it twice enqueues twice but writes each row once.",
    )  # fmt: skip
    f.add_argument("--stage", action="append", choices=["classify", "extract", "handoff", "persist", "intake"],
                   help="only failures at this stage (repeatable; default: all)")  # fmt: skip
    f.add_argument("--limit", type=int, help="at most this many postings from the warehouse")
    f.add_argument("--wait", action="store_true", help="show progress until they are enriched")
    f.add_argument("--timeout", type=float, default=3600)
    f.set_defaults(func=cmd_replay_failures)

    evaluate_cli.add_subcommand(
        sub, "score the active version on the gold datasets (same as `enrich evaluate`)"
    )

    h = sub.add_parser(
        "evaluations", help="evaluation history as a table (and a PNG trend with --plot)"
    )
    h.add_argument("--dataset")
    h.add_argument("--limit", type=int, default=30)
    h.add_argument("--plot", type=Path, metavar="FILE.png", help="write a trend plot")
    h.set_defaults(func=cmd_evaluations)

    c = sub.add_parser(
        "cluster", help="run job clustering now (beat runs it nightly)",
        description="Cluster every posting whose latest enrichment is the current version: "
        "reuse the active cluster model (or refit it when due, on a cluster_version bump, or "
        "with --refit: warm-started, cluster ids carried over by matching), assign postings in "
        "chunks on the fleet's cluster queue, then activate the run. A run already in progress "
        "makes this one `skipped: locked`.",
    )  # fmt: skip
    c.add_argument("--refit", action="store_true", help="fit a new model first")
    c.add_argument("--inline", action="store_true",
                   help="run in this process instead of on the fleet workers (takes the same Redis lock)")  # fmt: skip
    c.add_argument("--wait", action="store_true", help="show progress until the run ends")
    c.add_argument("--timeout", type=float, default=3600)
    c.set_defaults(func=cmd_cluster)

    cl = sub.add_parser(
        "clusters", help="clustering runs with stability, and the active run's largest clusters"
    )
    cl.add_argument("--runs", type=int, default=10, help="newest runs to list")
    cl.add_argument("--top", type=int, default=15, help="largest clusters to show")
    cl.add_argument("--posting", metavar="ID", help="the active cluster of one posting")
    cl.add_argument("--members", type=int, metavar="CLUSTER",
                    help="posting ids of one cluster of the active run, closest first")  # fmt: skip
    cl.add_argument("--changed", nargs=2, metavar=("RUN_A", "RUN_B"),
                    help="postings whose cluster differs between two runs")  # fmt: skip
    cl.add_argument("--limit", type=int, default=100, help="rows for --members / --changed")
    cl.add_argument("--plot", type=Path, metavar="FILE.png",
                    help="write cluster sizes and stability over runs as a PNG")  # fmt: skip
    cl.set_defaults(func=cmd_clusters)

    m = sub.add_parser(
        "metrics", help="serve Prometheus metrics (warehouse counts, queues, evaluations, clusters)",
        description="An HTTP server for Prometheus: postings enriched / rejected / failed by "
        "version, stage and reason, drift backlog, skills per posting (histogram), extraction "
        "time per posting, queue depths, spooled batches, the newest evaluation F1 per dataset "
        "and label, the active clustering run's size and stability. Read from the warehouse and "
        "the broker at each scrape, so numbers survive worker restarts; no posting text in any "
        "label. Flower serves task rates and runtimes at its own /metrics.",
    )  # fmt: skip
    m.add_argument("--port", type=int, default=9808)
    m.add_argument("--host", default="127.0.0.1")
    m.set_defaults(func=cmd_metrics)

    b = sub.add_parser("rollback", help="switch the active version to an archived release")
    g = b.add_mutually_exclusive_group(required=True)
    g.add_argument(
        "--to", metavar="VERSION", help="full effective version, or a declared version if unique"
    )
    g.add_argument("--clear", action="store_true", help="return to the deployed config")
    b.set_defaults(func=cmd_rollback)

    pr = sub.add_parser(
        "profile", help="show extraction profiles (quality, fast), or switch the active one",
        description="Each profile is its own enrichment version: `quality` runs the transformer "
        "span model (ONNX), `fast` the spaCy span model. Switching rewrites the `profile:` line "
        "of the deployed config/model_versions.yaml; workers reload, drift re-enrichment "
        "re-runs older rows. Without NAME: list profiles (* = active).",
    )  # fmt: skip
    pr.add_argument("name", nargs="?", metavar="NAME", help="quality or fast")
    pr.set_defaults(func=cmd_profile)

    sub.add_parser("releases", help="archived releases (* = active)").set_defaults(
        func=cmd_releases
    )
    from worker import trends_cli

    trends_cli.add_subcommand(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from worker.errors import run_cli

    args = build_parser().parse_args(argv)

    def command() -> int:
        settings = get_settings()
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        return int(args.func(args, settings))

    return run_cli(command, args.debug, "enrich-ops")


if __name__ == "__main__":
    sys.exit(main())
