"""The occupation code's confidence as a probability (s27conf, coder v9): the coder's raw
score -> an estimate of P(soc_code is the right SOC 6-digit code), per method, and the floor
under which a code is not given. Pure; the maps come from config/occupations/calibration.json
(adapters/artifacts/occupations.py), fitted by scripts/fit_occupation_calibration.py on the
choose-on posting titles (docs/occupations.md "Calibrated confidence (s27conf)").

Inputs of a map (features of one OccupationCode and its posting's skills):
  logit       log(raw / (1 - raw)) of the raw confidence, clipped to [1e-6, 1 - 1e-6]
  convention  1.0 when the raw confidence is the guideline convention's probability (a rule of
              domain/occupations/conventions.py set the code at exactly that value), else 0.0
  log_known   log(1 + the posting's distinct skill ids known to ESCO's occupation-skill relations)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from domain.occupations.code import Alternative, OccupationCode
from domain.occupations.conventions import CONVENTION_PROBABILITY

FEATURES = ("logit", "convention", "log_known")
KINDS = ("constant", "logistic", "isotonic")
LOW_CONFIDENCE = "low_confidence"  # the reason of a code under the floor
_EPS = 1e-6


def features(raw: float, known: int) -> dict[str, float]:
    """The map inputs (module docstring) of a raw confidence in [0, 1] and a known-skill count."""
    p = min(max(float(raw), _EPS), 1.0 - _EPS)
    return {
        "logit": math.log(p / (1.0 - p)),
        "convention": float(abs(raw - CONVENTION_PROBABILITY) < 1e-9),
        "log_known": math.log1p(max(known, 0)),
    }


@dataclass(frozen=True)
class MethodMap:
    """One method's map, raw confidence -> P(right at 6 digits), in [0, 1].

    kind 'constant': `intercept` is the probability. 'logistic': sigmoid(intercept + coef . x),
    x the `features` named (a subset of FEATURES, in that order). 'isotonic': the piecewise
    linear map through (`x`, `y`) (raw confidence -> probability, x increasing, y
    non-decreasing, flat outside), and when `convention_rate` is set, that probability for a
    code at the convention's value."""

    kind: str
    features: tuple[str, ...] = ()
    coef: tuple[float, ...] = ()
    intercept: float = 0.0
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()
    convention_rate: float | None = None

    def probability(self, raw: float, known: int) -> float:
        f = features(raw, known)
        if self.kind == "constant":
            return float(self.intercept)
        if self.kind == "isotonic":
            if self.convention_rate is not None and f["convention"]:
                return float(self.convention_rate)
            return float(np.interp(raw, self.x, self.y))
        z = self.intercept + sum(c * f[n] for c, n in zip(self.coef, self.features, strict=True))
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "logistic":
            out.update(features=list(self.features), coef=list(self.coef))
        if self.kind in ("logistic", "constant"):
            out["intercept"] = self.intercept
        if self.kind == "isotonic":
            out.update(x=list(self.x), y=list(self.y), convention_rate=self.convention_rate)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MethodMap:
        """Raises ValueError (or KeyError, TypeError) on a map that is not well formed."""
        kind = str(d["kind"])
        if kind not in KINDS:
            raise ValueError(f"unknown map kind {kind!r}")
        m = cls(
            kind=kind,
            features=tuple(str(f) for f in d.get("features", ())),
            coef=tuple(float(c) for c in d.get("coef", ())),
            intercept=float(d.get("intercept", 0.0)),
            x=tuple(float(v) for v in d.get("x", ())),
            y=tuple(float(v) for v in d.get("y", ())),
            convention_rate=None
            if d.get("convention_rate") is None
            else float(d["convention_rate"]),
        )
        if len(m.coef) != len(m.features) or not set(m.features) <= set(FEATURES):
            raise ValueError(f"features {m.features} and coef {m.coef} do not match")
        if kind == "isotonic" and (len(m.x) != len(m.y) or not m.x or np.any(np.diff(m.y) < 0)):
            raise ValueError("isotonic map: x and y differ in length, are empty or y decreases")
        if not all(math.isfinite(v) for v in (*m.coef, m.intercept, *m.x, *m.y)):
            raise ValueError("map values are not finite")
        return m


@dataclass(frozen=True)
class Calibration:
    """Method ('title', 'skills') -> MethodMap, and `floor`: a code whose calibrated confidence
    is below it gets no code (method 'none', reason LOW_CONFIDENCE); 0.0: no floor."""

    maps: Mapping[str, MethodMap]
    floor: float = 0.0

    def confidence(self, code: OccupationCode, known: int) -> float | None:
        """P(code.soc_code is right at 6 digits) in [0, 1]; 0.0 when there is no code; None for
        a method without a map (a coder newer than the fit: re-fit, docs/occupations.md)."""
        m = self.maps.get(code.method)
        if code.soc_code is None:
            return 0.0
        if m is None:
            return None
        return min(max(m.probability(code.confidence, known), 0.0), 1.0)

    def apply(
        self,
        codes: Sequence[OccupationCode],
        skills: Sequence[Sequence[str]],
        skill_index: Mapping[str, int],
    ) -> list[OccupationCode]:
        """Each code with its calibrated confidence and rescaled alternatives (`rescaled`), or
        under the floor no code (reason LOW_CONFIDENCE, seniority kept); a code of a method
        without a map is left as it is. `skills[i]`: the skill ids the coder was given with code
        i; `skill_index` the ids ESCO's relations know."""
        out = []
        for code, ids in zip(codes, skills, strict=True):
            if code.soc_code is None:
                out.append(code)
                continue
            known = len({s for s in ids if s in skill_index})
            p = self.confidence(code, known)
            if p is None:
                out.append(code)
                continue
            if p < self.floor:
                out.append(OccupationCode(seniority=code.seniority, reason=LOW_CONFIDENCE))
                continue
            alts = rescaled(code.alternatives, p)
            out.append(replace(code, confidence=p, alternatives=alts))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"floor": self.floor, "maps": {k: v.to_dict() for k, v in sorted(self.maps.items())}}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Calibration:
        """Raises ValueError (KeyError, TypeError) when a map or the floor is not well formed."""
        floor = float(d["floor"])
        if not 0.0 <= floor <= 1.0:
            raise ValueError(f"floor {floor} is not in [0, 1]")
        maps = {str(k): MethodMap.from_dict(v) for k, v in dict(d["maps"]).items()}
        if not {"title", "skills"} <= set(maps):
            raise ValueError(f"maps for {sorted(maps)}; 'title' and 'skills' are needed")
        return cls(maps=maps, floor=floor)


def rescaled(alternatives: Sequence[Alternative], confidence: float) -> tuple[Alternative, ...]:
    """The top 3 after calibration: the first at `confidence`; each other keeps its raw ratio to
    the first (raw_i / raw_1 x confidence), capped at `confidence`, and the others together are
    scaled down to at most 1 - confidence. So they stay ordered under the first and sum to <= 1;
    they rank the next guesses and are not calibrated probabilities of their own."""
    if not alternatives:
        return ()
    first = alternatives[0]
    raw1 = first.confidence
    others = [
        min(confidence, a.confidence / raw1 * confidence) if raw1 > 0 else 0.0
        for a in alternatives[1:]
    ]
    total = sum(others)
    if total > 1.0 - confidence:
        others = [o * (1.0 - confidence) / total for o in others] if total > 0 else others
    return (
        replace(first, confidence=confidence),
        *(replace(a, confidence=o) for a, o in zip(alternatives[1:], others, strict=True)),
    )
