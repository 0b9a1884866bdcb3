#!/usr/bin/env bash
# Runs every test: the UI's unit tests and type check, the Rust unit and integration tests
# (core, CLI, vault, store, search, hostile vectors, tidy), and the end-to-end tests of the
# real desktop app under Xvfb, and sync carried by two real Syncthing instances.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export CARGO_TERM_COLOR=never

echo "== UI: install, type check, unit tests, build" >&2
build_ui
(cd ui && npm run check --silent && npm test --silent && npm run build:check --silent)

echo "== Rust: formatting, lints, unit and integration tests" >&2
cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
cargo fmt --all -- --check
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked --all-targets

echo "== Desktop app: end-to-end tests" >&2
bash scripts/test-e2e.sh

echo "== Sync carried by real Syncthing: end-to-end" >&2
bash scripts/test-syncthing.sh
