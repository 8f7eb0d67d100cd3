#!/usr/bin/env bash
# SQL migrations: `countersign risk` against squawk (npm squawk-cli) on the corpus of
# ../shared/bench/gen-migrations.py, in the same run: wall and CPU time of each tool over every
# file (many files per invocation), recall against the corpus's EXPECTED.tsv and false
# positives at critical. squawk has no rule for DELETE/UPDATE without WHERE or DROP SCHEMA,
# and no severities: its destructive rules are counted as its critical claims.
#   bench/sql.sh [BUILD_DIR] [--files N]
set -euo pipefail
build=$(cd "${1:-build/release}" && pwd)
files=2000
[ "${2:-}" = "--files" ] && files=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=$here/work
corpus=$work/migrations
countersign=$build/countersign
[ -x "$countersign" ] || { echo "no $countersign: build the release preset first" >&2; exit 2; }

rm -rf "$corpus"
python3 "$root/../shared/bench/gen-migrations.py" "$corpus" --files "$files" >/dev/null

squawk=$work/node_modules/.bin/squawk
if [ ! -x "$squawk" ]; then
  npm view squawk-cli version >/dev/null
  npm install --prefix "$work" --no-audit --no-fund --silent squawk-cli >/dev/null
fi
if ! "$squawk" --version >/dev/null 2>&1; then
  echo "squawk cannot run here: $("$squawk" --version 2>&1 | head -1)" >&2
  exit 2
fi

python3 - "$countersign" "$squawk" "$corpus" <<'EOF'
import collections, json, os, resource, subprocess, sys, time

countersign, squawk, corpus = sys.argv[1:4]
sql = sorted(f for f in os.listdir(corpus) if f.endswith(".sql"))
expected = set()
for line in open(os.path.join(corpus, "EXPECTED.tsv")):
    if line.strip():
        f, ln, kind = line.rstrip("\n").split("\t")
        expected.add((f, int(ln), kind))
batches = [sql[i:i + 1000] for i in range(0, len(sql), 1000)]

def run(argv_for_batch):
    """Runs every batch; returns (wall seconds, cpu seconds, stdout of each batch)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    outs = []
    for batch in batches:
        p = subprocess.run(argv_for_batch(batch), cwd=corpus, capture_output=True, text=True)
        if p.returncode not in (0, 1):
            sys.exit(f"{argv_for_batch(batch)[0]} failed ({p.returncode}): {p.stderr[:500]}")
        outs.append(p.stdout)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, outs

cs_argv = lambda b: [countersign, "risk", "--format", "json", "--fail-on", "critical", *b]
sq_argv = lambda b: [squawk, "--reporter", "json", *b]

# Interleaved, best of three: the machine is shared, and the best run is the least disturbed.
cs_runs, sq_runs = [], []
for _ in range(3):
    cs_runs.append(run(cs_argv))
    sq_runs.append(run(sq_argv))
cs_wall, cs_cpu = min(r[0] for r in cs_runs), min(r[1] for r in cs_runs)
sq_wall, sq_cpu = min(r[0] for r in sq_runs), min(r[1] for r in sq_runs)

# countersign: rule sql-<kind> at "line:column".
cs_found, cs_critical, cs_by_sev = set(), set(), collections.Counter()
for out in cs_runs[0][2]:
    for f in json.loads(out)["findings"]:
        key = (os.path.basename(f["file"]), int(f["location"].split(":")[0]), f["rule"].removeprefix("sql-"))
        cs_found.add(key)
        cs_by_sev[f["severity"]] += 1
        if f["severity"] == "critical":
            cs_critical.add(key)

# squawk: 0-based lines; its destructive rules mapped to the corpus's kinds.
squawk_kinds = {"ban-drop-database": "drop-database", "ban-drop-table": "drop-table",
                "ban-drop-column": "drop-column", "ban-truncate-cascade": "truncate"}
sq_found, sq_rules = set(), collections.Counter()
for out in sq_runs[0][2]:
    for f in json.loads(out or "[]"):
        sq_rules[f["rule_name"]] += 1
        if f["rule_name"] in squawk_kinds:
            sq_found.add((os.path.basename(f["file"]), f["line"] + 1, squawk_kinds[f["rule_name"]]))

size = sum(os.path.getsize(os.path.join(corpus, f)) for f in sql)
print(f"corpus: {len(sql)} files, {size / 1e6:.1f} MB, {len(expected)} destructive statements in EXPECTED.tsv")
print(f"{'':28}{'countersign':>14}{'squawk':>14}")
print(f"{'wall time (best of 3)':28}{cs_wall:>13.3f}s{sq_wall:>13.3f}s")
print(f"{'CPU time (best of 3)':28}{cs_cpu:>13.3f}s{sq_cpu:>13.3f}s")
kinds = sorted({k for _, _, k in expected})
for kind in kinds:
    want = {e for e in expected if e[2] == kind}
    print(f"{'recall ' + kind:28}{len(want & cs_found):>8}/{len(want):<5}{len(want & sq_found):>8}/{len(want):<5}")
cs_recall, sq_recall = len(expected & cs_found), len(expected & sq_found)
print(f"{'recall (all)':28}{100 * cs_recall / len(expected):>13.1f}%{100 * sq_recall / len(expected):>13.1f}%")
print(f"{'false positives at critical':28}{len(cs_critical - expected):>14}{len(sq_found - expected):>14}"
      "   (squawk: its destructive rules, it has no severities)")
print(f"countersign findings by severity: {dict(cs_by_sev)}")
print(f"squawk findings by rule: {dict(sq_rules)}")
print(f"squawk has no rule for DELETE/UPDATE without WHERE, DROP SCHEMA or TRUNCATE without CASCADE")
ratio_wall, ratio_cpu = sq_wall / cs_wall, sq_cpu / max(cs_cpu, 1e-9)
print(f"countersign is {ratio_wall:.1f}x faster than squawk in wall time, {ratio_cpu:.1f}x in CPU time (target: >= 5x)")
ok = ratio_wall >= 5 and cs_recall == len(expected) and not (cs_critical - expected)
sys.exit(0 if ok else 1)
EOF
