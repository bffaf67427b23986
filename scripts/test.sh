#!/usr/bin/env bash
# Run the suite on SQLite, then on PostgreSQL when a server answers (GARDE_TEST_POSTGRES_URL,
# or 127.0.0.1:5432 as user postgres). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export GARDE_DATA_DIR="${GARDE_TEST_DATA_DIR:-$PWD/var/test}"
mkdir -p "$GARDE_DATA_DIR"
# One pytest-xdist worker per core (GARDE_TEST_WORKERS=0 runs in one process): each worker has
# its own test databases, so the suite stays well inside CI's time limit.
WORKERS=(-n "${GARDE_TEST_WORKERS:-auto}")

echo "== test suite on SQLite =="
env -u GARDE_DATABASE_URL -u GARDE_CONNLOGS_DATABASE_URL "$BIN/pytest" "${WORKERS[@]}" "$@"

PG_URL="${GARDE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/garde}"
if "$BIN/python" - "$PG_URL" <<'PY'
import sys
import psycopg
from urllib.parse import urlsplit, urlunsplit
url = urlsplit(sys.argv[1])
try:
    psycopg.connect(urlunsplit(url._replace(path="/postgres")), connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable at {url.hostname}:{url.port or 5432}: {exc}")
    sys.exit(1)
PY
then
  echo "== test suite on PostgreSQL ($PG_URL) =="
  GARDE_DATABASE_URL="$PG_URL" GARDE_CONNLOGS_DATABASE_URL="${PG_URL}_connlogs" \
    "$BIN/pytest" "${WORKERS[@]}" -m "not e2e" "$@"
else
  echo "== SKIPPED: the suite did NOT run on PostgreSQL (no server answered; set GARDE_TEST_POSTGRES_URL) =="
fi
