"""How much a clustering run moved postings compared with the previous active run (SC-005)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import numpy as np
from scipy.optimize import linear_sum_assignment


def stability(previous: Mapping[str, int], current: Mapping[str, int]) -> dict[str, float | int]:
    """On the postings both runs assigned: adjusted Rand index, NMI, matched-cluster Jaccard
    (mean and worst, Hungarian-matched on member overlap) and the share whose cluster id
    changed (ids carry over between runs, so a changed id is a moved posting)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    common = sorted(previous.keys() & current.keys())
    out: dict[str, float | int] = {"common_postings": len(common)}
    if not common:
        return out
    a = [previous[p] for p in common]
    b = [current[p] for p in common]
    out["ari"] = round(float(adjusted_rand_score(a, b)), 4)
    out["nmi"] = round(float(normalized_mutual_info_score(a, b)), 4)
    out["changed_share"] = round(sum(x != y for x, y in zip(a, b, strict=True)) / len(a), 4)
    sets_a: dict[int, set[int]] = defaultdict(set)
    sets_b: dict[int, set[int]] = defaultdict(set)
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        sets_a[x].add(i)
        sets_b[y].add(i)
    ka, kb = sorted(sets_a), sorted(sets_b)
    jac = np.zeros((len(ka), len(kb)))
    for i, ca in enumerate(ka):
        for j, cb in enumerate(kb):
            inter = len(sets_a[ca] & sets_b[cb])
            if inter:
                jac[i, j] = inter / len(sets_a[ca] | sets_b[cb])
    rows, cols = linear_sum_assignment(-jac)
    matched = jac[rows, cols]
    out["jaccard_mean"] = round(float(matched.mean()), 4)
    out["jaccard_worst"] = round(float(matched.min()), 4)
    return out
