"""Start-up time of the CLIs: a checkout with the argparse CLIs (worker/cli.py) against this one.

    .venv/bin/python bench/cli_startup.py --old /path/to/checkout-at-d71c0a7 [--repeat 15]

For each case, runs the old command (PYTHONPATH=--old) and the new one (PYTHONPATH=this repo)
alternately, --repeat times each, so both see the same machine load; prints the median wall
times and their ratio (new / old).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "enrich --help": (["-m", "worker.cli", "--help"], ["-m", "cli.enrich", "--help"]),
    "enrich-ops --help": (["-m", "worker.ops_cli", "--help"], ["-m", "cli.enrich_ops", "--help"]),
    "enrich versions": (["-m", "worker.cli", "versions"], ["-m", "cli.enrich", "versions"]),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--old", type=Path, required=True, help="checkout with worker/cli.py")
    p.add_argument("--repeat", type=int, default=15)
    args = p.parse_args()
    for name, (old, new) in CASES.items():
        times: dict[str, list[float]] = {"old": [], "new": []}
        for _ in range(args.repeat):
            for label, argv, root in (("old", old, args.old), ("new", new, ROOT)):
                env = dict(os.environ, PYTHONPATH=str(root))
                start = time.perf_counter()
                subprocess.run([sys.executable, *argv], cwd=root, env=env, check=True,
                               capture_output=True)  # fmt: skip
                times[label].append(time.perf_counter() - start)
        old_s, new_s = statistics.median(times["old"]), statistics.median(times["new"])
        print(f"{name:20} argparse median {old_s * 1000:6.0f} ms  click median "
              f"{new_s * 1000:6.0f} ms  ratio new/old {new_s / old_s:.2f}  (n={args.repeat} each)")  # fmt: skip


if __name__ == "__main__":
    main()
