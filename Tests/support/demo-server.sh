# Sourced by the scripts that drive a real `lethe serve --demo` (Tests/browser/run.sh, Tests/api/run.sh).
# start_demo_server NAME: builds lethe, starts it on demo data in a fresh /tmp/lethe-NAME.* folder on a
# free port, waits until it listens, and sets lethe, work, server_pid, url and password (the demo
# officer's). The server is killed and the folder removed when the calling script exits.

start_demo_server() {
    swift build --product lethe >/dev/null
    lethe="$(swift build --show-bin-path)/lethe"
    work="$(mktemp -d "/tmp/lethe-$1.XXXXXX")"
    server_pid=""
    trap 'if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill -9 "$server_pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

    export LETHE_DATA="$work/data" LETHE_EXPORTS="$work/exports" LETHE_MAIL_FOLDER="$work/mail"
    export LETHE_LOG_LEVEL=warning
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
}
