"""ESCO occupation labels as extra SOC training titles (coder v6): each ESCO occupation is given
one SOC 6-digit class, and its preferred, alternative and hidden labels become (class, title)
pairs for the SOC classifier.

There is no ESCO -> SOC crosswalk in ../shared/data, only ISCO-08 groups. An ESCO occupation's
class is the SOC classifier's best class for its preferred label among the classes whose major
group this project's coarse crosswalk (`coder.SOC_MAJOR_TO_ISCO`) places in the occupation's
ISCO-08 sub-major group; a label whose normalized text is already an O*NET title string (kept,
dev or held out) is never added, so O*NET's own labels decide those strings and the held-out
strings stay unseen. Pure: callers read the files and fit.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from domain.occupations.crosswalk import SOC_MAJOR_TO_ISCO


def isco_allowed(codes: Sequence[str], isco_groups: Sequence[str]) -> np.ndarray:
    """(len(isco_groups), len(codes)) bool: class j is allowed for an occupation of ISCO-08 unit
    group g when SOC_MAJOR_TO_ISCO lists g's sub-major group (first 2 digits) under the class's
    major group. A row with no allowed class (an ISCO group the crosswalk never names) allows
    every class."""
    majors = np.array([c[:2] for c in codes])
    out = np.zeros((len(isco_groups), len(codes)), dtype=bool)
    for i, g in enumerate(isco_groups):
        ok = [m for m, subs in SOC_MAJOR_TO_ISCO.items() if g[:2] in subs]
        out[i] = np.isin(majors, ok) if ok else True
    return out


def esco_classes(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """(occupations, classes) classifier scores of the occupations' preferred labels and the
    `isco_allowed` mask -> (occupations,) the best allowed class index of each."""
    return np.asarray(np.argmax(np.where(allowed, scores, -np.inf), axis=1))


def esco_pairs(
    label_texts: Sequence[str],
    label_owner: Sequence[int],
    occupation_class: Sequence[int],
    onet_strings: Collection[str],
) -> list[tuple[int, str]]:
    """(class index, normalized label) for every ESCO label (normalized, non-empty) whose text is
    not in `onet_strings` (every O*NET title string, held-out ones included); each text once,
    with its first owner's class."""
    seen: set[str] = set()
    out: list[tuple[int, str]] = []
    for text, owner in zip(label_texts, label_owner, strict=True):
        if not text or text in onet_strings or text in seen:
            continue
        seen.add(text)
        out.append((int(occupation_class[owner]), text))
    return out
