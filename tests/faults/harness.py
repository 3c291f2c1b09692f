"""Fault suite harness: a real fleet, ≥ 2,000 real postings per scenario, a fault mid-run, and a
reconciliation of the warehouse against the input at the end.

Every input id must end enriched exactly once at the current version, or with a failure row that
says why (then `enrich-ops replay-failures` must bring it to enriched); 0 lost, 0 duplicates.
Each outcome is appended to reports/fault_suite.jsonl (the table in docs/numbers.md is built from it:
.venv/bin/python -m tests.faults.table --write).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from adapters.artifacts.config_files import load_config
from adapters.duckdb.store import DuckDbStore
from adapters.local.spool import FileSpool
from domain.recovery import spooled_postings
from tests.conftest import ROOT
from tests.integration.conftest import make_fleet, write_postings
from worker.fleet import Fleet

N = int(os.environ.get("FAULT_POSTINGS", "2000"))
CURRENT = load_config(ROOT).manifest.effective
REPORT = ROOT / "reports" / "fault_suite.jsonl"
SAMPLE_SIZE = 198

# The fault fleet's timeouts: a 60 s broker outage must be waited out by the handoff (70 s
# window), which must fit the soft limit; the visibility timeout is 2x the hard limit.
FAULT_SETTINGS: dict[str, object] = {
    "batch_size": 32,
    "batch_max_wait_s": 0.5,
    "handoff_window_s": 70,
    "task_soft_time_limit_s": 90,
    "task_time_limit_s": 100,
    "visibility_timeout_s": 200,
    "unacked_restore_interval_s": 2,
    "supervise_backoff_max_s": 4,
    "evaluation_enabled": False,
    "report_enabled": False,
    "reenrich_interval_s": 2,
    # The intake reconciler (domain/reconcile.py), scaled down like the rest: a posting idle 30 s
    # (warehouse clock) is enqueued again, but only while the enrich queue is empty, so postings
    # merely waiting behind the backlog are not.
    "reconcile_grace_s": 30,
    "reconcile_interval_s": 5,
    "reconcile_max_queue_depth": 0,
}


@dataclass
class Outcome:
    scenario: str
    postings_in: int
    enriched: int  # exactly one row at the current version
    failed: int  # no row, but a failure row with stage + reason (before replay)
    failure_reasons: dict[str, int]
    lost: int  # neither
    duplicates: int  # rows beyond one per posting at the current version
    recovery_s: float  # from the end of the fault until every posting was settled
    enriched_after_replay: int
    note: str = ""


def fault_fleet(base: Path, **overrides: object) -> Fleet:
    return make_fleet(base, **(FAULT_SETTINGS | overrides))


def postings_file(path: Path, prefix: str, n: int = N) -> list[str]:
    ids = write_postings(path, prefix, copies=-(-n // SAMPLE_SIZE))
    lines = path.read_text(encoding="utf-8").splitlines()[:n]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ids[:n]


def cli(
    fleet: Fleet, *args: str, timeout: float = 900, **kw: object
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "cli.enrich", *args], cwd=ROOT, env=fleet.env(),
                          capture_output=True, timeout=timeout, check=False, **kw)  # type: ignore[call-overload]  # fmt: skip


def ops(fleet: Fleet, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "cli.enrich_ops", *args], cwd=ROOT,
                          env=fleet.env(), capture_output=True, timeout=timeout, check=False)  # fmt: skip


def start_bridge(fleet: Fleet, *args: str) -> subprocess.Popen[bytes]:
    log = open(fleet.run_dir / "logs" / "bridge.log", "ab")  # noqa: SIM115
    return subprocess.Popen([sys.executable, "-m", "cli.enrich", "bridge", *args], cwd=ROOT,
                            env=fleet.env(), stdout=log, stderr=subprocess.STDOUT)  # fmt: skip


def store(fleet: Fleet) -> DuckDbStore:
    return DuckDbStore(fleet.settings.duckdb_path, lock_timeout_s=120)


def spooled(fleet: Fleet) -> dict[str, str]:
    return spooled_postings(FileSpool(fleet.settings.spool_dir))


def settled(fleet: Fleet, ids: list[str]) -> int:
    """Enriched at the current version, or failed with a row, or held in the spool."""
    held = spooled(fleet)
    enriched, failed = store(fleet).enrichment_status([i for i in ids if i not in held], CURRENT)
    return enriched + failed + len(set(ids) & held.keys())


def wait_settled(fleet: Fleet, ids: list[str], timeout: float) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if settled(fleet, ids) >= len(set(ids)):
            return time.monotonic() - t0
        time.sleep(1)
    raise AssertionError(f"not settled after {timeout:.0f}s: {settled(fleet, ids)}/{len(ids)}")


def wait_progress(fleet: Fleet, ids: list[str], fraction: float, timeout: float = 300) -> None:
    """Block until that share of the postings is settled, so the fault lands mid-run."""
    t0 = time.monotonic()
    while settled(fleet, ids) < fraction * len(ids):
        assert time.monotonic() - t0 < timeout, "the run made no progress before the fault"
        time.sleep(0.2)


def reconcile(fleet: Fleet, ids: list[str]) -> dict[str, object]:
    st = store(fleet)
    rows = dict(st._query(
        "SELECT posting_id, count(*) FROM job_enrichments WHERE enrichment_version = ? "
        "AND list_contains(?, posting_id) GROUP BY 1", [CURRENT, ids]))  # fmt: skip
    reasons = st._query(
        "SELECT posting_id, stage || '/' || reason FROM rejections WHERE stage <> 'validate' "
        "AND list_contains(?, posting_id)", [ids])  # fmt: skip
    held = spooled(fleet)
    reasons += [(pid, r) for pid, r in held.items() if pid not in dict(reasons)]
    failed_ids = {pid for pid, _ in reasons} - set(rows)
    why: dict[str, int] = {}
    for pid, r in dict(reasons).items():
        if pid in failed_ids:
            why[r] = why.get(r, 0) + 1
    unique = set(ids)
    return {
        "enriched": sum(1 for i in unique if rows.get(i) == 1),
        "failed": len(failed_ids & unique),
        "failure_reasons": why,
        "lost": len(unique - set(rows) - failed_ids),
        "duplicates": sum(n - 1 for n in rows.values() if n > 1),
    }


def replay_and_check(fleet: Fleet, ids: list[str]) -> int:
    run = ops(fleet, "replay-failures", "--wait", "--timeout", "600")
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    return int(reconcile(fleet, ids)["enriched"])  # type: ignore[call-overload]


def record(outcome: Outcome) -> None:
    REPORT.parent.mkdir(exist_ok=True)
    with open(REPORT, "a", encoding="utf-8") as fh:
        fh.write(
            json.dumps(asdict(outcome) | {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
            + "\n"
        )
    print(f"\n{outcome}")


def run_scenario(
    name: str,
    fleet: Fleet,
    tmp: Path,
    fault: Callable[[Fleet], None],
    at: float = 0.3,
    bridge_args: tuple[str, ...] = (),
    note: str = "",
) -> Outcome:
    """Bridge N postings, apply `fault` once `at` of them are settled, then reconcile."""
    ids = postings_file(tmp / f"{name}.jsonl", name)
    bridge = start_bridge(fleet, str(tmp / f"{name}.jsonl"), *bridge_args)
    wait_progress(fleet, ids, at)
    fault(fleet)
    fault_end = time.monotonic()
    assert bridge.wait(timeout=900) == 0, "the bridge failed: see logs/bridge.log"
    wait_settled(fleet, ids, 900)
    recovery = time.monotonic() - fault_end
    return finish(name, fleet, ids, recovery, note)


def finish(name: str, fleet: Fleet, ids: list[str], recovery: float, note: str = "") -> Outcome:
    r = reconcile(fleet, ids)
    after = replay_and_check(fleet, ids) if r["failed"] else r["enriched"]
    outcome = Outcome(name, len(set(ids)), recovery_s=round(recovery, 1),
                      enriched_after_replay=int(after), note=note, **r)  # type: ignore[arg-type]  # fmt: skip
    record(outcome)
    assert outcome.lost == 0 and outcome.duplicates == 0, outcome
    assert outcome.enriched + outcome.failed == outcome.postings_in, outcome
    assert outcome.enriched_after_replay == outcome.postings_in, outcome
    return outcome


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(x) for x in out.stdout.split()]


def kill(pid: int | None, sig: signal.Signals = signal.SIGKILL) -> None:
    assert pid is not None, "the process to kill is not running"
    os.kill(pid, sig)
