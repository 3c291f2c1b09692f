"""v9: the head noun of a business title weighs on the SOC major group (coder v9, s27v9).

The Google dev titles' 2-digit misses were mostly business titles whose modifier words pulled
the major group away from what the head noun says: "Tax Manager" (O*NET lists it under 11-3031)
coded 13-2081 Tax Examiners, "Inventory Accounting Manager" 43-1011 Office Supervisors,
"Partner Technology Manager" 15-1299 Computer Occupations. The labelling guideline (first line of
config/eval/occupation_titles_dev.jsonl) codes a title "as a labour-market analyst would", by
the occupation the title names; the noun the title ends in names it ("... Manager" is a manager,
"... Analyst" an analyst), its modifiers name the field. SOC 2018 says the same in its structure:
major group 11 holds the managers of a function; 13 the business and financial specialists.

`head_terms` adds, to the group decision of `fusion.MajorGroupPrior.rank`, `weight` to the
group each head noun of `HEAD_GROUPS` names, for a title whose normalized text ends in it, and
(as the coder calls it) only for postings whose skills weigh on the group too (v7's term): it
keeps the title's level against the skills, which say the field. The O*NET strings say how far
the head holds: of O*NET 29.2's alternate titles ending in " manager", 929 of 1,480 are in group
11 (the rest: 13 76, 15 67, 41 56, 43 43, ...), so it is a bonus, not a rule; applied to titles
without skills it cost O*NET held-out strings (weight 5: 3 of 9,258 at 6 digits), so those are
read as in v8. Weight 10 chosen on the dev titles and sample lines (5 to 10 a plateau, 20
worse; docs/occupations.md "Coder v9"). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

# head noun (the normalized title's last word) -> the SOC major group it names
HEAD_GROUPS: Mapping[str, str] = {"manager": "11", "managers": "11"}
# v9: the bonus (in log units) on that group's score; 0 turns the reading off (v8)
HEAD_WEIGHT = 10.0


def head_noun(text: str) -> str:
    """The last word of a normalized title ('' for an empty one)."""
    words = text.split()
    return words[-1] if words else ""


def head_terms(
    texts: Sequence[str],
    groups: Sequence[str],
    weight: float = HEAD_WEIGHT,
    heads: Mapping[str, str] = HEAD_GROUPS,
    has_skills: np.ndarray | None = None,
) -> np.ndarray | None:
    """(len(texts), len(groups)) term for the group scores: `weight` at the group the head noun
    of each normalized text names (`heads`), else 0; None when no text has such a head or the
    weight is 0. `groups` the SOC major groups ('XX') in the decision's order."""
    if weight == 0:
        return None
    index = {g: i for i, g in enumerate(groups)}
    out = np.zeros((len(texts), len(groups)), dtype=np.float64)
    hit = False
    for r, text in enumerate(texts):
        g = heads.get(head_noun(text))
        if has_skills is not None and not has_skills[r]:
            continue
        if g is not None and g in index:
            out[r, index[g]] = weight
            hit = True
    return out if hit else None
