#!/usr/bin/env bash
# tools/conventions.sh — the house conventions, one rule each, checked from the sources and the
# built objects.
#
#   tools/conventions.sh [BUILD]      (default build; run after `make`, by `make check`, `make test`)
#   tools/conventions.sh --self-test  a small tree with one breach of each rule: each must be found
#
# The rules (README.md, Architecture, says why):
#   1. essay: every .c of src/ opens with a comment of at least three lines that says what the
#      file is for, why it is shaped so, and who owns what (the header keeps the API comments);
#   2. guard: every header of src/ is guarded by OB_<ITS PATH UNDER src/>_H, so two headers of
#      the same name in two folders can never guard each other out;
#   3. static: a function defined in one object and named by no other object, test, benchmark
#      or fuzz target is static (found with nm, not by reading text);
#   4. api helpers: a function of src/api/ that other api files call (not through the route
#      table, routes.c) lives in api/api.c, or in the helper file named by its prefix (list.c
#      for ob_list_*);
#   5. names: a function named by a folder's own noun lives in that folder (ob_check_* in
#      model/parties/requisites.c, ob_db_* in db/, ob_request_* in model/requests/).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
root=.

# ---- rule 5 as data: a prefix, and the file (or folder) that may define it ------------------
names=$(cat <<'EOF'
ob_check_      src/model/parties/requisites.c
ob_db_         src/db/
ob_request_    src/model/requests/
ob_list_       src/api/list.c
ob_date_       src/base/date.c
ob_json_       src/base/json.c
EOF
)

check() {
python3 - "$root" "$build" "$names" <<'PY'
import os, re, subprocess, sys
from collections import defaultdict

root, build, names = sys.argv[1], sys.argv[2], sys.argv[3]
os.chdir(root)
problems = []
sources = []
for top, _, files in os.walk('src'):
    sources += [os.path.join(top, f) for f in files]
sources = sorted(p for p in sources if p.endswith(('.c', '.h')) and not p.startswith('src/gen'))

# 1. the essay
for path in (p for p in sources if p.endswith('.c')):
    text = open(path, encoding='utf-8', errors='replace').read().lstrip()
    m = re.match(r'/\*.*?\*/', text, re.S)
    if not m or m.group(0).count('\n') < 2:
        problems.append(f'{path}:1: opens without an essay (a comment of three lines or more)')

# 2. the guard
for path in (p for p in sources if p.endswith('.h')):
    want = 'OB_' + re.sub(r'[^A-Za-z0-9]', '_', path[len('src/'):-len('.h')]).upper() + '_H'
    text = open(path, encoding='utf-8', errors='replace').read()
    m = re.search(r'^#ifndef\s+(\w+)\s*\n#define\s+(\w+)', text, re.M)
    if not m or m.group(1) != want or m.group(2) != want:
        got = m.group(1) if m else 'none'
        problems.append(f'{path}: guard {got}, want {want}')

# 3 and 4 from the objects
objdir = os.path.join(build, 'obj', 'src')
objs = []
for top, _, files in os.walk(objdir):
    objs += [os.path.join(top, f) for f in files if f.endswith('.o')]
if not objs:
    problems.append(f'no objects under {objdir}: build first')
defined, users = {}, defaultdict(set)
for o in objs:
    src = 'src/' + os.path.relpath(o, objdir)[:-2] + '.c'
    if not os.path.exists(src):
        continue  # a stale object of a file since moved
    out = subprocess.run(['nm', '-g', o], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] == 'T':
            defined[f[2]] = src
        elif len(f) == 2 and f[0] == 'U':
            users[f[1]].add(src)
others = ''
for top in ('tests', 'bench'):
    for t, _, files in os.walk(top):
        for f in files:
            if f.endswith('.c') or f.endswith('.h'):
                others += open(os.path.join(t, f), encoding='utf-8', errors='replace').read()
named_elsewhere = set(re.findall(r'\bob_\w+', others))
for sym, src in sorted(defined.items()):
    if sym == 'main' or sym.startswith('_'):
        continue
    if not (users[sym] - {src}) and sym not in named_elsewhere:
        problems.append(f'{src}: {sym} is used in this file only: make it static')
    if src.startswith('src/api/') and src not in ('src/api/api.c', 'src/api/routes.c'):
        callers = users[sym] - {src, 'src/api/routes.c'}
        if any(c.startswith('src/api/') for c in callers) and not sym.startswith('ob_list_'):
            problems.append(f'{src}: {sym} is an api helper (called by '
                            f'{", ".join(sorted(callers))}): move it to src/api/api.c')

# 5. names
for line in names.splitlines():
    if not line.strip():
        continue
    prefix, home = line.split()
    for sym, src in sorted(defined.items()):
        if sym.startswith(prefix) and not src.startswith(home):
            problems.append(f'{src}: {sym} belongs in {home} (its name says so)')

for p in problems:
    print(f'conventions: {p}')
print(f'conventions: {len(sources)} sources, {len(defined)} functions; {len(problems)} problems')
sys.exit(1 if problems else 0)
PY
}

if [ "${1:-}" != --self-test ]; then
  check
  exit
fi

# The self-test: a .c without an essay, a header with a short guard, a function used only where
# it is defined, an api helper outside api.c and a validator outside requisites.
tmp=$(mktemp -d /tmp/oblako-conventions.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/api" "$tmp/src/model/core" "$tmp/b/obj/src/api" "$tmp/b/obj/src/model/core"
printf '#ifndef OB_LONE_H\n#define OB_LONE_H\nint ob_lone(void);\n#endif\n' \
  >"$tmp/src/model/core/lone.h"
printf 'int ob_lone(void) { return 1; }\nint ob_check_x(void) { return ob_lone(); }\n' \
  >"$tmp/src/model/core/lone.c"
printf '/* a.c\n * the first api file\n * with a helper of its own */\nint ob_api_helper(void) { return 2; }\n' \
  >"$tmp/src/api/a.c"
printf '/* b.c\n * the second api file\n * calls the first */\nint ob_api_helper(void);\nint ob_check_x(void);\nint ob_api_b(void) { return ob_api_helper() + ob_check_x(); }\n' \
  >"$tmp/src/api/b.c"
mkdir -p "$tmp/tests"
printf 'int ob_api_b(void);\n' >"$tmp/tests/t.c"
for f in model/core/lone api/a api/b; do
  cc -c -o "$tmp/b/obj/src/$f.o" "$tmp/src/$f.c"
done
root=$tmp build=$tmp/b
out=$(check || true)
status=0
for want in 'lone.c:1: opens without an essay' 'guard OB_LONE_H, want OB_MODEL_CORE_LONE_H' \
    'ob_lone is used in this file only' 'ob_api_helper is an api helper' \
    'ob_check_x belongs in src/model/parties/requisites.c'; do
  if ! grep -qF -- "$want" <<<"$out"; then
    echo "conventions self-test: no problem reported for: $want" >&2
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "conventions self-test: every rule found its breach"
exit "$status"
