#!/usr/bin/env bash
# Installs what building and testing Casebook needs on Debian/Ubuntu: the C toolchain and
# OpenSSL headers (SQLCipher links libcrypto), WebKitGTK for the desktop app, Xvfb and
# WebKitWebDriver for its end-to-end tests, Debian's age, unzip and ssh-keygen (openssh-client)
# for the export interop tests,
# Syncthing for the end-to-end test of sync carried by a real sync tool, dbus-daemon for the
# test of the app's sleep lock (a fake logind on a private bus),
# Node.js for the UI, and, if missing, Rust.
set -euo pipefail

packages=(build-essential pkg-config libssl-dev ca-certificates curl
          libwebkit2gtk-4.1-dev webkit2gtk-driver xvfb xauth imagemagick age unzip openssh-client syncthing dbus-daemon)
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: installing the Rust toolchain with rustup" >&2
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  export PATH="$HOME/.cargo/bin:$PATH"
fi

# The desktop app embeds the built UI (ui/dist); every cargo build of the workspace needs it.
build_ui() {
  (cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
}
