#!/usr/bin/env bash
# Builds the release .deb of the desktop app into target/release/bundle/deb/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
build_ui
npx --yes @tauri-apps/cli@^2 build --bundles deb
ls -l target/release/bundle/deb/*.deb
