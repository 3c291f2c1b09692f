"""The shipped language detector (lingua, offline) on postings as the pipeline reads them."""

import pytest

from adapters.artifacts.language import LinguaDetector


@pytest.fixture(scope="module")
def detector() -> LinguaDetector:
    return LinguaDetector()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Requirements: five years of Java and good communication skills", "en"),
        ("Profil recherché : trois ans d'expérience en Java et un bon esprit d'équipe", "fr"),
        ("Anforderungen: Kenntnisse in Java und SQL, gute Deutschkenntnisse", "de"),
        ("Requisitos: dos años de experiencia con SQL y buena comunicación", "es"),
        ("Functieeisen: vijf jaar ervaring met Java en goede communicatieve vaardigheden", "nl"),
        ("Wymagania: trzy lata doświadczenia w Java, znajomość SQL i Docker", "pl"),  # unsupported
        ("Requirements: Python and SQL experience for our whole team.\n"
         "Anforderungen: Kenntnisse in Java und gute Deutschkenntnisse, Teamfähigkeit.", "mul"),
        ("Python SQL Docker", "und"),  # names only: no language to tell
        ("\U0001f680\u2728 \U0001f525", "und"),
        ("", "und"),
    ],
)  # fmt: skip
def test_each_posting_gets_its_language(detector: LinguaDetector, text: str, code: str) -> None:
    assert detector.detect(text) == code


def test_binary_looking_text_is_undetermined_not_an_error(detector: LinguaDetector) -> None:
    assert detector.detect("\x00\x01<\xff>\ufffd" * 1000) == "und"
