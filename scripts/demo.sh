#!/usr/bin/env bash
# Start the demo: the SQLite database ./var/demo.db (created on first run),
# served on http://127.0.0.1:8080 until Ctrl-C, with the reference
# application backend (the cash book, app/) on http://127.0.0.1:8090 that
# the demo applications run on. `make demo` builds first.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${OBLAKO_BIN:-build/oblako}
app=${OBLAKO_CASHBOOK_BIN:-build/oblako-cashbook}
db=sqlite:var/demo.db
listen=${OBLAKO_DEMO_LISTEN:-127.0.0.1:8080}
app_listen=${OBLAKO_DEMO_APP_LISTEN:-127.0.0.1:8090}

mkdir -p var/cashbook
# The secret the demo applications and the cash book sign their calls with:
# made once, kept beside the database.
if [ ! -s var/demo-app.secret ]; then
  (umask 077; head -c 32 /dev/urandom | base64 | tr -d '\n/+=' > var/demo-app.secret)
fi
secret=$(cat var/demo-app.secret)

"$bin" init --db "$db"
OBLAKO_DEMO_APP_URL="http://$app_listen" OBLAKO_DEMO_APP_SECRET="$secret" "$bin" demo --db "$db"

CASHBOOK_SECRET="$secret" "$app" --listen "$app_listen" --oblako "http://$listen" \
  --data var/cashbook &
app_pid=$!
trap 'kill "$app_pid" 2>/dev/null; wait "$app_pid" 2>/dev/null' EXIT INT TERM

cat <<TXT

  Oblako demo
  -----------
  Open   http://$listen/            the cabinet (the logins are above)
         http://$listen/healthz     health, /readyz readiness, /metrics metrics
  Work   sign in as director@romashka.test, open "Data areas" and press Open
         on "Ромашка: бухгалтерия": the cash book opens in a new window with
         its demo entries. Two windows at once? The tariff allows 5 sessions;
         buh@romashka.test is another user of the same client.
  Apps   the reference backend (cash book) runs on http://$app_listen
  Data   ./var/demo.db (SQLite) and ./var/cashbook; delete var/ to start afresh
  Stop   Ctrl-C

TXT
"$bin" serve --db "$db" --listen "$listen"
