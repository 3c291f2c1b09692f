"""Enrichment events at the edges of the fleet: the start-up check and the status line."""

from __future__ import annotations

import logging

from worker.bootstrap import Services

log = logging.getLogger(__name__)


def check_events_at_start(svc: Services) -> str | None:
    """In a process that publishes events (the persister's pool child, after the fork: a gRPC
    client must not cross a fork): check the topic once and log the outcome, an ERROR line
    when it is missing or permission is denied. Never raises: enrichment goes on and the
    events stay due until the topic works. None when events are off."""
    publisher = svc.event_publisher
    if publisher is None:
        return None
    check = getattr(publisher, "startup_check", None)
    return check() if check is not None else None


def events_status_line(svc: Services) -> str:
    """One line for `enrich-ops status`: topic state and how many events are still due."""
    s = svc.settings
    topic = s.events_topic_path
    if topic is None:
        return "events:         off (ENRICH_EVENTS_TOPIC unset)"
    from adapters.pubsub.events import EventsTopicUnusable, check_topic

    try:
        state = check_topic(topic)
    except EventsTopicUnusable as exc:
        state = f"ERROR: {exc}"
    except Exception as exc:  # status must still print
        state = f"events topic {topic}: unavailable ({type(exc).__name__})"
    try:
        due = svc.event_marks.count_due_events(s.events_resend_window_s, s.events_resend_grace_s)
        backlog = (
            f"{due} due past the {s.events_resend_grace_s:.0f} s grace (resend job sends them)"
        )
    except Exception as exc:
        backlog = f"due count unavailable ({type(exc).__name__})"
    return f"events:         {state}; {backlog}"
