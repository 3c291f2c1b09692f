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
        # a line of names with separators was read as fr / nl, and a non-English posting keeps
        # names only: a short English requirement list lost its skills (new-user trial)
        ("Requirements: Java/Python/Go, AWS/GCP/Azure, HTML/CSS/JavaScript.", "und"),
        ("Must have:\n- React, TypeScript, GraphQL, Node.js, AWS Lambda", "und"),
        ("Требования: опыт работы с базами данных и знание Python", "ru"),
        ("\U0001f680\u2728 \U0001f525", "und"),
        ("", "und"),
    ],
)  # fmt: skip
def test_each_posting_gets_its_language(detector: LinguaDetector, text: str, code: str) -> None:
    assert detector.detect(text) == code


def test_binary_looking_text_is_undetermined_not_an_error(detector: LinguaDetector) -> None:
    assert detector.detect("\x00\x01<\xff>\ufffd" * 1000) == "und"


def test_a_forked_pool_child_builds_its_detector_without_hanging(detector: LinguaDetector) -> None:
    """A Celery pool child reloading its config builds a new LinguaDetector after the parent
    built one before the fork: lingua's model loading runs on a thread pool the child inherits
    without threads, so a second real build hung forever (both workers of the e2e demo sat at
    their hard time limit)."""
    import multiprocessing

    assert detector.detect("We are looking for a senior engineer with strong Python skills") == "en"

    def build_and_detect(out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
        out.put(LinguaDetector().detect("Wir suchen einen erfahrenen Entwickler mit Python"))

    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    child = ctx.Process(target=build_and_detect, args=(out,))
    child.start()
    child.join(60)  # seconds: a build takes well under one; a hang never ends
    if child.is_alive():
        child.kill()
        child.join()
    assert child.exitcode == 0 and out.get(timeout=5) == "de"
