"""PostingSource over a JSONL file or stdin: one raw message per non-blank line."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from domain.ports import RawMessage

CHUNK = 1 << 20


class JsonlSource:
    """Reads bytes, not text, so invalid UTF-8 reaches validation and becomes a rejection.

    A line is never held whole past `max_line_bytes`: the reader keeps that prefix, skips the
    rest in 1 MiB chunks, and hands on the prefix with the line's real size (a too_large
    rejection), so a 50 MB line costs 1 MB of memory.
    """

    def __init__(
        self, path: Path | None, source_name: str | None = None, max_line_bytes: int = 1_000_000
    ) -> None:
        self.path = path
        self.source = source_name or (f"file:{path.name}" if path else "stdin")
        self.max_line_bytes = max_line_bytes
        self.acked = 0

    def _open(self) -> BinaryIO:
        return open(self.path, "rb") if self.path else sys.stdin.buffer

    def messages(self) -> Iterator[RawMessage]:
        fh = self._open()
        limit = self.max_line_bytes + 1
        lineno = 0
        try:
            while line := fh.readline(limit):
                lineno += 1
                size = None
                if len(line) == limit and not line.endswith(b"\n"):
                    size = len(line)
                    while rest := fh.readline(CHUNK):
                        size += len(rest)
                        if rest.endswith(b"\n"):
                            break
                payload = line.rstrip(b"\r\n")
                if payload.strip():
                    yield RawMessage(payload, f"line {lineno}", self.source, size)
        finally:
            if self.path:
                fh.close()

    def ack(self, messages: Sequence[RawMessage]) -> None:
        # A file cannot be acked; the count tells how far a failed run got.
        self.acked += len(messages)

    def nack(self, messages: Sequence[RawMessage]) -> None:
        return None
