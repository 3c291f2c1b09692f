"""Beat schedule: periodic lifecycle jobs, each behind a switch and an interval in settings.

Run by exactly one scheduler: RedBeat keeps the schedule in Redis behind a leader lock, so a
second beat process waits instead of dispatching the same due task again.
"""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

from worker.settings import Settings


def beat_schedule(s: Settings) -> dict[str, dict[str, Any]]:
    schedule: dict[str, dict[str, Any]] = {}
    if s.report_enabled:
        schedule["report-versions"] = {
            "task": "lifecycle.report_versions",
            "schedule": s.report_interval_s,
            "options": {"expires": s.report_interval_s},
        }
    if s.reenrich_enabled:
        schedule["reenrich-drifted"] = {
            "task": "lifecycle.reenrich_drifted",
            "schedule": s.reenrich_interval_s,
            "options": {"expires": s.reenrich_interval_s},
        }
    if s.reconcile_enabled:
        schedule["reconcile-intake"] = {
            "task": "lifecycle.reconcile_intake",
            "schedule": s.reconcile_interval_s,
            "options": {"expires": s.reconcile_interval_s},
        }
    if s.ledger_compact_enabled:
        schedule["compact-intake-ledger"] = {
            "task": "lifecycle.compact_intake",
            "schedule": s.ledger_compact_interval_s,
            "options": {"expires": s.ledger_compact_interval_s},
        }
    if s.events_topic:
        schedule["resend-due-events"] = {
            "task": "lifecycle.resend_events",
            "schedule": s.events_resend_interval_s,
            "options": {"expires": s.events_resend_interval_s},
        }
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
