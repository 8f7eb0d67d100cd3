#!/usr/bin/env python3
"""Per-class counts of `countersign scan --all` on a real history, and the false-AI / missed-AI
tally of a stratified sample checked by reading the commits.

  provenance_sample.py --repo DIR --name NAME sample   # print the sample to read, one block each
  provenance_sample.py --repo DIR --name NAME tally    # counts and tally, as a Markdown table

The sample is every AI class plus unknown, human and bot, drawn with a fixed seed from the scan's
own output, so the same binary on the same history draws the same commits. A reader's verdict per
sampled commit lives in bench/provenance/NAME.verdicts (commit, `ai` or `not-ai`, a note): `ai`
when the commit itself (author, committer, trailers, message, a git-ai note) says an AI wrote or
helped write it. False AI: classed AI, read not-ai. Missed AI: classed unknown/human/bot, read ai.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
STRATA = ["ai_authored", "ai_assisted", "human", "unknown", "bot"]
PER_STRATUM = 80  # at most, for every stratum but unknown, which fills the sample up to TOTAL
TOTAL = 320
AI_WORDS = re.compile(
    r"co-authored-by|generated|assisted|aider|claude|copilot|codex|cursor|devin|gpt|openai|anthropic|gemini|"
    r"\bai\b|agent|llm|session|\U0001F916", re.I)


def scan(binary, repo):
    out = subprocess.run([binary, "scan", "--all", "--format", "json", "--repo", repo], check=True,
                         capture_output=True).stdout
    return json.loads(out.decode("utf-8", "replace"))["commits"]


def stratum(c):
    if c["bot"] and c["class"] == "unknown":
        return "bot"
    return c["class"]


def sample(commits, name):
    by = {s: sorted(c["commit"] for c in commits if stratum(c) == s) for s in STRATA}
    rng = random.Random(name + "-issue-16")
    picked = {}
    for s in STRATA:
        if s != "unknown":
            picked[s] = rng.sample(by[s], min(PER_STRATUM, len(by[s])))
    rest = TOTAL - sum(len(v) for v in picked.values())
    picked["unknown"] = rng.sample(by["unknown"], min(max(rest, PER_STRATUM), len(by["unknown"])))
    return picked


def show(repo, commit):
    fmt = "%an <%ae>%n%cn <%ce>%n%B"
    raw = subprocess.run(["git", "--git-dir", repo, "log", "-1", "--no-walk", "--encoding=UTF-8", "--format=" + fmt, commit],
                         check=True, capture_output=True).stdout.decode("utf-8", "replace")
    author, committer, body = (raw.split("\n", 2) + ["", ""])[:3]
    lines = body.rstrip("\n").split("\n")
    keep = [lines[0]] + [l for l in lines[1:-6] if AI_WORDS.search(l)] + lines[1:][-6:]
    return author, committer, [l[:160] for l in keep if l.strip()]


def read_verdicts(name):
    path = os.path.join(HERE, "provenance", name + ".verdicts")
    verdicts = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            verdicts[parts[0]] = parts[1]
    return verdicts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True, help="the repository (a bare git directory works)")
    ap.add_argument("--name", required=True, help="name of the verdicts file and the seed")
    ap.add_argument("--countersign", default=os.path.join(HERE, "..", "build", "default", "countersign"))
    ap.add_argument("mode", choices=["sample", "tally"])
    a = ap.parse_args()
    commits = scan(a.countersign, a.repo)
    by_id = {c["commit"]: c for c in commits}
    picked = sample(commits, a.name)
    if a.mode == "sample":
        for s in STRATA:
            for cid in picked[s]:
                c = by_id[cid]
                author, committer, lines = show(a.repo, cid)
                ev = "; ".join(f"{e['detector']}:{e['signal']}" for e in c["evidence"])[:300]
                print(f"== {cid} {s} agents={','.join(c['agents']) or '-'}\n   A: {author}\n   C: {committer}")
                for l in lines:
                    print("   | " + l)
                print("   ev: " + (ev or "-"))
        return
    verdicts = read_verdicts(a.name)
    counts = {s: 0 for s in STRATA}
    for c in commits:
        counts[stratum(c)] += 1
    print(f"### {a.name}: `countersign scan --all` ({len(commits)} commits)\n")
    print("| class | commits | sampled | read as AI | read as not AI | false AI | missed AI | unread |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    tot = [0] * 6
    for s in STRATA:
        got = [verdicts.get(cid) for cid in picked[s]]
        ai, not_ai, unread = got.count("ai"), got.count("not-ai"), sum(v not in ("ai", "not-ai") for v in got)
        is_ai_class = s in ("ai_authored", "ai_assisted")
        false_ai = not_ai if is_ai_class else 0
        missed = 0 if is_ai_class else ai
        row = [len(picked[s]), ai, not_ai, false_ai, missed, unread]
        tot = [x + y for x, y in zip(tot, row)]
        print(f"| {s} | {counts[s]} | " + " | ".join(map(str, row)) + " |")
    print(f"| **all** | {len(commits)} | " + " | ".join(map(str, tot)) + " |")
    agents = {}
    for c in commits:
        for g in c["agents"]:
            agents[g] = agents.get(g, 0) + 1
    print("\nagents: " + ", ".join(f"{g} {n}" for g, n in sorted(agents.items(), key=lambda kv: -kv[1])))
    return 0 if tot[3] == 0 else 1  # false AI must stay 0


if __name__ == "__main__":
    sys.exit(main())
