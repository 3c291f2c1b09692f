"""Spool on the local filesystem: one JSON file per item, written atomically (tmp + fsync + rename)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from domain.ports import SpoolItem


class FileSpool:
    """Keyed by a digest of the content, so spooling the same work twice leaves one file."""

    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)

    def put(self, kind: str, stage: str, reason: str, payload: Any) -> str:
        body = json.dumps(
            {"kind": kind, "stage": stage, "reason": reason, "payload": payload}, sort_keys=True
        ).encode()
        key = f"{stage}-{kind}-{hashlib.sha256(body).hexdigest()[:20]}"
        self.dir.mkdir(parents=True, exist_ok=True)
        final = self.dir / f"{key}.json"
        tmp = self.dir / f".{key}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
        dir_fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return key

    def items(self) -> Iterator[SpoolItem]:
        for path in sorted(self.dir.glob("*.json")) if self.dir.is_dir() else []:
            try:
                d = json.loads(path.read_bytes())
            except (OSError, ValueError):
                continue  # removed by a concurrent replay, or not ours
            yield SpoolItem(path.stem, d["kind"], d["stage"], d["reason"], d["payload"])

    def remove(self, key: str) -> None:
        (self.dir / f"{key}.json").unlink(missing_ok=True)

    def __len__(self) -> int:
        return len(list(self.dir.glob("*.json"))) if self.dir.is_dir() else 0
