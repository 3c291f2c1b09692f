"""Coder v9 (s27conf): `confidence` is an estimate of P(soc_code right at 6 digits), a code
under the floor is not given (reason low_confidence), the alternatives stay under the first,
and config/occupations/calibration.json is what scripts/fit_occupation_calibration.py fits."""

from __future__ import annotations

import itertools
import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from adapters.artifacts.occupations import CALIBRATION, load_calibration, load_coder
from domain.errors import ConfigError
from domain.occupations.calibration import (
    LOW_CONFIDENCE,
    Calibration,
    MethodMap,
    rescaled,
)
from domain.occupations.code import Alternative, OccupationCode
from domain.occupations.coder import OccupationCoder
from domain.occupations.conventions import CONVENTION_PROBABILITY
from tests.unit.test_occupation_output_docs import _documented, _skills_of_one_occupation

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "config" / "occupations"
VECTORS = ROOT / "config" / "models" / "concept_vectors"
ROWS = ROOT / "bench" / "results" / "occupation_calibration_rows.json"


@pytest.fixture(scope="module")
def shipped() -> Calibration:
    return load_calibration(ARTIFACT)


@pytest.fixture(scope="module")
def calibrated(coder: OccupationCoder, shipped: Calibration) -> OccupationCoder:
    """The shipped coder as the worker builds it (build_occupation_coder: calibrated)."""
    return replace(coder, calibration=shipped)


@pytest.mark.parametrize("method", ["title", "skills"])
@pytest.mark.parametrize("known", [0, 3, 12, 40])
def test_calibrated_confidence_rises_with_the_raw_score(
    shipped: Calibration, method: str, known: int
) -> None:
    raws = [r for r in np.linspace(0.0, 1.0, 201) if abs(r - CONVENTION_PROBABILITY) > 1e-6]
    p = [shipped.maps[method].probability(float(r), known) for r in raws]
    assert all(b >= a for a, b in itertools.pairwise(p)), p
    assert p[-1] > p[0]  # not flat: the raw score says something


def test_a_title_code_set_by_a_convention_is_more_likely_right(shipped: Calibration) -> None:
    m = shipped.maps["title"]
    assert m.probability(CONVENTION_PROBABILITY, 0) > m.probability(
        CONVENTION_PROBABILITY + 1e-3, 0
    )


@pytest.mark.parametrize("raw", [0.0, 1e-12, 0.3, 0.6, 0.999999, 1.0])
@pytest.mark.parametrize("known", [0, 5, 10_000])
@pytest.mark.parametrize("method", ["title", "skills"])
def test_confidence_is_in_0_1(shipped: Calibration, raw: float, known: int, method: str) -> None:
    code = OccupationCode(soc_code="15-1252", method=method, confidence=raw)
    p = shipped.confidence(code, known)
    assert p is not None and 0.0 <= p <= 1.0


def test_a_method_without_a_map_keeps_its_code(shipped: Calibration) -> None:
    code = OccupationCode(soc_code="15-1252", method="vectors", confidence=0.01)  # a newer coder
    assert shipped.apply([code], [()], {}) == [code]


def test_the_coder_gives_confidences_in_0_1_and_its_alternatives_under_the_first(
    calibrated: OccupationCoder,
) -> None:
    titles = ["Java Developer", "Registered Nurse", "Account Strategist", "Manager", "x", None]
    codes = calibrated.code_many([(t, ()) for t in titles])
    for c in codes:
        assert 0.0 <= c.confidence <= 1.0, c
        if c.alternatives:
            assert c.alternatives[0].confidence == c.confidence
            assert all(a.confidence <= c.confidence for a in c.alternatives[1:])
            assert sum(a.confidence for a in c.alternatives) <= 1.0 + 1e-9


