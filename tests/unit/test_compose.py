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
