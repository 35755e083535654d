#!/usr/bin/env bash
# Idempotent installer of the Debian packages Oblako needs.
# Usage: scripts/deps.sh build|demo|test
set -euo pipefail

usage() { echo "usage: $0 build|demo|test" >&2; exit 2; }
[ $# -eq 1 ] || usage
mode=$1

build_pkgs=(build-essential pkg-config clang libmicrohttpd-dev libsqlite3-dev libpq-dev
  libsodium-dev libjansson-dev libcurl4-openssl-dev liboath-dev libhpdf-dev libxlsxwriter-dev
  libcmark-dev sqlite3 fonts-dejavu-core)
# Node 20 and npm are preinstalled; nodejs is deliberately not apt-installed.
test_pkgs=(libcmocka-dev postgresql postgresql-contrib nginx-light wrk chromium python3-aiosmtpd
  libclang-rt-14-dev curl valgrind poppler-utils python3-openpyxl openssl haproxy pgbouncer
  libh2o-evloop-dev)

case "$mode" in
  build|demo) pkgs=("${build_pkgs[@]}") ;;
  test) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) usage ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  if ! "${sudo[@]}" apt-get update -qq >"$log" 2>&1 ||
     ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "deps: apt-get failed" >&2
    exit 1
  fi
  rm -f "$log"
else
  echo "deps: all ${#pkgs[@]} $mode packages present"
fi

if [ "$mode" = test ]; then
  cd "$(dirname "$0")/.."
  if [ -L node_modules ]; then
    # a worktree sharing another checkout's install: npm ci would empty that
    # checkout's node_modules through the link, under everyone who uses it
    echo "deps: node_modules is a link to $(readlink node_modules): left to its own checkout"
  elif [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] ||
     [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "deps: npm ci"
    log=$(mktemp)
    if ! npm ci --no-audit --no-fund >"$log" 2>&1; then
      cat "$log" >&2
      rm -f "$log"
      echo "deps: npm ci failed" >&2
      exit 1
    fi
    rm -f "$log"
  else
    echo "deps: node_modules up to date"
  fi
fi
