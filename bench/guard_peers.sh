#!/usr/bin/env bash
# Scores `countersign guard --agent claude-code` beside the npm package cc-safety-net
# (`cc-safety-net hook --claude-code`) on the peer corpus (bench/corpus/peers.tsv, the tests of dcg
# and cc-safety-net, see bench/peer_corpus.py), both fed the same Claude Code PreToolUse payload,
# in the same run. Per category and class: total, missed (a destructive command allowed), false
# holds (an allow-class command held or denied).
#
# Every command runs with a production context in the environment (AWS_PROFILE=prod, a kubeconfig
# whose current-context is prod, TF_WORKSPACE=prod, PGHOST=db.prod..., ...); a command of a tool
# whose target comes from the environment runs a second time with the non-production context
# (dev), reported as its own table. dcg itself (Rust) is not installed here: no Debian or npm
# package of it exists, and it is not built offline; its corpus is scored.
#
# Usage: bench/guard_peers.sh [build-dir]   (default build/release)
#   GUARD_PEERS_JOBS=N   parallel hook processes (default 2)
#   GUARD_PEERS_LIST=0   do not print the lists of countersign's misses and false holds
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-build/release}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
bin="$build/countersign"
[ -x "$bin" ] || { echo "guard_peers: $bin not built (cmake --preset release && cmake --build --preset release)"; exit 1; }
corpus="$here/corpus/peers.tsv"
[ -f "$corpus" ] || { echo "guard_peers: $corpus missing (bench/peer_corpus.py)"; exit 1; }

work="$root/bench/work"
mkdir -p "$work"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

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
ref_version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$work/node_modules/cc-safety-net/package.json" 2>/dev/null | head -1)

exec python3 - "$bin" "$ref" "$tmp" "$corpus" "$ref_status" "${ref_version:-?}" <<'PY'
import concurrent.futures, json, os, re, subprocess, sys, time

binary, ref, tmp, corpus, ref_status, ref_version = sys.argv[1:7]
jobs = int(os.environ.get("GUARD_PEERS_JOBS", "2"))
listing = os.environ.get("GUARD_PEERS_LIST", "1") != "0"

def unescape(s):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}.get(m.group(1), m.group(0)), s)

rows = []
for line in open(corpus, encoding="utf-8"):
    if line.startswith("#") or not line.strip():
        continue
    source, peer, cls, category, command = line.rstrip("\n").split("\t")
    rows.append(dict(source=source, peer=peer, cls=cls, category=category, command=unescape(command)))

# The project and HOME are not under a temporary directory (rm -rf ~/x must not be judged as a
# temp path): bench/work/peers.<pid>/, removed at the end.
import shutil
peers_dir = os.path.join(os.path.dirname(os.path.dirname(corpus)), "work", "peers.%d" % os.getpid())
shutil.rmtree(peers_dir, ignore_errors=True)
project = os.path.join(peers_dir, "project"); os.makedirs(project)
home = os.path.join(peers_dir, "home"); os.makedirs(home)
# For iterating on packs with a binary built before they existed: GUARD_PEERS_USER_PACKS=FILE is put
# in the project as .countersign/guard.yaml (a `packs:` list). Not used for recorded figures.
if os.environ.get("GUARD_PEERS_USER_PACKS"):
    os.makedirs(os.path.join(project, ".countersign"))
    shutil.copy(os.environ["GUARD_PEERS_USER_PACKS"], os.path.join(project, ".countersign", "guard.yaml"))
def kubeconfig(name):
    path = os.path.join(tmp, "kubeconfig-" + name)
    with open(path, "w") as f:
        f.write("apiVersion: v1\nkind: Config\ncurrent-context: %s\ncontexts:\n- name: %s\n  context: {cluster: %s, user: %s}\n"
                "clusters:\n- name: %s\n  cluster: {server: 'https://k8s.%s.example.com'}\nusers:\n- name: %s\n  user: {}\n"
                % ((name,) * 7))
    return path
