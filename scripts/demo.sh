#!/usr/bin/env bash
# Start the demo: the SQLite database ./var/demo.db (created on first run),
# served on http://127.0.0.1:8080 until Ctrl-C. `make demo` builds first.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${OBLAKO_BIN:-build/oblako}
db=sqlite:var/demo.db
listen=${OBLAKO_DEMO_LISTEN:-127.0.0.1:8080}

mkdir -p var
"$bin" init --db "$db"
"$bin" demo --db "$db"

cat <<TXT

  Oblako demo
  -----------
  Open   http://$listen/            the cabinet (the logins are above)
         http://$listen/healthz     health, /readyz readiness, /metrics metrics
  Data   ./var/demo.db (SQLite; delete it to start afresh)
  Stop   Ctrl-C

TXT
exec "$bin" serve --db "$db" --listen "$listen"
