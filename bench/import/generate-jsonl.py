#!/usr/bin/env python3
"""Writes N synthetic usage records as JSON lines (an export `tokentrace import` reads), for import memory runs.

    python3 bench/import/generate-jsonl.py 10000000 /tmp/usage-10m.jsonl
"""
import json, random, sys

def main():
    count, path = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(42)
    models = ["claude-sonnet-4-5", "gpt-4o", "gemini-2.5-pro", "claude-haiku-4-5", "gpt-4o-mini"]
    projects = ["docs", "api", "web", "data", "ml", "infra"]
    with open(path, "w", encoding="utf-8") as out:
        for i in range(count):
            day = 1 + i % 28
            record = {
                "id": f"bench-{i:010d}",
                "timestamp": f"2026-10-{day:02d}T{(i // 28) % 24:02d}:{(i // 7) % 60:02d}:{i % 60:02d}Z",
                "provider": "anthropic",
                "model": models[i % len(models)],
                "operation": "chat",
                "input": rng.randint(100, 20000),
                "cacheRead": rng.randint(0, 50000),
                "cacheWrite": rng.randint(0, 5000),
                "cacheWrite1h": 0,
                "output": rng.randint(10, 4000),
                "reasoning": 0,
                "project": projects[i % len(projects)],
                "job": f"job-{i % 1000}",
                "session": f"s-{i // 50}",
                "source": "sdk",
            }
            out.write(json.dumps(record, separators=(",", ":")))
            out.write("\n")

if __name__ == "__main__":
    main()
