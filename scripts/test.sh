#!/usr/bin/env bash
# Runs every check and test of slawatch, installing what they need first.
# Usage: scripts/test.sh   (from anywhere; works on a fresh Debian machine)
set -euo pipefail
cd "$(dirname "$0")/.."

# The Rust toolchain's formatter and linter.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi

# A real Prometheus (and promtool) for the metrics and dashboards test.
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  echo "== installing prometheus (Debian package)"
  apt-get update
  apt-get install -y --no-install-recommends prometheus
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings

echo "== cargo test"
cargo test --all-targets --locked
