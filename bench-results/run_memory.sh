#!/usr/bin/env bash
# Peak RSS of the bulk tool at 10k and 100k calls, rate limiting off, loopback.
# Needs GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install -y time).
# Usage (from the workspace root): bash bench-results/run_memory.sh
set -u
cd "$(dirname "$0")/.."
cargo build --release --example bulk -p cocoonmail-examples
cargo build --release -p cocoon-mock-server
BULK=target/release/examples/bulk
PORT=${PORT:-8931}
KEY='pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI='
run() {
    local name=$1; shift
    {
        echo "\$ $*"
        echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
        /usr/bin/time -v "$@"
        echo "# exit status: $?"
    } > "bench-results/$name.txt" 2>&1
    grep -E '^\$|requests/s|failed:|Maximum resident|Elapsed \(wall' "bench-results/$name.txt"
}
# 1. The client alone: the fake server runs in its own process, so its state (every event and
#    contact it is sent, kept for assertions) is not in the measured process.
target/release/cocoon-mock --no-rate-limit --port "$PORT" > /dev/null 2>&1 &
MOCK=$!
sleep 1
for mode in async blocking; do
    flag=""; [ "$mode" = blocking ] && flag="--blocking"
    for n in 10000 100000; do
        COCOONMAIL_API_KEY="$KEY" COCOONMAIL_BASE_URL="http://127.0.0.1:$PORT" \
            run "memory-external-$mode-$n" "$BULK" --count "$n" --concurrency 8 --no-rate-limit $flag
    done
done
kill "$MOCK"
# 2. Client and embedded server in one process, as `bulk --no-rate-limit` runs by default.
for n in 10000 100000; do
    run "memory-embedded-async-$n" "$BULK" --count "$n" --concurrency 8 --no-rate-limit
done
