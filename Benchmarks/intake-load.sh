#!/usr/bin/env bash
# The intake load run in docs/performance.md: wrk on loopback submitting privacy requests through the
# JSON API of a release `lethe serve` (SQLite, worker off), then the same server answering /health as
# the framework's ceiling on this machine. Every 201 must be a durable row: the script counts the rows
# afterwards and fails if they differ. Not part of CI.
#   Benchmarks/intake-load.sh [seconds] [connections] [threads]
# LETHE_BUILD_PATH picks the build folder (default ../.build).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-20}
connections=${2:-16}
threads=${3:-2}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
work=$(mktemp -d /tmp/lethe-intake-load.XXXXXX)
server=""
cleanup() {
    if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p results
build=${LETHE_BUILD_PATH:-../.build}
(cd .. && swift build -c release --product lethe --build-path "${build#../}" >/dev/null)
lethe=$build/release/lethe
export LETHE_DATA="$work/data" LETHE_MASTER_KEY_FILE="$work/master.key" LETHE_POLICIES=../Policies
export LETHE_MAIL_FOLDER="$work/mail" LETHE_EXPORTS="$work/exports" LETHE_LOG_LEVEL=warning
"$lethe" keys init >/dev/null
token=$("$lethe" tokens create "intake load" --role agent | grep -o 'lethe_[A-Za-z0-9_-]*')
"$lethe" serve --no-worker --port 0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/serve.out")

cat >"$work/intake.lua" <<LUA
-- Each request is a new person (unique email and idempotency key), as a web form would send.
-- Globals (not locals) so that done() can read each thread's counts with thread:get.
counter = 0
created = 0
other = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  counter = 0
end
function request()
  counter = counter + 1
  local key = string.format("load-%d-%d", id, counter)
  local body = string.format('{"kind":"export","email":"%s@example.com","jurisdiction":"uk-gdpr","channel":"web"}', key)
  return wrk.format("POST", "/api/v1/requests", {
    ["Authorization"] = "Bearer $token",
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = key,
  }, body)
end
function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); o = o + t:get("other") end
  io.write(string.format("created %d other %d\n", c, o))
end
LUA

echo "== intake: POST /api/v1/requests, $connections connections, ${seconds}s"
wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$work/intake.lua" "$url" | tee results/intake-load.txt
rows=$(python3 - "$work/data/lethe.sqlite" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM privacy_requests").fetchone()[0])
PY
)
created=$(grep -o 'created [0-9]*' results/intake-load.txt | awk '{print $2}')
echo "durable rows: $rows; 201 answers: $created"
[[ "$rows" -ge "$created" ]] || { echo "FAIL: an acknowledged request is missing"; exit 1; }

echo "== ceiling: GET /health, $connections connections, ${seconds}s"
wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$url/health" | tee results/health-load.txt
ps -o rss= -p "$server" | awk '{printf "server RSS after the runs: %.1f MiB\n", $1/1024}'
