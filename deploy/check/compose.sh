#!/usr/bin/env bash
# deploy/compose.yaml brought up with podman-compose, run by .ci/run after container.sh (or by
# hand, as root): PostgreSQL, `migrate`, two Umbrella instances on the one database and volume,
# and Caddy in front. Checks /healthz and the home page through Caddy, `umbrella organizer
# create` inside an instance, an event and an RSVP through Caddy, and that a live update posted
# on one instance reaches a websocket follower of the other (PostgreSQL LISTEN/NOTIFY).
#
# No image registry is reachable here, so the three images are made on the machine and given
# to compose.yaml through its variables: Umbrella from deploy/Containerfile (as container.sh
# builds it, or UMBRELLA_IMAGE if it names an image that exists), and stand-ins for the
# postgres and caddy images on the same debootstrap base, with Debian's PostgreSQL and Caddy
# packages and the official images' conventions (POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB,
# /var/lib/postgresql/data; /etc/caddy/Caddyfile). Without systemd here nothing runs podman's
# healthchecks on a timer and podman-compose does not wait on `depends_on` conditions, so
# everything starts at once: an instance that finds the database not yet up exits and is
# restarted (`restart: unless-stopped`), and instances creating the key file together end up
# with one key (privacy/keyfile.rs). The script runs the db healthcheck itself and waits for
# migrate and for /healthz through Caddy.
# Fails (non-zero) at the first problem; removes its containers, volumes, network and images.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

say() { echo "compose-check: $*"; }
fail() {
  echo "compose-check: FAILED: $*" >&2
  podman ps -a --filter "name=$project" --format '{{.Names}} {{.Status}}' >&2 || true
  local service
  for service in db migrate app1 app2 proxy; do
    echo "--- $service" >&2
    podman logs --tail 15 "${project}_${service}_1" >&2 2>&1 || true
  done
  exit 1
}
started=$SECONDS

. deploy/check/podman.sh
podman_tools
# podman-compose from PyPI: Debian bookworm's 1.0.3 cannot read compose.yaml's fixed proxy
# address (`networks: default: ipv4_address`); 1.2.0 reads it and works with bookworm's podman.
python3 -c 'import podman_compose' 2>/dev/null ||
  python3 -m pip install --quiet --disable-pip-version-check "podman-compose==1.2.0"
# The websocket client deploy/check/live_client.py follows with.
python3 -c 'import websockets' 2>/dev/null ||
  python3 -m pip install --quiet --disable-pip-version-check websockets

project="umbrella-compose-check-$$"
images=()
own_image=""
compose() {
  as_root env CONTAINERS_CONF="$CONTAINERS_CONF" UMBRELLA_DB_PASSWORD="$password" \
    UMBRELLA_IMAGE="$UMBRELLA_IMAGE" UMBRELLA_POSTGRES_IMAGE="$UMBRELLA_POSTGRES_IMAGE" \
    UMBRELLA_CADDY_IMAGE="$UMBRELLA_CADDY_IMAGE" UMBRELLA_HTTP_PORT="$port" \
    UMBRELLA_HTTPS_PORT="$https_port" UMBRELLA_PUBLIC_URL="$base_url" UMBRELLA_SITE=":80" \
    python3 -m podman_compose --podman-args="--runtime runc" -p "$project" -f deploy/compose.yaml "$@"
}
cleanup() {
  compose down -v >/dev/null 2>&1 || true
  podman network rm -f "${project}_default" >/dev/null 2>&1 || true
  podman volume rm -f "${project}_umbrella-data" "${project}_db-data" "${project}_caddy-data" \
    "${project}_caddy-config" >/dev/null 2>&1 || true
  if [ "${#images[@]}" -gt 0 ]; then podman rmi -f "${images[@]}" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port)
https_port=$(free_port)
base_url="http://127.0.0.1:$port"
password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')

# --- The images ------------------------------------------------------------------------------
base_image
if [ -n "${UMBRELLA_IMAGE:-}" ] && podman image exists "$UMBRELLA_IMAGE"; then
  say "using $UMBRELLA_IMAGE"
else
  UMBRELLA_IMAGE="localhost/umbrella:compose-check-$$"
  images+=("$UMBRELLA_IMAGE")
  build_image "$UMBRELLA_IMAGE"
  say "built $UMBRELLA_IMAGE from deploy/Containerfile in $built_in s"
fi

