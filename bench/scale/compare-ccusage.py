#!/usr/bin/env python3
"""Checks TokenTrace's coding-agent costs against ccusage on the same Claude Code history (issue 12, "Agreement").

Usage:
  CLAUDE_CONFIG_DIR=DIR TZ=UTC ccusage daily --offline --json --mode calculate > ccusage.json
  CLAUDE_CONFIG_DIR=DIR tokentrace sync && tokentrace summary --by day,model --tz UTC --format json > tokentrace.json
  python3 bench/scale/compare-ccusage.py DIR ccusage.json tokentrace.json

Prints, per (day, model): tokens must be equal; the cost difference must be exactly what the requests whose prompt
(input + cache reads + cache writes) exceeds 200k tokens account for. Anthropic bills such a request at the long-context
rates for every token of it; ccusage prices each token bucket on its own, the part of a bucket above 200k at the higher
rate. Both rules are written out here, independently of either tool. Rates: Sonnet 4 / 4.5 (the Claude models of the
generated corpus with a 200k tier), Anthropic's pricing page.
"""
import collections
import glob
import json
import sys
from decimal import Decimal as D

M = D(1_000_000)
SONNET = dict(base=dict(i=D(3), o=D(15), cr=D("0.3"), w5=D("3.75"), w1=D(6)),
              long=dict(i=D(6), o=D("22.5"), cr=D("0.6"), w5=D("7.5"), w1=D(12)))
TIERED = {"claude-sonnet-4-5-20250929": SONNET, "claude-sonnet-4-20250514": SONNET}


def responses(folder):
    """Each (message.id, requestId) once, with its largest usage (total, then output)."""
    best = {}
    for path in glob.glob(folder + "/projects/**/*.jsonl", recursive=True):
        for line in open(path, "rb"):
            if b'"usage"' not in line:
                continue
            try:
                o = json.loads(line)
            except ValueError:
                continue
            m = o.get("message") or {}
            u = m.get("usage")
            if not u or not m.get("model"):
                continue
            split = u.get("cache_creation") or {}
            w1 = split.get("ephemeral_1h_input_tokens", 0)
            t = dict(i=u.get("input_tokens", 0), o=u.get("output_tokens", 0), cr=u.get("cache_read_input_tokens", 0),
                     w5=u.get("cache_creation_input_tokens", 0) - w1, w1=w1)
            key = (m.get("id"), o.get("requestId"))
            total = sum(t.values())
            if key not in best or (total, t["o"]) > (best[key][2], best[key][1]["o"]):
                best[key] = (m["model"], t, total, o["timestamp"][:10])
    return best.values()


def main(folder, ccusage_json, tokentrace_json):
    expected = collections.defaultdict(D)
    over = 0
    for model, t, _, day in responses(folder):
        rates = TIERED.get(model)
        if rates is None or t["i"] + t["cr"] + t["w5"] + t["w1"] <= 200_000:
            continue
        over += 1
        vendor = sum(D(t[k]) * rates["long"][k] for k in t) / M
        per_bucket = sum(min(t[k], 200_000) * rates["base"][k] + max(t[k] - 200_000, 0) * rates["long"][k] for k in t) / M
        expected[(day, model)] += vendor - per_bucket

    cc = json.load(open(ccusage_json))
    ccusage = {(d["period"], m["modelName"]): m for d in cc["daily"] for m in d["modelBreakdowns"]}
    ours = {(r["key"]["day"][:10], r["key"]["model"]): r for r in json.load(open(tokentrace_json))["rows"]}
    tokens_off = [k for k in set(ccusage) | set(ours) if k not in ccusage or k not in ours or (
        ccusage[k]["inputTokens"], ccusage[k]["outputTokens"], ccusage[k]["cacheCreationTokens"], ccusage[k]["cacheReadTokens"]) != (
        ours[k]["inputTokens"], ours[k]["outputTokens"], ours[k]["cacheWriteTokens"], ours[k]["cacheReadTokens"])]
    worst = max(abs(D(str(ours[k]["costUsd"])) - D(str(ccusage[k]["cost"])) - expected.get(k, D(0))) for k in ccusage if k in ours)
    print(f"(day, model) pairs: {len(ccusage)}; token mismatches: {len(tokens_off)} {sorted(tokens_off)[:5]}")
    print(f"requests over 200k: {over} in {len(expected)} pairs; expected cost difference ${sum(expected.values()):.6f}")
    print(f"largest |(TokenTrace - ccusage) - expected| over all pairs: ${worst:.2E}")
    return 0 if not tokens_off and worst < D("0.005") else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
