"""One posting's occupation code and its alternatives (moved out of coder.py in v8 to keep that
module under 400 lines; `domain.occupations.coder` still names both). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Alternative:
    soc_code: str
    soc_title: str
    confidence: float


@dataclass(frozen=True)
class OccupationCode:
    """One posting's occupation. soc_code is 'XX-XXXX' (SOC 2018 6-digit, as O*NET 29.2 uses it),
    onet_code 'XX-XXXX.YY'; isco_group is the ISCO-08 unit group (4 digits) of the ESCO occupation.
    confidence in [0, 1]: from a calibrated coder (v9, the worker's), an estimate of
    P(soc_code is the right SOC 6-digit code) (domain/occupations/calibration.py), else the raw
    score (softmax-based, not a probability); alternatives are the top 3 SOC codes (the first
    is soc_code, chosen major group first in v3, so a later one may carry a higher probability). method is
    'title', 'skills' or 'none'; reason says why there is no code (method 'none')."""

    soc_code: str | None = None
    soc_title: str | None = None
    onet_code: str | None = None
    esco_uri: str | None = None
    esco_label: str | None = None
    isco_group: str | None = None
    confidence: float = 0.0
    alternatives: tuple[Alternative, ...] = ()
    seniority: str | None = None
    method: str = "none"
    reason: str | None = None
    normalized_title: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "soc_code": self.soc_code,
            "soc_title": self.soc_title,
            "onet_code": self.onet_code,
            "esco_uri": self.esco_uri,
            "esco_label": self.esco_label,
            "isco_group": self.isco_group,
            "confidence": round(self.confidence, 4),
            "alternatives": [
                {
                    "soc_code": a.soc_code,
                    "soc_title": a.soc_title,
                    "confidence": round(a.confidence, 4),
                }
                for a in self.alternatives
            ],
            "seniority": self.seniority,
            "method": self.method,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> OccupationCode:
        alts = tuple(
            Alternative(str(a["soc_code"]), str(a["soc_title"]), float(a["confidence"]))
            for a in d.get("alternatives") or ()
        )
        return cls(
            soc_code=d.get("soc_code"),
            soc_title=d.get("soc_title"),
            onet_code=d.get("onet_code"),
            esco_uri=d.get("esco_uri"),
            esco_label=d.get("esco_label"),
            isco_group=d.get("isco_group"),
            confidence=float(d.get("confidence") or 0.0),
            alternatives=alts,
            seniority=d.get("seniority"),
            method=str(d.get("method") or "none"),
            reason=d.get("reason"),
        )
