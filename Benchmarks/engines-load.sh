#!/usr/bin/env bash
# PostgreSQL beside SQLite on one machine, for docs/performance.md ("Several nodes"):
#  - intake: wrk submitting requests through 1, 2 and 4 `lethe serve` processes on PostgreSQL (one wrk per
#    server, the connections split between them), and through one server on SQLite; every 201 must be a
#    durable row afterwards;
#  - purge: the same backlog (a demo deployment purged as of 2045) erased on SQLite, then on PostgreSQL
#    (copied there with `lethe migrate`) with 1, 2 and 4 `lethe purge` processes started together: one
#    holds the purge lease and does the work, the others are turned away (status 75), nothing twice.
# Starts its own throwaway PostgreSQL. Release build. Not part of CI.
#   Benchmarks/engines-load.sh [seconds] [accounts] [connections]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-15}
accounts=${2:-2000}
connections=${3:-16}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d /tmp/lethe-engines.XXXXXX)
as_postgres=""
if [[ $(id -u) == 0 ]]; then chown postgres:postgres "$work"; as_postgres="runuser -u postgres --"; fi
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    $as_postgres "$bin/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
$as_postgres "$bin/initdb" -D "$work/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
$as_postgres "$bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
    -o "-k $work -c listen_addresses='' -c max_connections=200" start >/dev/null
createdb() { psql -X -q -h "$work" -U postgres -d postgres -c "CREATE DATABASE $1"; }
pgurl() { echo "postgres://postgres@/$1?host=$work&pool_size=10"; }
pgcount() { psql -X -q -t -A -h "$work" -U postgres -d "$1" -c "$2"; }

mkdir -p results
(cd .. && swift build -c release --product lethe >/dev/null)
lethe=$(cd .. && pwd)/.build/release/lethe
export LETHE_POLICIES=../Policies LETHE_LOG_LEVEL=warning LETHE_MASTER_KEY_FILE="$work/master.key"
export LETHE_MAIL_FOLDER="$work/mail" LETHE_EXPORTS="$work/exports"
"$lethe" keys init --data "$work" >/dev/null

