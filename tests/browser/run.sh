#!/usr/bin/env bash
# The browser tests of the web UI: builds `otd`, starts the real server
# (SQLite, a fresh data folder, a simulated clock) on a free port, runs the
# tests in Debian's headless Chromium through playwright-core, and stops
# the server. Screenshots and the server's log land in artifacts/.
#
#   tests/browser/run.sh            (CHROMIUM=/path/to/chromium to override)
#   tests/browser/run.sh staff.test.mjs   (only these files of tests/browser)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "no Chromium at $CHROMIUM: apt-get install chromium (or set CHROMIUM)" >&2
  exit 1
fi
if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/axe-core" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi

cd "$root"
cargo build -p otd --bin otd
target="$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
otd="${OTD_BIN:-$target/debug/otd}"

artifacts="$here/artifacts"
rm -rf "$artifacts"
mkdir -p "$artifacts"
data="$(mktemp -d)"
log="$artifacts/server.log"
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT

# The staff sign in as themselves: their accounts, made before the server starts.
export OTD_PASSWORD="browser-test-password"
staff() { "$otd" admin create-user --data "$data" --clock sim:2026-11-02 --password "$OTD_PASSWORD" "$@" >/dev/null; }
staff --email dealer@otd.example --name "Dana Berlin" --role dealer --dealer D-BER-01 --manager
staff --email consultant@otd.example --name "Conny Consultant" --role dealer --dealer D-BER-01
staff --email planner@otd.example --name "Pia Planner" --role planner
staff --email finance@otd.example --name "Finn Finance" --role finance
staff --email admin@otd.example --name "Ada Admin" --role admin

"$otd" serve --listen 127.0.0.1:0 --data "$data" --clock sim:2026-11-02 >"$log" 2>&1 &
server=$!

# The address it bound, then /healthz, with a deadline.
address=""
for _ in $(seq 1 600); do
  address="$(sed -n 's/^otd listening on \(http:\/\/[0-9.:]*\).*/\1/p' "$log" | head -n1)"
  [ -n "$address" ] && break
  kill -0 "$server" 2>/dev/null || { echo "otd serve exited:"; cat "$log"; exit 1; }
  sleep 0.1
done
[ -n "$address" ] || { echo "otd serve did not start:"; cat "$log"; exit 1; }
node -e '
  const url = process.argv[1] + "/healthz";
  const deadline = Date.now() + 30000;
  (async function poll() {
    try { if ((await fetch(url)).ok) return; } catch (_) {}
    if (Date.now() > deadline) { console.error("no /healthz at " + url); process.exit(1); }
    setTimeout(poll, 100);
  })();' "$address"

token() { "$otd" token --data "$data" --role "$1" --sub "$2"; }
export OTD_URL="$address"
OTD_TOKEN_DEALER="$(token dealer D-BER-01)"
OTD_TOKEN_PLANNER="$(token planner planner)"
OTD_TOKEN_FINANCE="$(token finance finance)"
export OTD_TOKEN_DEALER OTD_TOKEN_PLANNER OTD_TOKEN_FINANCE
export OTD_ARTIFACTS="$artifacts"
# For tests that make their own tokens (a short-lived one).
export OTD_BIN_PATH="$otd" OTD_DATA_DIR="$data"

echo "== browser tests against $address (Chromium: $("$CHROMIUM" --version 2>/dev/null | head -n1))"
cd "$here"
if [ $# -gt 0 ]; then files=("$@"); else files=(./*.test.mjs); fi
node --test --test-reporter=spec --test-concurrency=1 "${files[@]}"
