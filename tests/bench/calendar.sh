#!/usr/bin/env bash
# Benchmark of the public calendar feed against a ceiling, in the same run.
# Seeds 1,000 listed events into a fresh release server (SQLite, or PostgreSQL with
# BENCH_DATABASE_URL=postgres://…), then measures with wrk: the feed, the same bytes served from
# memory by a minimal actix-web handler (the ceiling), and `304` answers to If-None-Match.
# Usage: tests/bench/calendar.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-10}"
command -v wrk >/dev/null || { echo "install wrk (Debian: apt-get install wrk)"; exit 1; }
cargo build --release -q -p umbrella -p umbrella-tests --bin umbrella --bin ceiling
port=18080
ceiling_port=18081
source tests/bench/server.sh
start_server "$port"
python3 tests/bench/seed_events.py "http://127.0.0.1:$port" "$token" 1000
curl -fs "http://127.0.0.1:$port/calendar.ics" -o "$work/feed.ics"
etag="$(curl -fs -D - -o /dev/null "http://127.0.0.1:$port/calendar.ics" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')"
target/release/ceiling "$work/feed.ics" "$ceiling_port" &
ceiling=$!
sleep 0.5

run() { # label url [header]
  local label="$1" url="$2" header="${3:-}" out threads=$(( conns < 2 ? 1 : 2 ))
  if [ -n "$header" ]; then out="$(wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency -H "$header" "$url")"
  else out="$(wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency "$url")"; fi
  local rps p50 p99 errors
  rps="$(awk '/Requests\/sec/{print $2}' <<<"$out")"
  p50="$(awk '$1=="50%"{print $2}' <<<"$out")"
  p99="$(awk '$1=="99%"{print $2}' <<<"$out")"
  errors="$(awk '/Non-2xx or 3xx/{print $5}' <<<"$out")"
  printf '%-28s %5s conns %12s req/s   p50 %8s   p99 %8s   non-2xx/3xx %s\n' "$label" "$conns" "$rps" "$p50" "$p99" "${errors:-0}"
  echo "$rps" >"$work/$label.$conns"
}
echo "feed: $(wc -c <"$work/feed.ics") bytes, $(grep -c BEGIN:VEVENT "$work/feed.ics") events; $(nproc) cores; $(date -u +%F)"
for conns in 1 32; do
  run ceiling "http://127.0.0.1:$ceiling_port/calendar.ics"
  run feed "http://127.0.0.1:$port/calendar.ics"
  run feed-304 "http://127.0.0.1:$port/calendar.ics" "If-None-Match: $etag"
done
ratio="$(awk -v a="$(cat "$work/feed.32")" -v b="$(cat "$work/ceiling.32")" 'BEGIN{printf "%.2f", a/b}')"
echo "feed / ceiling at 32 connections: $ratio"
peak="$(awk '/VmHWM/{print $2, $3}' "/proc/$server/status")"
echo "server peak resident memory: $peak"
