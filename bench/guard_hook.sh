#!/usr/bin/env bash
# Whole-process latency of `countersign guard --agent claude-code` (p50, p99 over 1,000 runs, one
# process per payload, as Claude Code runs it), beside the npm package cc-safety-net
# (`cc-safety-net hook --claude-code`) on the same payloads, in the same run.
# Usage: bench/guard_hook.sh [build-dir]   (default build/release)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-build/release}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
bin="$build/countersign"
runs=${GUARD_HOOK_RUNS:-1000}
[ -x "$bin" ] || { echo "guard_hook: $bin not built (cmake --preset release && cmake --build --preset release)"; exit 1; }

work="$root/bench/work"
mkdir -p "$work"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The reference tool, installed by this script into bench/work (not committed).
ref="$work/node_modules/.bin/cc-safety-net"
ref_status=""
if [ ! -x "$ref" ]; then
  if ! command -v npm >/dev/null; then
    ref_status="npm is not installed"
  elif ! npm install --prefix "$work" --no-audit --no-fund --silent cc-safety-net >"$tmp/npm.log" 2>&1; then
    ref_status="npm install cc-safety-net failed: $(tail -3 "$tmp/npm.log" | tr '\n' ' ')"
  fi
fi
if [ -z "$ref_status" ] && [ ! -x "$ref" ]; then ref_status="cc-safety-net installed no executable at $ref"; fi

# Payloads: the commands of the guard corpus (tests/fixtures/guard/) when it has any, else a
# built-in list of everyday and dangerous commands.
exec python3 - "$bin" "$ref" "$runs" "$tmp" "$root" "$ref_status" <<'PY'
import json, os, sys, time, glob, statistics

binary, ref, runs, tmp, root, ref_status = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]

def corpus_commands():
    found = []
    for path in sorted(glob.glob(os.path.join(root, "tests/fixtures/guard/**/*"), recursive=True)):
        if "/hooks/" in path or not os.path.isfile(path):
            continue
        try:
            text = open(path, encoding="utf-8").read()
        except Exception:
            continue
        if path.endswith(".txt"):
            # tests/support/guard_corpus.h: "<allow|ask|deny> <command>", a newline written as ⏎
            for line in text.splitlines():
                label, _, command = line.rstrip().partition(" ")
                if label in ("allow", "ask", "deny") and command.strip():
                    found.append(command.strip().replace("\u23ce", "\n"))
        elif path.endswith((".yaml", ".yml")):
            try:
                import yaml
                doc = yaml.safe_load(text)
            except Exception:
                doc = None
            stack = [doc]
            while stack:
                d = stack.pop()
                if isinstance(d, dict):
                    c = d.get("command") or d.get("cmd")
                    if isinstance(c, str):
                        found.append(c)
                    stack.extend(d.values())
                elif isinstance(d, list):
                    stack.extend(d)
        elif path.endswith(".jsonl"):
            for line in text.splitlines():
                try:
                    c = json.loads(line).get("command")
                    if isinstance(c, str):
                        found.append(c)
                except Exception:
                    pass
    return found

builtin = [
    "git status", "ls -la", "npm test", "cargo build --release", "grep -rn 'rm -rf /' src",
    "terraform plan -out plan.tfplan", "terraform destroy -auto-approve", "kubectl get pods -A",
    "kubectl --context prod delete namespace payments", "rm -rf node_modules", "rm -rf /",
    "git push --force origin main", "git push --force-with-lease origin feature", "docker compose down -v",
    "aws s3 rm s3://shop-prod-assets --recursive --profile prod", "psql -h db.prod -c 'DROP TABLE orders'",
    "cat <<'EOF' > notes.md\nrm -rf / is dangerous\nEOF", "find . -name '*.pyc' -delete",
    "bash -c 'terraform destroy -auto-approve'", "echo done && git clean -fdx",
]
commands = corpus_commands()
source = "the guard corpus (tests/fixtures/guard/)"
if len(commands) < 20:
    commands, source = builtin, "the built-in list in bench/guard_hook.sh (no guard corpus found)"

