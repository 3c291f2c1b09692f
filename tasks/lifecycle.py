"""Lifecycle tasks run by beat or by ops: version and drift reporting."""

from __future__ import annotations

import logging
from typing import Any

from worker.app import app
from worker.bootstrap import services

log = logging.getLogger(__name__)


@app.task(name="lifecycle.report_versions", acks_late=True)
def report_versions() -> dict[str, Any]:
    """Log rows per version and the drift backlog so ops see a rollout progress in the logs."""
    svc = services()
    current = svc.manifest.effective
    counts = {c.enrichment_version: c.rows for c in svc.store.counts_by_version()}
    drift = svc.store.count_drifted(current)
    log.info("versions: current=%s rows_per_version=%s drift_backlog=%d", current, counts, drift)
    return {"current": current, "rows_per_version": counts, "drift_backlog": drift}
