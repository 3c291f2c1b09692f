"""Software 'Engineer' titles read also as 'Developer' titles (coder v4).

O*NET 29.2 lists most software jobs in SOC 15-12xx under "Developer" or "Programmer" forms and
few under "Engineer" forms, so "Full-Stack Engineer" or "Android Engineer" drew SOC 17
(architecture and engineering). `developer_form(text)` gives, for a normalized title that names an
engineer together with a software word ("full stack engineer", "sw engineer", "android engineer"),
the same title with engineer -> developer (and sw -> software); None otherwise ("manufacturing
engineer", "sales engineer", "network engineer" stay as they are). The coder mixes the class
probabilities of both forms, 0.25 x own + 0.75 x Developer (`with_developer_readings`; the
weight chosen on the 150 hand-labelled posting lines among 0.5 / 0.75 / 1.0, the O*NET held-out
strings within 0.0003 at each), so the title's own reading still counts. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from domain.occupations.roles import words_set

# Words that make an engineer a software engineer. Chosen by hand as software-only words:
# languages, stacks, platforms, app kinds. Not 'data', 'network', 'systems', 'security', 'test',
# 'embedded' or 'cloud' alone: those name engineers O*NET codes outside software development too.
SOFTWARE_WORDS = words_set(
    "software sw full stack front back web mobile android ios java javascript "
    "typescript python .net net c# c++ golang ruby php scala kotlin swift react "
    "angular node node.js vue devops reliability application applications app apps "
    "game games frontend backend api microservices salesforce dynamics ecommerce "
    "e-commerce fullstack wordpress drupal magento unity unreal blockchain"
)
_ENGINEER = {"engineer": "developer", "engineers": "developers", "sw": "software"}


def developer_form(text: str) -> str | None:
    """`text` (a normalized title) with engineer -> developer when it names an engineer and a
    software word, else None."""
    words = text.split()
    if not any(w in ("engineer", "engineers") for w in words):
        return None
    if not any(w in SOFTWARE_WORDS for w in words):
        return None
    return " ".join(_ENGINEER.get(w, w) for w in words)


Scored = tuple[np.ndarray, np.ndarray | None]


def with_developer_readings(
    scored: Callable[[Sequence[str]], Scored], texts: Sequence[str], weight: float
) -> Scored:
    """`scored(texts)` ((n, classes) probabilities, (n, groups) group log-probabilities or None),
    with each text that has a `developer_form` mixed with its Developer reading's scores:
    (1 - weight) x own + weight x Developer, for both arrays."""
    p, group_log_p = scored(texts)
    alt = [(i, f) for i, t in enumerate(texts) if (f := developer_form(t))]
    if alt:
        rows = [i for i, _ in alt]
        p2, g2 = scored([f for _, f in alt])
        p[rows] = (1 - weight) * p[rows] + weight * p2
        if group_log_p is not None and g2 is not None:
            group_log_p[rows] = (1 - weight) * group_log_p[rows] + weight * g2
    return p, group_log_p
