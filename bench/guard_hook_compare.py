#!/usr/bin/env python3
"""Whole-process latency of several `countersign` binaries side by side, for comparing builds.

Usage: bench/guard_hook_compare.py [--runs N] BINARY...   (a BINARY ending in "true" is run bare)

Each binary runs `guard --agent claude-code` once per Claude Code PreToolUse payload of the guard
corpus (tests/fixtures/guard/*.txt), the binaries interleaved payload by payload so that a change
in the machine's load affects them alike. Unlike bench/guard_hook.sh, HOME persists across the
runs: a held command's pending request is written (and fsynced) once, not once per binary.
Prints wall and CPU (user + system, from wait4) p50/p99 and the mean of each.
"""
import argparse
import glob
import json
import os
import shutil
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
parser = argparse.ArgumentParser()
parser.add_argument("--runs", type=int, default=1000)
parser.add_argument("--git", action="store_true",
                    help="make the project a git repository whose main holds .countersign/policy.yaml, as an agent's "
                         "project is (the guard then reads the trusted revision's environments)")
parser.add_argument("binaries", nargs="+")
args = parser.parse_args()

commands = []
for path in sorted(glob.glob(os.path.join(root, "tests/fixtures/guard/**/*.txt"), recursive=True)):
    if "/hooks/" in path:
        continue
    for line in open(path, encoding="utf-8"):
        label, _, command = line.rstrip().partition(" ")
        if label in ("allow", "ask", "deny") and command.strip():
            commands.append(command.strip().replace("\u23ce", "\n"))

tmp = tempfile.mkdtemp(prefix="guard_hook_compare.")
os.makedirs(os.path.join(tmp, "project"))
os.makedirs(os.path.join(tmp, "home"))
if args.git:
    import subprocess
    project = os.path.join(tmp, "project")
    os.makedirs(os.path.join(project, ".countersign"))
    with open(os.path.join(project, ".countersign", "policy.yaml"), "w") as out:
        out.write("version: 1\nenvironments:\n  production: [prod, production, live]\nrules: []\n")
    git = ["git", "-C", project, "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    subprocess.run(git[:3] + ["init", "-q", "-b", "main"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "policy"], check=True)
payloads = []
for i in range(args.runs):
    path = os.path.join(tmp, "p%d.json" % i)
    with open(path, "w") as out:
        json.dump({"session_id": "bench", "transcript_path": os.path.join(tmp, "t.jsonl"),
                   "cwd": os.path.join(tmp, "project"), "permission_mode": "default",
                   "hook_event_name": "PreToolUse", "tool_name": "Bash",
                   "tool_input": {"command": commands[i % len(commands)], "description": "bench"},
                   "tool_use_id": "toolu_bench_%d" % i}, out)
    payloads.append(path)

env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.path.join(tmp, "home"), "LANG": "C.UTF-8"}
devnull = os.open(os.devnull, os.O_WRONLY)
wall = {b: [] for b in args.binaries}
cpu = {b: [] for b in args.binaries}
load = os.getloadavg()[0]
for payload in payloads:
    for binary in args.binaries:
        argv = [binary] if binary.endswith("true") else [binary, "guard", "--agent", "claude-code"]
        fd = os.open(payload, os.O_RDONLY)
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=[
            (os.POSIX_SPAWN_DUP2, fd, 0), (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, _, usage = os.wait4(pid, 0)
        wall[binary].append((time.perf_counter_ns() - t0) / 1e6)
        cpu[binary].append((usage.ru_utime + usage.ru_stime) * 1e3)
        os.close(fd)
shutil.rmtree(tmp)


def q(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


print("guard_hook_compare: %d payloads per binary (%d distinct commands), interleaved, project %s; load average %.1f "
      "at start, %.1f at end, %d cores" % (args.runs, len(set(commands)), "a git repository" if args.git else "a plain "
      "directory", load, os.getloadavg()[0], os.cpu_count()))
for b in args.binaries:
    w, c = wall[b], cpu[b]
    print("  %-40s wall p50 %5.2f  p99 %5.2f  mean %5.2f ms | cpu p50 %5.2f  p99 %5.2f  mean %5.2f ms" % (
        b, q(w, .5), q(w, .99), sum(w) / len(w), q(c, .5), q(c, .99), sum(c) / len(c)))
