#!/usr/bin/env bash
# countersign check over the whole 200,000-commit history (provenance, changed paths and policy
# for every commit) beside `git log --format=%H --name-only`, the floor for reading every
# commit's changed paths, measured in the same run. Target: ratio <= 1.0.
# Usage: bash bench/check.sh build/release
set -euo pipefail
build=$(realpath "${1:-build/release}")
here=$(cd "$(dirname "$0")" && pwd)
gen="$here/../../shared/bench/gen-history.py"
[ -f "$gen" ] || gen="$here/../shared/bench/gen-history.py"
repo="$here/work/history"
n=${CS_BENCH_COMMITS:-200000}

# Shared with bench/scan.sh: generated once, only when absent.
if ! git -C "$repo" rev-parse -q --verify refs/heads/main >/dev/null 2>&1; then
  echo "generating $n commits in $repo (once; about a minute)"
  rm -rf "$repo"
  mkdir -p "$repo"
  git init -q -b main "$repo"
  python3 "$gen" "$n" | git -C "$repo" fast-import --quiet
fi

# The trusted policy lives on its own branch, outside the history being checked: every commit
# is evaluated (the rules match every provenance class) and the AI ones need a senior.
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

now() { date +%s.%N; }
commits=$(git -C "$repo" rev-list --count main)
git -C "$repo" log --format=%H main >/dev/null  # warm the page cache for both

t0=$(now)
git -C "$repo" log --format=%H --name-only main >/dev/null
t1=$(now)
timer=()
rm -f "$here/work/check.rss"
[ -x /usr/bin/time ] && timer=(/usr/bin/time -f "%M" -o "$here/work/check.rss")
set +e
"${timer[@]}" "$build/countersign" check main --repo "$repo" --trusted-ref countersign-policy --format json >/dev/null
rc=$?
set -e
t2=$(now)
if [ "$rc" -ne 1 ]; then
  echo "countersign check exited $rc (expected 1: the AI commits are missing sign-off)"
  exit 1
fi
rss=$( [ -f "$here/work/check.rss" ] && tail -1 "$here/work/check.rss" || echo 0)
awk -v c="$commits" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v rss="$rss" 'BEGIN {
  g = t1 - t0; k = t2 - t1
  printf "commits: %d\n", c
  printf "git log --format=%%H --name-only main:                           %.2f s\n", g
  printf "countersign check main --format json (%d threads): %.2f s, peak %.0f MB\n", '"$(nproc)"', k, rss / 1024
  printf "ratio: %.2f (target <= 1.0)\n", k / g
}'
