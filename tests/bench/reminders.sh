#!/usr/bin/env bash
# Benchmark of reminder delivery: COUNT reminders fall due at one moment on a release server and
# go to a real SMTP server (tests/smtp_sink.py, aiosmtpd) on this machine. Reports the time from
# the moment they fell due to the last message the SMTP server accepted, and checks none came twice.
# Usage: tests/bench/reminders.sh [COUNT]   (PostgreSQL: BENCH_DATABASE_URL=postgres://…)
# With INSTANCES=N (PostgreSQL only) N servers share the database and the key file, each with
# its own outbox worker; the count of each instance's sends comes from its metrics.
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
instances="${INSTANCES:-1}"
if [ "$instances" -gt 1 ] && [ -z "${BENCH_DATABASE_URL:-}" ]; then
  echo "INSTANCES needs BENCH_DATABASE_URL (several instances share one PostgreSQL)" >&2; exit 2
fi
mail_args=(--mail-url "smtp://127.0.0.1:$smtp_port?tls=none" --metrics-token bench-metrics-token)
start_server "$port" "${mail_args[@]}"
others=()
for n in $(seq 2 "$instances"); do
  UMBRELLA_LOG=warn "$bin" --data-dir "$work" "${db_args[@]}" --bind "127.0.0.1:$((port + n))" \
    --rate-limit-per-minute 0 "${mail_args[@]}" &
  others+=($!)
  until curl -fs "http://127.0.0.1:$((port + n))/healthz" >/dev/null; do sleep 0.05; done
done
trap 'kill "${others[@]}" 2>/dev/null || true; cleanup' EXIT
# Seeding takes a while; the reminders fall due only after it is done.
lead=$(( count / 100 + 20 ))
due="$(python3 tests/bench/reminders.py "http://127.0.0.1:$port" "$token" "$count" "$lead")"
echo "reminders: $count due at $(date -u -d "@${due%.*}" +%T), $instances instance(s); $(nproc) cores; $(date -u +%F); database: $([ -n "${BENCH_DATABASE_URL:-}" ] && echo PostgreSQL || echo SQLite)"
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
echo "CPU while delivering: first server $(( ($(cpu "$server") - server_before) / tick )) s, SMTP server $(( ($(cpu "$ceiling") - sink_before) / tick )) s"
echo "server peak memory: $(awk '/VmHWM/{print $2, $3}' /proc/$server/status)"
for n in $(seq 1 "$instances"); do
  at=$port; [ "$n" -gt 1 ] && at=$((port + n))
  sent="$(curl -fs -H 'Authorization: Bearer bench-metrics-token' "http://127.0.0.1:$at/metrics" \
    | awk '/^umbrella_mail_sent_total/ {n += $2} END {print n + 0}')"
  echo "instance $n sent $sent"
done
