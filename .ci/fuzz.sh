#!/usr/bin/env bash
# Coverage-guided fuzzing, run by .ci/run: every fuzz target in fuzz/ under libFuzzer for
# UMBRELLA_FUZZ_SECONDS (60 by default; CI passes 30) each, two at a time (one per core).
#
# How the targets are built (docs/testing.md, "Fuzz targets"):
# - By default, in the debug profile and in `target/`, beside the build `cargo test --workspace`
#   has just made: the dependencies the tests compiled are reused as they are, and only this
#   workspace's crates (umbrella and umbrella-fuzz) are compiled again, with libFuzzer's
#   coverage instrumentation, by the wrapper .ci/fuzz-rustc.sh (RUSTC_WORKSPACE_WRAPPER, which
#   cargo keeps apart from the plain build: the test binaries are untouched). The flags are the
#   ones cargo-fuzz passes; what is not instrumented is the code of other crates (serde_json,
#   url, pulldown-cmark, actix-http), so libFuzzer is guided by the branches of our own parsers.
#   Dead code is left out (cargo-fuzz keeps it): kept, the whole server's counters made every
#   input about ten times as slow (.ci/fuzz-rustc.sh).
#   Our crates are compiled at opt-level 1 (UMBRELLA_FUZZ_OPT_LEVEL=0 builds in about half the
#   time and runs about 2.5 times fewer inputs a second).
# - With UMBRELLA_FUZZ_WITH=cargo-fuzz (or a sanitizer, UMBRELLA_FUZZ_SANITIZER=address), by
#   cargo-fuzz itself on the stable toolchain (RUSTC_BOOTSTRAP=1 lets it accept its nightly
#   flags): every crate instrumented, a release build at opt-level 1 of its own, dead code left
#   out as above (--strip-dead-code).
#
# Each target starts from its seed corpus (fuzz/corpus/<target>/) and the inputs that once
# failed (fuzz/regressions/<target>/); what it learns is kept in target/fuzz-corpus/<target>/ for
# the next local run. A crash, a hang (10 s on one input) or, with the sanitizer on, a leak fails
# this script: libFuzzer saves the input in fuzz/artifacts/<target>/ and it is copied into
# fuzz/regressions/<target>/, where `cargo test --workspace` (fuzz/tests/replay.rs) replays it
# until the fix is in. Commit it with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${UMBRELLA_FUZZ_SECONDS:-60}
export CARGO_TERM_COLOR=never
sanitizer=${UMBRELLA_FUZZ_SANITIZER:-none}
with=${UMBRELLA_FUZZ_WITH:-shared}
[ "$sanitizer" != none ] && with=cargo-fuzz
targets=$(cd fuzz/fuzz_targets && ls -- *.rs | sed 's/\.rs$//')
echo "fuzz: building $(echo "$targets" | wc -w) targets with libFuzzer ($with build, sanitizer: $sanitizer)"

if [ "$with" = cargo-fuzz ]; then
  export RUSTC_BOOTSTRAP=1
  # Thin LTO (the release profile) only slows the fuzz build: libFuzzer needs no whole-program
  # view. Nor does it need the last optimisations: opt-level 1 builds in about half the time.
  export CARGO_PROFILE_RELEASE_LTO=false
  export CARGO_PROFILE_RELEASE_OPT_LEVEL=${UMBRELLA_FUZZ_OPT_LEVEL:-1}
  export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
  if ! command -v cargo-fuzz >/dev/null 2>&1; then
    # A debug build of the tool: it only runs cargo, and builds in a third of the time.
    echo "fuzz: installing cargo-fuzz"
    cargo install --locked --quiet --debug cargo-fuzz
  fi
  cargo fuzz build --fuzz-dir fuzz --features libfuzzer --sanitizer "$sanitizer" --strip-dead-code
  # cargo-fuzz builds for the host triple explicitly, so its binaries sit under it, in the
  # workspace's target/ (fuzz/ is a member).
  bin_dir=target/$(rustc -vV | sed -n 's/^host: //p')/release
else
  # umbrella-tests is named so that features resolve as in `cargo test --workspace` (see also
  # fuzz/Cargo.toml): a dependency with other features would be compiled again, with all that is
  # built on it.
  bins=()
  for target in $targets; do bins+=(--bin "$target"); done
  RUSTC_WORKSPACE_WRAPPER="$PWD/.ci/fuzz-rustc.sh" \
    cargo build -p umbrella-fuzz -p umbrella-tests --features umbrella-fuzz/libfuzzer "${bins[@]}"
  bin_dir=target/debug
fi

logs=target/fuzz-logs
rm -rf "$logs"
mkdir -p "$logs"
run_target() {
  local target=$1
  local work=target/fuzz-corpus/$target
  rm -rf "fuzz/artifacts/$target"
  mkdir -p "$work" "fuzz/artifacts/$target"
  local inputs=("fuzz/corpus/$target")
  [ -d "fuzz/regressions/$target" ] && inputs+=("fuzz/regressions/$target")
  if "$bin_dir/$target" "$work" "${inputs[@]}" \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="fuzz/artifacts/$target/" >"$logs/$target.log" 2>&1; then
    echo "fuzz: $target: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$logs/$target.log" | grep -o '[0-9]*$') inputs in ${seconds} s, $(find "$work" -type f | wc -l) in its corpus, no failure"
  else
    echo "fuzz: $target FAILED:"
    tail -n 40 "$logs/$target.log"
    mkdir -p "fuzz/regressions/$target"
    for found in "fuzz/artifacts/$target"/*; do
      [ -f "$found" ] || continue
      cp "$found" "fuzz/regressions/$target/"
      echo "fuzz: saved $found as fuzz/regressions/$target/$(basename "$found") (commit it with the fix)"
    done
    return 1
  fi
}
export -f run_target
export seconds logs bin_dir
failed=0
echo "$targets" | xargs -P 2 -I{} bash -c 'run_target "$@"' _ {} || failed=1
if [ "$failed" -ne 0 ]; then
  echo "fuzz: a target failed (above)"
  exit 1
fi
echo "fuzz: every target ran ${seconds} s under libFuzzer without a failure"
