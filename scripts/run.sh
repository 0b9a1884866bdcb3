#!/usr/bin/env bash
# Builds and starts Casebook. Until the desktop app lands this is the `casebook` CLI:
#   scripts/run.sh init          create a vault (asks for a passphrase, prints the recovery key)
#   scripts/run.sh case list     any other casebook command; no arguments prints the help
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo build --release --quiet --bin casebook
if [ "$#" -eq 0 ]; then set -- --help; fi
exec target/release/casebook "$@"
