"""Snapshot of task names, routes and the beat schedule: renames must be deliberate.

After an intended change, regenerate with:  UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/unit/test_celery_contract.py
"""

import json
import os
from pathlib import Path

from worker.app import app

SNAPSHOT = Path(__file__).resolve().parents[1] / "snapshots" / "celery_contract.json"


def current_contract() -> dict:
    app.loader.import_default_modules()
    tasks = sorted(n for n in app.tasks if not n.startswith("celery."))
    beat = {
        name: {"task": e["task"], "schedule": str(e["schedule"])}
        for name, e in sorted(app.conf.beat_schedule.items())
    }
    conf = {
        k: app.conf[k]
        for k in (
            "task_serializer",
            "accept_content",
            "task_acks_late",
            "task_reject_on_worker_lost",
            "worker_prefetch_multiplier",
            "task_ignore_result",
            "task_routes",
        )
    }
    return {"tasks": tasks, "beat_schedule": beat, "conf": conf}


def test_task_names_and_beat_schedule_match_snapshot() -> None:
    current = json.loads(json.dumps(current_contract()))
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text())
