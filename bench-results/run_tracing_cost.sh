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
ir() { # binary label scenario calls [subscriber]
    local file="$OUT/$2-$(echo "$3" | tr ' ' '_')-$4.out"
    OVERHEAD_SUBSCRIBER=${5:-none} \
    OVERHEAD_BASE_URL="http://127.0.0.1:$PORT" OVERHEAD_ONLY=sdk OVERHEAD_CALLS=$4 \
        valgrind --tool=callgrind --callgrind-out-file="$file" "$1" --bench --exact "$3" \
        > /dev/null 2>&1
    grep -E '^(summary|totals):' "$file" | head -1 | awk '{print $2}'
}
# Columns: Ir per call with tracing compiled out, on with no subscriber, on with a JSON
# subscriber (cocoonmail=debug) writing to a sink; then the two ratios to "off".
printf '%-24s %12s %12s %12s %9s %9s\n' scenario "off Ir" "on Ir" "json Ir" "on/off" "json/off"
for scenario in "async send_event" "async find_contact" "blocking send_event" "blocking find_contact"; do
    a1=$(ir "$ON" on "$scenario" 200); a2=$(ir "$ON" on "$scenario" 1200)
    b1=$(ir "$OFF" off "$scenario" 200); b2=$(ir "$OFF" off "$scenario" 1200)
    j1=$(ir "$ON" json "$scenario" 200 json); j2=$(ir "$ON" json "$scenario" 1200 json)
    awk -v n="$scenario" -v a1="$a1" -v a2="$a2" -v b1="$b1" -v b2="$b2" -v j1="$j1" -v j2="$j2" 'BEGIN {
        a = (a2 - a1) / 1000; b = (b2 - b1) / 1000; j = (j2 - j1) / 1000;
        printf "%-24s %12.0f %12.0f %12.0f %9.3f %9.3f\n", n, b, a, j, a / b, j / b }'
done
