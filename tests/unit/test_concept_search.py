"""The concept linker's vector search (domain/skills/search.py) against a brute-force search."""

from __future__ import annotations

import numpy as np
import pytest

from domain.skills.search import GROUP, TOP_WIDTH, Projection, best_rows, exact_best, top_columns


def _matrix(rows: int, dim: int, seed: int) -> np.ndarray:
    """Small integers times 1/8: every dot product is exact in float32 whatever the summation
    order, so ties are true ties and a brute force in float64 is the reference. A third of the
    rows repeat earlier rows (tied scores)."""
    rng = np.random.default_rng(seed)
    m = rng.integers(-3, 4, size=(rows, dim)).astype(np.float32) / 8
    dup = rng.choice(rows, size=rows // 3, replace=False)
    m[dup] = m[rng.integers(0, rows, size=len(dup))]
    return m


def _brute(q: np.ndarray, m: np.ndarray, n: int) -> tuple[list[list[int]], list[list[float]]]:
    cols, vals = [], []
    for row in q.astype(np.float64) @ m.astype(np.float64).T:
        order = sorted(range(len(row)), key=lambda j: (-row[j], j))[:n]
        cols.append(order)
        vals.append([float(row[j]) for j in order])
    return cols, vals


@pytest.mark.parametrize("rows", [50, 3 * TOP_WIDTH, 40 * TOP_WIDTH])
@pytest.mark.parametrize("block", [1, 7, 64])
@pytest.mark.parametrize("n", [1, 5, 20])
def test_best_rows_is_the_brute_force_top_n_ties_by_lower_row(
    rows: int, block: int, n: int
) -> None:
    m = _matrix(rows, 12, seed=rows + n)
    q = _matrix(23, 12, seed=1)
    got = best_rows(q, m, n, block=block)
    assert got == _brute(q, m, n)


def test_a_tie_across_the_cut_keeps_the_lower_rows() -> None:
    # 40 blocks of equal scores: argpartition alone would keep any 5 of the tied columns
    sims = np.zeros((2, 40 * TOP_WIDTH), dtype=np.float32)
    sims[0, [900, 17, 4000, 3]] = 1.0
    near, vals = exact_best(sims, 5)
    assert near.tolist() == [[3, 17, 900, 4000, 0], [0, 1, 2, 3, 4]]
    assert vals[0].tolist() == [1.0, 1.0, 1.0, 1.0, 0.0]


def test_a_projection_over_every_row_finds_the_exact_neighbours() -> None:
    m = _matrix(20 * TOP_WIDTH, 16, seed=3)
    q = _matrix(9, 16, seed=4)
    exact = best_rows(q, m, 10)
    # pool = every row: the exact stage sees all of them, so only the float order may differ
    got = best_rows(q, m, 10, projection=Projection(m, 4), pool=m.shape[0] - 1)
    assert got[0] == exact[0]
    assert np.allclose(got[1], exact[1])


def test_a_small_pool_can_miss_neighbours_the_exact_search_finds() -> None:
    rng = np.random.default_rng(5)
    m = rng.standard_normal((20 * TOP_WIDTH, 32)).astype(np.float32)
    q = rng.standard_normal((30, 32)).astype(np.float32)
    exact = best_rows(q, m, 10)
    got = best_rows(q, m, 10, projection=Projection(m, 2), pool=12)
    assert got[0] != exact[0]  # approximate: why the product does not use it


def test_projection_dims_must_be_below_the_vector_size() -> None:
    with pytest.raises(ValueError, match="projection dims"):
        Projection(np.eye(4, dtype=np.float32), 4)


def _full_sort(sims: np.ndarray, m: int) -> list[list[int]]:
    return [sorted(range(len(r)), key=lambda j: (-r[j], j))[:m] for r in sims.tolist()]


def test_top_columns_finds_best_columns_that_share_one_strided_group() -> None:
    # n = 64 GROUP columns: group g holds g, g + 64, g + 128, ...; the 6 best all lie in group 5,
    # so the 5 other groups chosen hold nothing better than the noise
    n = 64 * GROUP
    sims = np.random.default_rng(0).uniform(0, 0.5, (3, n)).astype(np.float32)
    best = [5 + 64 * i for i in (0, 3, 7, 11, 30, 31)]
    sims[1, best] = [0.9, 0.8, 0.95, 0.7, 0.85, 0.75]
    for m in (1, 6, 7):
        got = np.sort(top_columns(sims, m), axis=1).tolist()
        assert got == [sorted(c) for c in _full_sort(sims, m)]
    assert sorted(top_columns(sims, 6)[1].tolist()) == sorted(best)


@pytest.mark.parametrize("tied", [[7, 5 * GROUP + 1, 90 * GROUP - 1], [3, 4, 5, 6]])
def test_a_tie_across_the_cut_in_several_strided_groups_keeps_the_lower_columns(
    tied: list[int],
) -> None:
    n = 90 * GROUP
    sims = np.random.default_rng(1).uniform(0, 0.5, (2, n)).astype(np.float32)
    sims[0, [100, 2000]] = [0.9, 0.8]
    sims[0, tied] = 0.7  # 2 found above, then 3 of the tied columns: the lowest
    near, vals = exact_best(sims, 5)
    assert near[0].tolist() == [100, 2000, *sorted(tied)[:3]]
    assert near.tolist() == _full_sort(sims, 5)
    assert vals[0].tolist() == [np.float32(v) for v in (0.9, 0.8, 0.7, 0.7, 0.7)]


def test_more_neighbours_asked_than_rows_gives_every_row() -> None:
    m = _matrix(3, 12, seed=2)
    q = _matrix(4, 12, seed=1)
    assert best_rows(q, m, 5) == _brute(q, m, 3)


def test_no_queries_give_no_rows() -> None:
    m = _matrix(40 * TOP_WIDTH, 12, seed=2)
    assert best_rows(np.zeros((0, 12), dtype=np.float32), m, 5) == ([], [])
    near, vals = exact_best(np.zeros((0, 40 * TOP_WIDTH), dtype=np.float32), 5)
    assert near.shape == vals.shape == (0, 5)
