"""BigQuery client construction and translation of vendor errors into domain errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from google.api_core import exceptions as gexc
from google.cloud import bigquery

from domain.errors import PermanentError, TransientError

# Worth retrying: throttling, server-side trouble, the network. Everything else is a bug in the
# request (bad SQL, missing table, permissions) and retrying cannot help.
TRANSIENT = (
    gexc.TooManyRequests,
    gexc.InternalServerError,
    gexc.BadGateway,
    gexc.ServiceUnavailable,
    gexc.GatewayTimeout,
    gexc.RetryError,
    ConnectionError,
    TimeoutError,
)


def make_client(
    project: str, endpoint: str | None = None, location: str | None = None
) -> bigquery.Client:
    """A client for a real project (ADC credentials) or, with `endpoint`, a local emulator."""
    if endpoint:
        from google.auth.credentials import AnonymousCredentials

        return bigquery.Client(
            project=project,
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
            client_options={"api_endpoint": endpoint},
            location=location,
        )
    return bigquery.Client(project=project, location=location)


@contextmanager
def translated(what: str) -> Iterator[None]:
    try:
        yield
    except TRANSIENT as exc:
        raise TransientError(f"BigQuery {what}: {type(exc).__name__}: {exc}") from exc
    except gexc.GoogleAPICallError as exc:
        raise PermanentError(f"BigQuery {what}: {type(exc).__name__}: {exc}") from exc
    except OSError as exc:  # requests' ConnectionError derives from OSError
        raise TransientError(f"BigQuery {what}: {type(exc).__name__}: {exc}") from exc
