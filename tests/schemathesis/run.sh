#!/usr/bin/env bash
# Schemathesis against the real server: every operation in GET /api/v1/openapi.json (but the
# websocket) is called with generated valid and invalid input, and each answer must be no 5xx,
# a status code the document lists, and a body that matches the document's schema.
#
#   bash tests/schemathesis/run.sh [MAX_EXAMPLES]     (default 100 an operation; about a minute)
#
# Needs `pip install schemathesis`. The server runs on SQLite in a temporary data directory with
# rate limiting off; an organizer token, an event and an RSVP are seeded so that the path
# parameters `id`, `token` and `rsvp_id` name real things (schemathesis.toml beside this script).
set -euo pipefail
cd "$(dirname "$0")/../.."
max_examples="${1:-100}"

python3 -c 'import schemathesis' 2>/dev/null || {
  echo "schemathesis: not installed (python3 -m pip install schemathesis)" >&2
  exit 1
}
# The release build: CI has just made it for deploy/check, so this costs no second build.
cargo build --release --quiet --bin umbrella
bin=target/release/umbrella

data_dir=$(mktemp -d)
log="$data_dir/server.log"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$data_dir"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
flags=(--data-dir "$data_dir" --rate-limit-per-minute 0)

"$bin" "${flags[@]}" organizer create fuzzer >/dev/null
token=$("$bin" "${flags[@]}" token create fuzzer | tail -n 1)

"$bin" "${flags[@]}" --bind "127.0.0.1:$port" serve >"$log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$log"; echo "schemathesis: the server did not start" >&2; exit 1; }
  sleep 0.1
done

# Seed one event (a week ahead) and one RSVP to it, so the generated calls reach real records.
starts=$(date -u -d '+7 days' +%Y-%m-%dT18:00:00Z)
ends=$(date -u -d '+7 days' +%Y-%m-%dT20:00:00Z)
event=$(curl -fsS -X POST "$base/api/v1/events" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' \
  -d "{\"title\": \"Know your rights\", \"kind\": \"action\", \"starts_at\": \"$starts\", \"ends_at\": \"$ends\", \"location\": \"Community room\", \"capacity\": 50}")
event_id=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' <<<"$event")
rsvp=$(curl -fsS -X POST "$base/api/v1/events/$event_id/rsvps" -H 'Content-Type: application/json' \
  -d '{"pseudonym": "Seed", "guests": 1}')
rsvp_token=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' <<<"$rsvp")
rsvp_id=$(curl -fsS "$base/api/v1/events/$event_id/rsvps" -H "Authorization: Bearer $token" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["rsvps"][0]["id"])')

export EVENT_ID="$event_id" RSVP_TOKEN="$rsvp_token" RSVP_ID="$rsvp_id"
echo "schemathesis: server on $base, event $event_id, $max_examples examples an operation"
started=$(date +%s)
status=0
# One worker: with two, schemathesis's threads parse source at once, and CPython 3.11 then
# fails inside hypothesis with "AST constructor recursion depth mismatch"
# (python/cpython#106905), an error in the tool rather than in the server.
python3 -m schemathesis.cli --config-file tests/schemathesis/schemathesis.toml run "$base/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
  --exclude-path '/api/v1/events/{id}/live' \
  --max-examples "$max_examples" \
  --seed "${SCHEMATHESIS_SEED:-$RANDOM}" \
  --workers 1 \
  --request-timeout 10 \
  --no-color || status=$?
echo "schemathesis: finished in $(($(date +%s) - started)) s"

# A crash or a panic counts as a failure even when every answer looked right.
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "schemathesis: the server died during the run:" >&2
  tail -n 40 "$log" >&2
  exit 1
fi
if grep -qiE 'panicked|request failed' "$log"; then
  echo "schemathesis: the server logged a panic or an internal error:" >&2
  grep -iE -A3 'panicked|request failed' "$log" | head -n 40 >&2
  exit 1
fi
exit "$status"
