#!/usr/bin/env bash
# The in-memory limiter before and after its redesign (reserved slots, pauses heard from the
# server), each with its own bench: the previous one at commit 1353444 (acquire+release per
# attempt), the current one (reserve+confirm+observe per attempt). Both on governor's fake
# clock, run back to back on the same machine.
# Usage (from the workspace root): bash bench-results/run_limiter_compare.sh
set -eu
cd "$(dirname "$0")/.."
OLD=${TMPDIR:-/tmp}/cocoonmail-limiter-before
if [ ! -d "$OLD" ]; then
    git worktree add --detach "$OLD" 1353444 >/dev/null
fi
echo "== before the redesign (1353444): benches/limiter.rs"
(cd "$OLD" && cargo bench --bench limiter -- --warm-up-time 1 --measurement-time 3 2>/dev/null \
    | grep -E '^(fake_clock|monotonic|unlimited)|time:')
echo "== now ($(git rev-parse --short HEAD)): benches/limiter.rs"
cargo bench --bench limiter -- --warm-up-time 1 --measurement-time 3 2>/dev/null \
    | grep -E '^(fake_clock|unlimited)|time:'
