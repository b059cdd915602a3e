#!/usr/bin/env bash
# Coverage-guided fuzzing, run by .ci/run: every cargo-fuzz target in fuzz/ under libFuzzer for
# UMBRELLA_FUZZ_SECONDS (60 by default; CI passes 30) each, two at a time (one per core).
# cargo-fuzz passes nightly flags (sanitizer coverage); RUSTC_BOOTSTRAP=1 lets the machine's
# stable toolchain accept them. The targets are built without AddressSanitizer
# (UMBRELLA_FUZZ_SANITIZER=address turns it on): they drive safe Rust parsers, where it finds
# nothing a panic would not, and it made the build from nothing the longest part of CI (ten
# minutes of the 45 on two cores) and every run half as fast. Debug assertions stay on. Each target starts from its seed corpus (fuzz/corpus/<target>/)
# and the inputs that once failed (fuzz/regressions/<target>/); what it learns is kept in
# target/fuzz-corpus/<target>/ for the next local run. A crash, a hang (10 s on one input) or,
# with the sanitizer on, a leak fails this script: the input is saved by libFuzzer in
# fuzz/artifacts/<target>/ and copied into fuzz/regressions/<target>/, where `cargo test --workspace` (fuzz/tests/replay.rs) replays
# it until the fix is in. Commit it with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${UMBRELLA_FUZZ_SECONDS:-60}
export RUSTC_BOOTSTRAP=1
export CARGO_TERM_COLOR=never
sanitizer=${UMBRELLA_FUZZ_SANITIZER:-none}
# Thin LTO (the release profile) only slows the fuzz build: libFuzzer needs no whole-program view.
export CARGO_PROFILE_RELEASE_LTO=false
# Nor does it need the last optimisations: opt-level 1 builds in about half the time and runs the
# parsers fast enough to try hundreds of thousands of inputs a minute.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=${UMBRELLA_FUZZ_OPT_LEVEL:-1}
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  # A debug build of the tool: it only runs cargo, and builds in a third of the time.
  echo "fuzz: installing cargo-fuzz"
  cargo install --locked --quiet --debug cargo-fuzz
fi

targets=$(cargo fuzz list --fuzz-dir fuzz)
echo "fuzz: building $(echo "$targets" | wc -w) targets with libFuzzer (sanitizer: $sanitizer)"
cargo fuzz build --fuzz-dir fuzz --features libfuzzer --sanitizer "$sanitizer"

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
  if cargo fuzz run --fuzz-dir fuzz --features libfuzzer --sanitizer "$sanitizer" "$target" "$work" "${inputs[@]}" -- \
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
export seconds logs sanitizer
failed=0
echo "$targets" | xargs -P 2 -I{} bash -c 'run_target "$@"' _ {} || failed=1
if [ "$failed" -ne 0 ]; then
  echo "fuzz: a target failed (above)"
  exit 1
fi
echo "fuzz: every target ran ${seconds} s under libFuzzer without a failure"
