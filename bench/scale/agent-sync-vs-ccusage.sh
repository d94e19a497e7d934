#!/usr/bin/env bash
# Coding-agent history, whole processes side by side in one run (issue 12 speed targets):
#   bench/scale/agent-sync-vs-ccusage.sh TOKENTRACE_BINARY CCUSAGE_BINARY CORPUS_DIR
# CORPUS_DIR is a Claude configuration folder (projects/…), e.g. from
#   dotnet bench/scale/bin/Release/net10.0/TokenTrace.Scale.dll claude-corpus /tmp/cc1g 1000
# It is copied first (the "+1 MB" step appends to the copy). Prints one markdown table row per step: wall seconds,
# CPU seconds (user + system) and peak resident memory from /usr/bin/time. Files are read once beforehand so both tools
# start from the page cache. Nothing outside the temporary folder is read or written (every agent folder points there).
set -euo pipefail
tt=$1
cc=$2
corpus=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$corpus" "$work/claude"
export CLAUDE_CONFIG_DIR=$work/claude TOKENTRACE_HOME=$work/home CODEX_HOME=$work/none GEMINI_DATA_DIR=$work/none \
  OPENCODE_DATA_DIR=$work/none AMP_DATA_DIR=$work/none QWEN_DATA_DIR=$work/none
find "$work/claude" -type f -exec cat {} + > /dev/null

measure() {
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" > "$work/out" 2> "$work/err" || true
  read -r wall user system peak < <(tail -1 "$work/time")
  python3 -c "import sys; w,u,s,m=sys.argv[2:]; print(f'| {sys.argv[1]} | {float(w):.2f} s | {float(u)+float(s):.2f} CPU-s | {int(m)//1024} MB |')" \
    "$label" "$wall" "$user" "$system" "$peak"
}

echo "| step | wall | CPU | peak memory |"
echo "|---|---|---|---|"
measure "tokentrace daily, first run (stores every record)" "$tt" daily --format json
python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['total']; print(f'(stored: {t[\"records\"]} records, {t[\"inputTokens\"]+t[\"outputTokens\"]} input+output tokens)', file=sys.stderr)" "$work/out"
measure "tokentrace daily, nothing new" "$tt" daily --format json
measure "ccusage daily --offline --mode calculate" "$cc" daily --offline --json --mode calculate

# Append ≈1 MB of new responses (copies of the largest file's last responses with new ids) to one file.
target=$(find "$work/claude/projects" -name '*.jsonl' -size +1M -print -quit)
python3 - "$target" <<'PY'
import json, sys, uuid
path = sys.argv[1]
lines = [l for l in open(path, encoding='utf-8') if '"usage"' in l]
out, size = [], 0
while size < 1 << 20:
    for line in lines[-200:]:
        record = json.loads(line)
        record['message']['id'] = 'msg_' + uuid.uuid4().hex
        record['requestId'] = 'req_' + uuid.uuid4().hex
        record['message']['stop_reason'] = 'end_turn'
        text = json.dumps(record, separators=(',', ':')) + '\n'
        out.append(text)
        size += len(text.encode())
        if size >= 1 << 20:
            break
with open(path, 'a', encoding='utf-8') as f:
    f.writelines(out)
print(f'appended {len(out)} responses, {size} bytes to {path}', file=sys.stderr)
PY
measure "tokentrace daily after appending 1 MB to one file" "$tt" daily --format json
measure "ccusage daily after appending 1 MB" "$cc" daily --offline --json --mode calculate

if "$tt" --help | grep -q statusline; then
  session=$(basename "$target" .jsonl)
  input=$(python3 -c "import json,sys; print(json.dumps({'session_id': sys.argv[1], 'transcript_path': sys.argv[2], 'cwd': '/home/dev', 'model': {'id': 'claude-sonnet-4-5', 'display_name': 'Sonnet 4.5'}}))" "$session" "$target")
  echo "$input" | "$tt" statusline > /dev/null 2>&1 || true
  for i in 1 2 3; do
    echo "$input" > "$work/stdin"
    measure "tokentrace statusline, warm (run $i)" sh -c "\"$tt\" statusline < \"$work/stdin\""
  done
fi
