"""The per-pair held-out split of O*NET alternate titles (coders v1/v2) and top-k accuracy at SOC 6/2-digit.

Kept to report the v1/v2 figure under its own definition (bench/occupation_split.py): it splits
(code, title) pairs, so a title string listed under several codes can be held out under one and
built on under another. Coder v3 is built and scored on domain/occupations/split.py (by string).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HELD_OUT_SHARE = 5  # 1 in 5 titles (20%) per occupation never enters building
DEV_SHARE = 5  # 1 in 5 of the kept titles: choices (temperature, pruning) are made on them


def _bucket(salt: str, code: str, title: str, n: int) -> int:
    digest = hashlib.sha1(f"{salt}\t{code}\t{title.lower()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % n


def is_held_out(code: str, title: str) -> bool:
    """True for the 20% of (O*NET-SOC code, alternate title) pairs kept out of building."""
    return _bucket("held-out", code, title, HELD_OUT_SHARE) == 0


def is_dev(code: str, title: str) -> bool:
    """Among kept pairs, the 20% used to choose parameters (a second, independent hash)."""
    return _bucket("dev", code, title, DEV_SHARE) == 0


def soc6(code: str) -> str:
    """'15-1252.00' -> '15-1252'."""
    return code[:7]


def soc2(code: str) -> str:
    return code[:2]


def topk_accuracy(
    gold: Sequence[str], ranked: Sequence[Sequence[str]], k: int, digits: int
) -> float:
    """Share of items whose gold code is among the first k ranked codes, compared on `digits`
    (6: 'XX-XXXX', 2: the major group 'XX'); the ranking is of 6-digit codes, cut at k first."""
    if not gold:
        return 0.0
    cut = 7 if digits == 6 else 2
    hits = sum(g[:cut] in {c[:cut] for c in r[:k]} for g, r in zip(gold, ranked, strict=True))
    return hits / len(gold)
