"""docker-compose.yml is valid against the compose spec and runs every fleet role once."""

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


def test_compose_file_matches_the_compose_spec() -> None:
    exe = Path(sys.executable).with_name("check-jsonschema")
    run = subprocess.run(
        [str(exe), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_compose_has_every_role_and_flower_needs_a_password() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert {"redis", "worker", "persister", "beat", "flower", "bridge", "migrate", "publish",
            "pubsub-emulator", "bigquery-emulator"} <= services.keys()  # fmt: skip
    assert services["bridge"]["command"] == ["enrich", "bridge", "--source", "pubsub"]
    assert "FLOWER_BASIC_AUTH" in services["flower"]["environment"]
    assert services["flower"]["ports"] == ["127.0.0.1:5555:5555"]
    assert (
        "-Q" in services["persister"]["command"] and "persist" in services["persister"]["command"]
    )


def test_compose_restarts_and_health_checks_long_running_services_and_hides_secrets() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    for name in ("redis", "worker", "persister", "beat", "flower"):
        assert services[name]["restart"] == "unless-stopped", name
        assert services[name]["healthcheck"]["test"], name
    assert services["bridge"]["restart"] == "unless-stopped"
    for name, svc in services.items():  # no password on any command line
        cmd = " ".join(svc.get("command", [])) if isinstance(svc.get("command"), list) else ""
        assert "--basic-auth" not in cmd and "--requirepass" not in cmd, name
    assert "requirepass" in " ".join(services["redis"]["command"])  # written to a config file


def test_compose_runs_the_metrics_exporter_and_a_prometheus_that_scrapes_it(
    tmp_path: Path,
) -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert services["metrics"]["command"][:2] == ["enrich-ops", "metrics"]
    prom = services["prometheus"]
    assert "./config/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prom["volumes"]
    assert prom["secrets"] == ["flower_password"]
    config = yaml.safe_load((ROOT / "config" / "prometheus.yml").read_text())
    targets = {
        job["job_name"]: job["static_configs"][0]["targets"] for job in config["scrape_configs"]
    }
    assert targets == {"enrich": ["metrics:9808"], "flower": ["flower:5555"]}
    # promtool (Debian's prometheus package) checks the config; the secret file must exist
    text = (ROOT / "config" / "prometheus.yml").read_text()
    (tmp_path / "pw").write_text("x")
    (tmp_path / "p.yml").write_text(
        text.replace("/run/secrets/flower_password", str(tmp_path / "pw"))
    )
    run = subprocess.run(
        ["promtool", "check", "config", str(tmp_path / "p.yml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