cwd = os.path.join(tmp, "project"); os.makedirs(cwd, exist_ok=True)
payload_files = []
for i in range(runs):
    c = commands[i % len(commands)]
    p = {"session_id": "bench", "transcript_path": os.path.join(tmp, "t.jsonl"), "cwd": cwd, "permission_mode": "default",
         "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": c, "description": "bench"},
         "tool_use_id": "toolu_bench_%d" % i}
    f = os.path.join(tmp, "p%d.json" % i)
    with open(f, "w") as out: json.dump(p, out)
    payload_files.append(f)

env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.path.join(tmp, "home"), "LANG": "C.UTF-8"}
os.makedirs(env["HOME"], exist_ok=True)
devnull = os.open(os.devnull, os.O_WRONLY)

def measure(argv):
    times, cpu, blocked, failures = [], [], 0, 0
    for f in payload_files:
        fd = os.open(f, os.O_RDONLY)
        out_path = os.path.join(tmp, "out")
        out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=[(os.POSIX_SPAWN_DUP2, fd, 0), (os.POSIX_SPAWN_DUP2, out, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status, usage = os.wait4(pid, 0)
        t1 = time.perf_counter_ns()
        cpu.append((usage.ru_utime + usage.ru_stime) * 1e3)
        os.close(fd); os.close(out)
        code = os.waitstatus_to_exitcode(status)
        text = open(out_path).read()
        if code == 2 or '"deny"' in text or '"ask"' in text:
            blocked += 1
        if code not in (0, 2):
            failures += 1
        times.append((t1 - t0) / 1e6)
    times.sort()
    cpu.sort()
    q = lambda v, p: v[min(len(v) - 1, int(round(p * (len(v) - 1))))]
    return q(times, 0.50), q(times, 0.99), statistics.mean(times), blocked, failures, q(cpu, 0.50), q(cpu, 0.99)

print("guard_hook: %d runs (one process each) of Claude Code PreToolUse payloads from %s, %d distinct commands" % (runs, source, len(set(commands))))
load = os.getloadavg()[0]
# The floor of this machine: spawning and reaping a process that does nothing.
floor = measure(["/bin/true"])
# Wall time on a loaded machine includes waiting for a core; the process's own CPU time
# (user + system, from wait4) is printed beside it.
row = "  %-44s wall p50 %7.2f ms  p99 %7.2f ms  mean %7.2f ms | cpu p50 %6.2f ms  p99 %6.2f ms"
print(row % ("/bin/true", floor[0], floor[1], floor[2], floor[5], floor[6]) + "   (process spawn floor)")
ours = measure([binary, "guard", "--agent", "claude-code"])
print(row % ("countersign guard --agent claude-code", ours[0], ours[1], ours[2], ours[5], ours[6]) + "   blocked %d/%d%s" % (ours[3], runs, "   errors %d" % ours[4] if ours[4] else ""))
if ref_status:
    print("  %-44s not measured: %s" % ("cc-safety-net hook --claude-code", ref_status))
else:
    theirs = measure([ref, "hook", "--claude-code"])
    print(row % ("cc-safety-net hook --claude-code", theirs[0], theirs[1], theirs[2], theirs[5], theirs[6]) + "   blocked %d/%d%s" % (theirs[3], runs, "   errors %d" % theirs[4] if theirs[4] else ""))
    print("  ratio (cc-safety-net / countersign): wall p50 %.1fx, p99 %.1fx; cpu p50 %.1fx" % (theirs[0] / ours[0], theirs[1] / ours[1], theirs[5] / ours[5]))
print("  targets: p50 < 2 ms (%s), p99 < 5 ms (%s); load average at start %.1f, at end %.1f, on %d cores" % (
    "met" if ours[0] < 2 else "NOT met", "met" if ours[1] < 5 else "NOT met", load, os.getloadavg()[0], os.cpu_count()))
PY
