"""What a new user hit on a fresh clone on 2026-12-01 (ops8's trial): `make demo` on a log or
pipe printed each 'persisted N/M' count twice (the wait polls every second, the line every 3 s);
`enrich summary` listed isced-f/06 under its child isced-f/061 with fewer postings, read as a
roll-up (each skill counts in its nearest group only: the header now says so)."""

from __future__ import annotations

import pytest

from cli.common import Progress


def test_a_plain_line_that_repeats_the_last_one_waits_for_the_heartbeat(
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = [2.0]  # a machine booted 2 s ago: the clock's zero means nothing
    log = Progress(every_s=3, clock=lambda: now[0], repeat_s=30)
    log.tty = False
    for msg in ("persisted 0/9", "persisted 0/9", "persisted 4/9", "persisted 4/9"):
        log(msg)
        now[0] += 3
    now[0] += 30  # nothing moved for 30 s: the same count again, as a heartbeat
    log("persisted 4/9")
    log("persisted 9/9", final=True)
    assert capsys.readouterr().err == (
        "persisted 0/9\npersisted 4/9\npersisted 4/9\npersisted 9/9\n"
    )


def test_a_final_line_is_printed_even_when_it_repeats_the_last_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = [5.0]
    log = Progress(every_s=3, clock=lambda: now[0])
    log.tty = False
    log("extracted 2 postings")
    log("extracted 2 postings", final=True)
    assert capsys.readouterr().err == "extracted 2 postings\nextracted 2 postings\n"


def test_the_summary_says_a_group_counts_its_nearest_skills_not_its_childrens() -> None:
    from domain.ports import GroupCount
    from domain.skills.rollup import group_lines

    lines = group_lines(
        [
            GroupCount("isced-f/061", "information and communication technologies (icts)", 9, 20),
            GroupCount("isced-f/06", "information and communication technologies (icts)", 4, 5),
        ]
    )
    assert "nearest group only, not in the groups above it" in lines[0]
    assert lines[1].split()[:3] == ["9", "20", "isced-f/061"]


def test_operating_model_versions_names_every_component_and_current_labels() -> None:
    """docs/operating.md's 'Model versions' listed 6 of the 10 components (no concept linker,
    occupation coder, combiner, transformer) and labels of 2026.11's (`skill_ensemble.v3`)."""
    import re
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / "operating.md").read_text(encoding="utf-8")
    section = doc.split("## Model versions", 1)[1].split("\n## ", 1)[0]
    components = yaml.safe_load((root / "config" / "model_versions.yaml").read_text())["components"]
    missing = [role for role in components if f"`{role}`" not in section]
    assert not missing, f"components not named in docs/operating.md#model-versions: {missing}"
    current = {f"{c['name']}.v{c['version']}" for c in components.values()}
    labels = re.findall(r"`([\w.+-]+\.v\d+)@[0-9a-f]{8}`", section)
    assert labels and set(labels) <= current, f"stale labels {set(labels) - current}"
