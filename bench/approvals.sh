#!/usr/bin/env bash
# countersign check over a 10,000-commit range in which 2,000 commits carry signed approvals,
# beside the same check with no approvals ref, measured alternately in the same run.
# Target: with approvals at most 1.5x without (verifying approvals costs less than half of
# everything else).
#
#   bash bench/approvals.sh build/release
#
# The history (../shared/bench/gen-history.py), a trusted branch holding .countersign/ and the
# approvals (bench/gen-approvals, signed with a key made by ssh-keygen) are generated once into
# bench/work/ and reused.
set -euo pipefail
build=${1:-build/release}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
case "$build" in /*) ;; *) build="$root/$build" ;; esac
bin="$build/countersign"
shared=${CS_SHARED_DIR:-$root/../shared}
[ -f "$shared/bench/gen-history.py" ] || shared=$root/../../shared  # from a worktree under wt/
commits=${CS_BENCH_COMMITS:-10000}
approved=${CS_BENCH_APPROVED:-2000}
runs=${CS_BENCH_RUNS:-3}
work="$here/work/approvals-v2-$commits"
repo="$work/repo"

[ -x "$bin" ] || { echo "approvals.sh: no countersign binary at $bin" >&2; exit 2; }

if [ ! -f "$work/ready" ]; then
  echo "generating $commits commits, a trusted branch and $approved approvals into $work (once)"
  rm -rf "$work" && mkdir -p "$work"
  git init -q -b main "$repo"
  # One more commit than the range holds: the range is <first commit>..main.
  python3 "$shared/bench/gen-history.py" "$((commits + 1))" | git -C "$repo" fast-import --quiet
  git -C "$repo" config countersign.repo bench/history
  ssh-keygen -q -t ed25519 -N '' -C senior@example.com -f "$work/senior"
  # The trusted revision: .countersign/ in a child of the range's first commit, never part of the
  # checked range (a range's hidden end must be in the trusted revision, else the gate widens it).
  first=$(git -C "$repo" rev-list --max-parents=0 main)
  tmp=$(mktemp -d)
  mkdir -p "$tmp/.countersign"
  cat > "$tmp/.countersign/people.yaml" <<YAML
people:
  - id: senior
    name: Sam Senior
    emails: [senior@example.com]
    roles: [senior]
    keys: ["$(cat "$work/senior.pub")"]
YAML
  blob=$(git -C "$repo" hash-object -w "$tmp/.countersign/people.yaml")
  sub=$(printf '100644 blob %s\tpeople.yaml\n' "$blob" | git -C "$repo" mktree)
  top=$(printf '040000 tree %s\t.countersign\n' "$sub" | git -C "$repo" mktree)
  trusted=$(git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit-tree "$top" -p "$first" -m trusted)
  git -C "$repo" update-ref refs/heads/trusted "$trusted"
  rm -rf "$tmp"
  # The commits to approve: every k-th of those the policy (the built-in default: AI-assisted,
  # AI-authored and unknown need a senior) says need sign-off, spread over the whole range.
  (cd "$repo" && "$bin" check "$first..main" --trusted-ref trusted --format json > "$work/need.json" 2>/dev/null) || true
  python3 - "$work/need.json" "$approved" > "$work/approve.txt" <<'PY'
import json, sys
need = [c["commit"] for c in json.load(open(sys.argv[1]))["commits"] if c["requirements"]]
n = int(sys.argv[2])
if len(need) < n: sys.exit(f"only {len(need)} commits need sign-off, fewer than {n}")
step = len(need) / n
print("\n".join(need[int(i * step)] for i in range(n)))
PY
  start=$(date +%s.%N)
  "$here/gen-approvals" "$bin" "$repo" "$work/senior" senior@example.com "$work/approve.txt" trusted
  end=$(date +%s.%N)
  echo "signed and stored $approved approvals in $(python3 -c "print(round($end - $start, 1))") s"
  touch "$work/ready"
fi

cd "$repo"
first=$(git rev-list --max-parents=0 main)
range="$first..main"
saved=$(git rev-parse refs/countersign/approvals)
trap 'git -C "$repo" update-ref refs/countersign/approvals "$saved"' EXIT

# Sanity: both runs decide (1: blocked — most commits have no approval), neither errors, and
# with the ref the gate really counts the approvals.
git update-ref -d refs/countersign/approvals
"$bin" check "$range" --trusted-ref trusted --format json > "$work/without.json" 2>/dev/null || true
git update-ref refs/countersign/approvals "$saved"
"$bin" check "$range" --trusted-ref trusted --format json > "$work/with.json" 2>/dev/null || true
python3 - "$work/without.json" "$work/with.json" "$commits" "$approved" <<'PY'
import json, sys
def load(p):
    d = json.load(open(p))
    cs = d["commits"]
    sat = sum(1 for c in cs if c.get("requirements") and all(r.get("met") for r in c["requirements"]))
    return d["verdict"], len(cs), sat
v0, n0, s0 = load(sys.argv[1]); v1, n1, s1 = load(sys.argv[2])
n, a = int(sys.argv[3]), int(sys.argv[4])
print(f"sanity: without approvals {v0}, {n0} commits, {s0} satisfied; with approvals {v1}, {n1} commits, {s1} satisfied")
if n0 != n or n1 != n or v0 == "error" or v1 == "error" or s0 != 0 or s1 < a * 0.9:
    sys.exit("approvals.sh: sanity check failed")
PY

measure() {  # prints "wall cpu" of one check
  python3 "$here/lib/measure.py" "$bin" check "$range" --trusted-ref trusted 2>/dev/null | awk '{print $1, $2 + $3}'
}
: > "$work/without" ; : > "$work/with"
for _ in $(seq "$runs"); do
  git update-ref -d refs/countersign/approvals
  measure >> "$work/without"
  git update-ref refs/countersign/approvals "$saved"
  measure >> "$work/with"
done
python3 - "$work/without" "$work/with" "$commits" "$approved" "$runs" <<'PY'
import statistics, sys
def read(p):
    rows = [tuple(map(float, l.split())) for l in open(p) if l.strip()]
    return statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
w0, c0 = read(sys.argv[1]); w1, c1 = read(sys.argv[2])
n, a, runs = sys.argv[3], sys.argv[4], sys.argv[5]
print(f"countersign check, {n}-commit range, median of {runs} alternating runs")
print(f"  without approvals ref        : wall {w0:7.3f} s   cpu {c0:7.3f} s")
print(f"  with {a} approved commits : wall {w1:7.3f} s   cpu {c1:7.3f} s")
print(f"  ratio with/without           : wall {w1 / w0:5.2f}x   cpu {c1 / c0:5.2f}x   (target <= 1.5x)")
PY
