"""The group classifier's vote at level 1, re-weighted (issue #24, s24grp5; off unless a param
is > 0). Pure numpy.

The classifier (group_classifier.py) is trained on level-2 classes; its vote for a level-1
group is the sum of its children's probabilities, so a group of many classes (S1
"communication, collaboration and creativity": 16 of 107 SKILL classes) collects the mass of
every input the classifier is unsure about. Two corrections, each mixing into that marginal:
    prior   (`clf_prior` = a in [0, 1]) the marginal divided by the group's base rate ** a, the
            base rate being its share of the classes (what a flat vote gives it); rows are
            rescaled to keep their level-1 total
    head    (`clf_level1` = m in [0, 1]) (1 - m) x marginal + m x the classifier's dedicated
            level-1 head (classes = the level-1 groups; `GroupModel.probs_pair`)
And `flat_level1`: no place at level 1 when the best level-1 group leads the second by less
than `level1_margin` of the whole vote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt


class Level1Votes:
    """Per kind: its level-1 positions, their base rates, the head's classes -> positions."""

    def __init__(
        self,
        above: Mapping[str, npt.NDArray[np.intp]],
        level1: Mapping[str, npt.NDArray[np.intp]],
        spread: Mapping[str, npt.NDArray[np.float32]],
        heads: Mapping[str, Sequence[str]],
    ) -> None:
        """`above[code]`: the positions of a code and its ancestors (itself first);
        `level1[kind]`: the level-1 positions of that kind; `spread[kind]`: (classes, groups)
        0/1, a class row marking its group and ancestors; `heads[kind]`: the level-1 head's
        classes (empty: no head). A head class outside the kind's level 1 is ignored."""
        self.level1 = dict(level1)
        self.base: dict[str, npt.NDArray[np.float64]] = {}
        self.head_cols: dict[str, npt.NDArray[np.intp]] = {}
        self.head_pos: dict[str, npt.NDArray[np.intp]] = {}
        for kind, m in spread.items():
            pos = self.level1.get(kind, np.zeros(0, dtype=np.intp))
            share = m[:, pos].sum(axis=0).astype(np.float64) / max(len(m), 1)
            self.base[kind] = np.where(share > 0, share, 1.0)  # a group with no class: as is
            where = {int(p): j for j, p in enumerate(pos.tolist())}
            cols, at = [], []
            for c, code in enumerate(heads.get(kind, ())):
                p = int(above[code][0]) if code in above else -1
                if p in where:
                    cols.append(c)
                    at.append(where[p])
            self.head_cols[kind] = np.array(cols, dtype=np.intp)
            self.head_pos[kind] = np.array(at, dtype=np.intp)

    def adjust(
        self,
        kind: str,
        votes: npt.NDArray[np.float32],
        head: npt.NDArray[np.float32] | None,
        prior: float,
        mix: float,
    ) -> npt.NDArray[np.float32]:
        """`votes` (texts, groups), the classifier's spread vote, with its level-1 columns
        re-weighted (`prior`, then `mix` x `head`, (texts, head classes)); other columns as
        they are. prior 0 and mix 0 (or no head): `votes` itself."""
        pos = self.level1.get(kind)
        use_head = mix > 0 and head is not None and len(self.head_cols.get(kind, ())) > 0
        if pos is None or not len(pos) or (prior <= 0 and not use_head):
            return votes
        out = votes.astype(np.float64)
        marg = out[:, pos]
        if prior > 0:
            total = marg.sum(axis=1, keepdims=True)
            marg = marg / self.base[kind][None, :] ** prior
            got = marg.sum(axis=1, keepdims=True)
            marg = marg * np.divide(total, got, out=np.zeros_like(total), where=got > 0)
        if use_head:
            assert head is not None
            one = np.zeros_like(marg)
            one[:, self.head_pos[kind]] = head[:, self.head_cols[kind]]
            marg = (1.0 - mix) * marg + mix * one
        out[:, pos] = marg
        return out.astype(np.float32)


def flat_level1(here: npt.NDArray[np.float64], total: float, margin: float) -> bool:
    """True when the best of the level-1 votes `here` leads the second by less than `margin`
    of `total` (the whole vote); margin 0 or a single group: never flat."""
    if margin <= 0 or len(here) < 2 or total <= 0:
        return False
    top2 = np.partition(here, len(here) - 2)[-2:]
    return float(top2[1] - top2[0]) / total < margin
