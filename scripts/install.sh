#!/usr/bin/env bash
# Install what the project needs on a fresh Debian machine: redis-server (apt) and the .venv;
# then, for the tests, prometheus (apt) and the BigQuery emulator's .venv-bqemu.
#   scripts/install.sh         everything (make test, make install)
#   scripts/install.sh --app   redis-server and .venv only: what the fleet and `make demo` need
# Idempotent: does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
APP_ONLY=0; [ "${1:-}" = "--app" ] && APP_ONLY=1

if ! command -v redis-server >/dev/null 2>&1; then
  echo ">> installing redis-server (apt)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
  # The package starts a system redis on :6379; the fleet runs its own, so stop that one.
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
fi

# Prometheus (server) only for the test that scrapes the fleet's metrics through a real one.
if [ "$APP_ONLY" = 0 ] && ! command -v prometheus >/dev/null 2>&1; then
  echo ">> installing prometheus (apt, for the metrics test)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo ">> creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  echo ">> installing Python dependencies into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -e '.[dev]' >.venv/install.log 2>&1 \
    || { cat .venv/install.log; exit 1; }
  touch .venv/.installed
fi

# The BigQuery emulator (PyPI bqemulator, serving the BigQuery REST API on DuckDB) lives in its own
# venv: it pins protobuf and duckdb versions the app must not share. Its DuckDB extensions are
# installed from their PyPI packages (no download at run time) under a dedicated HOME.
BQE=.venv-bqemu
if [ "$APP_ONLY" = 0 ] && [ ! -f "$BQE/.installed" ]; then
  echo ">> installing the BigQuery emulator into $BQE"
  "$PY" -m venv "$BQE"
  "$BQE/bin/pip" install -q --disable-pip-version-check bqemulator==1.4.0 duckdb==1.5.5 \
    duckdb-extension-spatial==1.5.5 duckdb-extension-avro==1.5.5 numpy >"$BQE/install.log" 2>&1 \
    || { cat "$BQE/install.log"; exit 1; }
  mkdir -p "$BQE/home"
  HOME="$PWD/$BQE/home" "$BQE/bin/python" - <<'PYEOF'
import glob, duckdb
con = duckdb.connect()
for ext in glob.glob(".venv-bqemu/lib/python3*/site-packages/duckdb_extension_*/extensions/*/*.duckdb_extension"):
    con.execute(f"INSTALL '{ext}'")
PYEOF
  touch "$BQE/.installed"
fi
