#!/usr/bin/env bash
# Test orchestrator (what `make test` runs after building; it does not build).
# Usage: tests/run.sh [--full | --quick | --tsan [--full]]
#   default: openapi (lint and generated types of docs/openapi.yaml), unit (sqlite+postgres),
#            e2e sqlite, e2e postgres, cluster (tests/cluster: three nodes through pgbouncer
#            behind haproxy, PostgreSQL only; the isolation test runs through it too),
#            walk (tests/walk: the cabinet walked by every role),
#            asan unit, asan e2e sqlite
#            (the API files; the browser files, which drive the same API through the
#            cabinet, run under the sanitizers with --full), fuzz
#   --full:  adds asan e2e browser, asan e2e postgres, the ThreadSanitizer suites, the long
#            runs (tests/e2e/long/*.test.js, both engines) and the cluster's 10-minute soak
#            with repeated node kills (tests/cluster/soak.test.js)
#   --quick: openapi, unit and e2e on both engines only (what `make check` runs)
#   --tsan:  the ThreadSanitizer suites only (build/tsan, `make tsan`): tsan unit,
#            tsan e2e sqlite, tsan load sqlite; with --full also tsan e2e and load postgres
# Environment: OBLAKO_FUZZ_SECONDS (per fuzz target; default 5, 60 with --full),
#              OBLAKO_UNIT_TIMEOUT (default 600 s per unit binary),
#              OBLAKO_TSAN_DIR (default build/tsan), OBLAKO_TSAN_LOAD_SECONDS (default 15),
#              OBLAKO_STATEMENTS_KILLS (kills of the statement run's crash test; 5, 200 with --full),
#              OBLAKO_E2E_CONCURRENCY (test files at a time in the e2e suites; default 3),
#              OBLAKO_TEST_TMPDIR (where the tests' files go; default /dev/shm when it has room, else /tmp),
#              OBLAKO_TEST_SHOTS=all (the browser files' screenshots on PostgreSQL too; default SQLite only).
# Every skipped or todo test of a node --test run is printed; one that is not on the list of
# expected skips below (expected_skips) counts as a failure of its suite.
# Ends with one line "N passed, N failed"; exits 1 if anything failed or nothing ran.
set -uo pipefail
shopt -s nullglob

cd "$(dirname "$0")/.." || exit 2
root=$PWD

full=0
quick=0
tsan_only=0
for a in "$@"; do
  case "$a" in
    --full) full=1 ;;
    --quick) quick=1 ;;
    --tsan) tsan_only=1 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "usage: tests/run.sh [--full | --quick | --tsan [--full]]" >&2; exit 2 ;;
  esac
done

# --- expected skips ----------------------------------------------------------------------------
# The skipped (or todo) node tests that may skip, one a line: 'FILE|TEST NAME|WHY', FILE from the
# repository's root, TEST NAME as node reports it (a subtest by its own name). Any other skip fails
# its suite: a test that skips proves nothing, so each one is a decision written down here, with
# its reason beside it. None today: every route the tests once waited for is built.
expected_skips=(
)

total_pass=0
total_fail=0
total_skip=0
suites_run=0
# The tests' files (databases, servers' folders, PostgreSQL's cluster) go on a RAM disk when
# there is one with room (/dev/shm, at least 4 GiB free): a SQLite commit (synchronous=FULL) waits
# for an fsync, which costs milliseconds on a shared disk, and no test is about a power cut (the
# test PostgreSQL runs with fsync=off for the same reason). OBLAKO_TEST_TMPDIR names another place.
tmpbase=${OBLAKO_TEST_TMPDIR:-}
if [ -z "$tmpbase" ]; then
  tmpbase=/tmp
  if [ -d /dev/shm ] && [ -w /dev/shm ] &&
     [ "$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')" -ge 4194304 ] 2>/dev/null; then
    tmpbase=/dev/shm
  fi
fi
workdir=$(mktemp -d "$tmpbase/oblako-tests.XXXXXX")
# every failure, a line each, repeated by finish() last: a CI log shows only its tail
failures="$workdir/failures"
: >"$failures"
# what the tests make with os.tmpdir() or mktemp is removed with the rest at the end
mkdir -p "$workdir/tmp"
export TMPDIR=$workdir/tmp
pgdir=""
clusterdir=""

