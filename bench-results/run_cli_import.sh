#!/usr/bin/env bash
# Runs the `cocoonmail import` check of 1,000 contact rows (10 bad) against the strict 10/s fake
# server, and keeps the raw output in bench-results/cli-import-1000.txt.
# Usage (from the workspace root): bash bench-results/run_cli_import.sh
set -u
cd "$(dirname "$0")/.."
cargo build --release -p cocoonmail-cli --bins --examples
{
    echo "\$ target/release/examples/import_1000"
    echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    target/release/examples/import_1000
    echo "# exit status: $?"
} > bench-results/cli-import-1000.txt 2>&1
grep -E '^(PASS|FAIL)|rate|429' bench-results/cli-import-1000.txt