mkdir -p "$work/postgres" "$work/caddy"
cat >"$work/postgres/entrypoint.sh" <<'SH'
#!/bin/sh
# The official postgres image's first start, in short: a cluster owned by POSTGRES_USER with
# POSTGRES_PASSWORD, the database POSTGRES_DB, password logins from the network.
set -eu
data=/var/lib/postgresql/data
bin=$(echo /usr/lib/postgresql/*/bin)
mkdir -p "$data" /run/postgresql
chown -R postgres:postgres "$data" /run/postgresql
chmod 0700 "$data"
as_postgres() { runuser -u postgres -- "$@"; }
if [ ! -s "$data/PG_VERSION" ]; then
  printf '%s\n' "$POSTGRES_PASSWORD" >/tmp/password
  chown postgres /tmp/password
  as_postgres "$bin/initdb" -D "$data" -U "$POSTGRES_USER" --pwfile=/tmp/password \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f /tmp/password
  echo "host all all all scram-sha-256" >>"$data/pg_hba.conf"
  as_postgres "$bin/pg_ctl" -D "$data" -w -o "-c listen_addresses=''" start >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    as_postgres "$bin/createdb" -U "$POSTGRES_USER" "$POSTGRES_DB"
  fi
  as_postgres "$bin/pg_ctl" -D "$data" -w stop >/dev/null
fi
exec runuser -u postgres -- "$bin/postgres" -D "$data" -c listen_addresses='*'
SH
cat >"$work/postgres/Containerfile" <<'CF'
ARG BASE
FROM ${BASE}
RUN apt-get update && apt-get install -y --no-install-recommends postgresql \
    && apt-get clean && rm -rf /var/lib/apt/lists/* \
    && ln -s /usr/lib/postgresql/*/bin/pg_isready /usr/local/bin/pg_isready
COPY entrypoint.sh /usr/local/bin/postgres-entrypoint
ENTRYPOINT ["/bin/sh", "/usr/local/bin/postgres-entrypoint"]
CF
cat >"$work/caddy/Containerfile" <<'CF'
ARG BASE
FROM ${BASE}
RUN apt-get update && apt-get install -y --no-install-recommends caddy ca-certificates \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
ENV XDG_DATA_HOME=/data XDG_CONFIG_HOME=/config
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
CF
build_started=$SECONDS
UMBRELLA_POSTGRES_IMAGE="localhost/umbrella-check-postgres:$$"
UMBRELLA_CADDY_IMAGE="localhost/umbrella-check-caddy:$$"
images+=("$UMBRELLA_POSTGRES_IMAGE" "$UMBRELLA_CADDY_IMAGE")
for stand_in in postgres caddy; do
  var="UMBRELLA_$(echo "$stand_in" | tr a-z A-Z)_IMAGE"
  podman build --quiet --build-arg BASE="$base" -t "${!var}" "$work/$stand_in" \
    >"$work/$stand_in.log" 2>&1 || { cat "$work/$stand_in.log" >&2; fail "the $stand_in stand-in image"; }
done
ok "stand-in images for postgres and caddy on the debootstrap base in $((SECONDS - build_started)) s"

# --- Up ---------------------------------------------------------------------------------------
# compose creates every container, network and volume as compose.yaml says; they are started
# here in its order. (podman-compose's own `up` cannot be used: it starts migrate before the
# database is ready, since it waits on no `depends_on` condition, and bookworm's podman 4.3
# fails to start a container whose dependency has a dependency of its own unless the start
# names them all, so each start names the whole chain.)
compose up --no-start >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "compose up --no-start"; }
c() { echo "${project}_$1_1"; }
podman start "$(c db)" >/dev/null || fail "starting db"
healthy=""
for _ in $(seq 1 60); do
  if podman healthcheck run "$(c db)" >/dev/null 2>&1; then healthy=1; break; fi
  sleep 1
done
[ -n "$healthy" ] || fail "the db service's healthcheck (pg_isready) never passed"
ok "db: compose.yaml's healthcheck passes"
podman start "$(c db)" "$(c migrate)" >/dev/null || fail "starting migrate"
code=$(timeout 120 podman wait "$(c migrate)") || fail "migrate did not finish"
[ "$code" = 0 ] || fail "migrate exited with $code"
ok "migrate ran to completion (the key file and the schema)"
for app in app1 app2; do
  podman start "$(c db)" "$(c migrate)" "$(c "$app")" >/dev/null || fail "starting $app"
done
podman start "$(c db)" "$(c migrate)" "$(c app1)" "$(c app2)" "$(c proxy)" >/dev/null ||
  fail "starting proxy"

for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "$base_url/healthz" 2>/dev/null && break
  sleep 1
done
expect_status 200 "$base_url/healthz"
grep -q '"status":"ok"' "$work/body" || fail "/healthz: $(cat "$work/body")"
expect_status 200 "$base_url/"
grep -q '<html' "$work/body" || fail "the home page through Caddy"
ok "through Caddy: /healthz ok and the home page"

# --- An organizer, an event and an RSVP -----------------------------------------------------
# in_app APP OUT COMMAND...: run an umbrella command inside an instance, output in OUT. Tried
# again for up to 20 s while it cannot reach the database: podman's DNS on the compose network
# (aardvark-dns) has once answered "Temporary failure in name resolution" for `db` here, with
# the instances serving; a command that reached the database and failed is not tried again.
in_app() {
  local app=$1 out=$2
  shift 2
  for _ in $(seq 1 20); do
    podman exec "${project}_${app}_1" umbrella "$@" >"$out" 2>&1 && return 0
    grep -q "could not connect to the database" "$out" || return 1
    sleep 1
  done
  return 1
}
in_app app1 "$work/organizer.out" organizer create compose-check --admin ||
  fail "umbrella organizer create: $(cat "$work/organizer.out")"
in_app app2 "$work/token.out" token create compose-check ||
  fail "umbrella token create: $(cat "$work/token.out")"
token=$(tail -n 1 "$work/token.out")
ok "an organizer made in app1 gets a token in app2 (one database)"

event_and_rsvp "$base_url" "$token" "Compose check"
ok "an event and an RSVP through Caddy"

# --- A live update across instances ----------------------------------------------------------
address() { podman inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
app1="http://$(address "${project}_app1_1"):8080"
app2="http://$(address "${project}_app2_1"):8080"
detail=$(python3 deploy/check/live_client.py "$app2" - "$event_id" "$token" "$app1") ||
  fail "the live update across instances"
ok "following app2, posting on app1: $detail"

echo "compose-check: $passed passed, 0 failed ($((SECONDS - started)) s)"
