#!/usr/bin/env bash
# Complete requests, end to end, for docs/performance.md ("Complete requests"): a release `lethe serve`
# (SQLite, its worker passing every second) on demo accounts; requests-load.py submits one access
# request per account over the JSON API, verifies each with the code from the mail folder, approves it
# and waits for every bundle; then the same for deletions until every receipt is written; then opt-outs
# by Global Privacy Control (customers of states whose law makes the signal an opt-out sign in to the
# privacy center and open their account page with `Sec-GPC: 1`, twice). Each phase must end with every
# request completed exactly once, or the script fails. Reports completed requests per second and the
# server's memory (idle, peak, after). Not part of CI.
#   Benchmarks/requests-load.sh [accounts per kind] [clients]
# LETHE_BUILD_PATH picks the build folder (default ../.build).
#
# The deletion grace period is set to 0 days in a copy of the policies, as an operator may configure it:
# the run measures the erasure, not fourteen days of waiting.
set -euo pipefail
cd "$(dirname "$0")"
accounts=${1:-1000}
clients=${2:-16}
build=${LETHE_BUILD_PATH:-../.build}
work=$(mktemp -d /tmp/lethe-requests-load.XXXXXX)
server=""
cleanup() {
    if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p results
(cd .. && swift build -c release --product lethe --build-path "${build#../}" >/dev/null)
lethe=$build/release/lethe

cp -rL ../Policies "$work/policies"
python3 - "$work/policies/retention.yaml" <<'PY'
import re, sys
path = sys.argv[1]
rules = open(path).read().split("\n  - id: ")
rules = [re.sub(r"period: \{days: \d+\}", "period: {days: 0}", rule) if "trigger: deletion-verified" in rule else rule
         for rule in rules]
open(path, "w").write("\n  - id: ".join(rules))
PY

export LETHE_DATA="$work/data" LETHE_MASTER_KEY_FILE="$work/master.key" LETHE_POLICIES="$work/policies"
export LETHE_MAIL_FOLDER="$work/mail" LETHE_EXPORTS="$work/exports" LETHE_LOG_LEVEL=warning
export LETHE_WORKER_INTERVAL=1
"$lethe" keys init >/dev/null
# About a quarter of demo customers live where the signal is an opt-out (California, Colorado).
"$lethe" demo --accounts $((accounts * 7 + accounts / 5 + 50)) >/dev/null
token=$("$lethe" tokens create "requests load" --role officer | grep -o 'lethe_[A-Za-z0-9_-]*')
# Accounts with nothing open and no hold: each gets exactly one request.
python3 - "$work" "$accounts" <<'PY'
import sqlite3, sys
work, count = sys.argv[1], int(sys.argv[2])
database = sqlite3.connect(f"{work}/data/lethe.sqlite")
ids = [row[0] for row in database.execute(
    "SELECT id FROM accounts WHERE status = 'active'"
    " AND id NOT IN (SELECT account_id FROM privacy_requests WHERE account_id IS NOT NULL)"
    " AND id NOT IN (SELECT account_id FROM legal_holds WHERE released_at IS NULL) ORDER BY id")]
if len(ids) < 2 * count:
    sys.exit(f"only {len(ids)} accounts are free for {2 * count} requests")
open(f"{work}/export.txt", "w").write("\n".join(ids[:count]))
open(f"{work}/deletion.txt", "w").write("\n".join(ids[count:2 * count]))
taken = set(ids[:2 * count])
signal = [row[0] for row in database.execute(
    "SELECT id FROM accounts WHERE status = 'active' AND residence IN ('us-ca', 'us-co')"
    " AND id NOT IN (SELECT account_id FROM privacy_requests WHERE account_id IS NOT NULL)"
    " AND id NOT IN (SELECT account_id FROM legal_holds WHERE released_at IS NULL) ORDER BY id")
    if row[0] not in taken]
if len(signal) < count:
    sys.exit(f"only {len(signal)} accounts in California or Colorado are free for {count} opt-outs")
open(f"{work}/gpc.txt", "w").write("\n".join(signal[:count]))
PY

"$lethe" serve --port 0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/serve.out")
sleep 3
memory() { awk -v what="$1" '$1 == what":" {printf "%.1f MiB", $2/1024}' "/proc/$server/status"; }
echo "idle server RSS: $(memory VmRSS)" | tee results/requests-load.txt
for kind in export deletion gpc; do
    python3 requests-load.py --url "$url" --token "$token" --mail "$work/mail" --database "$work/data/lethe.sqlite" \
        --kind "$kind" --accounts "$work/$kind.txt" --clients "$clients" --purposes "$work/policies/purposes.yaml" \
        | tee -a results/requests-load.txt
done
echo "server RSS after the runs: $(memory VmRSS); peak: $(memory VmHWM)" | tee -a results/requests-load.txt
