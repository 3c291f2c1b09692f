"""Beat schedule: periodic lifecycle jobs, each behind a switch and an interval in settings."""

from __future__ import annotations

from typing import Any

from worker.settings import Settings


def beat_schedule(s: Settings) -> dict[str, dict[str, Any]]:
    schedule: dict[str, dict[str, Any]] = {}
    if s.report_enabled:
        schedule["report-versions"] = {
            "task": "lifecycle.report_versions",
            "schedule": s.report_interval_s,
            "options": {"expires": s.report_interval_s},
        }
    return schedule
