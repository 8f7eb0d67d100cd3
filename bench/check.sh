#!/usr/bin/env bash
# countersign check over the whole 200,000-commit history (provenance, changed paths, risk and
# policy for every commit) beside `git log --format=%H --name-only`, the floor for reading every
# commit's changed paths, measured alternately in the same run (hyperfine).
# Target: check's wall time at most 1.0x git log's.
#
#   bash bench/check.sh build/release
#
# The history is the one bench/scan.sh uses (../shared/bench/gen-history.py into bench/work/,
# generated once); the trusted policy lives on its own branch, outside the history checked.
set -euo pipefail
build=${1:-build/release}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
case "$build" in /*) ;; *) build="$root/$build" ;; esac
bin="$build/countersign"
shared=${CS_SHARED_DIR:-$root/../shared}
[ -f "$shared/bench/gen-history.py" ] || shared=$root/../../shared  # from a worktree under wt/
commits=${CS_BENCH_COMMITS:-200000}
runs=${CS_BENCH_RUNS:-5}
repo="$here/work/history-$commits"

[ -x "$bin" ] || { echo "check.sh: no countersign binary at $bin" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "check.sh: /usr/bin/time missing (scripts/install-deps installs it)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "check.sh: hyperfine missing (scripts/install-deps installs it)" >&2; exit 2; }

. "$here/lib/history.sh"
ensure_history "$repo" "$commits"

# Every commit is evaluated (the rules match every provenance class) and the AI ones need a senior.
if ! git -C "$repo" rev-parse -q --verify refs/heads/countersign-policy >/dev/null; then
  policy=$(git -C "$repo" hash-object -w --stdin <<'YAML'
version: 1
rules:
  - name: ai-changes-need-a-senior
    match: { provenance: [ai_assisted, ai_authored, unknown] }
    require: { approvals: 1, roles: [senior] }
  - name: infra-needs-two
    match: { paths: ["infra/**"], provenance: [ai_assisted, ai_authored] }
    require: { approvals: 2, roles: [senior] }
  - name: migrations-need-a-dba
    match: { paths: ["db/migrations/*.sql"] }
    require: { approvals: 1, roles: [dba] }
YAML
)
  people=$(git -C "$repo" hash-object -w --stdin <<'YAML'
people:
  - { id: alice, emails: [alice@example.com], roles: [senior, policy-admin] }
  - { id: bob, emails: [bob@example.com], roles: [senior, dba] }
  - { id: carol, emails: [carol@example.com], roles: [engineer] }
YAML
)
  dir=$(printf '100644 blob %s\tpeople.yaml\n100644 blob %s\tpolicy.yaml\n' "$people" "$policy" | git -C "$repo" mktree)
  tree=$(printf '040000 tree %s\t.countersign\n' "$dir" | git -C "$repo" mktree)
  commit=$(GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench \
    GIT_COMMITTER_EMAIL=bench@example.com git -C "$repo" commit-tree "$tree" -m "countersign policy")
  git -C "$repo" update-ref refs/heads/countersign-policy "$commit"
fi

cd "$repo"
git_log="git log --format=%H --name-only main >/dev/null"
check="$bin check main --trusted-ref countersign-policy --format json >/dev/null"

# Sanity: check sees every commit and blocks (the AI commits lack sign-off): exit 1, not 2.
set +e
seen=$("$bin" check main --trusted-ref countersign-policy --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["commits"]))')
set -e
[ "$seen" = "$commits" ] || { echo "check.sh: check saw $seen commits, expected $commits" >&2; exit 1; }

json=$(mktemp)
trap 'rm -f "$json"' EXIT
hyperfine --style basic --warmup 1 --runs "$runs" -i --export-json "$json" -n "git log --name-only" "$git_log" \
  -n "countersign check" "$check"
read -r git_s git_cpu chk_s chk_cpu < <(python3 - "$json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
g, c = r["git log --name-only"], r["countersign check"]
print(g["median"], g["user"] + g["system"], c["median"], c["user"] + c["system"])
EOF
)
# check exits 1 (blocked): the peak is read from /usr/bin/time's last line whatever the status.
peak_kb=$( { /usr/bin/time -f %M "$bin" check main --trusted-ref countersign-policy --format json >/dev/null; } 2>&1 | tail -1 || true)
python3 - "$git_s" "$chk_s" "$git_cpu" "$chk_cpu" "$peak_kb" "$commits" "$(nproc)" <<'EOF'
import sys
git_s, chk_s, git_cpu, chk_cpu, peak_kb, n, cores = map(float, sys.argv[1:])
print(f"commits:                    {int(n)}")
print(f"git log --name-only:        {git_s:.3f} s wall, {git_cpu:.3f} s CPU (median)")
print(f"countersign check:          {chk_s:.3f} s wall, {chk_cpu:.3f} s CPU (median, {int(cores)} cores)")
print(f"ratio (wall):               {chk_s / git_s:.2f}x  (target <= 1.0x)")
print(f"ratio (CPU):                {chk_cpu / git_cpu:.2f}x")
print(f"peak RSS:                   {peak_kb / 1024:.1f} MB")
EOF
