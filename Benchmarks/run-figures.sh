#!/usr/bin/env bash
# Produces the figures in docs/performance.md in one sitting, on one pinned core, so ratios against
# `openssl speed` compare like with like. Not part of CI (the release build of the harness takes minutes).
#   Benchmarks/run-figures.sh [core]   (default core 1; output in Benchmarks/results/)
set -euo pipefail
cd "$(dirname "$0")"
core=${1:-1}
out=results
mkdir -p "$out"
pin=(taskset -c "$core")

{
    echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, pinned to core $core"
    openssl version
    echo "## openssl speed -evp aes-256-gcm (bulk, 1 MiB)"
    "${pin[@]}" openssl speed -seconds 3 -evp aes-256-gcm -bytes 1048576 2>/dev/null | tail -1
    for bytes in 64 1024; do
        echo "## openssl speed -evp aes-256-gcm -aead -bytes $bytes (seal, per message)"
        "${pin[@]}" openssl speed -seconds 3 -evp aes-256-gcm -aead -bytes "$bytes" 2>/dev/null | tail -1
        echo "## openssl speed -evp aes-256-gcm -aead -decrypt -bytes $bytes (open, per message)"
        "${pin[@]}" openssl speed -seconds 3 -evp aes-256-gcm -aead -decrypt -bytes "$bytes" 2>/dev/null | tail -1
    done
    echo "## openssl speed -hmac sha256 -bytes 32"
    "${pin[@]}" openssl speed -seconds 3 -hmac sha256 -bytes 32 2>/dev/null | tail -1
} | tee "$out/openssl-speed.txt"

for target in CryptoBenchmarks StoreBenchmarks; do
    "${pin[@]}" swift package --disable-sandbox benchmark --target "$target" --format markdown \
        > "$out/$target.md" 2> "$out/$target.log"
    grep -E '^### |Throughput|Malloc|Time \(wall|Memory \(resident peak' "$out/$target.md"
done
