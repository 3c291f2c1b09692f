"""`enrich-ops replay-failures`: re-enqueue postings recorded as failed, and spooled batches."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

import click

from cli.common import COUNT, SECONDS, Command, Progress, call
from cli.common import services as _services
from worker.errors import retry_busy

if TYPE_CHECKING:
    from worker.settings import Settings


def cmd_replay_failures(args: Any, s: Settings) -> int:
    from domain.recovery import REPLAYABLE_STAGES, replay_failures
    from tasks.enrich import enqueue_batch, enqueue_rejections

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


@click.command(
    "replay-failures",
    cls=Command,
    short_help="re-enqueue postings recorded as failed (and spooled batches)",
    help="Re-enqueue every posting that has a failure row (stage classify, extract, handoff, "
    "persist, or intake: lost in transit, given up by the reconciler; raw text kept in the "
    "warehouse) and no enrichment at the current version, and "
    "every batch spooled under ENRICH_DATA_DIR/spool because the warehouse was down too. "
    "Idempotent: running it twice enqueues twice but writes each row once. "
    "Example: enrich-ops replay-failures --stage extract --wait",
)
@click.option("--stage", multiple=True,
              type=click.Choice(["classify", "extract", "handoff", "persist", "intake"]),
              help="only failures at this stage (repeatable; default: all)")  # fmt: skip
@click.option("--limit", type=COUNT,
              help="at most this many postings from the warehouse (default: all)")  # fmt: skip
@click.option("--wait", is_flag=True, help="show progress until they are enriched")
@click.option("--timeout", type=SECONDS, default=3600,
              help="seconds --wait waits for them to be enriched (default 3600)")  # fmt: skip
def replay_failures(**params: Any) -> int:
    return call(cmd_replay_failures, params)
