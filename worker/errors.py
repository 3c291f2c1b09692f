"""Expected failures of the CLIs (`enrich`, `enrich-ops`) -> one line (cause + hint) + exit code.

One mapping for every command, so the same cause always gets the same code and words. Raw
tracebacks only with `--debug`. An exception that is not an expected failure (a bug) keeps its
traceback: hiding it would hide the bug.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Iterator
from typing import TypeVar

from domain.errors import ConfigError, PermanentError, StoreBusy, StoreUnusable, TransientError

T = TypeVar("T")

OK, FAILED, BAD_INPUT, STORE_UNUSABLE, STORE_BUSY, BROKER, PUBSUB, FLEET = 0, 1, 2, 3, 4, 5, 6, 7
INTERRUPTED = 130
BROKEN_PIPE = 141  # 128 + SIGPIPE, as a Unix tool whose reader left

EXIT_CODES = """exit codes:
  0    done
  1    finished, but a check failed or a wait timed out (quality gate, --wait --timeout)
  2    bad input or usage: a missing or unreadable file, invalid settings or config (a malformed
       posting line is not an error: it is recorded or printed as rejected, with its reason)
  3    warehouse unusable: empty, corrupt, truncated, newer schema or not writable (file named;
       nothing was written to it)
  4    warehouse busy: locked by another process past the wait
  5    broker unreachable, or it refused the password
  6    Pub/Sub unreachable, or its topic or subscription is gone
  7    a fleet process failed its start or health check (which one is named)
  130  interrupted (Ctrl-C)
  141  the reader of the output went away (`| head`): nothing more is printed
Expected failures print one line (cause and hint); --debug prints the traceback too."""


class CliError(Exception):
    """An expected failure raised by CLI code itself, with its exit code."""

    def __init__(self, message: str, code: int = BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def _one_line(text: str, limit: int = 400) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _is_broker(exc: BaseException) -> bool:
    mod = type(exc).__module__
    return mod.startswith(("kombu", "redis", "amqp")) or "broker refused" in str(exc)


def _is_pubsub(exc: BaseException) -> bool:
    mod = type(exc).__module__
    return mod.startswith(("google.api_core", "grpc", "google.cloud.pubsub", "adapters.pubsub"))


def classify(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, one line) for an expected failure; None for anything else (a bug).

    The most specific cause wins: a store error raised while enqueueing is a store error, not
    "broker refused"."""
    chain = list(_chain(exc))
    for e in chain:
        if isinstance(e, CliError):
            return e.code, _one_line(str(e))
    for e in chain:
        if isinstance(e, StoreUnusable):
            return STORE_UNUSABLE, _one_line(str(e))
    for e in chain:
        if isinstance(e, StoreBusy):
            return STORE_BUSY, _one_line(
                f"{e}; the persister holds it between batches: retry, or raise "
                "ENRICH_DUCKDB_LOCK_TIMEOUT_S"
            )
    for e in chain:
        if isinstance(e, ConfigError):
            return BAD_INPUT, _one_line(f"config: {e}")
    for e in chain:
        if type(e).__name__ in ("AuthenticationError", "AuthenticationWrongNumberOfArgsError") or (
            _is_broker(e) and ("WRONGPASS" in str(e) or "NOAUTH" in str(e))
        ):
            return BROKER, _one_line(
                f"broker refused the password ({type(e).__name__}); set ENRICH_BROKER_PASSWORD "
                "to the broker's requirepass (local fleet: <ENRICH_DATA_DIR>/run/secrets/"
                "redis_password), or, when another redis-server holds that port, give this fleet "
                "a free one with ENRICH_BROKER_URL"
            )
    for e in chain:
        if _is_broker(e):
            return BROKER, _one_line(
                f"broker unavailable ({type(e).__name__}: {e}); start it (enrich fleet start) "
                "or check ENRICH_BROKER_URL"
            )
    translated = any(isinstance(e, (TransientError, PermanentError)) for e in chain)
    for e in chain:  # a store adapter's translated Google error is not a Pub/Sub one
        if _is_pubsub(e) and not translated:
            return PUBSUB, _one_line(
                f"Pub/Sub failed ({type(e).__name__}: {e}); check PUBSUB_EMULATOR_HOST or "
                "credentials, and that the topic/subscription exists"
            )
    for e in chain:
        if type(e).__name__ == "ValidationError" and type(e).__module__.startswith("pydantic"):
            # field name and message only: the input value may be a secret
            lines = [ln.split(" [type=")[0] for ln in str(e).splitlines()[1:3]]
            return BAD_INPUT, _one_line(f"invalid settings: {' '.join(lines)} (ENRICH_* variables)")
        if type(e).__name__ == "FleetError":
            return FLEET, _one_line(str(e))
    for e in chain:
        if isinstance(e, (TransientError, PermanentError)):
            return FAILED, _one_line(f"{type(e).__name__}: {e}")
        if isinstance(e, OSError) and e.filename is not None:
            what = e.strerror or type(e).__name__
            return BAD_INPUT, _one_line(f"{what}: {e.filename}")
    return None


def run_cli(
    func: Callable[[], int], debug: bool, prog: str, stderr: Callable[[str], None] | None = None
) -> int:
    """Run one command: its return code, or the code and one line of an expected failure."""
    err = stderr or (lambda line: print(line, file=sys.stderr, flush=True))
    try:
        return int(func())
    except KeyboardInterrupt:
        err(f"{prog}: interrupted")
        return INTERRUPTED
    except SystemExit:
        raise
    except Exception as exc:
        found = classify(exc)
        if found is None:
            raise  # a bug: its traceback is the report
        if debug:
            err("".join(traceback.format_exception(exc)).rstrip())
        code, line = found
        err(f"{prog}: error: {line}")
        return code


def retry_busy(
    read: Callable[[], T],
    deadline: float,
    sleep: Callable[[float], None] = time.sleep,
    on_busy: Callable[[BaseException, float], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """`read()`, retried while it raises TransientError (a locked or unavailable warehouse) with
    pauses of 0.5, 1, 2, ... 8 s until `deadline` (a `clock()` time, seconds); then the last
    error is raised. `on_busy(error, pause)` is told before each pause."""
    pause = 0.5
    while True:
        try:
            return read()
        except TransientError as exc:
            if clock() + pause > deadline:
                raise
            if on_busy is not None:
                on_busy(exc, pause)
            sleep(pause)
            pause = min(pause * 2, 8.0)
