#!/usr/bin/env bash
# Instructions per call, SDK vs hand-written, counted by valgrind's callgrind (repeatable on a
# noisy machine, unlike wall time). The fake server runs in its own process, so only the
# client's work is counted. Per call = (Ir at 1,200 calls - Ir at 200 calls) / 1,000, which
# cancels start-up, client construction and the first connection.
# Usage (from the workspace root): bash bench-results/run_callgrind.sh
set -u
cd "$(dirname "$0")/.."
cargo build --release -p cocoon-mock-server
BIN=$(cargo bench --bench overhead --no-run --message-format=json 2>/dev/null \
    | grep -o '"executable":"[^"]*overhead[^"]*"' | cut -d'"' -f4 | tail -1)
PORT=${PORT:-8932}
OUT=${OUT:-${TMPDIR:-/tmp}/cocoon-callgrind}
mkdir -p "$OUT"
target/release/cocoon-mock --no-rate-limit --port "$PORT" > /dev/null 2>&1 &
MOCK=$!
sleep 1
ir() { # scenario side calls
    local file="$OUT/$(echo "$1" | tr ' ' '_')-$2-$3.out"
    OVERHEAD_BASE_URL="http://127.0.0.1:$PORT" OVERHEAD_ONLY=$2 OVERHEAD_CALLS=$3 \
        valgrind --tool=callgrind --callgrind-out-file="$file" "$BIN" --bench --exact "$1" \
        > /dev/null 2>&1
    grep -E '^(summary|totals):' "$file" | head -1 | awk '{print $2}'
}
printf '%-38s %14s %14s %8s\n' scenario "sdk Ir/call" "hand Ir/call" ratio
for scenario in "async send_event" "async find_contact" "blocking send_event" "blocking find_contact" \
        "async send_event vs plain client" "blocking send_event vs plain agent"; do
    s1=$(ir "$scenario" sdk 200); s2=$(ir "$scenario" sdk 1200)
    h1=$(ir "$scenario" hand 200); h2=$(ir "$scenario" hand 1200)
    awk -v n="$scenario" -v s1="$s1" -v s2="$s2" -v h1="$h1" -v h2="$h2" 'BEGIN {
        s = (s2 - s1) / 1000; h = (h2 - h1) / 1000;
        printf "%-38s %14.0f %14.0f %8.3f\n", n, s, h, s / h }'
done
kill "$MOCK"
