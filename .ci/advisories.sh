#!/usr/bin/env bash
# `cargo deny check advisories`, never skipped (run by .ci/run, or by hand). The RustSec advisory
# database is fetched from the network; where that fails for want of a network, the offline
# snapshot in ../shared/advisory-db/ beside the clone is used (UMBRELLA_ADVISORY_SNAPSHOT names
# another tarball). Either way the copy checked and its date are printed. Every `ignore` entry
# in deny.toml must carry a reason.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
say() { echo "ci: advisories: $*"; }

python3 - deny.toml <<'PY'
import sys, tomllib
ignored = tomllib.load(open(sys.argv[1], "rb")).get("advisories", {}).get("ignore", [])
bare = [entry for entry in ignored
        if not isinstance(entry, dict) or not str(entry.get("reason", "")).strip()]
if bare:
    sys.exit(f"deny.toml ignores advisories without a reason: {bare}")
PY

work=$(mktemp -d "${TMPDIR:-/tmp}/umbrella-advisories.XXXXXX")
trap 'rm -rf "$work"' EXIT

if cargo deny fetch db >"$work/fetch.log" 2>&1; then
  db=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/advisory-dbs/advisory-db-* 2>/dev/null | head -n 1)
  say "checking against the RustSec database fetched now: $db, commit $(git -C "$db" log -1 --format='%h of %cs' 2>/dev/null || echo unknown)"
  exec cargo deny check --hide-inclusion-graph advisories
fi
if ! grep -qiE 'could not resolve|failed to resolve|failed to connect|could not connect|network is unreachable|connection refused|timed out|dns error|error sending request' "$work/fetch.log"; then
  cat "$work/fetch.log" >&2
  say "fetching the advisory database failed, and not for want of a network" >&2
  exit 1
fi
say "the RustSec database cannot be fetched from here: $(grep -v "^[[:space:]]*$" "$work/fetch.log" | tail -n 1 | cut -c1-200)"

snapshot=${UMBRELLA_ADVISORY_SNAPSHOT:-$(dirname "$repo")/shared/advisory-db/advisory-db.tar.gz}
[ -f "$snapshot" ] || {
  say "FAILED: no snapshot at $snapshot either; the check cannot run" >&2
  exit 1
}
# cargo-deny opens each database in a folder of db-path named after its URL: ask it which (offline,
# with an empty db-path), then put the snapshot there as a git repository dated as the snapshot
# is, so that cargo-deny judges its age truly. Offline needs every crate downloaded first.
cargo fetch --locked --quiet
sed '/^\[advisories\]/a db-path = "'"$work/dbs"'"' deny.toml >"$work/deny.toml"
grep -q "^db-path = \"$work/dbs\"" "$work/deny.toml" || {
  say "FAILED: could not set db-path in a copy of deny.toml" >&2
  exit 1
}
cargo deny --offline --config "$work/deny.toml" check advisories >"$work/probe.log" 2>&1 || true
db=$(grep -oE "$work/dbs/[A-Za-z0-9._-]+" "$work/probe.log" | head -n 1 || true)
[ -n "$db" ] || {
  cat "$work/probe.log" >&2
  say "FAILED: cargo-deny did not say where it looks for the database" >&2
  exit 1
}
readme=$(dirname "$snapshot")/README.md
dated=$(tr "\n" " " <"$readme" 2>/dev/null | grep -oE 'commit +`[0-9a-f]+` +\([0-9-]+\)' | head -n 1 || true)
date=$(echo "$dated" | grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}' || true)
[ -n "$date" ] || {
  say "FAILED: $readme does not give the snapshot's commit and date" >&2
  exit 1
}
mkdir -p "$db"
tar -xzf "$snapshot" -C "$db"
git -C "$db" init -q
git -C "$db" add -A
GIT_COMMITTER_DATE="${date}T00:00:00Z" GIT_AUTHOR_DATE="${date}T00:00:00Z" \
  git -C "$db" -c user.name=ci -c user.email=ci@localhost commit -qm snapshot
newest=$(grep -rhoE '^date = "[0-9-]+"' "$db/crates" 2>/dev/null | sort | tail -n 1 | cut -d'"' -f2 || true)
say "checking against the OFFLINE SNAPSHOT $snapshot: $dated, newest advisory dated $newest"
cargo deny --offline --config "$work/deny.toml" check --hide-inclusion-graph advisories
