"""`enrich bridge` and `enrich publish`: postings into the fleet (file or Pub/Sub) and onto a topic.

`run_bridge` and `wait_persisted` are also used by `enrich demo` (cli/fleet.py).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.common import SECONDS, Argument, Command, Progress, call, check_inputs, counted
from cli.common import current_version as _current_version
from cli.common import store as _store

if TYPE_CHECKING:
    from worker.settings import Settings

# -- bridge --------------------------------------------------------------------------------------


def backpressure(settings: Settings) -> dict[str, Any]:
    """The bridge's backpressure options: read the fleet's backlog from the broker."""
    from adapters.redis.coordination import RedisCoordinator
    from worker.app import ENRICH_QUEUE, PERSIST_QUEUE, REENRICH_QUEUE
    from worker.bridge import queued_batches

    coordinator = RedisCoordinator(settings.broker_connection_url)
    queues = (ENRICH_QUEUE, REENRICH_QUEUE, PERSIST_QUEUE)
    return {
        "backlog": lambda: queued_batches(coordinator, queues),
        "max_queued_batches": settings.bridge_max_queued_batches,
        "resume_fraction": settings.bridge_resume_fraction,
        "backpressure_poll_s": settings.bridge_backpressure_poll_s,
    }


def run_bridge(  # type: ignore[no-untyped-def]
    inputs: Sequence[Path | None],
    settings: Settings,
    quiet: bool = False,
    sources=None,
    deadline: float | None = None,
):
    """Bridge each input through validation into the broker; returns the combined stats.

    `deadline` (time.monotonic() seconds) bounds how long a file source waits for a refusing
    broker (then BridgeError); a streaming source nacks and carries on instead."""
    from adapters.local.jsonl_source import JsonlSource
    from tasks.enrich import enqueue_batch, enqueue_rejections
    from worker.bridge import Bridge, BridgeStats, IntakeStamps

    total = BridgeStats()
    stamp = IntakeStamps()  # one for every input: stamps increase across files too
    show = Progress(first=False)  # one line per input: its final count (and every 3 s on a log)
    streaming = sources is not None
    from domain.validation import ValidationPolicy

    policy = ValidationPolicy(max_bytes=settings.max_posting_bytes)
    ledger = _intake_ledger(settings)
    for source in sources or [JsonlSource(p, max_line_bytes=policy.max_bytes) for p in inputs]:
        name = str(getattr(source, "path", None) or source.source)
        bridge = Bridge(
            source=source,
            enqueue_postings=enqueue_batch,
            enqueue_rejections=enqueue_rejections,
            batch_size=settings.batch_size,
            max_wait_s=settings.batch_max_wait_s,
            progress=None
            if quiet
            else lambda s, n=name: show(  # type: ignore[misc]
                f"  {n}: {s.received} messages so far, {s.enqueued} enqueued, {s.rejected} rejected"
            ),
            wait_for_broker=not streaming,
            policy=policy,
            record_intake=ledger.record_intake,
            stamp=stamp,
            deadline=None if streaming else deadline,
            **backpressure(settings),
        )
        s = bridge.run()
        if not quiet:
            show(f"  {name}: {counted(s.received, 'message')}, {s.enqueued} enqueued, "
                 f"{s.rejected} rejected in {counted(s.batches, 'batch')}", final=True)  # fmt: skip
        for f in ("received", "enqueued", "rejected", "batches"):
            setattr(total, f, getattr(total, f) + getattr(s, f))
        total.posting_ids += s.posting_ids
        total.rejected_ids += s.rejected_ids
        total.seconds += s.seconds
    return total


def _intake_ledger(settings: Settings):  # type: ignore[no-untyped-def]
    """The warehouse's intake ledger: the bridge records every accepted posting there before it
    acks the source (see domain/reconcile.py)."""
    from worker.bootstrap import build_store

    return build_store(settings)


def wait_persisted(
    settings: Settings,
    posting_ids: list[str],
    rejection_ids: list[str],
    timeout: float,
    deadline: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[int, int, int]:
    """Poll the store until every posting is enriched at the current version, failed (a failure
    row) or held in the spool; ends at the latest after `timeout` seconds (or at `deadline`,
    time.monotonic() seconds, when given). A locked or unavailable warehouse (TransientError:
    the persister holds it) is retried with backoff until then; SystemExit when time is up."""
    from adapters.local.spool import FileSpool
    from domain.errors import TransientError
    from domain.recovery import spooled_postings
    from worker.errors import retry_busy

    deadline = time.monotonic() + timeout if deadline is None else deadline
    timeout = max(deadline - time.monotonic(), 0.0)
    spool = FileSpool(settings.spool_dir)
    version = _current_version(settings)
    ids = list(dict.fromkeys(posting_ids))
    rejection_ids = list(dict.fromkeys(rejection_ids))  # identical bad lines are one row
    show = Progress()
    store = None

    def poll() -> tuple[int, int, int]:
        nonlocal store
        # short lock waits, so the loop (not one open) decides when time is up
        short = min(settings.duckdb_lock_timeout_s, 5.0)
        store = store or _store(settings.model_copy(update={"duckdb_lock_timeout_s": short}))
        enriched, failed = store.enrichment_status(ids, version)
        held = list(spooled_postings(spool).keys() & set(ids))
        if held:  # rare: the warehouse was down too; failed until replayed
            settled = sum(store.enrichment_status(held, version))
            failed += len(held) - settled
        return enriched, failed, store.count_rejections(rejection_ids)

    def busy(exc: BaseException, pause: float) -> None:
        show(f"  warehouse busy ({type(exc).__name__}); polling again in {pause:.1f}s")

    while True:
        try:
            enriched, failed, rejected = retry_busy(poll, deadline, sleep, busy)
        except TransientError as exc:
            raise SystemExit(
                f"timed out after {timeout:.0f}s: the warehouse stayed unavailable ({exc}); "
                f"see {settings.data_dir / 'run' / 'logs'}"
            ) from exc
        complete = enriched + failed >= len(ids) and rejected >= len(rejection_ids)
        expired = time.monotonic() > deadline
        show(
            f"  persisted {enriched + failed}/{len(ids)} postings ({failed} failed), "
            f"{rejected}/{len(rejection_ids)} rejections recorded",
            final=complete or expired,
            done=enriched + failed + rejected,
            total=len(ids) + len(rejection_ids),
        )
        if complete:
            return enriched, failed, rejected
        if expired:
            raise SystemExit(
                f"timed out after {timeout:.0f}s: {enriched + failed}/{len(ids)} persisted; "
                f"see {settings.data_dir / 'run' / 'logs'}"
            )
        time.sleep(1.0)  # each poll opens the warehouse, which the persister holds in leases


def cmd_bridge(args: Any, settings: Settings) -> int:
    deadline = time.monotonic() + args.timeout
    source = args.source or settings.source
    if source == "pubsub":
        from adapters.pubsub.source import PubSubSource

        sub = args.subscription or settings.subscription_path
        print(f"bridging Pub/Sub {sub} (Ctrl-C to stop)", file=sys.stderr)
        pubsub = PubSubSource(sub, settings.pubsub_max_outstanding, idle_exit_s=args.idle_exit,
                              lost_after_s=settings.pubsub_lost_after_s)  # fmt: skip
        stats = run_bridge([], settings, sources=[pubsub])
    else:
        if not args.input:
            raise SystemExit(
                "enrich bridge: give JSONL file(s) or - for stdin (or --source pubsub)"
            )
        check_inputs(args.input)  # before the broker or the warehouse is reached
        inputs = [None if str(p) == "-" else Path(p) for p in args.input]
        stats = run_bridge(inputs, settings, deadline=deadline)
    print(f"received {stats.received}, enqueued {stats.enqueued} in "
          f"{counted(stats.batches, 'batch')}, rejected {stats.rejected}{_repeats(stats)}")  # fmt: skip
    if args.wait:  # the same --timeout bounds the bridge's waits and this one together
        wait_persisted(settings, stats.posting_ids, stats.rejected_ids, args.timeout, deadline)
    return 0


def _repeats(stats: Any) -> str:
    """How many distinct postings when an id repeats (wait_persisted counts distinct ids)."""
    if not stats.repeated:
        return ""
    return (f"; {stats.distinct} distinct postings, {stats.repeated} repeated ids "
            "(the last line received is each one's latest)")  # fmt: skip


def cmd_publish(args: Any, settings: Settings) -> int:
    """All or nothing: a line over Pub/Sub's request limit refuses the whole input before any
    message is sent (the error names every such line), so a fixed file can simply be
    published again without duplicating what a partial run had sent."""
    from adapters.pubsub.source import MAX_PUBLISH_REQUEST_BYTES, publish_lines, too_large
    from worker.errors import BAD_INPUT, CliError

    check_inputs(args.input)
    lines: list[bytes] = []
    where: list[str] = []  # "file:line" of each kept line
    for p in args.input:
        raw = sys.stdin.buffer.read() if p == "-" else Path(p).read_bytes()
        name = "stdin" if p == "-" else str(p)
        for n, line in enumerate(raw.splitlines(), 1):
            if line.strip():
                lines.append(line)
                where.append(f"{name}:{n}")
    topic = args.topic or settings.topic_path
    big = too_large(topic, lines)
    if big:
        shown = ", ".join(f"{where[i]} ({size:,} bytes)" for i, size in big[:5])
        more = f" and {len(big) - 5} more" if len(big) > 5 else ""
        raise CliError(
            f"{len(big)} line(s) over Pub/Sub's {MAX_PUBLISH_REQUEST_BYTES:,}-byte limit: "
            f"{shown}{more}; nothing was published (split or drop them, then publish again)",
            BAD_INPUT,
        )
    print(f"published {publish_lines(topic, lines)} messages to {topic}")
    return 0


@click.command(
    "bridge",
    cls=Command,
    short_help="validate JSONL postings and enqueue them to the fleet",
    help="Read postings as JSON lines ({posting_id, text, title?, company?, source?, posted_at?}), "
    "validate each, enqueue valid ones as batch chains and record invalid ones as rejections "
    "with a reason. Prints how many were received, enqueued and rejected. Example: enrich "
    "bridge postings.jsonl --wait (the fleet must run: enrich fleet start).",
)
@click.argument("input", nargs=-1, cls=Argument, help="JSONL file(s), or - for stdin (file source)")
@click.option(
    "--source", type=click.Choice(["file", "pubsub"]), help="default: ENRICH_SOURCE (file)"
)
@click.option("--subscription", help="Pub/Sub subscription path (default from ENRICH_PUBSUB_*)")
@click.option("--idle-exit", type=SECONDS, metavar="S",
              help="Pub/Sub: stop after S seconds without messages (default: run until stopped)")  # fmt: skip
@click.option("--wait", is_flag=True,
              help="wait until every posting is persisted (default: return once enqueued)")  # fmt: skip
@click.option("--timeout", type=SECONDS, default=600,
              help="seconds a file bridge waits for a refusing broker plus, with --wait, for the "
              "postings to be persisted, together (default 600)")  # fmt: skip
def bridge(**params: Any) -> int:
    return call(cmd_bridge, params)


@click.command(
    "publish",
    cls=Command,
    short_help="publish JSONL postings to a Pub/Sub topic (ops, tests)",
    help="Publish each non-blank line as one message, unvalidated: the bridge validates and "
    "records bad ones as rejections. All or nothing: a line over Pub/Sub's 10 MB request limit "
    "refuses the whole input before anything is sent, naming file:line of each (exit 2). "
    "Example: PUBSUB_EMULATOR_HOST=127.0.0.1:8085 enrich publish postings.jsonl",
)
@click.argument(
    "input", nargs=-1, required=True, cls=Argument, help="JSONL file(s), or - for stdin"
)
@click.option("--topic",
              help="topic path (default projects/ENRICH_PUBSUB_PROJECT/topics/ENRICH_PUBSUB_TOPIC)")  # fmt: skip
def publish(**params: Any) -> int:
    return call(cmd_publish, params)
