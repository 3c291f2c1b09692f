"""Check that splitting a README into pages lost no number or command: every line of the old text
that holds a digit, an inline `code` span or sits in a code block must reappear in the new pages,
verbatim or with each of its numbers and code spans present somewhere in them.

    .venv/bin/python -m scripts.docs_facts [--rev d71c0a7] [--verbose]

`--rev` names the git revision whose README.md is the old text (default: the last one before the
split into docs/); the new text is README.md plus docs/*.md of the work tree. Prints each old line
that lost something, with what it lost, and exits 1 when there is one.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SPLIT_FROM = "d71c0a7"  # the last commit whose README.md held every page (1,306 lines)

_CODE_SPAN = re.compile(r"`([^`]+)`")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class LostFact:
    """One old line (1-based `line_no`, its stripped `text`) and the tokens no new page holds."""

    line_no: int
    text: str
    missing: tuple[str, ...]


def fact_lines(markdown: str) -> list[tuple[int, str]]:
    """(1-based line number, stripped line) of every line that states a number or a command:
    a digit, an inline code span, or a line inside a fenced code block."""
    out: list[tuple[int, str]] = []
    in_fence = False
    for no, raw in enumerate(markdown.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        if line and (in_fence or "`" in line or any(c.isdigit() for c in line)):
            out.append((no, line))
    return out


def tokens(line: str) -> list[str]:
    """The inline code spans of a line, then the numbers outside them (code spans hold their
    own numbers). A fenced code line is one token: itself."""
    spans = _CODE_SPAN.findall(line)
    rest = _CODE_SPAN.sub(" ", line)
    return spans + _NUMBER.findall(rest)


def lost_facts(old: str, new_pages: list[str]) -> list[LostFact]:
    """Old fact lines whose text is in no new page and some of whose tokens are missing from all
    of them. Whitespace runs are compared as one space, so re-wrapped text still matches."""
    corpus = " ".join(" ".join(page.split()) for page in new_pages)
    lost: list[LostFact] = []
    in_fence_lines = _fenced_line_numbers(old)
    for no, line in fact_lines(old):
        flat = " ".join(line.split())
        if flat in corpus:
            continue
        toks = [flat] if no in in_fence_lines else tokens(flat)
        missing = tuple(dict.fromkeys(t for t in toks if " ".join(t.split()) not in corpus))
        if missing:
            lost.append(LostFact(no, line, missing))
    return lost


def _fenced_line_numbers(markdown: str) -> set[int]:
    inside: set[int] = set()
    in_fence = False
    for no, raw in enumerate(markdown.splitlines(), start=1):
        if raw.strip().startswith("```"):
            in_fence = not in_fence
        elif in_fence:
            inside.add(no)
    return inside


def new_pages(root: Path = REPO_ROOT) -> list[str]:
    """README.md and every docs/*.md of the work tree, as text."""
    paths = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    return [p.read_text(encoding="utf-8") for p in paths if p.is_file()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rev", default=SPLIT_FROM, help="git revision of the old README.md")
    ap.add_argument("--verbose", action="store_true", help="also count lines moved verbatim")
    args = ap.parse_args(argv)
    old = subprocess.run(
        ["git", "show", f"{args.rev}:README.md"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pages = new_pages()
    lost = lost_facts(old, pages)
    for fact in lost:
        print(f"README.md@{args.rev}:{fact.line_no}: lost {list(fact.missing)}")
        print(f"    {fact.text[:160]}")
    if args.verbose:
        print(f"{len(fact_lines(old))} fact lines checked, {len(lost)} lost")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
