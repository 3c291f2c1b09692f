"""No tracked text file holds a git merge-conflict marker: release 2026.12.7 shipped
docs/occupations.md with `<<<<<<< HEAD` / `=======` / `>>>>>>> wt-s27conf` lines around two
sections (found by the ops12 trial)."""

from __future__ import annotations

import re
import subprocess

from worker.settings import REPO_ROOT

# Built from pieces so this file does not match itself.
_MARKER = re.compile("^(" + "<" * 7 + " |" + "=" * 7 + "$|" + ">" * 7 + " )", re.MULTILINE)
_TEXT = (".md", ".py", ".yaml", ".yml", ".sql", ".toml", ".txt", ".sh", ".cfg", ".json")


def conflict_markers(text: str) -> list[int]:
    """1-based line numbers of the lines that open, split or close a conflict."""
    return [text.count("\n", 0, m.start()) + 1 for m in _MARKER.finditer(text)]


def test_the_check_finds_a_conflict() -> None:
    text = "a\n" + "<" * 7 + " HEAD\nb\n" + "=" * 7 + "\nc\n" + ">" * 7 + " wt-x\nd\n"
    assert conflict_markers(text) == [2, 4, 6]
    assert conflict_markers("a\n" + "=" * 8 + "\n|" + "=" * 7 + "|\n") == []


def test_no_tracked_file_holds_a_conflict_marker() -> None:
    names = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True, text=True
    ).stdout.split("\0")
    found = {}
    for name in names:
        if not name.endswith(_TEXT):
            continue
        path = REPO_ROOT / name
        if not path.is_file():
            continue
        lines = conflict_markers(path.read_text(encoding="utf-8", errors="replace"))
        if lines:
            found[name] = lines
    assert found == {}
