#!/bin/bash
# Times every summary shape with the ledger's own SQL (TOKENTRACE_ANALYTICS=off) and with the DuckDB copy (always),
# after building the copy once, and checks that each pair has the same keys, counts, tokens and costs.
# Build first: dotnet build -c Release src/TokenTrace.Cli
CLI="dotnet $(dirname "$0")/../../src/TokenTrace.Cli/bin/Release/net10.0/TokenTrace.Cli.dll"
# Usage: bench/scale/compare-analytics.sh HOME  (a TOKENTRACE_HOME holding an imported usage.db, e.g. bench/scale's home-1000000)
export TOKENTRACE_HOME=${1:?TOKENTRACE_HOME with a ledger}
OUT=$(mktemp -d)
rm -f $TOKENTRACE_HOME/usage.duckdb*
TOKENTRACE_ANALYTICS=always /usr/bin/time -f "catch-up (first summary --by job)|%e|%U|%S|%M" $CLI summary --by job --format json --tz UTC >/dev/null
for args in "--by model" "--by day" "--by project" "--by job" "--by task" "--by agent" "--by session" "--by user" "--by tag:env" "--by week" "--by month" "--by hour" "--by day,project" "--by job,model" "--by agent,user" "--by user --agent agent-00" "--by job --project project-000" "--by project --model gpt-4.1" "--by agent --model gpt-4.1" "--by month,task"; do
  for mode in off always; do
    TOKENTRACE_ANALYTICS=$mode /usr/bin/time -f "$args|$mode|%e|%U|%S|%M" $CLI summary $args --tz UTC --format json > $OUT/out-$mode.json
  done
  python3 - "$args" "$OUT" <<'PY'
import json,sys
a=json.load(open(sys.argv[2] + '/out-off.json')); b=json.load(open(sys.argv[2] + '/out-always.json'))
def strip(x):
    return [(r['key'], {k:v for k,v in r.items() if not (k.startswith('energy') or k.startswith('co2e'))}) for r in x['rows']]
print(sys.argv[1], "IDENTICAL-tokens-cost" if strip(a)==strip(b) and len(a['rows'])==len(b['rows']) else "DIFFERENT", len(a['rows']), "rows")
PY
done
