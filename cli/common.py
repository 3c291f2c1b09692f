"""What every command shares: the Progress line, text tables, click classes, running a command.

A command's body is a plain function `cmd(args, settings) -> exit code` (args: a namespace of
the command's options); `call` runs it under worker/errors.py's `run_cli`, so every command maps
expected failures to the same one-line errors and exit codes, with tracebacks under `--debug`.
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from worker.settings import Settings


# -h as well as --help, as argparse had; wide enough for the long option help lines
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def raw(text: str) -> str:
    """Help text click must print as written (no re-wrapping): every paragraph gets click's
    `\\b` marker."""
    return "\n\n".join("\b\n" + p for p in text.strip("\n").split("\n\n"))


# Option types of every count, size, port and duration: a value out of range is a usage error
# (exit 2, click's wording) instead of a database error or a silently odd run.
COUNT = click.IntRange(min=1)
SECONDS = click.FloatRange(min=0)
PORT = click.IntRange(1, 65535)


class Argument(click.Argument):
    """A positional argument with a help line, listed under "Arguments:" (click shows none)."""

    def __init__(self, *args: Any, help: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help_text = help


class Command(click.Command):
    """A command whose --help lists its arguments with their help, and that enforces `one_of`:
    groups of options of which exactly one must be given (argparse's required mutually
    exclusive group); breaking it is a usage error (exit 2)."""

    def __init__(self, *args: Any, one_of: Sequence[Sequence[str]] = (), **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", CONTEXT)
        super().__init__(*args, **kwargs)
        self.one_of = [list(g) for g in one_of]

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (p.human_readable_name, p.help_text)
            for p in self.params
            if isinstance(p, Argument) and p.help_text
        ]
        if rows:
            with formatter.section("Arguments"):
                formatter.write_dl(rows)
        super().format_options(ctx, formatter)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        for group in self.one_of:
            given = [o for o in group if ctx.params.get(o.lstrip("-").replace("-", "_"))]
            if len(given) != 1:
                raise click.UsageError(
                    f"exactly one of {' / '.join(group)} is required"
                    + (f" (got {' and '.join(given)})" if given else ""),
                    ctx,
                )
        return rest


# each program's commands live in one module: a command typed under the other program is
# pointed there ("enrich-ops fleet status" -> enrich fleet)
PROGRAMS = {"enrich": ("cli.enrich", "enrich"), "enrich-ops": ("cli.enrich_ops", "enrich_ops")}


class Group(click.Group):
    """A program: its subcommands are `Command`s, -h works everywhere; a command of the other
    program is a usage error that names where it lives."""

    command_class = Command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", CONTEXT)
        super().__init__(*args, **kwargs)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            other = _program_with(args[0], besides=self.name) if args else None
            if other is None:
                raise
            raise click.UsageError(
                f"{exc.message} It is a command of {other}: {other} {shlex.join(args)}", ctx
            ) from None


def _program_with(command: str, besides: str | None) -> str | None:
    """The other program that has `command`, or None."""
    import importlib

    for prog, (module, attr) in PROGRAMS.items():
        group = getattr(importlib.import_module(module), attr)
        if prog != besides and command in group.commands:
            return prog
    return None


class PeriodType(click.ParamType):
    """'2026-01-01..2026-02-01' (ISO dates, end exclusive) -> domain.trends.Period."""

    name = "period"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from domain.trends import Period

        if isinstance(value, Period):
            return value
        try:
            start, end = str(value).split("..")
            date.fromisoformat(start)
            date.fromisoformat(end)
        except ValueError:
            self.fail(f"expected START..END as ISO dates, got {value!r}", param, ctx)
        if not start < end:
            self.fail(f"START must come before END (END is excluded), got {value!r}", param, ctx)
        return Period(start, end)


@dataclass(frozen=True)
class Program:
    """The running program: its name (error prefix), --debug, and how it sets up logging."""

    name: str
    debug: bool = False
    setup_logging: Callable[[Settings], None] = lambda s: None


def call(func: Callable[[Any, Settings], int], params: dict[str, Any]) -> int:
    """Run `func(args, settings)` for the current click command: settings read (invalid
    ENRICH_* variables -> exit 2), logging set up by the program, expected failures turned into
    one line and their exit code (worker/errors.py). Returns the exit code."""
    from worker.errors import run_cli
    from worker.settings import get_settings

    root = click.get_current_context().find_root()
    program = root.obj if isinstance(root.obj, Program) else Program(root.info_name or "enrich")
    args = SimpleNamespace(**params)

    def command() -> int:
        settings = get_settings()
        program.setup_logging(settings)
        return int(func(args, settings))

    return run_cli(command, program.debug, program.name)


def run_program(
    command: click.Command, argv: Sequence[str] | None, prog: str, program: Program | None = None
) -> int:
    """Parse `argv` (default sys.argv[1:]) and run: the command's exit code. --help / -h and
    usage errors raise SystemExit (0 / 2) after printing, as argparse did. `program` is for a
    lone command run as its own program (a group sets its own from its options)."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        with command.make_context(prog, args, obj=program) as ctx:
            return int(command.invoke(ctx) or 0)
    except click.exceptions.Exit as exc:  # --help
        raise SystemExit(exc.exit_code) from None
    except click.ClickException as exc:  # usage error: its message, exit 2
        show_click_error(exc, prog)
        raise SystemExit(exc.exit_code) from None
    except BrokenPipeError:  # `enrich summary | head`: the reader left; say nothing more
        # Python flushes stdout again at exit: point it at /dev/null so that flush cannot fail
        from worker.errors import BROKEN_PIPE

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE


