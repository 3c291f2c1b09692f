"""PostingSource over a JSONL file or stdin: one raw message per non-blank line."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from domain.ports import RawMessage


class JsonlSource:
    """Reads bytes, not text, so invalid UTF-8 reaches validation and becomes a rejection."""

    def __init__(self, path: Path | None, source_name: str | None = None) -> None:
        self.path = path
        self.source = source_name or (f"file:{path.name}" if path else "stdin")
        self.acked = 0

    def _open(self) -> BinaryIO:
        return open(self.path, "rb") if self.path else sys.stdin.buffer

    def messages(self) -> Iterator[RawMessage]:
        fh = self._open()
        try:
            for lineno, line in enumerate(fh, start=1):
                payload = line.rstrip(b"\r\n")
                if payload.strip():
                    yield RawMessage(payload, f"line {lineno}", self.source)
        finally:
            if self.path:
                fh.close()

    def ack(self, messages: Sequence[RawMessage]) -> None:
        # A file cannot be acked; the count tells how far a failed run got.
        self.acked += len(messages)

    def nack(self, messages: Sequence[RawMessage]) -> None:
        return None
