"""docs/operating.md's settings table promises every `ENRICH_*` setting: each field of
worker/settings.py's Settings is named there, whole (`ENRICH_<NAME>`) or as a `_SUFFIX` of a
group written `ENRICH_REENRICH_ENABLED` / `_INTERVAL_S` / ... in one row."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from worker.settings import Settings

DOC = ROOT / "docs" / "operating.md"


def documented(text: str) -> set[str]:
    """Every ENRICH_* name the page gives: written whole anywhere, or as `_SUFFIX` after a whole
    name of the same table row (prefix = that name cut at one of its underscores)."""
    names = set(re.findall(r"ENRICH_[A-Z0-9_]*[A-Z0-9]", text))
    for row in (line for line in text.splitlines() if line.startswith("|")):
        whole = re.findall(r"`(ENRICH_[A-Z0-9_]+)`", row)
        prefixes = {w[:i] for w in whole for i, c in enumerate(w) if c == "_"}
        for suffix in re.findall(r"`(_[A-Z0-9_]+)`", row):
            names |= {p + suffix for p in prefixes}
    return names


def test_every_setting_is_in_the_operating_page() -> None:
    want = {f"ENRICH_{name.upper()}" for name in Settings.model_fields}
    missing = sorted(want - documented(DOC.read_text(encoding="utf-8")))
    assert not missing, f"docs/operating.md does not name: {missing}"


def test_a_suffix_counts_only_within_its_row() -> None:
    text = "| `ENRICH_FLOWER_PORT` / `_USER` | x |\n| `_PASSWORD` | y |\n"
    assert "ENRICH_FLOWER_USER" in documented(text)
    assert "ENRICH_FLOWER_PASSWORD" not in documented(text)
