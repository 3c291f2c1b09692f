"""The string split of O*NET titles (domain/occupations/split.py) and its set-gold accuracy."""

from __future__ import annotations

from domain.occupations.split import (
    is_held_out_string,
    split_titles,
    title_key,
    topk_set_accuracy,
)


def _alternates(n: int) -> list[tuple[str, str]]:
    # every string under two codes, in two spellings that normalize alike
    out = []
    for i in range(n):
        out += [(f"11-{i % 50:04d}.00", f"Widget Maker {i}"), (f"13-{i % 40:04d}.01", f"Sr. widget maker {i}")]  # fmt: skip
    return out


def test_all_pairs_of_a_string_fall_on_one_side_with_every_code_as_gold() -> None:
    split = split_titles([("11-0001.00", "Chief Widget Officer")], _alternates(3000))
    trained = {t for _, t in split.train}
    held = {g.text: g.codes for g in split.held_out}
    dev = {g.text for g in split.dev}
    assert not trained & set(held) and not trained & dev and not dev & set(held)
    assert 0.17 < len(held) / 3000 < 0.23
    assert 0.17 < len(dev) / (3000 - len(held)) < 0.23
    some = next(iter(held))
    i = int(some.rsplit(" ", 1)[1])
    assert held[some] == {f"11-{i % 50:04d}", f"13-{i % 40:04d}"}
    assert title_key(split.held_out[0].raw) == split.held_out[0].text


def test_an_occupations_own_title_is_never_held_out() -> None:
    names = [f"Widget Maker {i}" for i in range(3000)]
    held_if_free = [n for n in names if is_held_out_string(title_key(n))]
    assert held_if_free
    split = split_titles([("11-0001.00", n) for n in held_if_free], _alternates(3000))
    assert not {g.text for g in split.held_out} & {title_key(n) for n in held_if_free}
    assert ("11-0001.00", title_key(held_if_free[0])) in split.train


def test_kept_is_train_plus_every_dev_pair() -> None:
    split = split_titles([], _alternates(500))
    assert len(split.kept()) == len(split.train) + 2 * len(split.dev)


def test_set_accuracy_counts_any_listed_code() -> None:
    ranked = [["15-1252", "15-1211", "29-1141"], ["29-1141", "15-1252", "15-1211"]]
    gold = [frozenset({"15-1211", "15-1252"}), frozenset({"15-1299", "11-1021"})]
    assert topk_set_accuracy(gold, ranked, 1, 6) == 0.5
    assert topk_set_accuracy(gold, ranked, 3, 6) == 0.5
    assert topk_set_accuracy(gold, ranked, 1, 2) == 0.5
    assert topk_set_accuracy(gold, ranked, 3, 2) == 1.0
    assert topk_set_accuracy([], [], 1, 6) == 0.0
