#!/usr/bin/env bash
# Checks docs/openapi.yaml the way a partner's developer would use it, with the npm dev
# dependencies (package.json; scripts/deps.sh test installs them):
#   lint   redocly lint with redocly.yaml: the structure of OpenAPI 3.1, an operationId on
#          every operation, unique and URL-safe, and the rules tuned there (each with why)
#   types  openapi-typescript generates the types of the spec, and tsc --noEmit --strict
#          type-checks tests/openapi/client.ts, a small client written against them.
#          openapi-typescript validates first with its own, older Redocly core (1.x): it
#          reads redocly.yaml but not .redocly.lint-ignore.yaml, and its checks differ a
#          little (it found an example matching both alternatives of a oneOf that 2.x passed)
# Usage: tests/openapi/check.sh [lint|types]  (both by default). Prints "ok NAME" (with the
# lint's warnings, which do not fail it) or "FAIL NAME" with the tool's output for each;
# exits 1 if one failed.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 2
root=$PWD
bin=$root/node_modules/.bin
spec=docs/openapi.yaml
# No telemetry or update check: the tests run offline and must not depend on the network.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1

for t in redocly openapi-typescript tsc; do
  if [ ! -x "$bin/$t" ]; then
    echo "tests/openapi/check.sh: $bin/$t missing; run scripts/deps.sh test" >&2
    exit 2
  fi
done

work=$(mktemp -d /tmp/oblako-openapi.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0

# check NAME CMD...: runs CMD with its output in a log; prints the log when it fails.
check() {
  local name=$1 log=$work/$1.log
  shift
  if "$@" >"$log" 2>&1; then
    echo "ok $name"
    # warnings do not fail the suite, but are shown so they get fixed or ignored with a reason
    grep -E '^ +[0-9]+:[0-9]+ +warning ' "$log" | sed 's/^ */   | /'
  else
    echo "FAIL $name"
    sed 's/^/   | /' "$log"
    failed=1
  fi
}

# shellcheck disable=SC2317  # invoked by check
lint() {
  "$bin/redocly" lint --config redocly.yaml --format=stylish "$spec"
}

# The generated types and a copy of the client sit side by side in the work folder, so the
# client imports './oblako' as it would in a partner's project; tsc runs there and its
# messages name client.ts and oblako.d.ts.
# shellcheck disable=SC2317  # invoked by check
types() {
  "$bin/openapi-typescript" "$spec" --output "$work/ts/oblako.d.ts" || return 1
  cp tests/openapi/client.ts "$work/ts/client.ts"
  (cd "$work/ts" && "$bin/tsc" --noEmit --strict --exactOptionalPropertyTypes \
    --target es2022 --module es2022 --moduleResolution bundler --lib es2022,dom client.ts)
}

mkdir -p "$work/ts"
case "${1:-all}" in
  lint) check lint lint ;;
  types) check types types ;;
  all) check lint lint; check types types ;;
  *) echo "usage: tests/openapi/check.sh [lint|types]" >&2; exit 2 ;;
esac
exit "$failed"
