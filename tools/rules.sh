#!/usr/bin/env bash
# tools/rules.sh — the repository stands alone and every rule it names is written down.
#
#   tools/rules.sh         (run by `make check` and `make test`)
#
# Two checks over every file git tracks (docs/rules.md is where the rules live):
#   1. ids: every rule id named anywhere (R-ACC-1, R-SUB-1a, the first of a range R-CAT-1..5)
#      is defined in docs/rules.md by a line `- **R-…**`;
#   2. links: no file points outside the repository: no `../shared`, no team documents that are
#      not in it (SPEC.md, DESIGN.md, STYLE.md, MACHINE.md, "SPEC §…", "SPEC R-…"), no absolute
#      paths of a developer's machine (/work/, /home/, /root/, /Users/).
# Before the repository it checks a small tree with one breach of each kind, which must be found,
# so a check that has stopped finding anything fails too.
set -euo pipefail
cd "$(dirname "$0")/.."

id_re='(^|[^A-Za-z0-9_-])R-[A-Z]+-[0-9][0-9a-z]*'
link_re='\.\./shared|shared/(SPEC|DESIGN|STYLE|MACHINE|seed)|(SPEC|DESIGN|STYLE|MACHINE)\.md|SPEC( §| R-)|/work/|/home/|/root/|/Users/'

# check DIR: the files of DIR (git's list when it is a checkout, else every file) against
# DIR/docs/rules.md; prints each problem, returns 1 when there is one.
check() {
  local dir=$1 files defined used missing links
  if git -C "$dir" rev-parse --show-toplevel >/dev/null 2>&1 &&
     [ "$(git -C "$dir" rev-parse --show-toplevel)" = "$(cd "$dir" && pwd -P)" ]; then
    files=$(cd "$dir" && git ls-files)
  else
    files=$(cd "$dir" && find . -type f ! -path './.git/*' ! -path './build/*' ! -path './var/*' \
            ! -path './node_modules/*' | sed 's|^\./||')
  fi
  files=$(printf '%s\n' "$files" | grep -v -e '^tools/rules\.sh$' -e '^node_modules' || true)
  if [ ! -f "$dir/docs/rules.md" ]; then
    echo "rules: docs/rules.md is missing" >&2
    return 1
  fi
  defined=$(grep -oE '^- \*\*R-[A-Z]+-[0-9][0-9a-z]*\*\*' "$dir/docs/rules.md" |
            sed 's/^- \*\*//; s/\*\*$//' | sort -u)
  used=$(cd "$dir" && printf '%s\n' "$files" | tr '\n' '\0' |
         xargs -0 grep -IohE "$id_re" 2>/dev/null | sed 's/^[^R]*//' | sort -u || true)
  missing=$(comm -23 <(printf '%s\n' "$used" | sed '/^$/d') <(printf '%s\n' "$defined"))
  links=$(cd "$dir" && printf '%s\n' "$files" | tr '\n' '\0' |
          xargs -0 grep -IHnE "$link_re" 2>/dev/null || true)
  local bad=0
  if [ -n "$missing" ]; then
    for id in $missing; do
      where=$(cd "$dir" && printf '%s\n' "$files" | tr '\n' '\0' |
              xargs -0 grep -IlE "(^|[^A-Za-z0-9_-])$id([^0-9a-z]|$)" 2>/dev/null | head -3 |
              paste -sd, -)
      echo "rules: $id is used (in $where) but not defined in docs/rules.md" >&2
    done
    bad=1
  fi
  if [ -n "$links" ]; then
    printf '%s\n' "$links" | cut -c1-160 | sed 's/^/rules: points outside the repository: /' >&2
    bad=1
  fi
  return $bad
}

# The self-test: an id used but not defined, and a link to the team's folder.
tmp=$(mktemp -d /tmp/oblako-rules.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/docs" "$tmp/src"
printf '# Rules\n\n- **R-SUB-1** a rule\n' >"$tmp/docs/rules.md"
printf '/* R-SUB-1 and R-SUB-9 */\n' >"$tmp/src/a.c"
printf 'see ../shared/ the team notes\n' >"$tmp/README.md"
out=$(check "$tmp" 2>&1) && { echo "rules self-test: the breaches were not found" >&2; exit 1; }
for want in 'R-SUB-9 is used' 'README.md:1:'; do
  if ! grep -qF "$want" <<<"$out"; then
    echo "rules self-test: not reported: $want" >&2
    printf '%s\n' "$out" >&2
    exit 1
  fi
done
if grep -qF 'R-SUB-1 is used' <<<"$out"; then
  echo "rules self-test: a defined id was reported" >&2
  exit 1
fi

if check .; then
  echo "rules: $(grep -cE '^- \*\*R-' docs/rules.md) rules defined, every id used is among them;" \
       "nothing points outside the repository"
else
  echo "rules: fix the lines above (define the id in docs/rules.md, or say it in the repository's own words)" >&2
  exit 1
fi
