#!/usr/bin/env bash
# Terraform plan JSON, end to end: `countersign risk big.json --format json` on a 200 MB plan
# from gen-plan.py (40,000 resources), beside jq counting the deletes of the same file in the
# same run. Prints throughput (GB/s of plan JSON) and peak RSS against the file size.
# Targets: >= 1 GB/s, peak RSS < 1.2x the file.
set -euo pipefail
build=${1:-build/release}
here=$(cd "$(dirname "$0")" && pwd)
shared=${CS_SHARED_DIR:-$here/../../shared}
work=$here/work
mkdir -p "$work"
big=$work/big.json
bin=$build/countersign
[ -x "$bin" ] || { echo "plan.sh: no $bin (build the release preset first)" >&2; exit 2; }
if [ ! -s "$big" ]; then
  python3 "$shared/bench/gen-plan.py" --resources 40000 > "$big"
fi
size=$(stat -L -c %s "$big")  # -L: bench/work/big.json may be a link to a shared copy
cat "$big" > /dev/null  # both tools start from a warm page cache

measure() {  # prints "wall_seconds user_seconds sys_seconds max_rss_kb" of one run of the command
  python3 "$here/lib/measure.py" "$@"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
runs=${CS_BENCH_RUNS:-5}  # a run is 0.1 s: on a shared machine one unlucky run is common
lines=$(for ((i = 0; i < runs; i++)); do measure "$bin" risk "$big" --format json; done | sort -n)
read -r cs_wall cs_user cs_sys cs_rss <<< "$(head -1 <<< "$lines")"
cs_median_wall=$(awk -v n="$runs" 'NR == int((n + 1) / 2) {print $1}' <<< "$lines")
read -r jq_wall jq_user jq_sys jq_rss <<< "$(measure jq '[.resource_changes[] | select(.change.actions | index("delete"))] | length' "$big")"

cs_deletes=$("$bin" risk "$big" --format json | python3 -c 'import json,sys; print(sum(1 for f in json.load(sys.stdin)["findings"] if f["rule"] in ("resource-delete","resource-replace","stateful-delete","stateful-replace")))' || true)
jq_deletes=$(jq '[.resource_changes[] | select(.change.actions | index("delete"))] | length' "$big")

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average (1/5/15 min) before: $load_before, after: $load_after; $(nproc) cores"
awk -v size="$size" -v runs="$runs" -v mw="$cs_median_wall" -v w="$cs_wall" -v u="$cs_user" -v s="$cs_sys" -v rss="$cs_rss" \
    -v jw="$jq_wall" -v ju="$jq_user" -v js="$jq_sys" -v jrss="$jq_rss" -v cd="$cs_deletes" -v jd="$jq_deletes" '
BEGIN {
  mb = size / 1e6
  printf "plan: %.1f MB, 40000 resources (gen-plan.py routine)\n", mb
  printf "countersign risk --format json: %.3f s wall (best of %d; median %.3f s), %.3f s CPU, %.2f GB/s wall, %.2f GB/s CPU, peak RSS %.1f MB = %.2fx file   [target >= 1 GB/s, < 1.20x]\n",
         w, runs, mw, u + s, size / w / 1e9, size / (u + s) / 1e9, rss / 1024, rss * 1024 / size
  printf "jq (count deletes):             %.2f s wall, %.2f s CPU, %.2f GB/s wall, peak RSS %.1f MB = %.2fx file\n",
         jw, ju + js, size / jw / 1e9, jrss / 1024, jrss * 1024 / size
  printf "speed-up over jq: %.1fx wall; destructive changes found: countersign %s, jq %s\n", jw / w, cd, jd
}'
