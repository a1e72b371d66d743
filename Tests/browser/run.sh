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

export LETHE_WORKER_INTERVAL=1
# shellcheck source=../support/demo-server.sh
source Tests/support/demo-server.sh
start_demo_server browser
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