def show_click_error(exc: click.ClickException, prog: str) -> None:
    """Print click's own error (a usage error: the usage line and the help hint first) on stderr
    with the program's prefix, `enrich-ops: error: No such option '--bogus'.`, as every other
    error of the program, where click would print `Error: ...`."""
    ctx = exc.ctx if isinstance(exc, click.UsageError) else None
    if ctx is not None:
        click.echo(f"{ctx.get_usage()}\nTry '{ctx.command_path} --help' for help.\n", err=True)
    click.echo(f"{prog}: error: {exc.format_message()}", err=True)


def verbose_logging(settings: Settings) -> None:
    """`enrich`: log at ENRICH_LOG_LEVEL with timestamps."""
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def quiet_logging(settings: Settings) -> None:
    """`enrich-ops`: warnings and errors only (its output is the report)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


# -- output ---------------------------------------------------------------------------------------


def check_inputs(paths: Sequence[str | os.PathLike[str]]) -> None:
    """Fail at once, before models load or a broker is reached, on an input that cannot be read:
    IsADirectoryError / FileNotFoundError naming the path ("-" is stdin and always passes). The
    one wording for `enrich extract`, `enrich bridge` and `enrich publish`."""
    from pathlib import Path

    for raw_path in paths:
        if str(raw_path) == "-":
            continue
        path = Path(raw_path)
        if path.is_dir():
            raise IsADirectoryError(21, "input is a directory, not a JSONL file", str(path))
        if not path.is_file():
            raise FileNotFoundError(2, "no such input file", str(path))


def counted(n: int, noun: str) -> str:
    """'1 batch', '3 batches', '0 messages': a count with its noun in the right number."""
    if n == 1:
        return f"1 {noun}"
    return f"{n} {noun}es" if noun.endswith(("s", "sh", "ch", "x")) else f"{n} {noun}s"


class Progress:
    """One status line: redrawn in place on a terminal (with a bar when the total is known), a
    plain line every few seconds when stderr is a log or a pipe (the first line always). On a log
    or pipe a line that repeats the last one printed word for word waits `repeat_s` seconds (a
    heartbeat while nothing moves), so a wait does not print each count twice.

    `clock` is a monotonic clock in seconds whose zero means nothing (`time.monotonic` counts
    from boot), so the time of the last line starts as None, never as 0.0.
    """

    def __init__(
        self,
        every_s: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
        first: bool = True,
        repeat_s: float = 30.0,
    ) -> None:
        self.tty = sys.stderr.isatty()
        self.every_s = every_s
        self.repeat_s = repeat_s
        self.printed: str | None = None  # the last plain line written
        self.clock = clock
        # first=False: no plain line before every_s has passed (a short run prints its final
        # line only, not a partial count that reads like a second run)
        self.last: float | None = None if first else clock()

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
            if (
                not final
                and msg == self.printed
                and self.clock() - (self.last or 0.0) < self.repeat_s
            ):
                return
            print(msg, file=sys.stderr, flush=True)
            self.last = self.clock()
            self.printed = msg


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """Rows as left-aligned columns under `header` and a dashed rule; cells are str()-ed."""
    cells = [[str(c) for c in header], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def services(settings: Settings):  # type: ignore[no-untyped-def]
    """The composition root's Services over the configured warehouse."""
    from worker.bootstrap import Services, build_store

    return Services(settings, build_store(settings))


def store(settings: Settings):  # type: ignore[no-untyped-def]
    """The configured warehouse (EnrichmentStore)."""
    from worker.bootstrap import build_store

    return build_store(settings)


def current_version(settings: Settings) -> str:
    """The effective enrichment version of the active config (rollback included)."""
    from adapters.artifacts.config_files import load_config

    return load_config(settings.active_config_root()).manifest.effective