def context(name):
    return {"AWS_PROFILE": name, "KUBECONFIG": kubeconfig(name), "TF_WORKSPACE": name, "PULUMI_STACK": name,
            "CLOUDSDK_CORE_PROJECT": "acme-" + name, "AZURE_SUBSCRIPTION_ID": name + "-subscription",
            "VAULT_ADDR": "https://vault.%s.example.com" % name, "PGHOST": "db.%s.example.com" % name,
            "MYSQL_HOST": "db.%s.example.com" % name, "DATABASE_URL": "postgres://db.%s.example.com/app" % name,
            "REDIS_URL": "redis://cache.%s.example.com" % name, "MONGODB_URI": "mongodb://mongo.%s.example.com" % name,
            "HEROKU_APP": "shop-" + name, "FLY_APP": "shop-" + name}
base_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LANG": "C.UTF-8", "TMPDIR": "/tmp"}
if os.environ.get("COUNTERSIGN_DATA_DIR"):
    base_env["COUNTERSIGN_DATA_DIR"] = os.environ["COUNTERSIGN_DATA_DIR"]
contexts = {"prod": dict(base_env, **context("prod")), "dev": dict(base_env, **context("dev"))}
ENV_TOOLS = re.compile(r"\b(aws|cdk|kubectl|oc|helm|terraform|tofu|pulumi|gcloud|gsutil|bq|az|psql|pg_dump|dropdb|mysql|"
                       r"mysqladmin|redis-cli|mongosh|mongo|vault|heroku|fly|flyctl|sqlite3)\b")

tools = [("countersign", [binary, "guard", "--agent", "claude-code"])]
only = os.environ.get("GUARD_PEERS_TOOLS", "")   # "countersign": skip the reference (for iterating on packs)
if not ref_status and only != "countersign":
    tools.append(("cc-safety-net", [ref, "hook", "--claude-code"]))

def run(argv, command, env, i):
    payload = json.dumps({"session_id": "bench-peers", "transcript_path": os.path.join(tmp, "t.jsonl"), "cwd": project,
                          "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
                          "tool_input": {"command": command, "description": "peer corpus"},
                          "tool_use_id": "toolu_peers_%d" % i})
    try:
        p = subprocess.run(argv, input=payload.encode(), capture_output=True, env=env, cwd=project, timeout=30)
    except (subprocess.TimeoutExpired, OSError):
        return "error"
    out = p.stdout.decode("utf-8", "replace")
    m = re.search(r'"permissionDecision"\s*:\s*"(\w+)"', out)
    if m:
        return m.group(1)
    if p.returncode == 2:
        return "deny"
    return "allow" if p.returncode == 0 else "error"

tasks = []
for i, r in enumerate(rows):
    r["contexts"] = ["prod", "dev"] if ENV_TOOLS.search(r["command"]) else ["prod"]
    for ctx in r["contexts"]:
        for name, argv in tools:
            # cc-safety-net reads none of the context variables (no AWS_PROFILE, KUBECONFIG, ... in its
            # dist/): its verdict is the same in both contexts, so it runs once, in the production one
            if ctx == "prod" or name == "countersign":
                tasks.append((i, ctx, name, argv))
t0 = time.time()
with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
    futures = {pool.submit(run, argv, rows[i]["command"], contexts[ctx], n): (i, ctx, name)
               for n, (i, ctx, name, argv) in enumerate(tasks)}
    for f in concurrent.futures.as_completed(futures):
        i, ctx, name = futures[f]
        rows[i].setdefault("got", {})[(name, ctx)] = f.result()
elapsed = time.time() - t0
shutil.rmtree(peers_dir, ignore_errors=True)

def held(v): return v in ("ask", "deny", "error")
def family(cat):
    c = cat.lower()
    for key, fam in (("git", "git"), ("rm", "filesystem"), ("find", "filesystem"), ("device", "filesystem"),
                     ("heredoc", "interpreters/heredocs"), ("bypass", "evasions"), ("obfuscation", "evasions"),
                     ("wrappers", "evasions"), ("deferred", "evasions"), ("edge", "edge cases"),
                     ("multi_segment", "edge cases"), ("quoting", "edge cases"), ("unicode", "edge cases"),
                     ("boundaries", "edge cases"), ("regex", "edge cases"), ("false_positives", "data/non-execution"),
                     ("non_execution", "data/non-execution"), ("substring", "data/non-execution"),
                     ("dangerous", "e2e list"), ("safe", "e2e list")):
        if key in c:
            return fam
    return c.split(".")[0]