# shellcheck disable=SC2317  # invoked by trap
cleanup() {
  bg_stop
  if [ -n "$clusterdir" ]; then "$root/tests/cluster/cluster.sh" stop "$clusterdir" || true; fi
  if [ -n "$pgdir" ]; then "$root/tests/lib/pg.sh" stop "$pgdir" || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT

# Children run in the background and we `wait` for them: then an INT/TERM trap fires at once
# even when the child (node --test) handles SIGINT itself and exits 1, which would otherwise
# make bash ignore the Ctrl-C. The trap stops the child, and the EXIT trap stops PostgreSQL.
child=""
# shellcheck disable=SC2317  # invoked by trap
on_signal() {
  echo "tests/run.sh: interrupted" >&2
  bg_stop
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null
    wait "$child" 2>/dev/null
  fi
  exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

# run CMD...: runs CMD (stdin /dev/null) and returns its exit status.
run() {
  "$@" </dev/null &
  child=$!
  wait "$child"
  local status=$?
  child=""
  return "$status"
}

# --- a suite in the background ----------------------------------------------------------------
# bg_start LOG FUNCTION ARGS...: runs a suite function (run_e2e …) beside the next ones, its
# output into LOG and its counts into LOG.counts; bg_join prints LOG and adds the counts. Used
# where two suites each keep about one core busy (the walk beside the cluster and the ASan unit
# tests), so make test keeps both cores working. One at a time.
bg_pid=""
bg_log=""
bg_start() {
  bg_log=$1
  shift
  (
    trap - INT TERM HUP EXIT
    total_pass=0 total_fail=0 total_skip=0 suites_run=0
    "$@"
    echo "$total_pass $total_fail $total_skip $suites_run" >"$bg_log.counts"
  ) >"$bg_log" 2>&1 </dev/null &
  bg_pid=$!
}
bg_join() {
  local p f sk n
  [ -n "$bg_pid" ] || return 0
  wait "$bg_pid"
  bg_pid=""
  cat "$bg_log"
  if read -r p f sk n <"$bg_log.counts" 2>/dev/null; then
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    total_skip=$((total_skip + sk))
    suites_run=$((suites_run + n))
  else
    echo "== a suite in the background ended without its counts (see above)"
    total_fail=$((total_fail + 1))
  fi
}
# stops a suite in the background and what it started (cleanup, on_signal)
bg_stop() {
  [ -n "$bg_pid" ] || return 0
  pkill -TERM -P "$bg_pid" 2>/dev/null
  kill -TERM "$bg_pid" 2>/dev/null
  wait "$bg_pid" 2>/dev/null
  bg_pid=""
}

# --- suite bookkeeping -------------------------------------------------------------------------
suite_name=""
suite_t0=""
suite_pass=0
suite_fail=0
suite_skip=0

suite_begin() {
  suite_name=$1
  suite_pass=0
  suite_fail=0
  suite_skip=0
  suite_t0=$EPOCHREALTIME
  echo ">> $suite_name"
}

suite_end() {
  local t1=$EPOCHREALTIME secs
  if [ -n "$tsan_logs" ]; then tsan_collect; fi
  secs=$(awk -v a="$suite_t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  local skipped=""
  if [ "$suite_skip" -ne 0 ]; then skipped=", $suite_skip skipped"; fi
  echo "== $suite_name: $suite_pass passed, $suite_fail failed$skipped in $secs s"
  total_pass=$((total_pass + suite_pass))
  total_fail=$((total_fail + suite_fail))
  total_skip=$((total_skip + suite_skip))
  suites_run=$((suites_run + 1))
}

skip() {
  echo "== $1: skipped ($2)"
}

# --- PostgreSQL --------------------------------------------------------------------------------
start_pg() {
  pgdir=$(mktemp -d "$tmpbase/oblako-pg.XXXXXX")
  local url
  if ! url=$("$root/tests/lib/pg.sh" start "$pgdir" 0); then
    echo "tests/run.sh: cannot start PostgreSQL (scripts/deps.sh test installs it)" >&2
    exit 1
  fi
  export OBLAKO_TEST_PG_URL=$url
  echo "-- PostgreSQL at $url"
  # The e2e files' databases are copies of one that is migrated already (lib/server.js):
  # copying is ~1 s cheaper than migrating an empty one, for each of ~100 databases.
  local b
  for b in build/oblako "$tsan_dir/oblako" build/asan/oblako; do
    [ -x "$b" ] || continue
    if psql "$url" -qc 'CREATE DATABASE oblako_template' >"$workdir/template.log" 2>&1 &&
       "$b" migrate --db "${url%/*}/oblako_template" >>"$workdir/template.log" 2>&1; then
      export OBLAKO_TEST_PG_TEMPLATE=oblako_template
    else
      echo "-- no template database (each e2e database is migrated by its server):" >&2
      cat "$workdir/template.log" >&2 2>/dev/null
    fi
    break
  done
}

# --- the cluster (tests/cluster) ---------------------------------------------------------------
# run_cluster NAME FILES...: PostgreSQL, pgbouncer (transaction pooling) of their own
# (tests/cluster/cluster.sh infra; stopped by cleanup whatever happens), then the files with
# OBLAKO_TEST_CLUSTER=1: every server an e2e file starts is three nodes behind haproxy.
run_cluster() {
  local name=$1 line
  shift
  if ! command -v haproxy >/dev/null || ! command -v pgbouncer >/dev/null; then
    echo "tests/run.sh: haproxy and pgbouncer missing; run scripts/deps.sh test" >&2
    exit 1
  fi
  # A second try when PostgreSQL or pgbouncer does not come up (a port taken between choosing
  # and binding it, a slow first start on a new machine): what failed the first is printed.
  local try
  for try in 1 2; do
    # outside $workdir (mode 700): PostgreSQL and pgbouncer run as postgres
    clusterdir=$(mktemp -d "$tmpbase/oblako-cluster.XXXXXX")
    if run "$root/tests/cluster/cluster.sh" infra "$clusterdir" >"$workdir/cluster.log" 2>&1; then
      break
    fi
    echo "-- $name: the cluster did not start (try $try); cluster.sh said:"
    sed 's/^/   | /' "$workdir/cluster.log"
    "$root/tests/cluster/cluster.sh" stop "$clusterdir" || true
    clusterdir=""
    if [ "$try" -eq 2 ]; then
      suite_begin "$name"
      suite_fail=$((suite_fail + 1))
      { echo "$name: the cluster did not start; cluster.sh's last lines:"
        tail -n 5 "$workdir/cluster.log" | sed 's/^/  | /'; } >>"$failures"
      suite_end
      return
    fi
  done
  local saved_url=$OBLAKO_TEST_PG_URL saved_template=${OBLAKO_TEST_PG_TEMPLATE:-}
  while IFS= read -r line; do export "${line?}"; done <"$clusterdir/env"
  export OBLAKO_TEST_CLUSTER=1
  # one file at a time: cluster.test.js restarts the pgbouncer every file goes through
  run_e2e "$name" postgres build/oblako 1 "$@"
  unset OBLAKO_TEST_CLUSTER OBLAKO_CLUSTER_DIR OBLAKO_CLUSTER_BOUNCER_PORT
  export OBLAKO_TEST_PG_URL=$saved_url OBLAKO_TEST_PG_TEMPLATE=$saved_template
  [ -n "$saved_template" ] || unset OBLAKO_TEST_PG_TEMPLATE
  "$root/tests/cluster/cluster.sh" stop "$clusterdir" || true
  clusterdir=""
}

# --- unit (cmocka) -----------------------------------------------------------------------------
# run_unit NAME DIR
run_unit() {
  local name=$1 dir=$2 bins=() b
  for b in "$dir"/test_*; do
    [ -f "$b" ] && [ -x "$b" ] && bins+=("$b")
  done
  if [ ${#bins[@]} -eq 0 ]; then
    skip "$name" "no executables $dir/test_*"
    return
  fi
  suite_begin "$name"
  local log="$workdir/unit.log" status p f parsed
  for b in "${bins[@]}"; do
    run timeout --kill-after=10 "${OBLAKO_UNIT_TIMEOUT:-600}" "$b" >"$log" 2>&1
    status=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
    parsed=$(grep -cE '^\[  (PASSED|FAILED)  \] [0-9]+ test' "$log")
    if [ "$parsed" -eq 0 ]; then
      # No cmocka summary: crashed, timed out, or not a cmocka binary.
      p=0
      f=1
    elif [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
      # All tests passed but the binary failed afterwards (e.g. LeakSanitizer at exit).
      f=1
    fi
    suite_pass=$((suite_pass + p))
    suite_fail=$((suite_fail + f))
    if [ "$f" -ne 0 ]; then
      echo "-- ${b#"$root"/}: exit $status, $p passed, $f failed; output:"
      { grep -E '^\[  FAILED  \] [^0-9]' "$log" | sed "s|^|$suite_name: ${b#"$root"/}: |"
        [ "$parsed" -eq 0 ] && echo "$suite_name: ${b#"$root"/}: exit $status, no cmocka summary"
      } >>"$failures"
      sed 's/^/   | /' "$log"
    else
      echo "-- ${b#"$root"/}: $p passed"
    fi
  done
  suite_end
}

# --- e2e (node --test) -------------------------------------------------------------------------
# check_skips FILE: FILE is what tests/e2e/lib/report.mjs wrote, with a line per skipped or todo
# test (skip|todo, file, name, reason). Prints each; one not in expected_skips is a failure.
check_skips() {
  local report=$1 file name kind reason e why n=0 bad=0
  [ -s "$report" ] || return 0
  while IFS=$'\t' read -r kind file name reason; do
    why=""
    for e in "${expected_skips[@]}"; do
      if [ "${e%%|*}" = "$file" ] && [ "$(cut -d'|' -f2 <<<"$e")" = "$name" ]; then
        why=${e#*|*|}
        break
      fi
    done
    n=$((n + 1))
    if [ -n "$why" ]; then
      echo "-- $kind (expected: $why): $file: $name${reason:+ ($reason)}"
    else
      bad=$((bad + 1))
      echo "-- UNEXPECTED $kind: $file: $name${reason:+ ($reason)}"
      echo "$suite_name: $file: $name: an unexpected $kind${reason:+ ($reason)}" >>"$failures"
    fi
  done < <(grep -E $'^(skip|todo)\t' "$report")
  suite_skip=$((suite_skip + n))
  if [ "$bad" -ne 0 ]; then
    echo "-- $bad unexpected skips: make them run, or add them to expected_skips in tests/run.sh with the reason"
    suite_fail=$((suite_fail + bad))
  fi
}

# run_e2e NAME ENGINE BIN CONCURRENCY FILES...
run_e2e() {
  local name=$1 engine=$2 bin=$3 conc=$4
  shift 4
  if [ $# -eq 0 ]; then
    skip "$name" "no test files"
    return
  fi
  if [ ! -x "$bin" ]; then
    skip "$name" "$bin not built"
    return
  fi
  if [ ! -d node_modules/smtp-server ]; then
    echo "tests/run.sh: node_modules missing; run scripts/deps.sh test" >&2
    exit 1
  fi
  suite_begin "$name"
  local report="$workdir/e2e-${name// /-}.report" status p f c
  rm -f "$report"
  # spec for people; tests/e2e/lib/report.mjs for the totals and the skips, by file
  OBLAKO_TEST_ENGINE=$engine OBLAKO_BIN="$root/$bin" \
    run node --test --test-concurrency="$conc" \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter="$root/tests/e2e/lib/report.mjs" --test-reporter-destination="$report" \
      "$@"
  status=$?
  p=$(grep -E '^# pass [0-9]+$' "$report" 2>/dev/null | tail -n1 | awk '{ print $3 }')
  f=$(grep -E '^# fail [0-9]+$' "$report" 2>/dev/null | tail -n1 | awk '{ print $3 }')
  c=$(grep -E '^# cancelled [0-9]+$' "$report" 2>/dev/null | tail -n1 | awk '{ print $3 }')
  if [ -z "$p" ] || [ -z "$f" ]; then
    echo "-- $name: no summary (node exit $status)"
    echo "$name: no summary (node exit $status); node's own output is above" >>"$failures"
    p=${p:-0}
    f=1
  else
    f=$((f + ${c:-0}))
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
      echo "-- $name: node exited $status with no failed test"
      f=1
    fi
  fi
  suite_pass=$((suite_pass + p))
  suite_fail=$((suite_fail + f))
  grep -E $'^fail\t' "$report" 2>/dev/null |
    awk -F'\t' -v s="$name" '{ printf "%s: %s: %s: %s\n", s, $2, $3, $4 }' >>"$failures"
  check_skips "$report"
  # where the suite's time went: its slowest files (seconds from first to last result)
  if grep -q $'^file\t' "$report" 2>/dev/null; then
    echo "-- slowest files: $(grep $'^file\t' "$report" | sort -t$'\t' -k3,3 -rn | head -n 8 |
      awk -F'\t' '{ sub(/^tests\/(e2e|walk|cluster)\//, "", $2); printf "%s%s %ss", sep, $2, $3; sep = ", " }')"
  fi
  suite_end
}

# --- the API description (tests/openapi/check.sh) ----------------------------------------------
# redocly lint of docs/openapi.yaml and a generated TypeScript client type-checked against it;
# one test each, a few seconds in all.
run_openapi() {
  suite_begin openapi
  local log="$workdir/openapi.log" status p f
  run tests/openapi/check.sh >"$log" 2>&1
  status=$?
  p=$(grep -c '^ok ' "$log")
  f=$(grep -c '^FAIL ' "$log")
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  sed 's/^/-- /' "$log"
  suite_pass=$((suite_pass + p))
  suite_fail=$((suite_fail + f))
  suite_end
}

# --- fuzz (libFuzzer) --------------------------------------------------------------------------
run_fuzz() {
  local targets=() t
  for t in build/fuzz/fuzz_*; do
    [ -f "$t" ] && [ -x "$t" ] && targets+=("$t")
  done
  if [ ! -x build/fuzz/fuzz_request ] || [ ${#targets[@]} -eq 0 ]; then
    skip fuzz "build/fuzz/fuzz_request not built"
    return
  fi
  suite_begin fuzz
  # A few seconds each in `make test` (the committed corpus and what grows
  # from it), a minute each with --full.
  local secs=${OBLAKO_FUZZ_SECONDS:-$([ "$full" -eq 1 ] && echo 60 || echo 5)} name corpus work log status
  mkdir -p build/fuzz/artifacts
  for t in "${targets[@]}"; do
    name=$(basename "$t")
    corpus="tests/fuzz/corpus/${name#fuzz_}"
    work="$workdir/corpus-${name#fuzz_}"
    mkdir -p "$work"
    # Work on a copy: the committed corpus does not grow.
    if [ -d "$corpus" ]; then cp -R "$corpus/." "$work/"; fi
    log="$workdir/$name.log"
    run "$t" -max_total_time="$secs" -print_final_stats=1 \
      -artifact_prefix="$root/build/fuzz/artifacts/$name-" "$work" >"$log" 2>&1
    status=$?
    if [ "$status" -eq 0 ]; then
      suite_pass=$((suite_pass + 1))
      echo "-- $name: ok ($(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | awk '{ print $2 }') runs)"
    else
      suite_fail=$((suite_fail + 1))
      echo "-- $name: exit $status; artifacts in build/fuzz/artifacts/; last output:"
      tail -n 60 "$log" | sed 's/^/   | /'
    fi
  done
  suite_end
}

# --- ThreadSanitizer (build/tsan) -------------------------------------------------------------
# Every instrumented process of a tsan suite (servers, cash books, CLI runs, unit binaries)
# writes its reports to a file of its own, tsan.PID in the suite's report folder (log_path),
# and suite_end counts them: each report is a failed test of the suite, whatever the test did
# with the process's exit status (a process with reports still exits 66, but many e2e after()
# hooks stop their servers without looking at it, and bench/sessions_load.sh only logs it).
# Reports do not stop the process (halt_on_error=0): a server killed at its first report
# fails every later test of its file and shows one race per slow run instead of all of them.
# The reports stay in $tsan_dir/reports/SUITE/ until that suite runs again.
tsan_dir=${OBLAKO_TSAN_DIR:-build/tsan}
tsan_logs=""

# tsan_begin SLUG: the next suites run with TSAN_OPTIONS writing to reports/SLUG.
tsan_begin() {
  tsan_logs=$root/$tsan_dir/reports/$1
  rm -rf "$tsan_logs"
  mkdir -p "$tsan_logs"
  TSAN_OPTIONS="log_path=$tsan_logs/tsan suppressions=$root/tests/tsan.supp"
  export TSAN_OPTIONS="$TSAN_OPTIONS halt_on_error=0 second_deadlock_stack=1"
}

tsan_end() {
  tsan_logs=""
  unset TSAN_OPTIONS
}

# Adds the suite's reports to its failures; prints how many of each kind and the first of each.
tsan_collect() {
  local files=("$tsan_logs"/tsan.*) n f
  if [ ${#files[@]} -eq 0 ]; then
    echo "-- ThreadSanitizer: no reports"
    return
  fi
  n=$(cat "${files[@]}" | grep -c '^WARNING: ThreadSanitizer:')
  # A file with no report in it (a fatal error of the runtime) is a failure too.
  [ "$n" -gt 0 ] || n=${#files[@]}
  suite_fail=$((suite_fail + n))
  echo "-- ThreadSanitizer: $n reports from ${#files[@]} processes" \
    "in ${tsan_logs#"$root"/}/; by summary:"
  grep -h '^SUMMARY: ThreadSanitizer' "${files[@]}" | sort | uniq -c | sort -rn | sed 's/^/   | /'
  echo "-- the first report of each summary:"
  awk 'FNR == 1 { rep = ""; sum = "" }
       /^==================$/ {
         if (sum != "" && !seen[sum]++) printf "%s", rep
         rep = ""; sum = ""; next
       }
       { rep = rep $0 "\n" }
       /^SUMMARY: ThreadSanitizer/ { sum = $0 }
       END { if (sum != "" && !seen[sum]++) printf "%s", rep }' "${files[@]}" | sed 's/^/   | /'
  for f in "${files[@]}"; do
    if ! grep -q '^WARNING: ThreadSanitizer:' "$f"; then
      echo "-- ${f#"$root"/}:"
      head -n 20 "$f" | sed 's/^/   | /'
    fi
  done
}

# run_load NAME ENGINE: bench/sessions_load.sh, short, against the TSan build; one test.
run_load() {
  local name=$1 engine=$2 log="$workdir/load.log" status
  if [ ! -x "$tsan_dir/oblako" ] || [ ! -x "$tsan_dir/oblako-cashbook" ]; then
    skip "$name" "$tsan_dir/oblako or oblako-cashbook not built"
    return
  fi
  suite_begin "$name"
  BENCH_ENGINE=$engine BENCH_PG_URL=${OBLAKO_TEST_PG_URL:-} OBLAKO_BIN="$root/$tsan_dir/oblako" \
    LOAD_SECONDS=${OBLAKO_TSAN_LOAD_SECONDS:-15} LOAD_SUBSCRIBERS=100 LOAD_CONNS=32 \
    run bench/sessions_load.sh >"$log" 2>&1
  status=$?
  if [ "$status" -eq 0 ]; then
    suite_pass=$((suite_pass + 1))
    grep -E '^load: [0-9]+ connections|^  opens: ' "$log" | sed 's/^ */-- /'
  else
    suite_fail=$((suite_fail + 1))
    echo "-- bench/sessions_load.sh: exit $status; last output:"
    tail -n 40 "$log" | sed 's/^/   | /'
  fi
  suite_end
}

# The TSan suites: SQLite always, PostgreSQL too with --full.
run_tsan() {
  tsan_begin unit
  run_unit "tsan unit" "$tsan_dir/tests/unit"
  tsan_begin e2e-sqlite
  run_e2e "tsan e2e sqlite" sqlite "$tsan_dir/oblako" 2 "${other_files[@]}"
  tsan_begin load-sqlite
  run_load "tsan load sqlite" sqlite
  if [ "$full" -eq 1 ]; then
    tsan_begin e2e-postgres
    run_e2e "tsan e2e postgres" postgres "$tsan_dir/oblako" 2 "${other_files[@]}"
    tsan_begin load-postgres
    run_load "tsan load postgres" postgres
  fi
  tsan_end
}

finish() {
  if [ -s "$failures" ]; then
    echo "-- what failed (each is told in full above):"
    sed 's/^/   /' "$failures"
  elif [ "$total_fail" -ne 0 ]; then
    echo "-- what failed is told above (look for 'failed' and 'UNEXPECTED')"
  fi
  if [ "$total_skip" -ne 0 ]; then echo "($total_skip skipped; each is listed above)"; fi
  echo "$total_pass passed, $total_fail failed"
  if [ "$total_fail" -ne 0 ] || [ $((total_pass + total_fail)) -eq 0 ]; then
    exit 1
  fi
  exit 0
}

# --- main --------------------------------------------------------------------------------------
e2e_files=(tests/e2e/*.test.js)
long_files=(tests/e2e/long/*.test.js)
api_files=()
browser_files=()
# The 12-month time travel runs on SQLite in the plain e2e suite only (the issue puts it there;
# its 36 months run on both engines in tests/e2e/long/): out of the postgres, asan and tsan lists.
sqlite_only=(tests/e2e/timetravel.test.js)
other_files=()
for f in "${e2e_files[@]}"; do
  case " ${sqlite_only[*]} " in
    *" $f "*) continue ;;
  esac
  other_files+=("$f")
  case "$f" in
    *browser.test.js) browser_files+=("$f") ;;
    *) api_files+=("$f") ;;
  esac
done

start_pg

if [ "$tsan_only" -eq 1 ]; then
  run_tsan
  finish
fi

run_openapi
run_unit "unit (sqlite+postgres)" build/tests/unit
# the statement run's crash test (statements_crash.test.js) kills the server 5 times; 200 with --full
if [ "$full" -eq 1 ]; then export OBLAKO_STATEMENTS_KILLS=200; fi
# Three test files at a time: with two the e2e suites kept the two cores about half busy (most
# of a file's time is waiting on its server, its browser or a poll). OBLAKO_E2E_CONCURRENCY sets it.
conc=${OBLAKO_E2E_CONCURRENCY:-3}
run_e2e "e2e sqlite" sqlite build/oblako "$conc" "${e2e_files[@]}"
run_e2e "e2e postgres" postgres build/oblako "$conc" "${other_files[@]}"
unset OBLAKO_STATEMENTS_KILLS

asan_env() {
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
}
no_asan_env() {
  unset ASAN_OPTIONS UBSAN_OPTIONS
}

if [ "$quick" -eq 1 ]; then
  finish
fi

# The walker: every role, page and card of the demo, in both languages and at two widths, once:
# on SQLite and the normal build (what it checks is what the cabinet shows, not the engine);
# its findings stay in build/walk/, with a screenshot of each page that has one (of every page
# with --full, for a person to look through: they were most of the walk's time). It runs in the
# background beside the ASan unit tests and the fuzzers (its output follows theirs); not beside
# the cluster, whose waits on haproxy and pgbouncer are better kept off a busy machine.
walk_files=(tests/walk/*.test.js)

# the cluster's short version (at most 2 minutes): not in --quick (`make check`)
run_cluster "cluster" tests/cluster/cluster.test.js tests/e2e/isolation.test.js

if [ "$full" -eq 1 ]; then export OBLAKO_WALK_SHOTS=all; fi
bg_start "$workdir/walk.out" run_e2e "walk" sqlite build/oblako 1 "${walk_files[@]}"
unset OBLAKO_WALK_SHOTS

run_fuzz

asan_env
# test_faults hashes every table after each failed run with --full, not only after those that
# may have stored something
if [ "$full" -eq 1 ]; then export OBLAKO_FAULTS_HASH_ALL=1; fi
run_unit "asan unit" build/asan/tests/unit
unset OBLAKO_FAULTS_HASH_ALL
bg_join
run_e2e "asan e2e sqlite" sqlite build/asan/oblako "$conc" "${api_files[@]}"
if [ "$full" -eq 1 ]; then
  run_e2e "asan e2e browser" sqlite build/asan/oblako 2 "${browser_files[@]}"
  run_e2e "asan e2e postgres" postgres build/asan/oblako 2 "${other_files[@]}"
fi
no_asan_env

if [ "$full" -eq 1 ]; then
  run_tsan
  run_e2e "long sqlite" sqlite build/oblako 1 "${long_files[@]}"
  run_e2e "long postgres" postgres build/oblako 1 "${long_files[@]}"
  run_cluster "cluster soak" tests/cluster/soak.test.js
fi

finish
