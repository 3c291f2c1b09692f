"""Beat schedule: periodic lifecycle jobs, each behind a switch and an interval in settings.

Run by exactly one scheduler: RedBeat keeps the schedule in Redis behind a leader lock, so a
second beat process waits instead of dispatching the same due task again.
"""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

from worker.settings import Settings


def _every(task: str, interval_s: float) -> dict[str, Any]:
    """An interval entry; a run not started within one interval expires (the next one is due)."""
    return {"task": task, "schedule": interval_s, "options": {"expires": interval_s}}


def beat_schedule(s: Settings) -> dict[str, dict[str, Any]]:
    """The entries enabled by `s`: name -> Celery beat entry (task name, schedule, options)."""
    interval_jobs = (
        (s.report_enabled, "report-versions", "lifecycle.report_versions", s.report_interval_s),
        (s.reenrich_enabled, "reenrich-drifted", "lifecycle.reenrich_drifted",
         s.reenrich_interval_s),
        (s.reconcile_enabled, "reconcile-intake", "lifecycle.reconcile_intake",
         s.reconcile_interval_s),
        (s.ledger_compact_enabled, "compact-intake-ledger", "lifecycle.compact_intake",
         s.ledger_compact_interval_s),
        (bool(s.events_topic), "resend-due-events", "lifecycle.resend_events",
         s.events_resend_interval_s),
    )  # fmt: skip
    schedule = {name: _every(task, every) for on, name, task, every in interval_jobs if on}
    if s.evaluation_enabled:
        schedule["evaluate-extraction-nightly"] = {
            "task": "lifecycle.evaluate_extraction",
            "schedule": s.evaluation_interval_s or crontab(minute=0, hour=s.evaluation_hour_utc),
        }
    if s.cluster_enabled:
        schedule["cluster-postings-nightly"] = {
            "task": "lifecycle.cluster_postings",
            "schedule": s.cluster_interval_s or crontab(minute=30, hour=s.cluster_hour_utc),
        }
    return schedule
