"""The shipped language detector (lingua, offline; model_versions.yaml's language_detector) on
postings as the pipeline reads them."""

import pytest

from adapters.artifacts.config_files import build_language_detector, load_config
from adapters.artifacts.language import LanguageParams, LinguaDetector
from domain.errors import ConfigError
from tests.conftest import ROOT

BILINGUAL = (
    "Requirements: Python and SQL experience for our whole team.\n"
    "Good communication skills and a willingness to learn.\n"
    "Anforderungen: Kenntnisse in Java und gute Deutschkenntnisse, Teamfähigkeit.\n"
    "Du arbeitest gerne im Team und bist zuverlässig."
)


@pytest.fixture(scope="module")
def detector() -> LinguaDetector:
    built = build_language_detector(load_config(ROOT))
    assert isinstance(built, LinguaDetector)
    return built


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Requirements: five years of Java and good communication skills", "en"),
        ("Profil recherché : trois ans d'expérience en Java et un bon esprit d'équipe", "fr"),
        ("Anforderungen: Kenntnisse in Java und SQL, gute Deutschkenntnisse", "de"),
        ("Requisitos: dos años de experiencia con SQL y buena comunicación", "es"),
        ("Functieeisen: vijf jaar ervaring met Java en goede communicatieve vaardigheden", "nl"),
        ("Wymagania: trzy lata doświadczenia w Java, znajomość SQL i Docker", "pl"),  # unsupported
        (BILINGUAL, "mul"),  # two lines of each language
        # v2: one line of another language is not "mixed" (v1: mul), the function words say en
        ("Requirements: Python and SQL experience for our whole team.\n"
         "Anforderungen: Kenntnisse in Java und gute Deutschkenntnisse, Teamfähigkeit.", "en"),
        # the new-user trial's shapes (v1: de, fr; a non-English posting keeps names only)
        ("We need Python and SQL. Kubernetes is a plus.", "en"),
        ("Patient care, medication administration, BLS certification.", "en"),
        ("Senior Go engineer, Kubernetes operators, gRPC.", "en"),  # v1: pl
        ("Sr. RN, Nights, $5k bonus\n- Provide patient care and administer medication\n"
         "- Document in Epic\n- Work with the charge nurse", "en"),  # v1: mul
        # German with English tech names and an English title
        ("Senior Backend Developer (m/w/d)\nWir suchen einen Entwickler mit Erfahrung in Python, "
         "Docker und Kubernetes.\nDu arbeitest mit AWS und Terraform in einem agilen Team.", "de"),
        ("Ervaring met Azure of Google Cloud is een pré.", "nl"),  # v1: de
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


@pytest.mark.parametrize(
    ("text", "v1", "v2"),
    [
        ("We need Python and SQL. Kubernetes is a plus.", "de", "en"),
        ("Patient care, medication administration, BLS certification.", "fr", "en"),
        ("Ervaring met Azure of Google Cloud is een pré.", "de", "nl"),
        (BILINGUAL, "mul", "mul"),
        ("Python SQL Docker", "und", "und"),
    ],
)
def test_v1_params_keep_v1s_answers_and_v2_fixes_the_trial_shapes(
    detector: LinguaDetector, text: str, v1: str, v2: str
) -> None:
    """A row of a release before 2026.12.7 was judged by LanguageParams() (v1, the defaults):
    those answers stay reproducible; the shipped config (v2) changes them."""
    assert LinguaDetector(LanguageParams()).detect(text) == v1
    assert detector.detect(text) == v2


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


def test_a_forked_child_refuses_a_new_accuracy_mode_instead_of_hanging(
    detector: LinguaDetector,
) -> None:
    """A config push that switches `accuracy` reaches pool children forked after the parent
    built the low-accuracy models: building the other mode there would hang like the reload
    above, so it is a ConfigError (the worker keeps its last good release and says why)."""
    import multiprocessing

    def build_high(out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
        try:
            LinguaDetector(LanguageParams(accuracy="high"))
            out.put("built")
        except ConfigError as exc:
            out.put(str(exc))

    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    child = ctx.Process(target=build_high, args=(out,))
    child.start()
    child.join(60)
    if child.is_alive():
        child.kill()
        child.join()
    assert child.exitcode == 0 and "restart the worker" in out.get(timeout=5)
