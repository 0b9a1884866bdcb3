#!/usr/bin/env bash
# Runs every test: unit, integration (CLI, vault, store, search, hostile vectors, tidy).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export CARGO_TERM_COLOR=never
cargo test --workspace --locked
