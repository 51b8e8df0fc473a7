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

# pdftotext (poppler-utils) for the PDF report test.
command -v pdftotext >/dev/null 2>&1 || { apt-get update -qq; apt-get install -y -qq --no-install-recommends poppler-utils; }

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings

# The alert tests' SMTP server: aiosmtpd in a venv under target/ (created once;
# the tests also find it there by themselves when run with plain `cargo test`).
echo "== SMTP test server (aiosmtpd in target/test-venv)"
venv=target/test-venv
if ! "$venv/bin/python" -c "import aiosmtpd" >/dev/null 2>&1; then
  if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check aiosmtpd
fi
export SLAWATCH_TEST_PYTHON="$PWD/$venv/bin/python"

echo "== cargo test"
cargo test --all-targets --locked
