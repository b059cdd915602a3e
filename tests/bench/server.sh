# Shared by the benchmarks (source it from the repository root): starts a fresh release server
# with an organizer API token, and cleans up on exit.
# After `start_server PORT [EXTRA SETTINGS…]`: $bin, $work, $db_args, $token, $server (pid), $ready_ms.
# SQLite by default; PostgreSQL with BENCH_DATABASE_URL=postgres://…

# BENCH_BIN names another build to measure (an earlier commit's, say).
bin=${BENCH_BIN:-target/release/umbrella}
work="$(mktemp -d)"
db_args=()
[ -n "${BENCH_DATABASE_URL:-}" ] && db_args=(--database-url "$BENCH_DATABASE_URL")
cleanup() { kill "${server:-}" "${ceiling:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

start_server() {
  local port="$1" started
  "$bin" --data-dir "$work" "${db_args[@]}" organizer create bench >/dev/null
  token="$("$bin" --data-dir "$work" "${db_args[@]}" token create bench | tail -n 1)"
  started=$(date +%s%N)
  UMBRELLA_LOG=warn "$bin" --data-dir "$work" "${db_args[@]}" --bind "127.0.0.1:$port" --rate-limit-per-minute 0 "${@:2}" &
  server=$!
  until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null; do
    kill -0 "$server" 2>/dev/null || { echo "bench: the server exited at start (its error is above)" >&2; exit 1; }
    sleep 0.01
  done
  ready_ms=$(( ($(date +%s%N) - started) / 1000000 ))
}
