#!/usr/bin/env bash
# End-to-end test of sync carried by real Syncthing (Debian's package): two instances on
# 127.0.0.1 only, two vaults driven through the `casebook` CLI (e2e/syncthing.test.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo build --quiet -p casebook --bin casebook
export CASEBOOK_CLI="${CARGO_TARGET_DIR:-$PWD/target}/debug/casebook"
export SYNCTHING="$(command -v syncthing)"
# Each instance gets a bounded time; the test stops both by pid when it ends.
(cd e2e && timeout 600 node --test --test-concurrency=1 syncthing.test.mjs)
