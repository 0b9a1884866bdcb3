#!/usr/bin/env bash
# Long runs of the randomised sync tests (CI runs the default sizes through scripts/test.sh):
# the convergence property with many more cases, and many more random kills of `casebook sync`.
#   bash scripts/soak.sh [PROPTEST_CASES] [CASEBOOK_CRASH_RUNS]   (defaults: 20000, 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
export PROPTEST_CASES="${1:-20000}" CASEBOOK_CRASH_RUNS="${2:-2000}"
echo "== convergence: $PROPTEST_CASES cases; crash injection: $CASEBOOK_CRASH_RUNS kills" >&2
cargo test --locked --test sync_converge --test sync_cli -- --nocapture
