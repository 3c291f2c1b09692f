"""`enrich-ops reenrich`, `rollback`, `profile`, `releases`: move the fleet between versions."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

import click

from cli.common import COUNT, SECONDS, Argument, Command, Progress, call
from cli.common import services as _services
from worker.errors import CliError, retry_busy

if TYPE_CHECKING:
    from worker.settings import Settings


LOCK_WAIT_S = 30.0  # how long `reenrich` waits for a running drift job (beat) to finish


def cmd_reenrich(args: Any, s: Settings) -> int:
    from domain.lifecycle import LOCK_HELD, ReenrichRequest, reenrich_drifted
    from domain.pipeline import utc_now
    from tasks.lifecycle import enqueue_reenrichment
    from worker.app import REENRICH_QUEUE

    svc = _services(s)
    current = svc.manifest.effective
    since = f"{args.since}T00:00:00+00:00" if args.since and "T" not in args.since else args.since
    req = ReenrichRequest(
        current_version=current,
        cap=args.limit or s.reenrich_cap_per_run,
        batch_size=s.batch_size,
        max_queue_depth=10**9 if args.limit else s.reenrich_max_queue_depth,
        from_version=args.from_version,
        since=since,
        in_flight_ttl_s=s.reenrich_in_flight_ttl_s,
    )
    started_at = utc_now()  # failures recorded from now on count (the workers' clock)
    give_up = time.monotonic() + LOCK_WAIT_S
    while True:  # a beat run holds the lock for a moment: wait for it, then pass over its work
        report = reenrich_drifted(
            req, svc.store, svc.coordinator, enqueue_reenrichment, REENRICH_QUEUE,
            s.reenrich_lock_ttl_s,
        )  # fmt: skip
        if report.skipped != LOCK_HELD or time.monotonic() > give_up:
            break
        time.sleep(0.2)
    print(
        f"re-enriching to {current}: enqueued {report.enqueued} of {report.backlog_before} drifted postings "
        f"in {report.batches} batches"
        + (f", {report.in_flight} already queued for it" if report.in_flight else "")
        + (f" (skipped: {report.skipped})" if report.skipped else "")
    )
    # wait for what is on its way to this version: what we enqueued and what an earlier run did
    ids = [*report.enqueued_ids, *report.in_flight_ids]
    if args.wait and ids:
        return _wait_current(svc.store, ids, current, started_at, args.timeout)
    return 0


def _wait_current(
    store: Any, ids: list[str], version: str, since: str, timeout: float, poll_s: float = 0.5
) -> int:
    """Show progress until every posting in `ids` is currently at `version` (its latest row, not
    an old row at that version) or failed since `since`; 1 on timeout."""
    show = Progress()
    t0 = time.monotonic()
    first: int | None = None  # already at the version at the first look: not our work
    while True:
        done, failed = retry_busy(  # a warehouse the persister holds: retried
            lambda: store.current_status(ids, version, since), t0 + timeout
        )
        first = done if first is None else first
        finished = done + failed >= len(ids)
        expired = time.monotonic() - t0 > timeout
        rate = (done - first) / max(time.monotonic() - t0, 1e-9)
        show(
            f"  {done + failed}/{len(ids)} re-enriched ({failed} failed), {rate:.1f} postings/s",
            final=finished or expired,
            done=done + failed,
            total=len(ids),
        )
        if finished:
            return 0
        if expired:
            print(f"timed out after {timeout:.0f}s: {len(ids) - done - failed} not at {version} "
                  "yet (enrich-ops status)", file=sys.stderr)  # fmt: skip
            return 1
        time.sleep(poll_s)


def cmd_rollback(args: Any, s: Settings) -> int:
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
          "(beat, or now: enrich-ops reenrich --wait).")  # fmt: skip
    print(reload_note(s))
    return 0


def reload_note(s: Settings) -> str:
    """When the workers run the new version (worker/bootstrap.py `services`): not at once."""
    return (
        "Workers switch at their next task: each worker process checks the config at most every "
        f"{s.config_check_interval_s:g} s (ENRICH_CONFIG_CHECK_INTERVAL_S) and first loads this "
        "version's models (a minute or more on a busy machine; worker log: `active config "
        "changed ... now serving`); tasks wait for it, none runs on a half-loaded config."
    )


def cmd_profile(args: Any, s: Settings) -> int:
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
    if args.name not in profiles:  # errors as every command's: "enrich-ops: error: ...", exit 2
        raise CliError(f"unknown profile {args.name!r}; choose from {sorted(profiles)}")
    if s.active_config_root() != s.config_root:
        raise CliError(f"a rollback is active ({s.active_config_root()}): `enrich-ops rollback "
                       "--clear` first, then switch the profile")  # fmt: skip
    new, n = with_profile(text.encode("utf-8"), args.name)
    if n != 1:
        raise CliError(f"{path}: no top-level `profile:` line to change")
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_bytes(new)
    tmp.replace(path)  # atomic: a worker reloading mid-write never reads half a file
    current = load_config(s.config_root).manifest.effective
    store = _services(s).store
    print(f"profile {args.name}: active version is now {current}")
    print(f"{store.count_drifted(current)} postings will be re-enriched to it by the drift job "
          "(beat, or now: enrich-ops reenrich --wait). "
          "Back: enrich-ops profile <previous> (or rollback --to <version>).")  # fmt: skip
    print(reload_note(s))
    return 0


def cmd_releases(args: Any, s: Settings) -> int:
    from adapters.artifacts.releases import list_releases

    active = _services(s).manifest.effective
    names = list_releases(s.releases_dir)
    for n in names:
        print(("* " if n == active else "  ") + n)
    if not names:
        print("no archived releases yet: a worker archives each version it runs")
    return 0


@click.command(
    "reenrich",
    cls=Command,
    short_help="enqueue drifted postings for re-enrichment now",
    help="Enqueue postings whose latest enrichment is not the current version (optionally only "
    "those at --from-version, or written --since a date) on the reenrich queue. Beat does the "
    "same every ENRICH_REENRICH_INTERVAL_S; postings a run already enqueued for the current version "
    "are not enqueued again. Prints how many postings it enqueued and how many were already queued. "
    "Example: enrich-ops reenrich --since 2026-11-01 --wait",
)
@click.option("--from-version",
              help="only postings whose latest row has this version (default: any old version)")  # fmt: skip
@click.option("--since",
              help="only postings whose latest row was written at/after this date (YYYY-MM-DD or ISO 8601)")  # fmt: skip
@click.option("--limit", type=COUNT, help="at most this many postings (default: the per-run cap)")
@click.option("--wait", is_flag=True,
              help="show progress until they (and those already queued) are at the current version")  # fmt: skip
@click.option("--timeout", type=SECONDS, default=3600,
              help="seconds --wait waits for them to be re-enriched (default 3600)")  # fmt: skip
def reenrich(**params: Any) -> int:
    return call(cmd_reenrich, params)


@click.command(
    "rollback",
    cls=Command,
    short_help="switch the active version to an archived release",
    one_of=[("--to", "--clear")],
    help="Make the fleet run an archived release (one a worker ran before, see `releases`) "
    "instead of the deployed config, or return to the deployed config with --clear. Each worker "
    "process switches at its next task (config checked at most every "
    "ENRICH_CONFIG_CHECK_INTERVAL_S), after loading the version's models; drift re-enrichment "
    "re-runs rows of other versions. Prints the version now active. Example: enrich-ops rollback --to 2026.11.13",
)
@click.option("--to", metavar="VERSION",
              help="full effective version, or a declared version if unique")  # fmt: skip
@click.option("--clear", is_flag=True, help="return to the deployed config")
def rollback(**params: Any) -> int:
    return call(cmd_rollback, params)


@click.command(
    "profile",
    cls=Command,
    short_help="show extraction profiles (quality, fast), or switch the active one",
    help="Each profile is its own enrichment version: `quality` runs the transformer span model "
    "(ONNX), `fast` the spaCy span model. Switching rewrites the `profile:` line of the deployed "
    "config/model_versions.yaml; workers reload, drift re-enrichment re-runs older rows. Without "
    "NAME: list profiles (* = active). Example: enrich-ops profile fast",
)
@click.argument("name", required=False, metavar="NAME", cls=Argument, help="quality or fast")
def profile(**params: Any) -> int:
    return call(cmd_profile, params)


@click.command(
    "releases",
    cls=Command,
    short_help="archived releases (* = active)",
    help="List every archived release (each effective enrichment version a worker ran, kept "
    "under ENRICH_DATA_DIR/releases so a rollback can restore it), one per line, the active one "
    "marked with *. Example: enrich-ops releases",
)
def releases(**params: Any) -> int:
    return call(cmd_releases, params)
