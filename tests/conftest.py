"""Shared fixtures: the real config's pipeline (built once), sample postings, a tiny taxonomy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.artifacts.config_files import build_pipeline, load_config
from adapters.artifacts.occupations import load_coder
from domain.models import Posting
from domain.occupations.coder import OccupationCoder
from domain.pipeline import Pipeline
from domain.skills.taxonomy import Alias, Skill, Taxonomy
from domain.validation import validate

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "config" / "samples" / "skillspan_postings.jsonl"
NOW = "2026-11-27T12:00:00.000+00:00"


def load_samples(limit: int | None = None) -> list[Posting]:
    out = []
    with open(SAMPLES, "rb") as fh:
        for i, line in enumerate(fh):
            if limit is not None and i >= limit:
                break
            p = validate(line.rstrip(b"\n"), source="samples", ref=f"line {i + 1}", now=NOW)
            assert isinstance(p, Posting), p
            out.append(p)
    return out


@pytest.fixture(scope="session")
def bq_endpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """One BigQuery emulator per session: (REST endpoint, gRPC host:port of the Write API)."""
    from tests.emulators import bigquery_emulator_endpoints

    with bigquery_emulator_endpoints(tmp_path_factory.mktemp("bqemu")) as endpoints:
        yield endpoints


@pytest.fixture(scope="session")
def bq_endpoint(bq_endpoints: tuple[str, str]) -> str:
    return bq_endpoints[0]


@pytest.fixture(scope="session")
def bq_write_endpoint(bq_endpoints: tuple[str, str]) -> str:
    return bq_endpoints[1]


@pytest.fixture(scope="session")
def pubsub_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.emulators import EmulatorMissing, pubsub_emulator

    try:
        with pubsub_emulator(tmp_path_factory.mktemp("pubsub")) as host:
            yield host
    except EmulatorMissing as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def samples() -> list[Posting]:
    return load_samples()


@pytest.fixture(scope="session")
def real_pipeline() -> Pipeline:
    return build_pipeline(load_config(ROOT))


@pytest.fixture
def tiny_taxonomy() -> Taxonomy:
    return Taxonomy(
        [
            Skill("esco:py", "Python (computer programming)", "knowledge", ("python",)),
            Skill("esco:ml", "machine learning", "knowledge"),
            Skill("esco:learn", "learning", "knowledge"),
            Skill("onet:k8s", "Kubernetes", "technology/tool"),
            Skill("esco:team", "teamwork principles", "knowledge", ("teamwork", "it")),
        ]
    )


@pytest.fixture
def tiny_aliases() -> tuple[Alias, ...]:
    return (Alias("k8s", "onet:k8s"), Alias("ML", "esco:ml", case_sensitive=True))


def posting(pid: str, text: str, title: str | None = None) -> Posting:
    raw = json.dumps({"posting_id": pid, "text": text, "title": title}).encode()
    p = validate(raw, source="test", ref="t", now=NOW)
    assert isinstance(p, Posting)
    return p


@pytest.fixture(scope="session")
def coder() -> OccupationCoder:
    """The shipped occupation coder (config/occupations, with the distilled vectors it was
    built with), loaded once; tests must not mutate it (dataclasses.replace gives a copy)."""
    return load_coder(
        ROOT / "config" / "occupations", ROOT / "config" / "models" / "concept_vectors"
    )
