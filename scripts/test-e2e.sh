#!/usr/bin/env bash
# End-to-end tests of the real desktop app: builds it (embedded UI), installs tauri-driver 2
# if missing, and drives the app through WebKitWebDriver under Xvfb at 1366×768.
# Screenshots of the main screens land in docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
[ -f ui/dist/index.html ] || build_ui
# The app, the CLI that plays a second device of the sync group, and the tool that makes a
# group of the kind older builds made (for the test of its upgrade).
cargo build --quiet -p casebook-desktop -p casebook --bin casebook-desktop --bin casebook
cargo build --quiet -p casebook --example old_group
if ! command -v tauri-driver >/dev/null 2>&1; then
  cargo install tauri-driver --version '^2' --locked --quiet
fi
(cd e2e && npm ci --no-audit --no-fund --loglevel=error)
export TAURI_DRIVER="$(command -v tauri-driver)"
export CASEBOOK_APP="${CARGO_TARGET_DIR:-$PWD/target}/debug/casebook-desktop"
export CASEBOOK_CLI="${CARGO_TARGET_DIR:-$PWD/target}/debug/casebook"
export CASEBOOK_OLD_GROUP="${CARGO_TARGET_DIR:-$PWD/target}/debug/examples/old_group"
xvfb-run -a -s "-screen 0 1366x768x24" bash -c 'cd e2e && npm test'
