#!/usr/bin/env bash
# Benchmark of reminder delivery: COUNT reminders fall due at one moment on a release server and
# go to a real SMTP server (tests/smtp_sink.py, aiosmtpd) on this machine. Reports the time from
# the moment they fell due to the last message the SMTP server accepted, and checks none came twice.
# Usage: tests/bench/reminders.sh [COUNT]   (PostgreSQL: BENCH_DATABASE_URL=postgres://…)
set -euo pipefail
cd "$(dirname "$0")/../.."
count="${1:-10000}"
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check aiosmtpd
cargo build --release -q -p umbrella --bin umbrella
port=18091
source tests/bench/server.sh
mail="$work/received"
python3 tests/smtp_sink.py "$mail" > "$work/sink.out" &
ceiling=$!   # server.sh's cleanup stops it
until grep -q listening "$work/sink.out" 2>/dev/null; do sleep 0.05; done
smtp_port="$(awk '{print $2}' "$work/sink.out")"
start_server "$port" --mail-url "smtp://127.0.0.1:$smtp_port?tls=none"
# Seeding takes a while; the reminders fall due only after it is done.
lead=$(( count / 100 + 20 ))
due="$(python3 tests/bench/reminders.py "http://127.0.0.1:$port" "$token" "$count" "$lead")"
echo "reminders: $count due at $(date -u -d "@${due%.*}" +%T); $(nproc) cores; $(date -u +%F); database: $([ -n "${BENCH_DATABASE_URL:-}" ] && echo PostgreSQL || echo SQLite)"
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
server_before="$(cpu "$server")"; sink_before="$(cpu "$ceiling")"
deadline=$(( ${due%.*} + 600 ))
while [ "$(find "$mail" -name '*.eml' | wc -l)" -lt "$count" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.5; done
sleep 5   # anything sent twice would arrive now
received="$(find "$mail" -name '*.eml' | wc -l)"
unique="$(cat "$mail"/*.eml | grep -i '^Message-ID:' | sort -u | wc -l)"
last="$(find "$mail" -name '*.eml' -printf '%T@\n' | sort -n | tail -n 1)"
python3 - "$due" "$last" "$received" "$unique" "$count" <<'PY'
import sys
due, last, received, unique, count = float(sys.argv[1]), float(sys.argv[2]), *map(int, sys.argv[3:])
print(f"received {received} of {count}, {unique} distinct; from due to the last accepted: {last - due:.1f} s")
sys.exit(0 if received == unique == count else 1)
PY
tick="$(getconf CLK_TCK)"
echo "CPU while delivering: server $(( ($(cpu "$server") - server_before) / tick )) s, SMTP server $(( ($(cpu "$ceiling") - sink_before) / tick )) s"
echo "server peak memory: $(awk '/VmHWM/{print $2, $3}' /proc/$server/status)"
