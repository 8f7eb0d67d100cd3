#!/usr/bin/env bash
# countersign scan over a 200,000-commit history beside `git log` printing every commit's
# identities and message (the floor for reading every commit), measured in the same run.
# Target: scan's wall time at most 1.0x git log's; peak memory under 200 MB.
#
#   bash bench/scan.sh build/release
#
# The history is generated once by ../shared/bench/gen-history.py into bench/work/ (ignored by
# git) and reused by later runs.
set -euo pipefail
build=${1:-build/release}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
case "$build" in /*) ;; *) build="$root/$build" ;; esac
bin="$build/countersign"
shared=${CS_SHARED_DIR:-$root/../shared}
commits=${CS_BENCH_COMMITS:-200000}
runs=${CS_BENCH_RUNS:-5}
repo="$here/work/history-$commits"

[ -x "$bin" ] || { echo "scan.sh: no countersign binary at $bin" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "scan.sh: /usr/bin/time missing (scripts/install-deps installs it)" >&2; exit 2; }

. "$here/lib/history.sh"
ensure_history "$repo" "$commits"

cd "$repo"
git_log="git log --format='%H%x00%an%x00%ae%x00%cn%x00%ce%x00%B' main >/dev/null"
scan="$bin scan main --format json >/dev/null"

# Sanity: the scan succeeds and sees every commit.
seen=$("$bin" scan main --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["commits"])')
[ "$seen" = "$commits" ] || { echo "scan.sh: scan saw $seen commits, expected $commits" >&2; exit 1; }

json=$(mktemp)
trap 'rm -f "$json"' EXIT
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$json" -n "git log" "$git_log" -n "countersign scan" "$scan"
  read -r git_s git_cpu scan_s scan_cpu < <(python3 - "$json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
g, s = r["git log"], r["countersign scan"]
print(g["median"], g["user"] + g["system"], s["median"], s["user"] + s["system"])
EOF
)
else
  median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  git_s=$(for _ in $(seq "$runs"); do /usr/bin/time -f %e sh -c "$git_log" 2>&1 >/dev/null | tail -1; done | median)
  scan_s=$(for _ in $(seq "$runs"); do /usr/bin/time -f %e sh -c "$scan" 2>&1 >/dev/null | tail -1; done | median)
  git_cpu=nan scan_cpu=nan
fi

peak_kb=$(/usr/bin/time -f %M "$bin" scan main --format json 2>&1 >/dev/null | tail -1)
python3 - "$git_s" "$scan_s" "$git_cpu" "$scan_cpu" "$peak_kb" "$commits" <<'EOF'
import sys
git_s, scan_s, git_cpu, scan_cpu, peak_kb, n = map(float, sys.argv[1:])
print(f"commits:            {int(n)}")
print(f"git log (median):   {git_s:.3f} s wall, {git_cpu:.3f} s CPU")
print(f"countersign scan:   {scan_s:.3f} s wall, {scan_cpu:.3f} s CPU")
print(f"ratio (wall):       {scan_s / git_s:.2f}x  (target <= 1.0x)")
print(f"peak RSS:           {peak_kb / 1024:.1f} MB  (target < 200 MB)")
EOF
