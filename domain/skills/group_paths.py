"""Level-1 votes as a best-supported path (issue #24, s24grp4; off unless `level1_path` > 0).

A level-1 group's vote is normally the sum of everything under it, so a group with many weakly
voted children (S1 "communication, collaboration and creativity", 15 children) beats one with a
single strong child. `Level1Paths.votes` counts the children's part as (1 - path) x their sum +
path x the best child. Pure numpy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt


class Level1Paths:
    """Per kind, the level-1 positions that have children and their children's positions."""

    def __init__(
        self,
        codes: Sequence[str],
        above: Mapping[str, npt.NDArray[np.intp]],
        at: Mapping[tuple[str | None, int], npt.NDArray[np.intp]],
        kinds: Iterable[str | None],
    ) -> None:
        """`above[code]`: the positions of the code and its ancestors (itself first);
        `at[(kind, 1)]`: the level-1 positions a mention of that kind may land on."""
        parent_of = {i: int(a[1]) for i, a in enumerate(above[c] for c in codes) if len(a) > 1}
        self.kids: dict[str | None, tuple[npt.NDArray[np.intp], ...]] = {}
        for k in kinds:
            which: list[int] = []
            flat: list[int] = []
            starts: list[int] = []
            for j, g in enumerate(at[(k, 1)].tolist()):
                kids = sorted(i for i, q in parent_of.items() if q == g)
                if kids:
                    which.append(j)
                    starts.append(len(flat))
                    flat.extend(kids)
            self.kids[k] = tuple(np.array(x, dtype=np.intp) for x in (which, flat, starts))
        self.at = at

    def votes(
        self, votes: npt.NDArray[np.float64], kind: str | None, path: float
    ) -> npt.NDArray[np.float64]:
        """The votes of `kind`'s level-1 groups (`at[(kind, 1)]` order), their children's part
        counted as (1 - path) x the sum + path x the best child (path 0: `votes` as they are)."""
        here = votes[self.at[(kind, 1)]]
        which, flat, starts = self.kids[kind]
        if path <= 0 or not len(which):
            return here
        got = votes[flat]
        here = here.copy()
        here[which] -= path * (np.add.reduceat(got, starts) - np.maximum.reduceat(got, starts))
        return here
