#!/usr/bin/env bash
# Runs the bulk tool's rate checks and keeps each raw output in bench-results/.
# Usage (from the workspace root): bash bench-results/run_bulk.sh
set -u
cd "$(dirname "$0")/.."
cargo build --release --example bulk
BULK=target/release/examples/bulk
run() {
    local name=$1; shift
    {
        echo "\$ bulk $*"
        echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
        "$BULK" "$@"
        echo "# exit status: $?"
    } > "bench-results/$name.txt" 2>&1
    tail -n +1 "bench-results/$name.txt" | grep -E '^\$|rate, |429|failed'
}
# Against the strict sliding-window server at 10/s: 200 requests, C = 1, 8, 64, both clients.
for c in 1 8 64; do
    run "bulk-async-c$c" --count 200 --concurrency "$c"
    run "bulk-blocking-c$c" --count 200 --concurrency "$c" --blocking
done
# A slow server (250 ms per answer): one worker cannot reach the limit; latency x rate can.
for c in 1 2 3 4; do
    run "bulk-latency250-async-c$c" --count 200 --concurrency "$c" --latency-ms 250
done
run "bulk-latency250-blocking-c4" --count 200 --concurrency 4 --latency-ms 250 --blocking
