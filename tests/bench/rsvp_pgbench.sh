#!/usr/bin/env bash
# RSVP creation on PostgreSQL beside pgbench, in one run on one machine (issue 20, target 1):
# pgbench's TPC-B-like transaction at 32 clients on a fresh pgbench database, then
# `POST /api/v1/events/{id}/rsvps` at 32 connections (wrk, tests/bench/rsvp.lua) against a fresh
# release server on a fresh Umbrella database, then pgbench again; prints both rates, the RSVP
# p50 and p99, pgbench's own p50 and p99 (from its per-transaction log: the latency PostgreSQL
# itself gives 32 clients on this machine), the ratio of the rates, and whether every
# acknowledged RSVP was stored. Both databases are made new on the local PostgreSQL
# (127.0.0.1:5432, user postgres).
# BENCH_SQLITE=1 serves the RSVPs from SQLite instead (pgbench still runs beside, for the
# machine's measure); BENCH_BIN names another build of the server to measure. BENCH_EMAIL=1:
# every RSVP leaves an address, so each is also owed two reminders (the event asks for them a day
# and two hours before); the server writes mail to a directory (`--mail-url file://`), and none
# falls due during the run.
# Usage: tests/bench/rsvp_pgbench.sh [SECONDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-10}"
rounds="${2:-1}"
pg="postgres://postgres@127.0.0.1:5432"
for tool in wrk pgbench psql; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install wrk postgresql-client)"; exit 1; }
done
[ -n "${BENCH_BIN:-}" ] || cargo build --release -q -p umbrella --bin umbrella

fresh() { psql "$pg/postgres" -qX -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null; }
fresh umbrella_rsvp_bench
fresh umbrella_pgbench
if [ -n "${BENCH_SQLITE:-}" ]; then unset BENCH_DATABASE_URL; else export BENCH_DATABASE_URL="$pg/umbrella_rsvp_bench"; fi
# Scale 32: as many branches as clients, as pgbench's documentation advises.
pgbench -i -q -s 32 "$pg/umbrella_pgbench" >/dev/null 2>&1

tpcb() { # sets tpcb_tps (transactions per second) and tpcb_latency (this run's "p50/p99")
  local logs="$work/pgbench-log"
  rm -rf "$logs" && mkdir -p "$logs"
  tpcb_tps="$(cd "$logs" && pgbench -n -c 32 -j 2 -T "$seconds" --log --log-prefix=tx "$pg/umbrella_pgbench" 2>/dev/null |
    awk '/^tps = /{print $3; exit}')"
  # The log's third field is each transaction's latency in microseconds.
  tpcb_latency="$(cat "$logs"/tx.* | awk '{print $3}' | sort -n |
    awk '{v[NR]=$1} END{printf "%.1fms/%.1fms", v[int(NR*0.5)]/1000, v[int(NR*0.99)]/1000}')"
}

port=18200
source tests/bench/server.sh
if [ "${BENCH_EMAIL:-0}" = 1 ]; then
  mkdir -p "$work/mail"
  start_server "$port" --mail-url "file://$work/mail"
  reminders=', "reminder_offsets_minutes": [1440, 120]'
else
  start_server "$port"
  reminders=''
fi
export BENCH_EMAIL="${BENCH_EMAIL:-0}"
later="$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)"; end="$(date -u -d '+30 days 2 hours' +%Y-%m-%dT%H:%M:%SZ)"
event="$(curl -fs -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"title\": \"Big rally\", \"kind\": \"action\", \"starts_at\": \"$later\", \"ends_at\": \"$end\"$reminders}" \
  "http://127.0.0.1:$port/api/v1/events" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(date -u '+%F %H:%M') UTC; server $bin ($("$bin" --version)); RSVPs on $([ -n "${BENCH_DATABASE_URL:-}" ] && echo PostgreSQL || echo SQLite)$([ "$BENCH_EMAIL" = 1 ] && echo ", each with an address and two reminders owed"); PostgreSQL $(psql "$pg/postgres" -AtXc 'show server_version')"
printf '%-6s %14s %12s %10s %10s %8s %8s %22s\n' round "pgbench tps" "RSVPs/s" p50 p99 errors ratio "pgbench p50/p99"
acknowledged=0
for round in $(seq 1 "$rounds"); do
  tpcb && before=$tpcb_tps before_latency=$tpcb_latency
  out="$(wrk -t2 -c32 -d"${seconds}s" --latency -s tests/bench/rsvp.lua "http://127.0.0.1:$port/api/v1/events/$event/rsvps")"
  tpcb && after=$tpcb_tps after_latency=$tpcb_latency
  rps="$(awk '/Requests\/sec/{print $2}' <<<"$out")"
  p50="$(awk '$1=="50%"{print $2}' <<<"$out")"
  p99="$(awk '$1=="99%"{print $2}' <<<"$out")"
  errors="$(awk '/Non-2xx or 3xx/{print $5}' <<<"$out" | grep . || echo 0)"
  total="$(awk '/requests in/{print $1}' <<<"$out")"
  acknowledged=$(( acknowledged + total - errors ))
  printf '%-6s %14s %12s %10s %10s %8s %8s %22s\n' "$round" "$before/$after" "$rps" "$p50" "$p99" "$errors" \
    "$(awk -v r="$rps" -v a="$before" -v b="$after" 'BEGIN{printf "%.2f", r/((a+b)/2)}')" \
    "$before_latency, $after_latency"
done
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  query() { psql "$BENCH_DATABASE_URL" -AtXc "$1"; }
else
  query() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$work/umbrella.db" "$1"; }
fi
stored="$(query "select count(*) from rsvps where event_id = '$event'")"
taken="$(query "select places_taken from events where id = '$event'")"
if [ "$BENCH_EMAIL" = 1 ]; then
  owed="$(query "select count(*) from outbox where event_id = '$event'")"
  echo "reminders owed $owed (two for each RSVP stored)"
  [ "$owed" -eq $(( stored * 2 )) ] || { echo "bench: FAILED: reminders owed do not match the RSVPs"; exit 1; }
fi
echo "acknowledged $acknowledged, stored $stored (wrk stops with requests in flight: stored may be a few more, never fewer); places taken $taken (each RSVP takes 2)"
[ "$stored" -ge "$acknowledged" ] || { echo "bench: FAILED: an acknowledged RSVP is missing"; exit 1; }
[ "$taken" -eq $(( stored * 2 )) ] || { echo "bench: FAILED: places taken do not match the RSVPs"; exit 1; }
echo "server peak memory: $(( $(awk '/VmHWM/{print $2}' "/proc/$server/status") / 1024 )) MB"
