#!/usr/bin/env bash
# Benchmark of live fan-out: N websocket followers of one action on a release server, updates
# posted through the API, delivery latency and losses measured by tests/src/bin/loadgen.rs.
# Usage: tests/bench/live.sh [FOLLOWERS] [UPDATES]   (PostgreSQL: BENCH_DATABASE_URL=postgres://…)
set -euo pipefail
cd "$(dirname "$0")/../.."
followers="${1:-10000}"
updates="${2:-20}"
ulimit -n 20000 2>/dev/null || true
cargo build --release -q -p umbrella -p umbrella-tests --bin umbrella --bin loadgen
port=18090
source tests/bench/server.sh
start_server "$port"
now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"; later="$(date -u -d '+3 hours' +%Y-%m-%dT%H:%M:%SZ)"
event="$(curl -fs -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"title\": \"Benchmark march\", \"kind\": \"action\", \"starts_at\": \"$now\", \"ends_at\": \"$later\"}" \
  "http://127.0.0.1:$port/api/v1/events" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
echo "live fan-out: $followers followers, $updates updates; $(nproc) cores; $(date -u +%F); idle server $(awk '/VmRSS/{print $2, $3}' /proc/$server/status)"
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
server_before="$(cpu "$server")"
/usr/bin/time -f "loadgen CPU: %U s user, %S s system" \
  target/release/loadgen "http://127.0.0.1:$port" "$event" "$token" "$followers" "$updates" "$server"
echo "server CPU during the run: $(( ($(cpu "$server") - server_before) / $(getconf CLK_TCK) )) s"
