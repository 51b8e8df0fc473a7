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

# openssl for the mail tests' own certificate authority (a relay with a
# council's internal CA).
command -v openssl >/dev/null 2>&1 || { apt-get update -qq; apt-get install -y -qq --no-install-recommends openssl; }

# pdftotext (poppler-utils) for the PDF report test.
command -v pdftotext >/dev/null 2>&1 || { apt-get update -qq; apt-get install -y -qq --no-install-recommends poppler-utils; }

# A real headless browser for the web desk's tests (tests/web_browser.rs):
# Debian's chromium and its WebDriver server, chromium-driver.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "== installing chromium and chromium-driver (Debian packages)"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium chromium-driver
fi

# axe-core, the accessibility check those tests inject into every page,
# from the npm registry into target/test-npm, pinned (a new release may add
# rules; a version bump is a deliberate change here).
AXE_VERSION=4.14.1
if ! grep -q "\"version\": \"$AXE_VERSION\"" target/test-npm/node_modules/axe-core/package.json 2>/dev/null; then
  echo "== installing axe-core $AXE_VERSION (npm) into target/test-npm"
  command -v npm >/dev/null 2>&1 || { apt-get update -qq; apt-get install -y -qq --no-install-recommends npm; }
  npm install --silent --no-audit --no-fund --save-exact --prefix target/test-npm "axe-core@$AXE_VERSION"
fi
export SLAWATCH_TEST_CHROMIUM="$(command -v chromium)"
export SLAWATCH_TEST_CHROMEDRIVER="$(command -v chromedriver)"
export SLAWATCH_TEST_AXE="$PWD/target/test-npm/node_modules/axe-core/axe.min.js"

# A PostgreSQL server for the second run of the tests: only its binaries are
# needed (Debian's postgresql-15, not the `postgresql` metapackage, whose
# upgrade is slow); the script starts its own throwaway cluster below.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
  echo "== installing PostgreSQL (Debian package)"
  apt-get update -qq
  if apt-cache show postgresql-15 >/dev/null 2>&1; then
    apt-get install -y -qq --no-install-recommends postgresql-15
  else
    apt-get install -y -qq --no-install-recommends postgresql
  fi
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings

echo "== cargo doc (broken links and missing docs are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked --quiet

# The documentation site (docs/book) with mdBook, pinned; installed once with
# cargo (about 2 CPU-minutes, 4 minutes on two shared cores), without the
# live-reload server and file watcher it does not need here. A page missing
# from SUMMARY.md fails the build; tests/docs_links.rs checks the links.
MDBOOK_VERSION=0.5.4
if [ "$(mdbook --version 2>/dev/null)" != "mdbook v$MDBOOK_VERSION" ]; then
  echo "== installing mdbook $MDBOOK_VERSION (cargo install)"
  cargo install mdbook --locked --version "$MDBOOK_VERSION" --no-default-features --features search
fi
echo "== mdbook build docs/book"
mdbook build docs/book

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

echo "== cargo test (SQLite)"
# The PostgreSQL-only tests skip in this pass (they run in the next); in CI,
# anywhere else, they fail without a server.
SLAWATCH_TEST_PASS=sqlite cargo test --all-targets --locked

# The same tests again on a real PostgreSQL server: a throwaway cluster in a
# temporary folder on a free loopback port (no durability needed: fsync off),
# stopped and removed on exit. Each test makes a database of its own on it.
PGBIN=$(pg_bin)
PGTMP=$(mktemp -d "${TMPDIR:-/tmp}/slawatch-test-pg.XXXXXX")
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
stop_postgres() {
  as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGTMP"
}
trap stop_postgres EXIT
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PGTMP"; fi
as_pg "$PGBIN/initdb" -D "$PGTMP/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >/dev/null
started=""
for _ in 1 2 3 4 5; do
  # A port nothing listens on (bash connects to it and fails); pg_ctl fails
  # if another process takes it first, and we try another.
  port=$((20000 + RANDOM % 40000))
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
  if as_pg "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/log" -w -t 60 \
      -o "-p $port -k $PGTMP -c listen_addresses=127.0.0.1 -c max_connections=300 \
          -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null; then
    started=$port
    break
  fi
done
if [ -z "$started" ]; then
  echo "cannot start the test PostgreSQL server:" >&2
  cat "$PGTMP/log" >&2 || true
  exit 1
fi
echo "== cargo test (PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$started)"
SLAWATCH_TEST_POSTGRES="postgres://postgres@127.0.0.1:$started/postgres" \
  cargo test --all-targets --locked
