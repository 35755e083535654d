#!/usr/bin/env bash
# tools/layers.sh — the layers of the program, checked from the built objects.
#
#   tools/layers.sh [BUILD]      (default build; run after `make`, by `make check` and `make test`)
#   tools/layers.sh --self-test  a small tree with one breach of each rule: each must be found
#
# The order below is the rule: a unit may include the headers of, and call, only units at its
# own rank or below. Ranks are folders of src/ (and folders of src/model/, the domain); within
# one rank anything goes. Three checks, each failing the run:
#   1. includes: every #include "…" of a .c or .h against the order (the text of the sources);
#   2. calls: every undefined symbol of an object (nm) resolved to the object that defines it,
#      against the order, and no cycle in the graph of calls between ranks;
#   3. engine-specific SQL only in src/db/ (row locks, claim clauses, schema introspection,
#      isolation levels, engine-only functions, branching on the engine).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
root=.

# ---- the order, lowest first (one rank per line; several folders may share a rank) ----------
order=$(cat <<'EOF'
base
db
model/core
model/identity
model/audit
model/parties
model/catalog
model/subscriptions
model/areas
model/requests
model/usage
model/statements
model/notices
model/onboarding
api jobs mail export store
http
main
EOF
)

# ---- engine-specific SQL (extended regular expressions) allowed only under src/db/ ------------
engine_sql=(
  'FOR (NO KEY )?UPDATE'
  'SKIP LOCKED'
  'sqlite_master'
  'information_schema'
  'ISOLATION LEVEL'
  '\bstrpos\('
  '\binstr\('
)
# and no branching on the engine in the domain
model_engine='ob_db_engine\('

check() {
python3 - "$root" "$build" "$order" "$model_engine" "${engine_sql[@]}" <<'PY'
import os, re, subprocess, sys
from collections import defaultdict

root, build, order = sys.argv[1], sys.argv[2], sys.argv[3]
model_engine = re.compile(sys.argv[4])
engine_sql = [re.compile(p) for p in sys.argv[5:]]
os.chdir(root)
rank = {}
for i, line in enumerate(l for l in order.splitlines() if l.strip()):
    for unit in line.split():
        rank[unit] = i

def unit_of(path):
    """src/model/core/task.c -> model/core; src/api/x.c -> api; src/main.c -> main."""
    parts = path.split('/')
    if parts[0] != 'src':
        return None
    if len(parts) == 2:
        return 'main'
    if parts[1] == 'model' and len(parts) >= 4:
        return 'model/' + parts[2]
    return parts[1]

problems = []
sources = []
for top, _, files in os.walk('src'):
    sources += [os.path.join(top, f) for f in files]
sources = sorted(p for p in sources if p.endswith(('.c', '.h')))

# 1. includes
inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
for path in sources:
    u = unit_of(path)
    if u not in rank:
        if u not in ('main',) and not path.startswith('src/gen'):
            problems.append(f'{path}: in no layer of tools/layers.sh')
        continue
    text = open(path, encoding='utf-8', errors='replace').read()
    for m in inc.finditer(text):
        target = 'src/' + m.group(1)
        tu = unit_of(target)
        if tu is None or tu not in rank or not os.path.exists(target):
            continue
        if rank[tu] > rank[u]:
            line = text.count('\n', 0, m.start()) + 1
            problems.append(f'{path}:{line}: includes {m.group(1)} ({tu} is above {u})')

# 2. calls, from the objects
objdir = os.path.join(build, 'obj', 'src')
objs = []
for root, _, files in os.walk(objdir):
    objs += [os.path.join(root, f) for f in files if f.endswith('.o')]
if not objs:
    problems.append(f'no objects under {objdir}: build first')
defined, undefined = {}, defaultdict(set)
for o in objs:
    src = 'src/' + os.path.relpath(o, objdir)[:-2] + '.c'
    out = subprocess.run(['nm', '-g', o], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in 'TDBRVW':
            defined[f[2]] = src
        elif len(f) == 2 and f[0] == 'U':
            undefined[src].add(f[1])
edges = defaultdict(set)
for src, syms in sorted(undefined.items()):
    u = unit_of(src)
    for s in sorted(syms):
        d = defined.get(s)
        if not d or d == src:
            continue
        du = unit_of(d)
        if u not in rank or du not in rank or du == u:
            continue
        edges[u].add(du)
        if rank[du] > rank[u]:
            problems.append(f'{src}: calls {s} of {d} ({du} is above {u})')
# a cycle between units (a path back to where it started)
state = {}
def visit(u, path):
    state[u] = 1
    for v in sorted(edges[u]):
        if state.get(v) == 1:
            problems.append('a cycle between layers: ' + ' -> '.join(path[path.index(v):] + [v]))
        elif v not in state:
            visit(v, path + [v])
    state[u] = 2
for u in sorted(edges):
    if u not in state:
        visit(u, [u])

# 3. engine-specific SQL outside src/db/ (code, not comments)
comment = re.compile(r'/\*.*?\*/|//[^\n]*|("(?:\\.|[^"\\])*")', re.S)
def code_only(text):
    # comments become blanks of the same lines; string literals (the SQL) stay
    return comment.sub(lambda m: m.group(1) or re.sub(r'[^\n]', ' ', m.group(0)), text)
for path in sources:
    if path.startswith('src/db/'):
        continue
    text = code_only(open(path, encoding='utf-8', errors='replace').read())
    pats = engine_sql + ([model_engine] if path.startswith('src/model/') else [])
    for pat in pats:
        for m in pat.finditer(text):
            line = text.count('\n', 0, m.start()) + 1
            problems.append(f'{path}:{line}: engine-specific SQL or code ({pat.pattern}) outside src/db/')

for p in problems:
    print(f'layers: {p}')
units = len({unit_of(s) for s in sources} & set(rank))
print(f'layers: {len(sources)} sources in {units} layers, {sum(len(v) for v in edges.values())} '
      f'edges between them; {len(problems)} problems')
sys.exit(1 if problems else 0)
PY
}

if [ "${1:-}" != --self-test ]; then
  check
  exit
fi

# The self-test: model/core includes and calls model/areas, areas calls core back (a cycle), and
# core holds a row lock and branches on the engine. Every rule must speak.
tmp=$(mktemp -d /tmp/oblako-layers.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/model/core" "$tmp/src/model/areas" "$tmp/b/obj/src/model/core" "$tmp/b/obj/src/model/areas"
cat >"$tmp/src/model/core/low.c" <<'C'
#include "model/areas/high.h"
int ob_db_engine(void);
int low(void) { return high() + ob_db_engine(); }
const char *sql = "SELECT 1 FROM t FOR UPDATE";
C
printf 'int high(void);\n' >"$tmp/src/model/areas/high.h"
printf 'int low(void);\nint high(void) { return low(); }\n' >"$tmp/src/model/areas/high.c"
cc -c -o "$tmp/b/obj/src/model/core/low.o" "$tmp/src/model/core/low.c" -I"$tmp/src"
cc -c -o "$tmp/b/obj/src/model/areas/high.o" "$tmp/src/model/areas/high.c"
root=$tmp build=$tmp/b
out=$(check || true)
status=0
for want in 'includes model/areas/high.h' 'calls high of' 'a cycle between layers' \
    'FOR (NO KEY )?UPDATE' 'ob_db_engine'; do
  if ! grep -qF -- "$want" <<<"$out"; then
    echo "layers self-test: no problem reported for: $want" >&2
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "layers self-test: every rule found its breach"
exit "$status"
