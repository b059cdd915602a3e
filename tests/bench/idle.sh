#!/usr/bin/env bash
# Benchmark of an idle instance on PostgreSQL: how often its threads wake, the CPU it uses and
# how many database connections it holds while nobody uses it, for one or more release
# binaries measured one after the other in the same run (a peer: the binary of an earlier commit).
# Usage: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/umbrella_bench \
#          tests/bench/idle.sh [SECONDS] [BINARY…]      (default: 30 s, target/release/umbrella)
# Before measuring, 64 requests at once make the pool open more connections; the measurement
# starts 80 s later (past the pool's idle timeout, 45 s, and its reaper's next look, every 30 s,
# and past the idle timeout of the blocking threads the burst started, 10 s on the workers'
# runtimes and 60 s on the main one, so that no thread exits in the window and takes its
# counts with it). Connections are sampled every second of the
# window: the table shows the most seen at once, beside the count just after start.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-30}"
binaries=("${@:2}")
[ "${#binaries[@]}" -gt 0 ] || binaries=(target/release/umbrella)
: "${BENCH_DATABASE_URL:?set BENCH_DATABASE_URL to a PostgreSQL database}"
database="${BENCH_DATABASE_URL##*/}"
admin="${BENCH_DATABASE_URL%/*}/postgres"
port=18095

# Sum over the process's threads of voluntary and involuntary context switches: each is a
# thread going to sleep or being woken, so their rate is the process's wake-ups.
switches() {
  cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ {n += $2} END {print n}'
}
# The same per thread name ("name switches" lines), to tell whose wake-ups they are.
switches_by_thread() {
  for task in /proc/"$1"/task/*; do
    printf '%s %s\n' "$(tr ' ' '_' <"$task/comm")" "$(awk '/ctxt_switches/ {n += $2} END {print n}' "$task/status")"
  done | awk '{n[$1] += $2} END {for (t in n) print t, n[t]}' | sort
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
connections() {
  psql "$admin" -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname = '$database'"
}

echo "idle instance on PostgreSQL: $(nproc) cores; $(date -u +%FT%TZ); ${seconds} s a binary"
printf '%-44s %14s %12s %22s %18s\n' binary "wake-ups/s" "CPU" "connections (fresh)" "connections (idle, most)"
for bin in "${binaries[@]}"; do
  psql "$admin" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" -c "CREATE DATABASE $database"
  work="$(mktemp -d)"
  UMBRELLA_LOG=warn "$bin" --data-dir "$work" --database-url "$BENCH_DATABASE_URL" \
    --bind "127.0.0.1:$port" --rate-limit-per-minute 0 &
  server=$!
  until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.05; done
  sleep 2
  fresh="$(connections)"
  # A burst that needs many connections at once, then quiet.
  seq 64 | xargs -P 64 -I{} curl -fs -o /dev/null "http://127.0.0.1:$port/api/v1/events"
  sleep 80
  switches_before="$(switches "$server")"
  threads_before="$(switches_by_thread "$server")"
  cpu_before="$(cpu_ticks "$server")"
  most=0
  for _ in $(seq 1 "$seconds"); do
    sleep 1
    now="$(connections)"
    [ "$now" -gt "$most" ] && most=$now
  done
  wakeups="$(awk -v a="$switches_before" -v b="$(switches "$server")" -v s="$seconds" 'BEGIN {printf "%.2f", (b - a) / s}')"
  by_thread="$(join -a 2 -e 0 -o 0,1.2,2.2 <(echo "$threads_before") <(switches_by_thread "$server") |
    awk -v s="$seconds" '$3 > $2 {printf "  %-32s %6.2f wake-ups/s\n", $1, ($3 - $2) / s}')"
  cpu_ms=$(( ($(cpu_ticks "$server") - cpu_before) * 1000 / $(getconf CLK_TCK) ))
  printf '%-44s %14s %9s ms %22s %18s\n' "$bin" "$wakeups" "$cpu_ms" "$fresh" "$most"
  echo "$by_thread"
  kill "$server"
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
done
