"""The two-stage vector search as a linker setting (s24cost4, `search_dims` / `search_pool`, off
in the shipped config): built from the loaded vectors, exact again at dims 0, checked params."""

from __future__ import annotations

import pytest

from domain.errors import ConfigError
from domain.skills.linking import LinkerParams
from tests.unit.test_concept_normalization import linker

MENTIONS = [("software development", "KNOWLEDGE"), ("formulas", None), ("maths", "KNOWLEDGE"),
            ("video editing", "KNOWLEDGE"), ("rust", None)]  # fmt: skip


def links(two_stage: tuple[int, int] | None) -> list[tuple[str | None, list[str], list[float]]]:
    lk = linker(threshold=0.5)
    assert lk.index is not None
    if two_stage is not None:
        lk.index.two_stage(*two_stage)
    return [(k.skill_id, [c.skill_id for c in k.candidates], [c.score for c in k.candidates])
            for k in lk.link_many(MENTIONS)]  # fmt: skip


def test_a_pool_of_every_row_gives_the_exact_links() -> None:
    exact = links(None)
    got = links((2, 128))  # the toy index pads its rows to 128: all re-scored exactly
    assert [(a, b) for a, b, _ in got] == [(a, b) for a, b, _ in exact]
    for (_, _, s1), (_, _, s2) in zip(got, exact, strict=True):
        assert s1 == pytest.approx(s2, abs=1e-6)
    assert any(b for _, b, _ in exact)  # there were candidates to compare


def test_dims_zero_searches_exactly_again() -> None:
    lk = linker()
    assert lk.index is not None
    lk.index.two_stage(2, 40)
    assert lk.index.projections and lk.index.pool == 40
    lk.index.two_stage(0, 40)
    assert lk.index.projections == {} and lk.index.pool == 0


def test_dims_must_be_below_the_vector_size() -> None:
    lk = linker()
    assert lk.index is not None
    with pytest.raises(ValueError, match="projection dims"):
        lk.index.two_stage(10_000, 40)


@pytest.mark.parametrize("cfg", [{"search_dims": -1}, {"search_dims": 32, "search_pool": 20}])
def test_bad_two_stage_params_are_refused(cfg: dict[str, int]) -> None:
    with pytest.raises(ConfigError, match="search_dims"):
        LinkerParams.from_config(cfg)
    assert LinkerParams.from_config({"search_dims": 32, "search_pool": 21}).search_dims == 32
    assert LinkerParams().search_dims == 0  # off unless configured
