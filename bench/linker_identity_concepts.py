"""Compare two bench/linker_identity.py outputs with the group step's fields masked (issue #24, s24grp5).

    .venv/bin/python bench/linker_identity_concepts.py OLD NEW

A change to the group fallback moves group-level lines on purpose; concept-level outputs must
not move. Masked on every line: the placed group (`group=`, `group_id`, `group_name`); on a line
whose link method is `group` or `none`: its score (the vote share), method and link level (a
mention may move between a group and no place). Everything else (concept ids, concept links'
scores and methods, every candidate with its score, offsets) must match byte for byte.
Prints the counts and the first differing lines; exits 1 when a masked line differs.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_GROUP = re.compile(r"group=SkillGroup\(code=.*?ref='[^']*'\)|group=None")
_GROUP_FIELDS = re.compile(r"group_id=[^,)]*|group_name=(None|'[^']*')")
_PLACED = re.compile(r"method='(group|none)'")
_SCORE_METHOD = re.compile(r"(link_)?score=[0-9.e-]+, (link_)?method='(group|none)'")
_LEVEL = re.compile(r"link_level='[^']*'")


def mask(line: str) -> str:
    """The line with the group step's fields replaced by placeholders."""
    line = _GROUP_FIELDS.sub("G", _GROUP.sub("group=*", line))
    if _PLACED.search(line):
        line = _LEVEL.sub("L", _SCORE_METHOD.sub("S, M", line))
    return line


def main() -> None:
    old, new = (Path(p).read_text(encoding="utf-8").splitlines() for p in sys.argv[1:3])
    if len(old) != len(new):
        print(f"line counts differ: {len(old)} vs {len(new)}")
        sys.exit(1)
    raw = sum(a != b for a, b in zip(old, new, strict=True))
    diff = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if mask(a) != mask(b)]
    print(f"{len(old)} lines, {raw} differ as written, {len(diff)} differ with group fields masked")
    for i in diff[:3]:
        print(f"line {i + 1}:\n  {old[i][:300]}\n  {new[i][:300]}")
    sys.exit(1 if diff else 0)


if __name__ == "__main__":
    main()
