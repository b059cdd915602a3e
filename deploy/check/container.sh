#!/usr/bin/env bash
# The container image end to end, run by .ci/run after deploy/check/run.sh (or by hand, as root):
# builds deploy/Containerfile with podman around the release binary (target/release/umbrella,
# built here if missing) on a Debian bookworm base made with debootstrap (no image registry is
# needed; the base's tarball is kept in target/container/ for the next run), then runs the image
# with a named volume and checks /healthz, the home page, an event and an RSVP through the API,
# `umbrella organizer create` and `umbrella token create` inside the container, that the data
# survives a new container on the same volume, that the server runs as a non-root user on a
# read-only root file system, and that the image holds no compiler and no package cache. Prints
# the image's size (recorded in docs/container.md).
# Fails (non-zero) at the first problem; removes its containers, volume and images. KEEP=1 keeps
# the image and the folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

say() { echo "container-check: $*"; }
fail() {
  echo "container-check: FAILED: $*" >&2
  exit 1
}
started=$SECONDS

. deploy/check/podman.sh
podman_tools

tag="umbrella-check-$$"
image="localhost/umbrella:$tag"
volume="umbrella-check-data-$$"
name="umbrella-check-$$"
cleanup() {
  podman rm -f -t 2 "$name" >/dev/null 2>&1 || true
  podman volume rm -f "$volume" >/dev/null 2>&1 || true
  if [ -z "${KEEP:-}" ]; then
    podman rmi -f "$image" >/dev/null 2>&1 || true
    rm -rf "$work"
  else
    say "kept $work and $image"
  fi
}
trap cleanup EXIT

base_image
build_image "$image"
ok "podman build -f deploy/Containerfile: $image, $((size / 1000000)) MB, in $built_in s"

# Nothing to build with and no package cache: only what the server needs.
podman run --rm --read-only --entrypoint /bin/sh "$image" -c '
  for tool in cc gcc c++ g++ clang ld rustc cargo make; do
    if command -v "$tool" >/dev/null; then echo "a build tool: $tool"; exit 1; fi
  done
  if ls /var/cache/apt/archives/*.deb >/dev/null 2>&1; then echo "downloaded packages kept"; exit 1; fi
  if [ -n "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e "^lock$" -e "^partial$")" ]; then
    echo "package lists kept"; exit 1
  fi
  if [ -n "$(ls -A /usr/local/cargo /root/.cargo /root/.rustup 2>/dev/null)" ]; then
    echo "a Rust toolchain or crate cache"; exit 1
  fi' >"$work/contents.log" 2>&1 || fail "the image: $(cat "$work/contents.log")"
ok "the image holds no compiler, linker, Rust toolchain, crate cache or package cache"

# --- Run it: a named volume, a read-only root file system -------------------------------------
port=$(free_port)
base_url="http://127.0.0.1:$port"
podman volume create "$volume" >/dev/null
run() {
  podman run -d --name "$name" --read-only -v "$volume:/data" -p "127.0.0.1:$port:8080" \
    -e UMBRELLA_PUBLIC_URL="$base_url" "$image" >/dev/null
  for _ in $(seq 1 60); do
    curl -fsS -o /dev/null "$base_url/healthz" 2>/dev/null && return 0
    sleep 0.5
  done
  podman logs "$name" >&2 || true
  fail "the container did not answer /healthz"
}
run

expect_status 200 "$base_url/healthz"
grep -q '"status":"ok"' "$work/body" || fail "/healthz: $(cat "$work/body")"
ok "/healthz answers ok"

podman exec "$name" umbrella organizer create container-check --admin >"$work/organizer.out" 2>&1 ||
  fail "umbrella organizer create in the container: $(cat "$work/organizer.out")"
podman exec "$name" umbrella token create container-check >"$work/token.out" 2>&1 ||
  fail "umbrella token create in the container: $(cat "$work/token.out")"
token=$(tail -n 1 "$work/token.out")
[ -n "$token" ] || fail "umbrella token create printed no token"
ok "umbrella organizer create and token create inside the container"

event_and_rsvp "$base_url" "$token" "Container check"
expect_status 200 "$base_url/"
grep -q '<html' "$work/body" && grep -q 'Container check rally' "$work/body" ||
  fail "the home page does not list the new event"
ok "an event and an RSVP through the API; the home page lists the event"

# The server (process 1) runs as the image's user, not root, and cannot write outside /data.
uid=$(podman exec "$name" awk '/^Uid:/ { print $2 }' /proc/1/status)
[ "$uid" != 0 ] && [ -n "$uid" ] || fail "the server runs as uid '$uid'"
[ "$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$name")" = true ] ||
  fail "the root file system is not read-only"
if podman exec "$name" touch /usr/local/bin/umbrella 2>/dev/null; then
  fail "the root file system is writable"
fi
podman exec "$name" test -s /data/umbrella.key || fail "no key file in the volume"
ok "the server runs as uid $uid on a read-only root file system; state is in the volume"

# A new container on the same volume (as an upgrade does) still has the event, the RSVP and
# the organizer's token.
podman rm -f -t 10 "$name" >/dev/null
run
expect_status 200 "$base_url/api/v1/events/$event_id/rsvps" -H "Authorization: Bearer $token"
grep -q 'Container check' "$work/body" || fail "the RSVP is gone after a new container"
ok "the event, the RSVP and the token survive a new container on the same volume"

echo "container-check: $passed passed, 0 failed (image $((size / 1000000)) MB; $((SECONDS - started)) s)"
