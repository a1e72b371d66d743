#!/usr/bin/env bash
# Browser tests: a real `lethe serve --demo` driven by headless Chromium through selenium.
# Called by .ci/run after `swift test`; installs what it needs. SCREENSHOTS=docs/images refreshes the
# README's screenshots; otherwise they go to a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { printf '== %s\n' "$*"; }

if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
    log "installing chromium and chromium-driver"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
fi
if ! python3 -c "import selenium" >/dev/null 2>&1; then
    log "installing python selenium"
    python3 -m pip install --quiet selenium
fi

swift build --product lethe >/dev/null
lethe="$(swift build --show-bin-path)/lethe"
work="$(mktemp -d /tmp/lethe-browser.XXXXXX)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill -9 "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

export LETHE_DATA="$work/data" LETHE_EXPORTS="$work/exports" LETHE_MAIL_FOLDER="$work/mail"
export LETHE_WORKER_INTERVAL=1 LETHE_LOG_LEVEL=warning
# The first start loads the demo data and prints the officer's sign-in; the key is a development key.
"$lethe" serve --demo --port 0 >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
for _ in $(seq 1 240); do
    grep -q "listening on" "$work/serve.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.err"; exit 1; }
    sleep 0.5
done
url="$(grep -o 'http://[0-9.]*:[0-9]*' "$work/serve.out" | head -1)"
password="$(grep -o 'officer / .*' "$work/serve.out" | cut -d' ' -f3)"
[[ -n "$url" && -n "$password" ]] || { echo "lethe serve did not start"; cat "$work/serve.err"; exit 1; }
# Tokens for the test's own set-up calls (a customer account; approving the export as an officer).
agent_token="$("$lethe" tokens create "browser test set-up" --role agent | grep -o 'lethe_[A-Za-z0-9_-]*')"
officer_token="$("$lethe" tokens create "browser test officer" --role officer | grep -o 'lethe_[A-Za-z0-9_-]*')"

log "browser tests against $url"
LETHE_URL="$url" LETHE_PASSWORD="$password" LETHE_AGENT_TOKEN="$agent_token" LETHE_OFFICER_TOKEN="$officer_token" \
    LETHE_SCREENSHOTS="${SCREENSHOTS:-$work/screenshots}" LETHE_DOWNLOADS="$work/downloads" \
    python3 Tests/browser/test_browser.py

log "graceful shutdown"
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
[[ "$status" -eq 0 ]] || { echo "lethe serve exited $status on SIGTERM"; tail -20 "$work/serve.err"; exit 1; }
log "browser tests passed"
