"""Validate one raw message into a Posting, or say exactly why not (a Rejection)."""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.models import Posting, Rejection
from domain.text.normalize import known_content_type

REQUIRED = ("posting_id", "text")
OPTIONAL_STR = ("title", "company", "source", "posted_at", "content_type")


@dataclass(frozen=True, slots=True)
class ValidationPolicy:
    max_bytes: int = 1_000_000
    max_id_chars: int = 200
    # A posting is a flat object; deeper nesting is an attack on the parser (recursion), not data.
    max_depth: int = 16
    max_field_chars: tuple[tuple[str, int], ...] = (
        ("title", 1_000), ("company", 1_000), ("source", 200), ("posted_at", 64), ("content_type", 100),
    )  # fmt: skip


def json_depth(payload: bytes) -> int:
    """Deepest [ / { nesting outside strings, found by one scan of the bytes (no recursion)."""
    depth = deepest = 0
    in_str = escaped = False
    for b in payload:
        if in_str:
            if escaped:
                escaped = False
            elif b == 0x5C:  # backslash
                escaped = True
            elif b == 0x22:  # quote
                in_str = False
        elif b == 0x22:
            in_str = True
        elif b in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif b in (0x5D, 0x7D):
            depth -= 1
    return deepest


def json_error(exc: json.JSONDecodeError) -> str:
    """Where a JSON line broke, in one phrase: "Expecting ',' delimiter at column 52",
    "Unterminated string starting at column 29" (a line number only when the payload has
    several lines: the caller's own ref already names the input line)."""
    where = f"column {exc.colno}" if exc.lineno == 1 else f"line {exc.lineno} column {exc.colno}"
    return f"{exc.msg} {where}" if exc.msg.endswith(" at") else f"{exc.msg} at {where}"


def content_hash(title: str | None, company: str | None, text: str) -> str:
    """Stable 16-hex digest of what determines the enrichment output."""
    h = hashlib.sha256()
    for part in (title or "", company or "", text):
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:16]


# Unicode category Cc is exactly U+0000-U+001F and U+007F-U+009F; newline and tab stay. One regex
# pass instead of a category lookup per character (that was 1.8 s of the bridge's 10 CPU s per
# 1,000 postings).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The same without \r: the posting text keeps its line ends (offsets index it as received).
_CONTROL_KEEP_CR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _clean_text(text: str) -> str:
    # Control characters (other than newline/tab) come from scrapers and break tokenization;
    # normalising here keeps content_hash stable across harmless re-encodings.
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(" ", text)


def _received_text(text: str) -> str:
    """The text as received, control characters (not CR, LF, tab) one space each: the same
    length, so every offset into it indexes what the sender sent (domain/text/normalize.py
    does the rest of the normalization inside, with an offset map)."""
    return _CONTROL_KEEP_CR.sub(" ", text)


def rejection_id(source: str, payload: bytes, reason: str) -> str:
    h = hashlib.sha256(source.encode() + b"\x1f" + payload + b"\x1f" + reason.encode())
    return h.hexdigest()[:24]


def validate(
    payload: bytes,
    *,
    source: str,
    ref: str,
    now: str,
    policy: ValidationPolicy | None = None,
    size: int | None = None,
) -> Posting | Rejection:
    """Return a Posting, or a Rejection whose detail names the problem but never echoes the text.

    `size` is the message's real length when the reader kept only a prefix of an oversized
    line. Bounds are checked before parsing: size, then nesting depth; never raises.
    """
    policy = policy or ValidationPolicy()

    def reject(reason: str, detail: str, posting_id: str | None = None) -> Rejection:
        return Rejection(
            rejection_id=rejection_id(source, payload, reason),
            stage="validate",
            reason=reason,
            detail=f"{ref}: {detail}"[:500],
            source=source,
            rejected_at=now,
            posting_id=posting_id,
        )

    real_size = max(size or 0, len(payload))
    if real_size > policy.max_bytes:
        return reject("too_large", f"{real_size} bytes > cap {policy.max_bytes}")
    # Counting brackets is cheap; scan for the real depth only when there could be too many.
    if payload.count(b"[") + payload.count(b"{") > policy.max_depth:
        depth = json_depth(payload)
        if depth > policy.max_depth:
            return reject("too_deep", f"JSON nested {depth} levels > cap {policy.max_depth}")
    if payload.startswith(codecs.BOM_UTF8):  # Windows / Excel exports start the file with one
        payload = payload[len(codecs.BOM_UTF8) :]
    try:
        decoded = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        return reject("invalid_utf8", f"byte {exc.start} is not valid UTF-8")
    try:
        obj: Any = json.loads(decoded)
    except json.JSONDecodeError as exc:
        return reject("invalid_json", json_error(exc))
    except (RecursionError, ValueError) as exc:  # belt and braces: the depth check comes first
        return reject("invalid_json", f"unparseable ({type(exc).__name__})")
    if not isinstance(obj, dict):
        return reject("not_an_object", f"expected a JSON object, got {type(obj).__name__}")

    raw_id = obj.get("posting_id")
    pid = raw_id if isinstance(raw_id, str) else None
    for key in REQUIRED:
        if key not in obj or obj[key] is None:
            return reject("missing_field", f"required field '{key}' is missing", pid)
        if not isinstance(obj[key], str):
            return reject(
                "wrong_type", f"field '{key}' must be a string, got {type(obj[key]).__name__}", pid
            )
    for key in OPTIONAL_STR:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            return reject(
                "wrong_type", f"field '{key}' must be a string, got {type(obj[key]).__name__}", pid
            )
    for key, cap in policy.max_field_chars:
        if isinstance(obj.get(key), str) and len(obj[key]) > cap:
            return reject(
                "field_too_large", f"field '{key}' has {len(obj[key])} characters > {cap}", pid
            )
    posting_id = obj["posting_id"].strip()
    if not posting_id or len(posting_id) > policy.max_id_chars:
        return reject("bad_id", f"posting_id must be 1..{policy.max_id_chars} characters", pid)
    text = _received_text(obj["text"])
    if not _clean_text(text).strip():
        return reject("empty_text", "field 'text' is empty", posting_id)
    declared = obj.get("content_type")
    if declared and not known_content_type(declared):
        return reject(
            "bad_content_type",
            f"content_type {declared[:40]!r} is not text/plain, text/html or text/markdown "
            "(leave it out to have it detected)",
            posting_id,
        )
    posted_at = obj.get("posted_at")
    if posted_at:
        try:
            datetime.fromisoformat(posted_at)
        except ValueError:
            return reject("bad_date", "posted_at is not an ISO 8601 date", posting_id)
    title = _clean_text(obj["title"]).strip() if obj.get("title") else None
    company = obj.get("company") or None
    return Posting(
        posting_id=posting_id,
        text=text,
        # hashed normalized, as before: a re-encoding (CRLF, NFD) is not new content
        content_hash=content_hash(title, company, _clean_text(text)),
        title=title,
        company=company,
        source=obj.get("source") or source,
        posted_at=posted_at,
        content_type=obj.get("content_type") or None,
    )
