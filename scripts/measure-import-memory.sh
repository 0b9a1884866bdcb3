#!/usr/bin/env bash
# Peak memory of `casebook import FILE --dry-run` on hostile bundles, against an ordinary
# 1,000-case bundle measured in the same run (issue 12: a hostile 300 MiB bundle within 400 MiB).
# Builds the bundles with examples/hostile_bundle.rs into a temporary folder (about 1 GiB of
# disk for a minute), then prints each import's maximum resident set size (GNU time's %M) and
# its ratio to the baseline. Run by hand: `bash scripts/measure-import-memory.sh` (release build).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt install time)" >&2; exit 1; }
cargo build --quiet --release --bin casebook --example hostile_bundle
target="${CARGO_TARGET_DIR:-$PWD/target}/release"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export CASEBOOK_VAULT="$work/vault" CASEBOOK_PASSPHRASE="measure memory passphrase"
"$target/casebook" init --kdf-memory-mib 8 --kdf-iterations 1 --kdf-parallelism 1 >/dev/null
recipient="$("$target/casebook" identity show | head -n 1)"
"$target/examples/hostile_bundle" "$recipient" "$work/b"
peak() { # prints the peak RSS in KiB of an import's dry run, and its outcome
  local out
  out="$( { /usr/bin/time -f 'PEAK %M' "$target/casebook" import "$1" --dry-run >/dev/null; } 2>&1 || true)"
  echo "$(grep -o 'PEAK [0-9]*' <<<"$out" | cut -d' ' -f2) $(grep -m1 -o 'error: .*' <<<"$out" | cut -c1-90)"
}
read -r base _ < <(peak "$work/b/baseline.age")
printf '%-16s %9s %8s %7s  %s\n' bundle file_MiB peak_MiB ratio outcome
for f in baseline big_entry worst_within_caps wide_json nested_json; do
  size=$(( $(stat -c %s "$work/b/$f.age") / 1048576 ))
  read -r kib outcome < <(peak "$work/b/$f.age")
  printf '%-16s %9d %8d %7.2f  %s\n' "$f" "$size" $((kib / 1024)) "$(awk -v a="$kib" -v b="$base" 'BEGIN { print a / b }')" "${outcome:-ok}"
done
