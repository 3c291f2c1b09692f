"""Issue #24, bad input: a taxonomy update that removes a concept an old row points to. The old
row still reads (concept id and name as written), the update is a new effective version so
drift picks the posting up, and its re-enrichment links elsewhere; a removed concept that an
alias targets stops the build naming the alias file (real DuckDB warehouse, real pipelines)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from adapters.artifacts.config_files import build_extractor, build_pipeline, load_config
from adapters.duckdb.store import DuckDbStore
from domain.errors import ConfigError
from domain.models import JobEnrichment
from domain.persist import persist
from domain.pipeline import Pipeline
from tests.conftest import ROOT, load_samples

CS = "esco:7b5cce4d-c7fe-4119-b48f-70aa05391787"  # computer science: no alias targets it
PYTHON = "esco:ccd0a1d9-afda-43d9-b901-96344886e14d"  # Python (computer programming): aliased


def _without(root: Path, concept: str) -> Path:
    """A copy of config/ under `root` whose taxonomy no longer holds `concept`."""
    shutil.copytree(ROOT / "config", root / "config")
    path = root / "config" / "taxonomy" / "skills.jsonl.gz"
    rows = gzip.decompress(path.read_bytes()).decode().splitlines()
    kept = [r for r in rows if f'"{concept}"' not in r]
    assert len(kept) == len(rows) - 1
    path.write_bytes(gzip.compress(("\n".join(kept) + "\n").encode(), mtime=0))
    return root


def _links(e: JobEnrichment) -> list[tuple[str, str, str]]:
    return sorted((s.skill_id, s.name, s.link_level) for s in e.skills)


@pytest.mark.slow
def test_a_removed_concept_keeps_old_rows_readable_and_drift_re_enriches_the_posting(
    tmp_path: Path, real_pipeline: Pipeline
) -> None:
    posting = next(
        p for p in load_samples() if "computer science" in p.text.lower()
    )  # linked exact (a label match: no vector or decision change moves it)
    store = DuckDbStore(tmp_path / "warehouse.duckdb")
    before = real_pipeline.enrich([posting])
    (old,) = before.enrichments
    assert CS in {s.skill_id for s in old.skills}
    persist(store, before)

    cfg = load_config(_without(tmp_path / "update", CS))
    current = cfg.manifest.effective
    assert current != old.enrichment_version
    drifted = store.drifted_postings(current, limit=10)
    assert [p.posting_id for p in drifted] == [posting.posting_id]
    (row,) = store.posting_history(posting.posting_id)
    assert row.enrichment_version == old.enrichment_version and _links(row) == _links(old)
    assert ("computer science", "concept") in {(s.name, s.link_level) for s in row.skills}

    after = build_pipeline(cfg).enrich(drifted)
    (new,) = after.enrichments
    assert new.enrichment_version == current and CS not in {s.skill_id for s in new.skills}
    persist(store, after)
    assert [r.enrichment_version for r in store.posting_history(posting.posting_id)] == [
        old.enrichment_version,
        current,
    ]
    assert store.drifted_postings(current, limit=10) == []
    store.close()


def test_a_removed_concept_an_alias_targets_stops_the_build_naming_the_alias_file(
    tmp_path: Path,
) -> None:
    cfg = load_config(_without(tmp_path, PYTHON))
    with pytest.raises(ConfigError) as exc:
        build_extractor(cfg)
    assert str(tmp_path / "config" / "skill_aliases.yaml") in str(exc.value)
    assert "Python (computer programming)" in str(exc.value)
