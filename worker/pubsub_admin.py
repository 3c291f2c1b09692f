"""Create the Pub/Sub topology the fleet uses, idempotently: `python -m worker.pubsub_admin`.

    postings topic ──► bridge subscription ──(after N failed deliveries)──► dead-letter topic
                                                                            └► its keep subscription
    events topic (ENRICH_EVENTS_TOPIC, when set)

The bridge nacks a message whose batch the broker refused (Pub/Sub redelivers it); a message
that fails `max_delivery_attempts` times (5..100) is moved to the dead-letter topic instead of
looping forever, and kept there by a subscription so an operator can read and republish it.
On real Pub/Sub the project's Pub/Sub service agent
(service-PROJECT_NUMBER@gcp-sa-pubsub.iam.gserviceaccount.com) needs roles/pubsub.publisher on
the dead-letter topic and roles/pubsub.subscriber on the bridge subscription; the emulator
checks no permissions. Settings: ENRICH_PUBSUB_* (worker/settings.py).
"""

from __future__ import annotations

import logging
import sys

from google.api_core import exceptions as gexc
from google.cloud import pubsub_v1

from worker.settings import Settings, get_settings

log = logging.getLogger(__name__)


def _topic(publisher: pubsub_v1.PublisherClient, name: str) -> str:
    try:
        publisher.create_topic(name=name)
        return f"created {name}"
    except gexc.AlreadyExists:
        return f"exists  {name}"


def _subscription(subscriber: pubsub_v1.SubscriberClient, request: dict[str, object]) -> str:
    try:
        subscriber.create_subscription(request=request)
        return f"created {request['name']}"
    except gexc.AlreadyExists:
        # keep the dead-letter policy in step with the settings on an existing subscription
        if "dead_letter_policy" in request:
            subscriber.update_subscription(
                request={
                    "subscription": {
                        "name": request["name"],
                        "dead_letter_policy": request["dead_letter_policy"],
                    },
                    "update_mask": {"paths": ["dead_letter_policy"]},
                }
            )
        return f"exists  {request['name']}"


def ensure_topology(
    s: Settings,
    publisher: pubsub_v1.PublisherClient | None = None,
    subscriber: pubsub_v1.SubscriberClient | None = None,
) -> list[str]:
    """Create what is missing (topics, the bridge subscription with its dead-letter policy, the
    dead-letter keep subscription, the events topic); one line per resource, what was done."""
    pub = publisher or pubsub_v1.PublisherClient()
    sub = subscriber or pubsub_v1.SubscriberClient()
    dead = s.dead_letter_topic_path
    done = [_topic(pub, s.topic_path), _topic(pub, dead)]
    done.append(_subscription(sub, {"name": f"{dead.replace('/topics/', '/subscriptions/')}-keep",
                                    "topic": dead, "ack_deadline_seconds": 60}))  # fmt: skip
    done.append(
        _subscription(
            sub,
            {
                "name": s.subscription_path,
                "topic": s.topic_path,
                "ack_deadline_seconds": 60,
                "dead_letter_policy": {
                    "dead_letter_topic": dead,
                    "max_delivery_attempts": s.pubsub_max_delivery_attempts,
                },
            },
        )
    )
    if s.events_topic_path is not None:
        done.append(_topic(pub, s.events_topic_path))
    return done


def main() -> int:
    logging.basicConfig(level=logging.INFO)
    for line in ensure_topology(get_settings()):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
