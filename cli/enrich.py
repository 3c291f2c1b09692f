"""`enrich`: run the bridge, the local fleet, the demo, and inspect versions and results.

The entry point only registers the command families (one module each under cli/).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from cli import evaluate, extract, fleet, ingest, sections, versions
from cli.common import Group, Program, raw, run_program, verbose_logging
from worker.errors import EXIT_CODES


@click.group(
    "enrich",
    cls=Group,
    help="ml-enrichment: enrich job postings with versioned skill data. Settings come from "
    "ENRICH_* environment variables (see README).",
    epilog=raw(EXIT_CODES),
)
@click.option("--debug", is_flag=True, help="print tracebacks of expected failures")
@click.pass_context
def enrich(ctx: click.Context, debug: bool) -> None:
    ctx.obj = Program("enrich", debug, verbose_logging)


for command in (
    ingest.bridge,
    ingest.publish,
    fleet.demo,
    fleet.fleet,
    fleet.migrate,
    extract.extract,
    evaluate.evaluate_command(
        "score the active version on gold sets; report + quality gate (exit 1 on a miss)"
    ),
    sections.train_sections,
    versions.summary,
    versions.versions,
    versions.history,
):
    enrich.add_command(command)


def main(argv: Sequence[str] | None = None) -> int:
    """The `enrich` program: the command's exit code (worker/errors.py); --help and usage
    errors raise SystemExit (0 / 2)."""
    return run_program(enrich, argv, "enrich")


if __name__ == "__main__":
    sys.exit(main())
