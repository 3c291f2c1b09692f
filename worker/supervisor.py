"""Supervisor of the local fleet: restarts a fleet process that died, with backoff, and says so.

Started by `enrich fleet start` as one more process (`python -m worker.supervisor`). Every
`interval_s` it checks each component that has a pidfile; a dead one is restarted after
1, 2, 4, ... seconds (up to ENRICH_SUPERVISE_BACKOFF_MAX_S; the delay resets once the process has
stayed up for a minute). Before a restart it kills what is left of the dead process's group
(the prefork children of a SIGKILLed worker parent), so no orphan keeps working on batches whose
messages will be redelivered. Restarts are logged here and counted in run/supervisor.json, which
`enrich fleet status` shows.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
from contextlib import suppress
from dataclasses import asdict, dataclass, field

from worker.fleet import SUPERVISED, Fleet, FleetError, _reap
from worker.settings import Settings, get_settings

log = logging.getLogger("supervisor")
STABLE_AFTER_S = 60.0


@dataclass
class Watch:
    restarts: int = 0
    last_exit: str | None = None
    last_restart: str | None = None
    up_since: float = field(default_factory=time.monotonic)
    next_try: float | None = None  # monotonic seconds of the scheduled restart, if any
    delay: float = 1.0


class Supervisor:
    def __init__(self, fleet: Fleet, backoff_max_s: float, interval_s: float = 1.0) -> None:
        self.fleet = fleet
        self.backoff_max_s = backoff_max_s
        self.interval_s = interval_s
        self.watches: dict[str, Watch] = {}
        self.stopping = False

    def watched(self) -> list[str]:
        """Components started for this fleet (they have a pidfile), in start order."""
        return [n for n in SUPERVISED if self.fleet.recorded_pid(n) is not None]

    def check(self) -> None:
        now = time.monotonic()
        for name in self.watched():
            w = self.watches.setdefault(name, Watch())
            pid = self.fleet.recorded_pid(name)
            assert pid is not None
            _reap(pid)
            if self.fleet.pid(name):
                if now - w.up_since > STABLE_AFTER_S:
                    w.delay = 1.0
                continue
            if w.next_try is None:  # just found dead: schedule the restart
                w.last_exit = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                w.next_try = now + w.delay
                log.error("%s (pid %d) is not running; restarting in %.0fs", name, pid, w.delay)
                self.save()
            if now >= w.next_try:
                self.restart(name, pid, w)

    def restart(self, name: str, old_pid: int, w: Watch) -> None:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(old_pid, signal.SIGKILL)  # orphans of the dead process's group
        try:
            self.fleet.start((name,))
        except (FleetError, OSError) as exc:
            w.delay = min(w.delay * 2, self.backoff_max_s)
            w.next_try = time.monotonic() + w.delay
            log.error("restart of %s failed (%s); next try in %.0fs", name, exc, w.delay)
        else:
            w.restarts += 1
            w.last_restart = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            w.up_since = time.monotonic()
            w.next_try = None
            w.delay = min(w.delay * 2, self.backoff_max_s)
            log.warning(
                "restarted %s: pid %s (restart #%d)", name, self.fleet.pid(name), w.restarts
            )
        self.save()

    def save(self) -> None:
        state = {
            n: {
                k: v for k, v in asdict(w).items() if k in ("restarts", "last_exit", "last_restart")
            }
            for n, w in self.watches.items()
        }
        tmp = self.fleet.supervisor_state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1))
        os.replace(tmp, self.fleet.supervisor_state_file)

    def run(self) -> None:
        def stop(*_: object) -> None:
            self.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("supervising %s (pid %d)", ", ".join(self.watched()), os.getpid())
        while not self.stopping:
            self.check()
            time.sleep(self.interval_s)
        log.info("supervisor stopping")


def read_state(fleet: Fleet) -> dict[str, dict[str, object]]:
    try:
        return dict(json.loads(fleet.supervisor_state_file.read_text()))
    except (OSError, ValueError):
        return {}


def main() -> int:
    settings: Settings = get_settings()
    logging.basicConfig(
        level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(levelname)s %(message)s"
    )
    fleet = Fleet(settings, settings.run_dir)
    Supervisor(fleet, settings.supervise_backoff_max_s).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
