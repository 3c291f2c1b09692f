"""Error taxonomy: what a task may retry versus what must be recorded as failed."""


class EnrichmentError(Exception):
    """Base class for errors raised by the domain or translated by adapters."""


class TransientError(EnrichmentError):
    """Worth retrying: a lock held by another process, a broker or warehouse hiccup."""


class PermanentError(EnrichmentError):
    """Retrying cannot help: bad input or a configuration error. Record it, never retry."""


class ConfigError(PermanentError):
    """A config file is missing, malformed or inconsistent with the files it names."""


class StoreUnusable(PermanentError):
    """The warehouse cannot be used as it is: corrupt, truncated, empty, from a newer schema, or
    not writable. Nothing was written to it; the message names the file and how to recover."""


class StoreBusy(TransientError):
    """The warehouse is held (locked) by another process for longer than the caller waits."""
