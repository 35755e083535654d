#!/usr/bin/env bash
# tools/failpoints.sh NORMAL_BUILD SANITIZER_BUILD — the database failpoints
# (src/db/db.c, OB_FAILPOINT) are in the sanitizer build and nowhere else.
#
# Reads the symbols of NORMAL_BUILD/oblako and SANITIZER_BUILD/oblako with nm
# (every symbol, local ones too: the binaries are not stripped): the first
# must have no symbol whose name contains "failpoint", the second must have
# ob_db_failpoint_arm, the function the fault-injection test arms them with.
# Prints one line per problem and "failpoints: N problems"; exits 1 on any.
# Run by `make test` and `make test-full` after both builds.
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: tools/failpoints.sh NORMAL_BUILD SANITIZER_BUILD" >&2
  exit 2
fi
normal=$1/oblako
sanitizer=$2/oblako
problems=0

for bin in "$normal" "$sanitizer"; do
  if [ ! -x "$bin" ]; then
    echo "failpoints: $bin is not built" >&2
    exit 2
  fi
done

found=$(nm "$normal" | awk '$NF ~ /failpoint/ { print $NF }')
if [ -n "$found" ]; then
  echo "failpoints: $normal has failpoint symbols (only the sanitizer build may):"
  echo "$found" | sed 's/^/  /'
  problems=$((problems + 1))
fi
if ! nm "$sanitizer" | awk '$NF == "ob_db_failpoint_arm" { f = 1 } END { exit !f }'; then
  echo "failpoints: $sanitizer has no ob_db_failpoint_arm" \
    "(is -DOB_FAILPOINTS in the Makefile's SANITIZE=1 branch?)"
  problems=$((problems + 1))
fi
echo "failpoints: $problems problems"
[ "$problems" -eq 0 ]
