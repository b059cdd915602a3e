# Podman for the container checks (container.sh, compose.sh), sourced by them: the tools, a
# working folder, podman run as root with runc, the Debian bookworm base made with debootstrap,
# the image built from deploy/Containerfile around the release binary, and the checks' own
# helpers (ok, expect_status, free_port). Expects `say`, `fail` and `repo` from the script that
# sources it.

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

passed=0
ok() {
  passed=$((passed + 1))
  say "ok: $*"
}
expect_status() { # expect_status CODE URL [curl args...]: the body lands in $work/body
  local want=$1 url=$2
  shift 2
  local got
  got=$(curl -sS -o "$work/body" -w '%{http_code}' "$@" "$url") || fail "curl $url"
  [ "$got" = "$want" ] || fail "$url: $got, expected $want: $(head -c 500 "$work/body")"
}
# event_and_rsvp BASE_URL TOKEN NAME: an action tomorrow titled "NAME rally" made through the
# API with the organizer's token, and an RSVP to it as "NAME"; sets `event_id`.
event_and_rsvp() {
  local base=$1 token=$2 name=$3 starts ends event_json
  starts=$(date -u -d '+1 day' +%Y-%m-%dT%H:00:00Z)
  ends=$(date -u -d '+1 day 2 hours' +%Y-%m-%dT%H:00:00Z)
  event_json=$(printf '{"title": "%s rally", "kind": "action", "starts_at": "%s", "ends_at": "%s", "location": "City Hall steps"}' "$name" "$starts" "$ends")
  expect_status 201 "$base/api/v1/events" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' --data "$event_json"
  event_id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$work/body")
  expect_status 201 "$base/api/v1/events/$event_id/rsvps" \
    -H 'Content-Type: application/json' --data "{\"pseudonym\": \"$name\", \"guests\": 1}"
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# --- Tools: podman with runc (crun fails on cgroups on these machines), debootstrap ----------
podman_tools() {
  local need=() pkg
  for pkg in podman runc debootstrap curl "$@"; do
    # Installed, not only known to dpkg (`dpkg -s` also succeeds once removed, config kept).
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -qx 'install ok installed' || need+=("$pkg")
  done
  if [ "${#need[@]}" -gt 0 ]; then
    say "installing ${need[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/umbrella-container-check.XXXXXX")
# Default ulimits podman would set fail under these machines' limits.
cat >"$work/containers.conf" <<'CONF'
[containers]
default_ulimits = []
CONF
export CONTAINERS_CONF="$work/containers.conf"
podman() { as_root env CONTAINERS_CONF="$CONTAINERS_CONF" podman --runtime runc "$@"; }

# --- The base: Debian bookworm from Debian's packages --------------------------------------
base="localhost/umbrella-base:bookworm"
base_image() {
  local base_tar="$repo/target/container/bookworm-minbase.tar"
  if [ ! -s "$base_tar" ]; then
    say "debootstrap --variant=minbase bookworm (the tarball is kept in target/container/)"
    mkdir -p "$(dirname "$base_tar")"
    as_root debootstrap --variant=minbase bookworm "$work/rootfs" >"$work/debootstrap.log" 2>&1 ||
      { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap"; }
    # As Debian's slim images do: no downloaded packages, lists, manuals or translations.
    as_root rm -rf "$work/rootfs"/var/cache/apt/archives/*.deb "$work/rootfs"/var/lib/apt/lists/* \
      "$work/rootfs"/usr/share/doc/* "$work/rootfs"/usr/share/man/* "$work/rootfs"/usr/share/locale/*
    as_root tar -C "$work/rootfs" -c . >"$base_tar.partial"
    mv "$base_tar.partial" "$base_tar"
    as_root rm -rf "$work/rootfs"
  fi
  podman import --quiet "$base_tar" "$base" >/dev/null
  say "base image $base from $(basename "$base_tar")"
}

# --- The image, from deploy/Containerfile around the release binary -------------------------
# build_image IMAGE: sets `size` (bytes) and `built_in` (seconds).
build_image() {
  local image=$1
  # UMBRELLA_BIN names a binary already built (CI passes its test build's, without its debug
  # information); otherwise the release build.
  local binary=${UMBRELLA_BIN:-$repo/target/release/umbrella}
  if [ -z "${UMBRELLA_BIN:-}" ] && [ ! -x "$binary" ]; then
    say "cargo build --release"
    (cd "$repo" && cargo build --release --quiet -p umbrella)
  fi
  mkdir -p "$work/context"
  strip --strip-debug -o "$work/context/umbrella" "$binary"
  local started=$SECONDS
  podman build --quiet -f "$repo/deploy/Containerfile" \
    --build-arg BUILDER_IMAGE="$base" --build-arg RUNTIME_IMAGE="$base" \
    --build-arg PREBUILT_BINARY=umbrella -t "$image" "$work/context" >"$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; fail "podman build -f deploy/Containerfile"; }
  size=$(podman image inspect --format '{{.Size}}' "$image")
  built_in=$((SECONDS - started))
}
