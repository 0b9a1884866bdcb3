#!/usr/bin/env bash
# Builds and starts the Casebook desktop app (installing what it needs).
#   scripts/run.sh              the desktop app
#   scripts/run.sh cli ARGS…    the `casebook` command line instead (e.g. `cli case list`)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
build_ui
if [ "${1:-}" = "cli" ]; then
  shift
  cargo build --release --quiet --bin casebook
  exec target/release/casebook "$@"
fi
cargo build --release --quiet -p casebook-desktop --features custom-protocol
exec target/release/casebook-desktop
