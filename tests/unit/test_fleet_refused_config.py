"""`enrich fleet start|status`: a worker that refused the deployed config and serves its last
good release is not healthy (ops10 trial: a corrupt config/occupations/coder.npz under
ENRICH_CONFIG_ROOT, on a machine where `make demo` had run, started "ok" and exit 0)."""

from __future__ import annotations

from worker.checks import ready_check

GOOD, DEPLOYED = "2026.12.6+de9aeb5e", "2026.12.6+179ff8d3"
WHY = (
    "ConfigError: occupation coder /cfg/config/occupations/coder.npz: cannot read "
    "(File is not a zip file) (config /cfg)"
)
# the order of a real worker log at start: the refusal comes before Celery's banner and "ready"
REFUSED_AT_START = (
    f"config refused, still serving {GOOD}: {WHY}\n"
    " -------------- celery@vm v5.4.0\n"
    f"[2026-12-01 07:40:35,418: INFO/MainProcess] worker ready: enrichment_version={GOOD} "
    "components: aliases=curated_aliases.v6@d9bcf1d2\n"
    "[2026-12-01 07:40:35,500: INFO/MainProcess] enrich-1@vm ready.\n"
)


def test_a_worker_serving_its_last_good_release_instead_of_the_config_fails_naming_why() -> None:
    check = ready_check("worker", REFUSED_AT_START, DEPLOYED)
    assert not check.ok
    assert check.line() == (
        f"worker    FAILED: config refused, still serving {GOOD}: {WHY}; deployed {DEPLOYED} "
        "(enrich-ops status)"
    )


def test_a_worker_serving_the_deployed_version_is_ok() -> None:
    start = REFUSED_AT_START.split("\n", 1)[1]  # no refusal
    assert ready_check("worker", start, GOOD).line() == (
        f"worker    ok: models loaded, enrichment_version {GOOD}"
    )
    # refused a push, then the file was restored: the deployed version is the one it serves
    assert ready_check("worker", REFUSED_AT_START, GOOD).ok
    # refused, then a later good push switched it: serving the deployed version
    switched = REFUSED_AT_START + f"W active config changed (k): now serving {DEPLOYED}\n"
    assert ready_check("worker", switched, DEPLOYED).ok
    # the config check failed already and says why: no second failure for the same cause
    assert ready_check("worker", REFUSED_AT_START, None).ok
    assert ready_check("persister", start, GOOD).detail == f"store open, enrichment_version {GOOD}"
