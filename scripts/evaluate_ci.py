"""The extraction quality gate for CI: `enrich evaluate` with the same options and exit status.

.venv/bin/python scripts/evaluate_ci.py [--dataset NAME] [--report-dir reports] [--no-store]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli.evaluate import main

if __name__ == "__main__":
    sys.exit(main())