for r in rows:
    r["family"] = family(r["category"])

names = [n for n, _ in tools]
def score(ctx, select):
    table = {}
    for r in rows:
        if ctx not in r["contexts"] or not select(r):
            continue
        key = (r["family"], r["cls"])
        t = table.setdefault(key, {"n": 0, **{n: 0 for n in names}})
        t["n"] += 1
        for n in names:
            v = r["got"].get((n, ctx)) or r["got"][(n, "prod")]
            if r["cls"] in ("destructive-production", "destructive-local"):
                t[n] += not held(v)
            elif r["cls"] == "allow":
                t[n] += held(v)
            else:
                t[n] += held(v)   # peer-policy: how many each tool holds
    return table

def print_table(title, table):
    print(title)
    head = "  %-24s %-24s %6s" % ("category", "class", "total") + "".join("  %16s" % n for n in names)
    print(head)
    totals = {}
    for key in sorted(table):
        t = table[key]
        print("  %-24s %-24s %6d" % (key[0], key[1], t["n"]) + "".join("  %16d" % t[n] for n in names))
        s = totals.setdefault(key[1], {"n": 0, **{n: 0 for n in names}})
        s["n"] += t["n"]
        for n in names: s[n] += t[n]
    for cls in sorted(totals):
        s = totals[cls]
        what = {"allow": "false holds", "peer-policy": "held"}.get(cls, "missed")
        print("  %-24s %-24s %6d" % ("ALL (" + what + ")", cls, s["n"]) +
              "".join("  %9d (%4.1f%%)" % (s[n], 100.0 * s[n] / max(1, s["n"])) for n in names))

version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip() or "?"
print("guard_peers: %d commands of bench/corpus/peers.tsv (%s), %d hook runs in %.0f s, %d jobs" % (
    len(rows), ", ".join("%s %d" % (s, sum(1 for r in rows if r["source"].startswith(s))) for s in
                         ("Dicklesworthstone/destructive_command_guard", "kenryu42/cc-safety-net")), len(tasks), elapsed, jobs))
print("  countersign: %s (%s); cc-safety-net: %s" % (version, binary, ref_status or ("npm " + ref_version)))
print("  columns: destructive classes count MISSED (allowed); allow counts FALSE HOLDS (ask/deny); "
      "peer-policy counts HELD (not scored)")
print_table("production context (AWS_PROFILE=prod, kube context prod, TF_WORKSPACE=prod, PGHOST=db.prod..., ...): every command",
            score("prod", lambda r: True))
print_table("non-production context (the same variables naming dev): commands of a tool whose target the environment names"
            " (cc-safety-net: its production-context verdict, it reads none of these variables)",
            score("dev", lambda r: True))
print("  (in the non-production context a destructive-production command held is not required: countersign asks only "
      "for critical rules there)")

if listing:
    for title, ctx, pick in (
            ("countersign misses (production context)", "prod",
             lambda r: r["cls"].startswith("destructive") and not held(r["got"][("countersign", "prod")])),
            ("countersign false holds (production context)", "prod",
             lambda r: r["cls"] == "allow" and held(r["got"][("countersign", "prod")])),
            ("countersign false holds (non-production context)", "dev",
             lambda r: r["cls"] == "allow" and "dev" in r["contexts"] and held(r["got"][("countersign", "dev")]))):
        chosen = [r for r in rows if pick(r)]
        print("%s: %d" % (title, len(chosen)))
        for r in chosen:
            other = r["got"].get(("cc-safety-net", "prod"), "-")
            print("  %-22s %-5s ccsn=%-5s %-18s %s" % (r["cls"], r["got"][("countersign", ctx)], other, r["family"],
                                                        r["command"].replace("\n", "\u23ce")))
PY
