"""`enrich-ops cluster` and `enrich-ops clusters`: run job clustering, read its runs and clusters."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.common import COUNT, SECONDS, Command, Progress, call
from cli.common import services as _services
from cli.common import table as _table

if TYPE_CHECKING:
    from worker.settings import Settings


def cmd_cluster(args: Any, s: Settings) -> int:
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


def cmd_clusters(args: Any, s: Settings) -> int:
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
        from adapters.reports.clusters_png import plot_clusters

        plot_clusters(list(reversed(runs)), active, args.plot)
        print(f"plot written to {args.plot}")
    return 0


@click.command(
    "cluster",
    cls=Command,
    short_help="run job clustering now (beat runs it nightly)",
    help="Cluster every posting whose latest enrichment is the current version: reuse the active "
    "cluster model (or refit it when due, on a cluster_version bump, or with --refit: "
    "warm-started, cluster ids carried over by matching), assign postings in chunks on the "
    "fleet's cluster queue, then activate the run. A run already in progress makes this one "
    "`skipped: locked`. Example: enrich-ops cluster --refit --wait",
)
@click.option("--refit", is_flag=True, help="fit a new model first")
@click.option("--inline", is_flag=True,
              help="run in this process instead of on the fleet workers (takes the same Redis lock)")  # fmt: skip
@click.option("--wait", is_flag=True, help="show progress until the run ends")
@click.option("--timeout", type=SECONDS, default=3600,
              help="seconds --wait waits for the run to end (default 3600)")  # fmt: skip
def cluster(**params: Any) -> int:
    return call(cmd_cluster, params)


@click.command(
    "clusters",
    cls=Command,
    short_help="clustering runs with stability, and the active run's largest clusters",
    help="Print the newest clustering runs (status, postings, clusters, stability against the "
    "previous run) and the active run's largest clusters with their top skills; or, with "
    "--posting / --members / --changed, one posting's cluster, one cluster's postings, or the "
    "postings that moved between two runs. Example: enrich-ops clusters --top 5",
)
@click.option("--runs", type=COUNT, default=10, help="newest runs to list (default 10)")
@click.option("--top", type=COUNT, default=15, help="largest clusters to show (default 15)")
@click.option("--posting", metavar="ID", help="the active cluster of one posting")
@click.option("--members", type=int, metavar="CLUSTER",
              help="posting ids of one cluster of the active run, closest first")  # fmt: skip
@click.option("--changed", nargs=2, metavar="RUN_A RUN_B",
              help="postings whose cluster differs between two runs")  # fmt: skip
@click.option(
    "--limit", type=COUNT, default=100, help="rows for --members / --changed (default 100)"
)
@click.option("--plot", type=click.Path(path_type=Path), metavar="FILE.png",
              help="write cluster sizes and stability over runs as a PNG")  # fmt: skip
def clusters(**params: Any) -> int:
    return call(cmd_clusters, params)
