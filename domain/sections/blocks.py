"""Blocks of a posting, their features, and the trained block classifier.

A block is a header-led run (a header line and everything up to the next header) or, where no
header opens it, a paragraph (lines up to a blank line). The classifier labels each block with
one of LABELS from the block's header words, its own words, its position in the posting and its
shape (bullets, length); it needs no header, so header-less postings get sections too.

The model is a linear one over hashed features (no vocabulary to ship): label scores are
    intercept[label] + sum(coef[label, hash(f)] for f in the block's distinct features)
and the label with the highest score wins (multinomial logistic regression, trained offline).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.utils import murmurhash3_32

# One label set for rules, model, store and output.
#   overview          title, location, the intro before any header
#   company           the employer or team describing itself
#   responsibilities  what the hire will do
#   requirements      what the hire must have or know (technology lists included)
#   preferred         nice to have
#   benefits          pay, perks, conditions
#   application       how and when to apply, contacts, hiring process
#   legal             equal opportunity / diversity statements
#   other             posting metadata (job type, industry, company size, ...)
LABELS: tuple[str, ...] = (
    "overview",
    "company",
    "responsibilities",
    "requirements",
    "preferred",
    "benefits",
    "application",
    "legal",
    "other",
)
N_FEATURES = 2**18
MAX_BODY_WORDS = 120  # features read at most this many words of a block (bounded time)
MAX_HEADER_WORDS = 10

_MARKDOWN = re.compile(r"^\s{0,3}#{1,6}\s+\S")
_HTML_HEADER = re.compile(r"^\s*<h[1-6][^>]*>.*</h[1-6]>\s*$", re.IGNORECASE)
_BOLD = re.compile(r"^\s*(\*\*|__)[^*_]{2,80}(\*\*|__):?\s*$")
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦→☞⌲]|\d{1,2}[.)])\s*")
_WORD = re.compile(r"[^\W_][\w+#.'’/-]*", re.UNICODE)
_PLACEHOLDER = re.compile(r"<[A-Z]+>")  # de-identified text: <ORGANIZATION>, <LOCATION>
_TAG = re.compile(r"</?(?:h[1-6]|b|strong|em|p|div|span)\b[^>]*>", re.IGNORECASE)


def strip_markup(line: str) -> str:
    """A header line without HTML header/emphasis tags and markdown marks."""
    return _TAG.sub(" ", line).replace("**", " ").replace("__", " ").strip().lstrip("#").strip()


def looks_like_header(line: str) -> bool:
    """Shape alone: markdown / HTML / bold headers, short lines ending in ':', SHORT CAPS lines.
    (Header text the rules know is recognized by the rules, whatever its shape.)"""
    s = line.strip()
    if not s or len(s) > 120:
        return False
    if _MARKDOWN.match(s) or _HTML_HEADER.match(s) or _BOLD.match(s):
        return True
    words = s.split()
    if len(words) > 7:
        return False
    if s.endswith(":") and len(s) > 2:
        return True
    letters = [c for c in _PLACEHOLDER.sub("", s) if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters) and not _BULLET.match(s)


@dataclass(frozen=True, slots=True)
class Block:
    """Characters [start, end) of the posting; `header` is its first line when a header opens it."""

    start: int
    end: int
    header: str | None


def soft_header(previous: str, line: str, following: str) -> bool:
    """A short capitalized line without closing punctuation, between a blank or long line and
    a long line or a bullet: a header by layout ("Your impact" over a list), not by its words.
    (A short line after a short line is an item of a list: "Paid time off".)"""
    s = line.strip()
    words = s.split()
    if not 0 < len(words) <= 4 or not s[0].isupper() or s[-1] in ".,;!)" or _BULLET.match(s):
        return False
    before, nxt = previous.strip(), following.strip()
    if before and len(before.split()) <= 6 and not before.endswith((".", ":")):
        return False
    return bool(nxt) and (len(nxt.split()) > 6 or bool(_BULLET.match(nxt)))


def split_blocks(
    text: str, is_header: Callable[[str], bool], opens: Callable[[str], bool] | None = None
) -> list[Block]:
    """Contiguous blocks covering the whole text. A header line opens a block that runs to the
    next header; without a header, a blank line ends a paragraph block; after a blank line, a
    line `opens` accepts starts a new block even inside a header-led run. Linear in the text."""
    blocks: list[Block] = []
    start, header = 0, None
    has_body = False  # the open block has a non-blank line other than its header
    blank_before = False
    pos = 0
    lines = text.split("\n")
    for k, line in enumerate(lines):
        stripped = line.strip()
        if stripped:
            following = lines[k + 1] if k + 1 < len(lines) else ""
            opens_header = is_header(line) or (k > 0 and soft_header(lines[k - 1], line, following))
            declared = blank_before and opens is not None and not opens_header and opens(line)
            if opens_header or declared or (blank_before and header is None and has_body):
                if pos > start and (has_body or header is not None):
                    blocks.append(Block(start, pos, header))
                    start = pos
                header = stripped[:120] if opens_header else None
                has_body = not opens_header
            else:
                has_body = True
        blank_before = not stripped
        pos += len(line) + 1
    blocks.append(Block(start, len(text), header))
    return blocks


def _words(text: str, limit: int) -> list[str]:
    out = []
    for m in _WORD.finditer(text):
        w = m.group().lower().rstrip(".'’")
        out.append("<num>" if w[:1].isdigit() else w)
        if len(out) >= limit:
            break
    return out


def block_features(header: str | None, body: str, index: int, count: int) -> list[str]:
    """The block's features as strings (hashed by the model)."""
    feats: list[str] = []
    if header:
        hw = _words(strip_markup(header), MAX_HEADER_WORDS)
        feats += [f"h:{w}" for w in hw]
        feats += [f"hb:{a}_{b}" for a, b in itertools.pairwise(hw)]
        feats.append(f"hn:{min(len(hw), 6)}")
    else:
        feats.append("h:-")
    head = body[: MAX_BODY_WORDS * 12]
    bw = _words(head, MAX_BODY_WORDS)
    feats += [f"w:{w}" for w in bw]
    feats += [f"b:{a}_{b}" for a, b in itertools.pairwise(bw)]
    if bw:
        feats.append(f"first:{bw[0]}")
    lines = [ln for ln in head.split("\n") if ln.strip()]
    bullets = sum(1 for ln in lines if _BULLET.match(ln))
    share = bullets / len(lines) if lines else 0.0
    feats.append("bul:none" if share == 0 else "bul:most" if share >= 0.5 else "bul:some")
    n = len(lines)
    feats.append("len:0" if n == 0 else "len:1" if n == 1 else "len:2-3" if n <= 3 else "len:4+")
    rel = index / max(count - 1, 1)
    feats.append(f"idx:{min(index, 4)}")
    feats.append(
        "pos:first" if index == 0 else "pos:last" if index == count - 1 else f"pos:{int(rel * 4)}"
    )
    return feats


