"""The group classifier's row cache (s24cost4, domain/skills/group_classifier.RowCache): a
remembered row is the row a fresh batch gives, bit for bit, whatever the batch mixes (repeats,
remembered, new texts, evictions inside the call), with and without a level-1 head."""

from __future__ import annotations

import numpy as np
import pytest

from domain.skills.group_classifier import GroupClassifier, GroupModel, RowCache
from scripts.build_group_classifier import fit
from tests.unit.test_group_classifier import ITEMS

TEXTS = ["write code and unit tests", "lead a team", "a proactive attitude", "teamwork",
         "debug software", "manage staff", "code", "motivated"]  # fmt: skip


def model(size: int, head: bool = True) -> GroupModel:
    base = fit(ITEMS["SKILL"])
    kw = {}
    if head:
        rng = np.random.default_rng(0)
        n = base.coef.shape[1]
        kw = {"coef1": rng.normal(size=(3, n)).astype(np.float32), "classes1": ["S4", "S5", "T"],
              "intercept1": rng.normal(size=3).astype(np.float32)}  # fmt: skip
    return GroupModel(base.words, base.chars, base.idf, base.coef, base.intercept, base.classes,
                      0.2, cache_size=size, **kw)  # type: ignore[arg-type]  # fmt: skip


def fresh(texts: list[str], head: bool) -> tuple[np.ndarray, np.ndarray | None]:
    return model(0, head).probs_pair(texts)  # size 0: nothing remembered, every row computed


def same(
    got: tuple[np.ndarray, np.ndarray | None], want: tuple[np.ndarray, np.ndarray | None]
) -> None:
    assert got[0].dtype == want[0].dtype == np.float32
    assert got[0].tobytes() == want[0].tobytes()  # bit for bit, same shape
    assert got[0].shape == want[0].shape
    if want[1] is None:
        assert got[1] is None
    else:
        assert got[1] is not None and got[1].shape == want[1].shape
        assert got[1].tobytes() == want[1].tobytes()


@pytest.mark.parametrize("head", [True, False])
@pytest.mark.parametrize("size", [2, 3, 100])
def test_remembered_rows_equal_a_fresh_batch(head: bool, size: int) -> None:
    m = model(size, head)
    batches = [TEXTS[:3], [TEXTS[0], TEXTS[0], TEXTS[3]], TEXTS[2:7], [TEXTS[1], TEXTS[7], TEXTS[1]],
               TEXTS[::-1], [TEXTS[5]]]  # fmt: skip
    for batch in batches:
        same(m.probs_pair(batch), fresh(batch, head))
    assert len(m._rows) <= size


def test_a_remembered_row_is_read_before_a_new_text_takes_its_slot() -> None:
    """Size 2 holding a, b; [a, c, d]: a is read from its slot, then c and d take both slots
    (d takes a's): a's row must be a's, not d's."""
    m = model(2)
    m.probs_pair(TEXTS[:2])
    same(m.probs_pair([TEXTS[0], TEXTS[2], TEXTS[3]]), fresh([TEXTS[0], TEXTS[2], TEXTS[3]], True))
    assert TEXTS[0] not in m._rows and TEXTS[2] in m._rows and TEXTS[3] in m._rows


def test_the_least_recently_used_text_is_forgotten() -> None:
    cache = RowCache(2)
    rows = np.arange(6, dtype=np.float32).reshape(3, 2)
    cache.put(["a", "b"], rows[:2], None)
    cache.slots(["a"])  # a used after b
    cache.put(["c"], rows[2:], None)
    assert "a" in cache and "c" in cache and "b" not in cache
    assert cache.two is not None
    assert cache.two[cache.slots(["c"])].tolist() == [[4.0, 5.0]]
    assert cache.two[cache.slots(["a"])].tolist() == [[0.0, 1.0]]


def test_more_new_texts_than_the_cache_keeps_the_last() -> None:
    cache = RowCache(2)
    rows = np.arange(8, dtype=np.float32).reshape(4, 2)
    cache.put(["a", "b", "c", "d"], rows, rows + 10)
    assert len(cache) == 2 and "c" in cache and "d" in cache
    assert cache.one is not None
    assert cache.one[cache.slots(["d"])].tolist() == [[16.0, 17.0]]


def test_no_texts_and_no_cache() -> None:
    m = model(5)
    two, one = m.probs_pair([])
    assert two.shape == (0, len(m.classes)) and one is None
    assert len(RowCache(0)) == 0
    zero = RowCache(0)
    zero.put(["a"], np.ones((1, 2), dtype=np.float32), None)
    assert "a" not in zero


def test_clear_forgets_every_row() -> None:
    m = model(10)
    clf = GroupClassifier({"SKILL": m})
    clf.probs_pair(TEXTS[:3], "SKILL")
    assert len(m._rows) == 3
    clf.clear()
    assert len(m._rows) == 0
    same(m.probs_pair(TEXTS[:3]), fresh(TEXTS[:3], True))
