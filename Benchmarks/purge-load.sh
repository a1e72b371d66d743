#!/usr/bin/env bash
# The purge load run in docs/performance.md: a backlog of about 1,000,000 due records (10,000 dormant
# customers erased whole with their orders, notes and messages; 10,000 active customers' eleven-year-old
# orders purged in batches), then one `lethe purge` timed with its peak resident memory. Release builds.
# Not part of CI: seeding alone takes several minutes.
#   Benchmarks/purge-load.sh [dormant] [active] [orders per customer] [batch size]
set -euo pipefail
cd "$(dirname "$0")"
dormant=${1:-10000}
active=${2:-10000}
orders=${3:-48}
batch=${4:-500}
data=$(mktemp -d /tmp/lethe-purge-load.XXXXXX)
trap 'rm -rf "$data"' EXIT
mkdir -p results
(cd .. && swift build -c release --product lethe >/dev/null)
swift build -c release --product PurgeBacklog >/dev/null
lethe=../.build/release/lethe
.build/release/PurgeBacklog "$data" "$dormant" "$active" "$orders" 2>/dev/null
ls -l "$data"/lethe.sqlite* | awk '{s+=$5} END {printf "database before: %.0f MiB\n", s/1048576}'
"$lethe" purge --dry-run --data "$data" --policies ../Policies | tail -1
/usr/bin/time -v "$lethe" purge --batch-size "$batch" --data "$data" --policies ../Policies \
    > results/purge-load.txt 2> results/purge-load.time
grep -E "inactive-accounts|invoices-tax|^total" results/purge-load.txt
grep -E "Elapsed|Maximum resident" results/purge-load.time
"$lethe" purge --data "$data" --policies ../Policies | tail -1
"$lethe" audit verify --data "$data" --policies ../Policies
