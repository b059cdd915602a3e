#!/usr/bin/env bash
# Three instances on one PostgreSQL behind the nginx example (issue 20, target 3): release
# servers sharing a fresh database and key file, deploy/nginx/umbrella.conf in front of them
# (its upstream listing the three; plain HTTP on loopback, so that TLS does not take the two
# cores from what is measured), PER followers of one action connected through nginx to each,
# updates posted to the first instance, delivery measured by tests/src/bin/failover.rs. With
# KILL_AFTER > 0 the third instance is killed with `kill -9` after that many updates: its
# followers reconnect through nginx to the others with `?after=` and must resume with no gap
# and no duplicate (the load tool checks every follower's sequence numbers). Without a kill, the
# same load then runs against a fan-out peer (tests/src/bin/fanout_peer.rs: three minimal
# servers passing updates to followers and to each other, no database) behind the same nginx,
# so that Umbrella's latency is read beside another server's on the same cores, nginx and load
# tool (PEER=0 leaves it out).
# Usage: tests/bench/failover.sh [PER_INSTANCE] [UPDATES] [KILL_AFTER]   (as root)
set -euo pipefail
cd "$(dirname "$0")/../.."
per="${1:-3000}"
updates="${2:-20}"
kill_after="${3:-0}"
instances=3
pg="postgres://postgres@127.0.0.1:5432"
command -v nginx >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx >/dev/null; }
ulimit -n "$(ulimit -Hn)"
cargo build --release -q -p umbrella -p umbrella-tests --bin umbrella --bin failover --bin fanout_peer
psql "$pg/postgres" -qX -c "DROP DATABASE IF EXISTS umbrella_failover_bench WITH (FORCE)" \
  -c "CREATE DATABASE umbrella_failover_bench" >/dev/null
export BENCH_DATABASE_URL="$pg/umbrella_failover_bench"

port=18300
source tests/bench/server.sh
start_server "$port"
pids=("$server")
ports=("$port")
for n in $(seq 2 "$instances"); do
  at=$((port + n - 1))
  UMBRELLA_LOG=warn "$bin" --data-dir "$work" "${db_args[@]}" --bind "127.0.0.1:$at" \
    --rate-limit-per-minute 0 &
  pids+=($!)
  ports+=("$at")
  until curl -fs "http://127.0.0.1:$at/healthz" >/dev/null; do sleep 0.05; done
done

# nginx with the example site: the upstream lists the given ports (the three instances).
proxy_port=18390
mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
start_nginx() {
  local upstreams
  upstreams="$(for at in "$@"; do printf 'server 127.0.0.1:%s;\\n    ' "$at"; done)"
  sed -e "s|server 127.0.0.1:8080;|$upstreams|" \
    -e "s|listen 80;|listen 127.0.0.1:$((proxy_port + 1));|" -e 's|listen \[::\]:80;||' \
    -e "s|listen 443 ssl http2;|listen 127.0.0.1:$proxy_port;|" -e 's|listen \[::\]:443 ssl http2;||' \
    -e '/ssl_certificate/d' -e '/ssl_protocols/d' -e '/ssl_session/d' \
    -e "s|/var/log/nginx/|$work/nginx/logs/|" deploy/nginx/umbrella.conf >"$work/nginx/umbrella.conf"
  cat >"$work/nginx/nginx.conf" <<EOF
user root;
worker_processes 2;
worker_rlimit_nofile 65536;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log crit;
daemon off;
events { worker_connections 32768; }
http {
    access_log off;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    include $work/nginx/umbrella.conf;
}
EOF
  nginx -t -q -p "$work/nginx" -c "$work/nginx/nginx.conf"
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
  nginx_pid=$!
}
peers_pids=()
start_nginx "${ports[@]}"
trap 'kill "${pids[@]:1}" "$nginx_pid" "${peers_pids[@]}" 2>/dev/null || true; cleanup' EXIT
until curl -fs "http://127.0.0.1:$proxy_port/healthz" >/dev/null; do sleep 0.05; done

now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"; later="$(date -u -d '+3 hours' +%Y-%m-%dT%H:%M:%SZ)"
event="$(curl -fs -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"title\": \"Benchmark march\", \"kind\": \"action\", \"starts_at\": \"$now\", \"ends_at\": \"$later\"}" \
  "http://127.0.0.1:$port/api/v1/events" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
echo "failover: $instances instances on PostgreSQL behind nginx, $((per * instances)) followers, $updates updates$([ "$kill_after" -gt 0 ] && echo ", kill -9 of the third after update $kill_after"); $(nproc) cores; $(date -u '+%F %H:%M') UTC; commit $(git rev-parse --short HEAD)"
count_cmd=""
for at in "${ports[@]}"; do
  count_cmd+="echo \"instance on :$at: \$(ss -Htn state established '( sport = :$at )' | wc -l) connections\"; "
done
kill_args=()
[ "$kill_after" -gt 0 ] && kill_args=("${pids[2]}" "$kill_after")
FAILOVER_COUNT_CMD="$count_cmd" target/release/failover "http://127.0.0.1:$proxy_port" \
  "http://127.0.0.1:$port" "$event" "$token" "$((per * instances))" "$updates" "${kill_args[@]}"

[ "$kill_after" -eq 0 ] && [ "${PEER:-1}" != 0 ] || exit 0
# The peer: the same load behind the same nginx, the Umbrella instances stopped.
kill "${pids[@]}" "$nginx_pid" 2>/dev/null || true
wait "$nginx_pid" 2>/dev/null || true
# Ports: followers on 1840N, posts on 1841N, relay lines on 1842N; the first passes to the others.
peers_pids=()
ws_ports=(18401 18402 18403)
for n in 3 2 1; do
  peers=()
  [ "$n" -eq 1 ] && peers=(18422 18423)
  target/release/fanout_peer $((18400 + n)) $((18410 + n)) $((18420 + n)) "${peers[@]}" &
  peers_pids+=($!)
done
for at in "${ws_ports[@]}" 18411; do
  until (exec 3<>"/dev/tcp/127.0.0.1/$at") 2>/dev/null; do sleep 0.05; done
done
start_nginx "${ws_ports[@]}"
until (exec 3<>"/dev/tcp/127.0.0.1/$proxy_port") 2>/dev/null; do sleep 0.05; done
echo "failover: the fan-out peer, the same load: 3 minimal servers behind the same nginx"
count_cmd=""
for at in "${ws_ports[@]}"; do
  count_cmd+="echo \"peer on :$at: \$(ss -Htn state established '( sport = :$at )' | wc -l) connections\"; "
done
FAILOVER_COUNT_CMD="$count_cmd" target/release/failover "http://127.0.0.1:$proxy_port" \
  "http://127.0.0.1:18411" peer none "$((per * instances))" "$updates"