@pytest.mark.parametrize(
    ("raw", "confidence"),
    [
        ((0.9, 0.05, 0.01), 0.7),  # calibrated below the raw score
        ((0.2, 0.19, 0.18), 0.5),  # above it: the others would sum over 1 - 0.5
        ((0.3, 0.6, 0.05), 0.4),  # chosen major group first: a later raw score is higher
        ((0.0, 0.0, 0.0), 0.2),
        ((0.5,), 0.9),
    ],
)
def test_rescaled_alternatives_stay_ordered_under_the_first_and_sum_to_at_most_one(
    raw: tuple[float, ...], confidence: float
) -> None:
    alts = tuple(Alternative(f"15-125{i}", "t", r) for i, r in enumerate(raw))
    out = rescaled(alts, confidence)
    assert [a.soc_code for a in out] == [a.soc_code for a in alts]
    assert out[0].confidence == confidence
    assert all(0.0 <= a.confidence <= confidence for a in out[1:])
    assert sum(a.confidence for a in out) <= 1.0 + 1e-9
    for i in range(1, len(raw)):  # the later ones keep their raw order (ties allowed)
        for j in range(1, len(raw)):
            assert raw[i] < raw[j] or out[i].confidence >= out[j].confidence


def test_a_code_under_the_floor_gets_no_code_and_says_low_confidence() -> None:
    cal = Calibration({"title": MethodMap("constant", intercept=0.05),
                       "skills": MethodMap("constant", intercept=0.5)}, floor=0.1)  # fmt: skip
    low = OccupationCode(soc_code="11-1021", method="title", confidence=0.99, seniority="senior",
                         alternatives=(Alternative("11-1021", "t", 0.99),))  # fmt: skip
    kept = replace(low, method="skills", reason="no_title")
    none = OccupationCode(reason="no_title_too_few_skills")
    out = cal.apply([low, kept, none], [(), (), ()], {})
    assert (out[0].soc_code, out[0].method, out[0].reason) == (None, "none", LOW_CONFIDENCE)
    assert out[0].seniority == "senior" and out[0].confidence == 0.0 and not out[0].alternatives
    assert (out[1].soc_code, out[1].confidence, out[1].reason) == ("11-1021", 0.5, "no_title")
    assert out[2] == none


def test_the_shipped_coder_drops_a_guess_from_few_skills_and_the_reason_is_documented(
    calibrated: OccupationCoder, coder: OccupationCoder
) -> None:
    skills = _skills_of_one_occupation(coder, 3)
    raw = coder.code(None, skills)
    assert raw.method == "skills" and raw.soc_code is not None  # v8 gave a code
    code = calibrated.code(None, skills)
    assert (code.method, code.reason, code.soc_code) == ("none", LOW_CONFIDENCE, None)
    assert LOW_CONFIDENCE in _documented("reason")


def test_a_clear_title_keeps_its_code(calibrated: OccupationCoder, coder: OccupationCoder) -> None:
    raw, code = coder.code("Registered Nurse"), calibrated.code("Registered Nurse")
    assert code.soc_code == raw.soc_code == "29-1141" and code.method == "title"
    assert 0.5 < code.confidence < 1.0


@pytest.mark.parametrize("damage", ["missing", "not_json", "no_title_map", "bad_kind", "floor"])
def test_a_missing_or_corrupt_calibration_fails_naming_the_file(
    tmp_path: Path, damage: str
) -> None:
    target = tmp_path / "occupations"
    target.mkdir()
    data = json.loads((ARTIFACT / CALIBRATION).read_text())
    if damage == "not_json":
        (target / CALIBRATION).write_text('{"floor": 0.1, "maps": {')
    elif damage == "no_title_map":
        del data["maps"]["title"]
    elif damage == "bad_kind":
        data["maps"]["title"]["kind"] = "forest"
    elif damage == "floor":
        data["floor"] = 2.0
    if damage not in ("missing", "not_json"):
        (target / CALIBRATION).write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=r"occupations/calibration\.json"):
        load_calibration(target)


def test_the_calibrated_coder_fails_at_load_without_its_calibration(tmp_path: Path) -> None:
    target = tmp_path / "occupations"
    shutil.copytree(ARTIFACT, target)
    (target / CALIBRATION).unlink()
    assert load_coder(target).calibration is None  # a plain load (benches) does not need it
    with pytest.raises(ConfigError, match=r"occupations/calibration\.json"):
        load_coder(target, calibrated=True)


def test_the_shipped_calibration_is_what_the_script_fits_from_its_rows() -> None:
    from scripts.fit_occupation_calibration import fit

    rows = json.loads(ROWS.read_text())
    calibration, report = fit(rows)
    shipped = json.loads((ARTIFACT / CALIBRATION).read_text())
    assert {**calibration.to_dict(), "fit": report} == shipped
