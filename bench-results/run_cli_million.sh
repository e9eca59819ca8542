#!/usr/bin/env bash
# `cocoonmail import events --dry-run` of 10,000 and 1,000,000 rows (a CSV made here, in a
# temporary directory): wall time and peak RSS by /usr/bin/time -v, to show memory stays flat
# whatever the file's size. Keeps the output in bench-results/cli-import-million.txt.
# Usage (from the workspace root): bash bench-results/run_cli_million.sh
set -u
cd "$(dirname "$0")/.."
cargo build --release -p cocoonmail-cli --bins --examples
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
{
    echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    for rows in 10000 1000000; do
        file="$dir/events-$rows.csv"
        awk -v n="$rows" 'BEGIN { print "event_name,email,plan"; for (i = 0; i < n; i++) printf "signup,user%d@example.com,\"pro, annual\"\r\n", i }' > "$file"
        echo
        echo "\$ /usr/bin/time -v target/release/cocoonmail import events events-$rows.csv --dry-run  # $(stat -c %s "$file") bytes"
        COCOONMAIL_API_KEY=unused /usr/bin/time -v target/release/cocoonmail import events "$file" --dry-run --no-progress 2>&1 \
            | grep -E 'Checked|Elapsed \(wall|Maximum resident|Exit status'
    done
} > bench-results/cli-import-million.txt 2>&1
cat bench-results/cli-import-million.txt
