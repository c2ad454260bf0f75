#!/usr/bin/env bash
# Schemathesis (an independent OpenAPI client, from PyPI) against the real
# `otd serve`: it generates requests from /openapi.json as each role and
# fails on any server error, any response that does not match its documented
# schema and any status code the document does not list for the operation.
#
#   .ci/schemathesis.sh               (OTD_BIN=/path/to/otd to skip the build;
#                                      ST_MAX_EXAMPLES=N examples per operation)
#
# Not tested: the live board (`…/board/stream`), a Server-Sent Events stream
# that never ends, so a client reading the whole body waits forever.
# `min_position` is generated like any parameter: a position past the log's
# head is a 400 at once, one the log reached is waited for. One worker:
# the Python 3.11 of this machine can break compiling in threads (hypothesis
# describing its strategies), which schemathesis reports as a runtime error.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

version="4.32.5"
venv="${ST_VENV:-$root/target/schemathesis-venv}"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

if [ -z "${OTD_BIN:-}" ]; then
  cargo build -p otd --bin otd
  target="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
  OTD_BIN="$target/debug/otd"
fi

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A copy of the binary, so that a concurrent build cannot swap it mid-run.
cp "$OTD_BIN" "$work/otd"
data="$work/data"
log="$work/server.log"
"$work/otd" serve --listen 127.0.0.1:0 --data "$data" --clock sim:2026-11-23 >"$log" 2>&1 &
server=$!
address=""
for _ in $(seq 1 600); do
  address="$(sed -n 's/^otd listening on \(http:\/\/[0-9.:]*\).*/\1/p' "$log" | head -n1)"
  [ -n "$address" ] && break
  kill -0 "$server" 2>/dev/null || { echo "otd serve exited:"; cat "$log"; exit 1; }
  sleep 0.1
done
[ -n "$address" ] || { echo "otd serve did not start:"; cat "$log"; exit 1; }


token() { "$work/otd" token --data "$data" --role "$1" --sub "$2"; }
# Orders are placed only for registered customers: the customer role is one the Berlin
# showroom registers first (no account, so no e-mail to verify).
customer="$(python3 - "$address" "$(token dealer D-BER-01)" <<'PY'
import json, sys, urllib.request
address, token = sys.argv[1], sys.argv[2]
body = json.dumps({"name": "Schema Thesis", "email": "schemathesis@customers.example",
                   "language": "de", "market": "DE"}).encode()
request = urllib.request.Request(address + "/api/v1/customers", data=body, method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": "Bearer " + token})
print(json.load(urllib.request.urlopen(request))["customer_id"])
PY
)"
failed=0
for who in "planner planner" "dealer D-BER-01" "customer $customer" "finance finance" "admin admin"; do
  set -- $who
  echo "== schemathesis as $1 ($2) against $address"
  if ! "$venv/bin/schemathesis" run "$address/openapi.json" \
      --header "Authorization: Bearer $(token "$1" "$2")" \
      --checks not_a_server_error,response_schema_conformance,status_code_conformance \
      --exclude-path '/api/v1/dealers/{dealer_id}/board/stream' \
      --max-examples "${ST_MAX_EXAMPLES:-25}" --no-shrink --seed 1 --workers 1 \
      --request-timeout 10 --suppress-health-check all --warnings off; then
    failed=1
  fi
done
if ! kill -0 "$server" 2>/dev/null; then
  echo "otd serve died during the run:"; cat "$log"; exit 1
fi
exit "$failed"
