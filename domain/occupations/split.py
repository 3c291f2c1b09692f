"""The held-out split of O*NET titles by title STRING (v3), and top-k accuracy against a set of codes.

30% of O*NET alternate titles name more than one 6-digit code ("Project Manager" is listed under
dozens), and normalization folds further variants together ("Sr. Nurse", "Senior Nurse" -> "nurse").
The per-pair split of `evaluate.is_held_out` held out a string under code A while training on it
under code B: the coder was scored on inputs it had seen. Here the unit is the normalized title
(`normalize_title(t).text`, the coder's actual input): all pairs of a string are held out together,
and its gold is the set of 6-digit codes O*NET lists for it. Strings that are an O*NET occupation's
own title are always kept (every class keeps its name). Pure: callers read the files.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.occupations.evaluate import soc6
from domain.occupations.titles import normalize_title

SHARE = 5  # 1 in 5 strings held out; 1 in 5 of the kept strings is dev


def title_key(title: str) -> str:
    """The string a title is split and scored by: its normalized text ('' when it has no words)."""
    return normalize_title(title, head_noun=False).text  # v4's keys: the split is unchanged


def _bucket(salt: str, key: str) -> int:
    digest = hashlib.sha1(f"{salt}\t{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % SHARE


def is_held_out_string(key: str) -> bool:
    """True for the 20% of normalized title strings never read in building."""
    return _bucket("held-out-string", key) == 0


def is_dev_string(key: str) -> bool:
    """Among kept strings, the 20% parameters are chosen on (an independent hash)."""
    return _bucket("dev-string", key) == 0


@dataclass(frozen=True)
class GoldTitle:
    """One distinct normalized title, every 6-digit code ('XX-XXXX') O*NET lists for it, and one
    raw O*NET title that normalizes to it (the first in sorted order: what a bench codes)."""

    text: str
    codes: frozenset[str]
    raw: str = ""


@dataclass(frozen=True)
class TitleSplit:
    """train: (O*NET code, normalized title) pairs to fit on (occupation titles included);
    dev / held_out: one GoldTitle per distinct string, sorted by text."""

    train: tuple[tuple[str, str], ...]
    dev: tuple[GoldTitle, ...]
    held_out: tuple[GoldTitle, ...]

    def kept(self) -> tuple[tuple[str, str], ...]:
        """Everything but the held-out strings: train + every dev pair (the shipped fit)."""
        return self.train + tuple((c, g.text) for g in self.dev for c in sorted(g.codes))


def split_titles(
    occupations: Iterable[tuple[str, str]], alternates: Iterable[tuple[str, str]]
) -> TitleSplit:
    """(O*NET-SOC code, occupation title) and (code, alternate or short title) pairs -> the split.
    Pairs whose title normalizes to nothing are dropped."""
    occ = [(c, title_key(t)) for c, t in occupations]
    protected = {t for _, t in occ}
    codes: dict[str, set[str]] = defaultdict(set)
    raw: dict[str, str] = {}
    for c, t in alternates:
        key = title_key(t)
        if key:
            codes[key].add(c)
            raw[key] = min(raw.get(key, t), t)
    train = [(c, t) for c, t in occ if t]
    dev: list[GoldTitle] = []
    held: list[GoldTitle] = []
    for key in sorted(codes):
        if key not in protected and is_held_out_string(key):
            held.append(GoldTitle(key, frozenset(soc6(c) for c in codes[key]), raw[key]))
        elif key not in protected and is_dev_string(key):
            dev.append(GoldTitle(key, frozenset(soc6(c) for c in codes[key]), raw[key]))
        else:
            train += [(c, key) for c in sorted(codes[key])]
    return TitleSplit(tuple(train), tuple(dev), tuple(held))


def topk_set_accuracy(
    gold: Sequence[frozenset[str]], ranked: Sequence[Sequence[str]], k: int, digits: int
) -> float:
    """Share of items with any of their gold codes among the first k ranked 6-digit codes,
    compared on `digits` (6: 'XX-XXXX', 2: the major group); 0.0 for no items."""
    if not gold:
        return 0.0
    cut = 7 if digits == 6 else 2
    hits = sum(
        bool({g[:cut] for g in gs} & {c[:cut] for c in r[:k]})
        for gs, r in zip(gold, ranked, strict=True)
    )
    return hits / len(gold)
