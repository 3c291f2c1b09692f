"""`enrich-ops`: operate the fleet — status, re-enrichment, evaluation history, rollback.

The entry point only registers the command families (one module each under cli/).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from cli import clustering, evaluate, lifecycle, metrics, replay, status, trends
from cli.common import Group, Program, quiet_logging, raw, run_program
from worker.errors import EXIT_CODES


@click.group(
    "enrich-ops",
    cls=Group,
    help="Operate the enrichment fleet: see versions and drift, re-enrich, evaluate, cluster, "
    "roll back. Settings come from ENRICH_* environment variables (see README).",
    epilog=raw(EXIT_CODES),
)
@click.option("--debug", is_flag=True, help="print tracebacks of expected failures")
@click.pass_context
def enrich_ops(ctx: click.Context, debug: bool) -> None:
    ctx.obj = Program("enrich-ops", debug, quiet_logging)


for command in (
    status.status,
    lifecycle.reenrich,
    replay.replay_failures,
    evaluate.evaluate_command(
        "score the active version on the gold datasets (same as `enrich evaluate`)"
    ),
    evaluate.evaluations,
    clustering.cluster,
    clustering.clusters,
    metrics.metrics,
    lifecycle.rollback,
    lifecycle.profile,
    lifecycle.releases,
    trends.trends,
):
    enrich_ops.add_command(command)


def main(argv: Sequence[str] | None = None) -> int:
    """The `enrich-ops` program: the command's exit code (worker/errors.py); --help and usage
    errors raise SystemExit (0 / 2)."""
    return run_program(enrich_ops, argv, "enrich-ops")


if __name__ == "__main__":
    sys.exit(main())