sed -e 's/^    //' >"$work/intake.lua" <<'LUA'
    counter = 0
    created = 0
    other = 0
    local threads = {}
    function setup(thread)
      thread:set("id", #threads)
      table.insert(threads, thread)
    end
    function request()
      counter = counter + 1
      local key = string.format("%s-%d-%d", prefix, id, counter)
      local body = string.format('{"kind":"export","email":"%s@example.com","jurisdiction":"uk-gdpr","channel":"web"}', key)
      return wrk.format("POST", "/api/v1/requests", {
        ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json", ["Idempotency-Key"] = key,
      }, body)
    end
    function response(status, headers, body)
      if status == 201 then created = created + 1 else other = other + 1 end
    end
    function done(summary, latency, requests)
      local c, o = 0, 0
      for _, t in ipairs(threads) do c = c + t:get("created"); o = o + t:get("other") end
      io.write(string.format("created %d other %d p50 %.1f p99 %.1f\n", c, o,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000))
    end
LUA

# intake ENGINE SERVERS [SYNC]: prints one table row. SYNC=off runs PostgreSQL without waiting for the
# WAL flush at commit (synchronous_commit), to show how much of the time is the disk.
intake() {
    local engine=$1 servers=$2 sync=${3:-on} data="$work/intake-$1-$2-${3:-on}" url_env=()
    if [[ $engine == postgresql ]]; then
        local db="intake_${servers}_$sync"
        createdb "$db"
        psql -X -q -h "$work" -U postgres -d postgres -c "ALTER DATABASE $db SET synchronous_commit = $sync"
        url_env=(env "LETHE_DATABASE_URL=$(pgurl "$db")" "LETHE_MAIL_FOLDER=$data/mail")
    else
        url_env=(env LETHE_DATABASE_URL= "LETHE_MAIL_FOLDER=$data/mail")
    fi
    local token
    token=$("${url_env[@]}" "$lethe" tokens create "load" --role agent --data "$data" | grep -o 'lethe_[A-Za-z0-9_-]*')
    local urls=() n
    for n in $(seq 1 "$servers"); do
        "${url_env[@]}" "$lethe" serve --no-worker --port 0 --data "$data" >"$work/serve-$engine-$servers-$n.out" 2>&1 &
        pids+=($!)
        for _ in $(seq 1 100); do grep -q "listening on" "$work/serve-$engine-$servers-$n.out" && break; sleep 0.1; done
        urls+=("$(grep -o 'http://[0-9.]*:[0-9]*' "$work/serve-$engine-$servers-$n.out")")
    done
    local per=$((connections / servers)) outs=()
    for n in $(seq 1 "$servers"); do
        sed -e "1i prefix = \"$engine$servers-$n\"; token = \"$token\"" "$work/intake.lua" >"$work/intake-$n.lua"
        wrk -t1 -c"$per" -d"${seconds}s" --latency -s "$work/intake-$n.lua" "${urls[$((n - 1))]}" \
            >"$work/wrk-$engine-$servers-$n.txt" &
        outs+=($!)
    done
    wait "${outs[@]}"
    local created rate p99
    created=$(cat "$work"/wrk-"$engine"-"$servers"-*.txt | awk '/^created/ {s += $2} END {print s}')
    rate=$(cat "$work"/wrk-"$engine"-"$servers"-*.txt | awk '/Requests\/sec/ {s += $2} END {printf "%.0f", s}')
    p99=$(cat "$work"/wrk-"$engine"-"$servers"-*.txt | awk '/^created/ {if ($8 > m) m = $8} END {printf "%.0f", m}')
    local rows
    if [[ $engine == postgresql ]]; then
        rows=$(pgcount "intake_${servers}_$sync" "SELECT COUNT(*) FROM privacy_requests")
    else
        rows=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM privacy_requests').fetchone()[0])" "$data/lethe.sqlite")
    fi
    printf '| %s | %d | %s | %s | %s | %s | %s |\n' "$engine" "$servers" "$sync" "$rate" "$p99" "$created" "$rows"
    [[ $rows -ge $created ]] || { echo "FAIL: an acknowledged request is missing"; exit 1; }
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    pids=()
}

{
    echo "== intake: POST /api/v1/requests, $connections connections in all, ${seconds}s"
    echo "| engine | servers | synchronous commit | requests/s | p99 ms (worst server) | 201 answers | durable rows |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    intake sqlite 1
    for servers in 1 2 4; do intake postgresql "$servers"; done
    intake postgresql 1 off
} | tee results/engines-intake.txt

# purge ENGINE PROCESSES: the backlog copied fresh, then PROCESSES purges started together.
seed="$work/seed"
LETHE_DATABASE_URL= LETHE_MAIL_FOLDER="$seed/mail" "$lethe" demo --accounts "$accounts" --data "$seed" >/dev/null
as_of=2045-01-01T00:00:00Z
purge() {
    # Each deployment has its own mail spool: the purge erases old notices there too.
    local engine=$1 processes=$2 data="$work/purge-$1-$2" env_url=(env LETHE_DATABASE_URL= "LETHE_MAIL_FOLDER=$work/purge-$1-$2/mail")
    mkdir -p "$data"
    cp "$seed/lethe.sqlite" "$data/"
    if [[ $engine == postgresql ]]; then
        createdb "purge_$processes"
        LETHE_DATABASE_URL= "$lethe" migrate --data "$data" --to "$(pgurl "purge_$processes")" >/dev/null
        env_url=(env "LETHE_DATABASE_URL=$(pgurl "purge_$processes")" "LETHE_MAIL_FOLDER=$data/mail")
    fi
    local started ended n statuses=() runs=()
    started=$(date +%s.%N)
    for n in $(seq 1 "$processes"); do
        "${env_url[@]}" "$lethe" purge --as-of "$as_of" --data "$data" >"$work/purge-$engine-$processes-$n.out" 2>&1 &
        runs+=($!)
    done
    for pid in "${runs[@]}"; do
        if wait "$pid"; then statuses+=(0); else statuses+=($?); fi
    done
    ended=$(date +%s.%N)
    local purged worked turned
    purged=$(cat "$work"/purge-"$engine"-"$processes"-*.out | awk '/^total/ {s += $3} END {print s + 0}')
    worked=$(printf '%s\n' "${statuses[@]}" | grep -c '^0$' || true)
    turned=$(printf '%s\n' "${statuses[@]}" | grep -c '^75$' || true)
    local seconds_taken
    seconds_taken=$(echo "$ended - $started" | bc)
    printf '| %s | %d | %s | %.1f | %.0f | %d | %d |\n' "$engine" "$processes" "$purged" "$seconds_taken" \
        "$(echo "$purged / $seconds_taken" | bc -l)" "$worked" "$turned"
    local again
    again=$("${env_url[@]}" "$lethe" purge --as-of "$as_of" --data "$data" | awk '/^total/ {print $3}')
    [[ ${again:-0} == 0 ]] || { echo "FAIL: a second pass purged $again"; exit 1; }
    "${env_url[@]}" "$lethe" audit verify --data "$data" >/dev/null
}
{
    echo "== purge: a $accounts-customer demo deployment purged as of $as_of"
    echo "| engine | purge processes | records purged | seconds | records/s | did the work | turned away (75) |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    purge sqlite 1
    for processes in 1 2 4; do purge postgresql "$processes"; done
} | tee results/engines-purge.txt