def hashed(features: Sequence[str]) -> NDArray[np.int64]:
    """Distinct column indices of the features."""
    return np.unique(
        np.fromiter(
            (murmurhash3_32(f, seed=0, positive=True) % N_FEATURES for f in features),
            dtype=np.int64,
            count=len(features),
        )
    )


@dataclass(frozen=True)
class BlockModel:
    """Label scores = intercept + coef summed over a block's hashed features."""

    labels: tuple[str, ...]
    coef: NDArray[np.float32]  # (labels, N_FEATURES)
    intercept: NDArray[np.float32]  # (labels,)
    meta: Mapping[str, Any]

    def scores(self, features: Sequence[str]) -> NDArray[np.float32]:
        cols = hashed(features)
        out: NDArray[np.float32] = self.intercept + self.coef[:, cols].sum(axis=1)
        return out

    def predict(self, features: Sequence[str]) -> tuple[str, float]:
        """The best label and its probability (softmax over the scores)."""
        s = self.scores(features).astype(np.float64)
        p = np.exp(s - s.max())
        p /= p.sum()
        k = int(np.argmax(p))
        return self.labels[k], float(p[k])


@dataclass(frozen=True)
class LabelledBlock:
    header: str | None
    text: str  # the block's body (without its header line)
    label: str


def block_examples(
    postings: Sequence[Sequence[LabelledBlock]],
) -> Iterator[tuple[list[str], str]]:
    """(features, label) of every block, with its position in its posting."""
    for blocks in postings:
        for i, b in enumerate(blocks):
            yield block_features(b.header, b.text, i, len(blocks)), b.label


def assemble(blocks: Sequence[LabelledBlock]) -> tuple[str, list[tuple[int, int, str]]]:
    """A posting text from its blocks (header line, then body) and each block's char range.
    A body ending in a newline leaves a blank line before the next block."""
    parts: list[str] = []
    ranges: list[tuple[int, int, str]] = []
    pos = 0
    for b in blocks:
        piece = f"{b.header}\n{b.text}" if b.header else b.text
        ranges.append((pos, pos + len(piece), b.label))
        parts.append(piece)
        pos += len(piece) + 1
    return "\n".join(parts), ranges


def line_labels(text: str, label_at: Callable[[int], str]) -> list[str]:
    """The label of every non-blank line, read at the line's first character."""
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append(label_at(pos))
        pos += len(line) + 1
    return out
