#!/usr/bin/env bash
# The whole-product harness: seeds 1,000 events, RSVPs and live updates into a fresh release
# server, then measures each endpoint with wrk at 1 and 32 connections beside a ceiling (the
# same response bytes served from memory by tests/src/bin/ceiling.rs), plus RSVP creation,
# start-up time and memory. SQLite by default; PostgreSQL with BENCH_DATABASE_URL=postgres://…
# Usage: tests/bench/endpoints.sh [SECONDS] [RSVPS] [UPDATES]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-8}"; rsvps="${2:-50000}"; updates="${3:-5000}"
command -v wrk >/dev/null || { echo "bench: installing wrk"; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p umbrella -p umbrella-tests --bin umbrella --bin ceiling
port=18100; ceiling_port=18101
source tests/bench/server.sh
start_server "$port"
idle_kb="$(awk '/VmRSS/{print $2}' "/proc/$server/status")"
popular="$(python3 tests/bench/seed_events.py "http://127.0.0.1:$port" "$token" 1000 "$rsvps" "$updates" | tail -n 1)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u +%F); database: $([ -n "${BENCH_DATABASE_URL:-}" ] && echo postgres || echo sqlite)"
echo "seeded: 1000 events, $rsvps RSVPs, $updates updates; ready in ${ready_ms} ms; idle memory $((idle_kb / 1024)) MB"

measure() { # conns url [header] -> "rps p50 p99 non2xx total"
  local conns="$1" url="$2" header="${3:-}" threads=$(( $1 < 2 ? 1 : 2 )) out args=()
  [ -n "$header" ] && args=(-H "$header")
  out="$(wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency "${args[@]}" "${@:4}" "$url")"
  echo "$(awk '/Requests\/sec/{print $2}' <<<"$out") $(awk '$1=="50%"{print $2}' <<<"$out") $(awk '$1=="99%"{print $2}' <<<"$out") $(awk '/Non-2xx or 3xx/{print $5}' <<<"$out" | grep . || echo 0) $(awk '/requests in/{print $1}' <<<"$out")"
}
printf '%-28s %5s %12s %9s %9s %8s %12s %7s\n' endpoint conns req/s p50 p99 errors ceiling ratio
row() { # label path [header]
  local label="$1" path="$2" header="${3:-}"
  curl -fs ${header:+-H "$header"} "http://127.0.0.1:$port$path" -o "$work/body" || true
  target/release/ceiling "$work/body" "$ceiling_port" & ceiling=$!
  sleep 0.3
  for conns in 1 32; do
    read -r c_rps _ _ _ _ <<<"$(measure "$conns" "http://127.0.0.1:$ceiling_port/")"
    read -r rps p50 p99 errors _ <<<"$(measure "$conns" "http://127.0.0.1:$port$path" "$header")"
    printf '%-28s %5s %12s %9s %9s %8s %12s %7s\n' "$label" "$conns" "$rps" "$p50" "$p99" "$errors" "$c_rps" \
      "$(awk -v a="$rps" -v b="$c_rps" 'BEGIN{printf "%.2f", a/b}')"
  done
  kill "$ceiling"; wait "$ceiling" 2>/dev/null || true
}
row "GET /" "/"
row "GET /api/v1/events" "/api/v1/events"
row "GET /events/{popular}" "/events/$popular"
row "GET /calendar.ics" "/calendar.ics"
etag="$(curl -fs -D - -o /dev/null "http://127.0.0.1:$port/calendar.ics" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')"
read -r rps p50 p99 errors _ <<<"$(measure 32 "http://127.0.0.1:$port/calendar.ics" "If-None-Match: $etag")"
printf '%-28s %5s %12s %9s %9s %8s\n' "GET /calendar.ics -> 304" 32 "$rps" "$p50" "$p99" "$errors"

# RSVP creation: every acknowledged RSVP must be there afterwards.
now="$(date -u -d '+29 days' +%Y-%m-%dT%H:%M:%SZ)"; later="$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)"
target="$(curl -fs -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"title\": \"Big rally\", \"kind\": \"action\", \"starts_at\": \"$now\", \"ends_at\": \"$later\"}" \
  "http://127.0.0.1:$port/api/v1/events" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
read -r rps p50 p99 errors total <<<"$(measure 32 "http://127.0.0.1:$port/api/v1/events/$target/rsvps" "" -s tests/bench/rsvp.lua)"
stored="$(curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/events/$target/rsvps" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rsvps"]))')"
printf '%-28s %5s %12s %9s %9s %8s   acknowledged %s, stored %s\n' "POST …/rsvps" 32 "$rps" "$p50" "$p99" "$errors" "$(( total - errors ))" "$stored"
echo "server peak memory: $(( $(awk '/VmHWM/{print $2}' "/proc/$server/status") / 1024 )) MB"
