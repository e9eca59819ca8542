#!/usr/bin/env bash
# What the SDK's tracing costs with no subscriber installed: instructions per call of the SDK
# side of the overhead bench, built with the `tracing` feature (the default) and without it
# (`--no-default-features`), counted by callgrind (repeatable on a noisy machine). Per call =
# (Ir at 1,200 calls - Ir at 200 calls) / 1,000. The fake server runs in its own process.
# Usage (from the workspace root): bash bench-results/run_tracing_cost.sh
set -u
cd "$(dirname "$0")/.."
cargo build --release -p cocoon-mock-server
bench_bin() {
    cargo bench --bench overhead --no-run --message-format=json "$@" 2>/dev/null \
        | grep -o '"executable":"[^"]*overhead[^"]*"' | cut -d'"' -f4 | tail -1
}
ON=$(bench_bin)
OFF=$(bench_bin --no-default-features)
PORT=${PORT:-8933}
OUT=${OUT:-${TMPDIR:-/tmp}/cocoon-tracing-cost}
mkdir -p "$OUT"
target/release/cocoon-mock --no-rate-limit --port "$PORT" > /dev/null 2>&1 &
MOCK=$!
trap 'kill $MOCK' EXIT
sleep 1
ir() { # binary label scenario calls
    local file="$OUT/$2-$(echo "$3" | tr ' ' '_')-$4.out"
    OVERHEAD_BASE_URL="http://127.0.0.1:$PORT" OVERHEAD_ONLY=sdk OVERHEAD_CALLS=$4 \
        valgrind --tool=callgrind --callgrind-out-file="$file" "$1" --bench --exact "$3" \
        > /dev/null 2>&1
    grep -E '^(summary|totals):' "$file" | head -1 | awk '{print $2}'
}
printf '%-24s %16s %16s %8s\n' scenario "tracing on Ir" "tracing off Ir" ratio
for scenario in "async send_event" "async find_contact" "blocking send_event" "blocking find_contact"; do
    a1=$(ir "$ON" on "$scenario" 200); a2=$(ir "$ON" on "$scenario" 1200)
    b1=$(ir "$OFF" off "$scenario" 200); b2=$(ir "$OFF" off "$scenario" 1200)
    awk -v n="$scenario" -v a1="$a1" -v a2="$a2" -v b1="$b1" -v b2="$b2" 'BEGIN {
        a = (a2 - a1) / 1000; b = (b2 - b1) / 1000;
        printf "%-24s %16.0f %16.0f %8.3f\n", n, a, b, a / b }'
done
