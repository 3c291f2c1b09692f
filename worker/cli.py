"""`enrich`: run the bridge, the local fleet, the demo, and inspect versions and results."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from worker.settings import REPO_ROOT, Settings, get_settings

SAMPLES = REPO_ROOT / "config" / "samples" / "skillspan_postings.jsonl"
INVALID_SAMPLES = REPO_ROOT / "config" / "samples" / "invalid_postings.jsonl"


def _store(settings: Settings):  # type: ignore[no-untyped-def]
    from worker.bootstrap import build_store

    return build_store(settings)


def _current_version(settings: Settings) -> str:
    from adapters.artifacts.config_files import load_config

    return load_config(settings.active_config_root()).manifest.effective


class Progress:
    """One status line: redrawn in place on a terminal (with a bar when the total is known), a
    plain line every few seconds when stderr is a log or a pipe (the first line always).

    `clock` is a monotonic clock in seconds whose zero means nothing (`time.monotonic` counts
    from boot), so the time of the last line starts as None, never as 0.0.
    """

    def __init__(self, every_s: float = 3.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.tty = sys.stderr.isatty()
        self.every_s = every_s
        self.clock = clock
        self.last: float | None = None

    @staticmethod
    def bar(done: int, total: int, width: int = 24) -> str:
        frac = min(max(done / total, 0.0), 1.0) if total > 0 else 0.0
        full = int(frac * width)
        return "[" + "#" * full + "." * (width - full) + f"] {frac:4.0%}"

    def __call__(
        self, msg: str, final: bool = False, done: int | None = None, total: int | None = None
    ) -> None:
        if self.tty:
            if done is not None and total:
                msg = f"{self.bar(done, total)} {msg.strip()}"
            print("\r\033[K" + msg, end="\n" if final else "", file=sys.stderr, flush=True)
        elif final or self.last is None or self.clock() - self.last >= self.every_s:
            print(msg, file=sys.stderr, flush=True)
            self.last = self.clock()


def _fleet(settings: Settings):  # type: ignore[no-untyped-def]
    from worker.fleet import Fleet

    return Fleet(settings, settings.run_dir)


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
    from worker.bridge import Bridge, BridgeStats

    total = BridgeStats()
    show = Progress()
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
                f"  {n}: {s.received} messages, {s.enqueued} enqueued, {s.rejected} rejected"
            ),
            wait_for_broker=not streaming,
            policy=policy,
            record_intake=ledger.record_intake,
            deadline=None if streaming else deadline,
            **backpressure(settings),
        )
        s = bridge.run()
        if not quiet:
            show(f"  {name}: {s.received} messages, {s.enqueued} enqueued, {s.rejected} rejected "
                 f"in {s.batches} batches", final=True)  # fmt: skip
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


# -- reports -------------------------------------------------------------------------------------


def print_summary(
    settings: Settings, postings: int | None = None, seconds: float | None = None
) -> None:
    store = _store(settings)
    version = _current_version(settings)
    print(f"current enrichment version: {version}")
    if postings is not None and seconds:
        print(
            f"fleet throughput: {postings} postings in {seconds:.1f}s = {postings / seconds:.1f} postings/s"
        )
    print(f"skills per posting (current version): {store.skills_per_posting(version):.1f}")
    print("rows per version:")
    for c in store.counts_by_version():
        mark = "  <- current" if c.enrichment_version == version else ""
        print(
            f"  {c.enrichment_version:<28} {c.rows:>7} rows {c.latest:>7} postings at it now{mark}"
        )
    print(f"drift backlog (latest row not current): {store.count_drifted(version)}")
    print("top skills (postings mentioning them):")
    for s in store.top_skills(version, 15):
        print(f"  {s.postings:>5}  {s.name[:50]:<50} {s.category}")
    from domain.skills.rollup import group_lines

    print("\n".join(group_lines(store.top_groups(version, 10))))
    counts = store.rejection_counts()
    print(f"rejections/failures: {sum(counts.values())}")
    for (stage, reason), n in sorted(counts.items()):
        print(f"  {n:>5}  {stage}/{reason}")


# -- commands ------------------------------------------------------------------------------------


def cmd_bridge(args: argparse.Namespace, settings: Settings) -> int:
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
        inputs = [None if str(p) == "-" else Path(p) for p in args.input]
        stats = run_bridge(inputs, settings, deadline=deadline)
    print(f"received {stats.received}, enqueued {stats.enqueued} in {stats.batches} batches, "
          f"rejected {stats.rejected}")  # fmt: skip
    if args.wait:  # the same --timeout bounds the bridge's waits and this one together
        wait_persisted(settings, stats.posting_ids, stats.rejected_ids, args.timeout, deadline)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    fleet = _fleet(settings)
    if args.fresh:
        fleet.stop()
        settings.duckdb_path.unlink(missing_ok=True)
        settings.duckdb_path.with_suffix(".duckdb.wal").unlink(missing_ok=True)
    print(
        "starting fleet (redis-server, worker, persister, beat, flower, supervisor) ...",
        file=sys.stderr,
    )
    fleet.start()
    t0 = time.perf_counter()
    deadline = time.monotonic() + args.timeout  # bounds the bridge's and the wait's waits together
    stats = run_bridge([args.input, INVALID_SAMPLES], settings, deadline=deadline)
    wait_persisted(settings, stats.posting_ids, stats.rejected_ids, args.timeout, deadline)
    seconds = time.perf_counter() - t0
    print()
    print(
        f"bridged {stats.received} messages: {stats.enqueued} postings, {stats.rejected} rejected"
    )
    print_summary(settings, stats.enqueued, seconds)
    s = settings
    print(f"\nFlower: http://127.0.0.1:{s.flower_port}  (user {s.flower_user!r}, password from "
          f"ENRICH_FLOWER_PASSWORD, default {s.flower_password!r})")  # fmt: skip
    print(f"logs:   {fleet.run_dir / 'logs'}")
    print("stop:   make stop")
    return 0


def cmd_fleet(args: argparse.Namespace, settings: Settings) -> int:
    fleet = _fleet(settings)
    if args.action == "start":
        fleet.start()
    elif args.action == "stop":
        print("stopped: " + (", ".join(fleet.stop()) or "nothing was running"))
        return 0
    from worker.supervisor import read_state

    restarts = read_state(fleet)
    for name, pid in fleet.status().items():
        r = restarts.get(name, {})
        extra = (
            f"  restarted {r['restarts']}x, last {r['last_restart']}" if r.get("restarts") else ""
        )
        print(f"{name:<10} {'running pid ' + str(pid) if pid else 'stopped'}{extra}")
    return _print_health(fleet)


def _print_health(fleet) -> int:  # type: ignore[no-untyped-def]
    """The health lines under `fleet start|status`; 7 (FLEET) when one failed."""
    from worker.checks import fleet_checks
    from worker.errors import FLEET, OK

    checks = fleet_checks(fleet)
    for c in checks:
        print(c.line())
    failed = [c.name for c in checks if not c.ok]
    if failed:
        print(f"fleet NOT healthy: {', '.join(failed)}", file=sys.stderr)
    return FLEET if failed else OK


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    """All or nothing: a line over Pub/Sub's request limit refuses the whole input before any
    message is sent (the error names every such line), so a fixed file can simply be
    published again without duplicating what a partial run had sent."""
    from adapters.pubsub.source import MAX_PUBLISH_REQUEST_BYTES, publish_lines, too_large
    from worker.errors import BAD_INPUT, CliError

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


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    if settings.store_backend != "bigquery":
        _store(settings)
        print(f"DuckDB schema is up to date in {settings.duckdb_path} (created on open)")
        return 0
    from adapters.bigquery.client import make_client
    from adapters.bigquery.migrate import migrate

    client = make_client(
        settings.bigquery_project, settings.bigquery_endpoint, settings.bigquery_location
    )
    ran = migrate(client, settings.bigquery_dataset_ref, settings.bigquery_location)
    applied = [r for r in ran if r.startswith("migrations/")]
    print(
        f"{settings.bigquery_dataset_ref}: tables ensured; migrations applied now: {applied or 'none'}"
    )
    return 0


def cmd_summary(args: argparse.Namespace, settings: Settings) -> int:
    print_summary(settings)
    return 0


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    """In-process extraction, no broker: JSONL postings in, one JSON line per posting out."""
    from adapters.artifacts.config_files import build_pipeline, load_config
    from adapters.local.jsonl_source import JsonlSource
    from domain.models import JobEnrichment, Posting
    from domain.pipeline import utc_now
    from domain.recovery import unique_id_batches
    from domain.skills.linking import concept_fields
    from domain.validation import ValidationPolicy, validate

    pipeline = build_pipeline(load_config(settings.active_config_root()), settings.model_threads)
    version = pipeline.manifest.effective
    policy = ValidationPolicy(max_bytes=settings.max_posting_bytes)
    params = getattr(pipeline.extractor, "params", None)
    relevance = params.relevance if params is not None else (lambda _section: 1.0)
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    show = Progress()
    done = rejected = 0

    def flush(pending: list[Posting | dict[str, object]]) -> None:
        nonlocal done
        batch = [p for p in pending if isinstance(p, Posting)]
        # Each input line gets its own output, even when a posting_id repeats: batches never
        # hold an id twice, and results are matched by (id, content), not by id alone.
        results: dict[tuple[str, str], JobEnrichment] = {}
        for chunk in unique_id_batches(batch, len(batch) or 1):
            for e in pipeline.enrich(chunk).enrichments:
                results[(e.posting_id, e.content_hash)] = e
        for p in pending:
            if not isinstance(p, Posting):  # a rejected line keeps its place in the output
                out.write(json.dumps(p) + "\n")
                continue
            e = results.get((p.posting_id, p.content_hash))
            if e is None:
                out.write(
                    json.dumps({"posting_id": p.posting_id, "error": "component_error"}) + "\n"
                )
                continue
            mentions = [
                {"start": m.start, "end": m.end, "text": m.text, "skill_id": s.skill_id,
                 "name": s.name, "category": s.category,
                 "kind": s.kind,
                 "confidence": round(s.confidence, 4), "source_strategies": list(s.source_strategies),
                 "section": m.section, "section_relevance_score": relevance(m.section),
                 "link_score": s.link_score, "link_method": s.link_method, **concept_fields(s),
                 "experience_years": None if m.years_min is None
                 else {"min": m.years_min, "max": m.years_max}}
                for s in e.skills for m in s.mentions
            ]  # fmt: skip
            mentions.sort(key=lambda m: (m["start"], m["end"]))
            sections = [{"kind": c.kind, "start": c.start, "end": c.end, "header": c.header}
                        for c in e.sections]  # fmt: skip
            out.write(json.dumps({"posting_id": p.posting_id, "enrichment_version": version,
                                  "language": e.language,
                                  "truncated": e.truncated, "sections": sections,
                                  "mentions": mentions, "stats": e.stats,
                                  "occupation": e.occupation},
                                 ensure_ascii=False) + "\n")  # fmt: skip
        done += len(batch)
        show(f"  extracted {done} postings, {rejected} rejected")

    batch: list[Posting | dict[str, object]] = []
    source = JsonlSource(None if args.input == "-" else Path(args.input), "extract",
                         max_line_bytes=policy.max_bytes)  # fmt: skip
    try:
        for msg in source.messages():
            r = validate(msg.payload, source="extract", ref=msg.ref, now=utc_now(),
                         policy=policy, size=msg.size)  # fmt: skip
            if isinstance(r, Posting):
                batch.append(r)
            else:
                rejected += 1
                batch.append({"posting_id": r.posting_id, "line": int(msg.ref.split()[-1]),
                              "rejected": {"reason": r.reason, "detail": r.detail}})  # fmt: skip
            if len(batch) >= args.batch_size:
                flush(batch)
                batch = []
        if batch:
            flush(batch)
    finally:
        if out is not sys.stdout:
            out.close()
    show(f"  extracted {done} postings, {rejected} rejected, version {version}", final=True)
    return 0


def cmd_versions(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.artifacts.config_files import load_config

    m = load_config(settings.active_config_root()).manifest
    print(
        json.dumps(
            {"effective": m.effective, "declared": m.declared, "components": m.labels()}, indent=2
        )
    )
    return 0


def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    for e in _store(settings).posting_history(args.posting_id):
        print(json.dumps({"enrichment_version": e.enrichment_version, "enriched_at": e.enriched_at,
                          "content_hash": e.content_hash, "components": e.component_versions,
                          "skills": [s.name for s in e.skills]}))  # fmt: skip
    return 0


def build_parser() -> argparse.ArgumentParser:
    from worker.errors import EXIT_CODES

    p = argparse.ArgumentParser(
        prog="enrich",
        description="ml-enrichment: enrich job postings with versioned skill data. "
        "Settings come from ENRICH_* environment variables (see README).",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--debug", action="store_true", help="print tracebacks of expected failures")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("bridge", help="validate JSONL postings and enqueue them to the fleet",
                       description="Read postings as JSON lines ({posting_id, text, title?, company?, "
                       "source?, posted_at?}), validate each, enqueue valid ones as batch chains and "
                       "record invalid ones as rejections with a reason.")  # fmt: skip
    b.add_argument("input", nargs="*", help="JSONL file(s), or - for stdin (file source)")
    b.add_argument("--source", choices=["file", "pubsub"], help="default: ENRICH_SOURCE (file)")
    b.add_argument(
        "--subscription", help="Pub/Sub subscription path (default from ENRICH_PUBSUB_*)"
    )
    b.add_argument("--idle-exit", type=float, metavar="S",
                   help="Pub/Sub: stop after S seconds without messages (default: run until stopped)")  # fmt: skip
    b.add_argument("--wait", action="store_true", help="wait until every posting is persisted")
    b.add_argument("--timeout", type=float, default=600,
                   help="seconds a file bridge waits for a refusing broker plus, with --wait, for "
                   "the postings to be persisted, together (default 600)")  # fmt: skip
    b.set_defaults(func=cmd_bridge)

    d = sub.add_parser(
        "demo", help="start the local fleet, enrich the sample postings, print a summary"
    )
    d.add_argument(
        "--input", type=Path, default=SAMPLES, help=f"postings JSONL (default {SAMPLES.name})"
    )
    d.add_argument("--fresh", action=argparse.BooleanOptionalAction, default=True,
                   help="restart the fleet on an empty demo warehouse (default on)")  # fmt: skip
    d.add_argument("--timeout", type=float, default=600)
    d.set_defaults(func=cmd_demo)

    f = sub.add_parser("fleet", help="start/stop/status of redis-server, worker, beat and Flower")
    f.add_argument("action", choices=["start", "stop", "status"])
    f.set_defaults(func=cmd_fleet)

    x = sub.add_parser(
        "extract",
        help="extract skills in-process (no broker): JSONL postings in, JSON lines out",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""Extract skills from postings without the fleet (backfills, debugging, scoring
a gold set from outside).

input:  one JSON object per line: {"posting_id": str, "text": str, "title"?: str,
        "content_type"?: "text/plain" | "text/html" | "text/markdown" (default: detected)}
output: one JSON line per input posting, in input order:
  {"posting_id", "enrichment_version", "language", "truncated",
   "sections": [{"kind", "start", "end", "header"}, ...],
   "mentions": [
     {"start", "end", "text", "skill_id", "name", "category", "kind",
      "confidence", "source_strategies", "section", "section_relevance_score",
      "link_score", "link_method", "link_level", "group_id", "group_name",
      "candidates": [{"skill_id", "name", "score", "source"}, ...],
      "experience_years": null | {"min", "max"}}, ...],
   "stats": {"candidates": {strategy: n},
             "alias_resolution": {"alias_matches", "ambiguous_kept", "ambiguous_dropped",
                                  "forms": {"<form>:kept|dropped": n}}}}
  start/end are character offsets into "text" exactly as sent (end exclusive): CRLF, HTML,
  entities, decomposed accents, invisible characters included; a mention's "text" is that slice
  after normalization (line ends, NFC, entities, markup, invisible characters: see
  domain/text/normalize.py). language: ISO 639-1, "mul" mixed, "und" undetermined; a
  non-English posting reports names only. experience_years: what "5+ years of Java" asks for
  that mention (max null when open-ended). kind is SKILL (an ability or
  competence) or KNOWLEDGE (a body of knowledge, tool or technology). skill_id is a taxonomy id
  (esco:..., onet:...) or, for a span no taxonomy entry names, "span:<kind>:<text>".
  link_method says how the concept was found: exact (a taxonomy label), alias (a curated alias),
  normalized (same words up to order, plurals, verb forms, filler such as "skills"), vector
  (nearest taxonomy label, reranked score >= the concept_linker threshold) or none; link_score is 1.0
  for exact/alias, 0.95 for normalized, the reranked cosine for vector, 0 for none; group when only a
  broader place fits: link_level is then group:<n> (ESCO level, 3 most specific) and
  group_id/group_name name it (for a concept: its nearest group). candidates: the top 5 concepts.
  sections cover the whole text in order; kind is one of overview company responsibilities
  requirements preferred benefits application legal other (header rules where a header
  matches, the trained block model elsewhere). confidence is the weighted noisy-OR of the
  strategies that found the span times section_relevance_score, the weight of the mention's
  section (config/model_versions.yaml: section_relevance, skip_sections); spans in skipped
  sections (by default company and legal) are not reported.
  truncated is true when the text exceeded max_text_chars and only its head was read. An invalid line gives {"posting_id", "line", "rejected": {"reason",
  "detail"}} instead.""",
    )
    x.add_argument("input", nargs="?", default="-", help="JSONL file (default: stdin)")
    x.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    x.add_argument("--batch-size", type=int, default=32)
    x.set_defaults(func=cmd_extract)

    from worker import evaluate_cli

    evaluate_cli.add_subcommand(
        sub, "score the active version on gold sets; report + quality gate (exit 1 on a miss)"
    )

    from worker import sections_cli

    sections_cli.add_subcommand(sub)

    pub = sub.add_parser("publish", help="publish JSONL postings to a Pub/Sub topic (ops, tests)",
                         description="Publish each non-blank line as one message, unvalidated: the "
                         "bridge validates and records bad ones as rejections. All or nothing: a "
                         "line over Pub/Sub's 10 MB request limit refuses the whole input before "
                         "anything is sent, naming file:line of each (exit 2).")  # fmt: skip
    pub.add_argument("input", nargs="+", help="JSONL file(s), or - for stdin")
    pub.add_argument(
        "--topic",
        help="topic path (default projects/ENRICH_PUBSUB_PROJECT/topics/ENRICH_PUBSUB_TOPIC)",
    )
    pub.set_defaults(func=cmd_publish)

    mig = sub.add_parser(
        "migrate", help="create/upgrade the warehouse schema (BigQuery: sql/); idempotent"
    )
    mig.set_defaults(func=cmd_migrate)

    sub.add_parser("summary", help="rows per version, drift, top skills, rejections").set_defaults(
        func=cmd_summary
    )
    sub.add_parser("versions", help="the active model versions and fingerprints").set_defaults(
        func=cmd_versions
    )
    h = sub.add_parser("history", help="every enrichment of one posting, oldest first")
    h.add_argument("posting_id")
    h.set_defaults(func=cmd_history)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from worker.errors import run_cli

    args = build_parser().parse_args(argv)

    def command() -> int:
        settings = get_settings()
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        return int(args.func(args, settings))

    return run_cli(command, args.debug, "enrich")


if __name__ == "__main__":
    sys.exit(main())
