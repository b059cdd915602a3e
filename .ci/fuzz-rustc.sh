#!/usr/bin/env bash
# The compiler wrapper of .ci/fuzz.sh (RUSTC_WORKSPACE_WRAPPER, so cargo calls it for the
# workspace's own crates only): compiles them with the coverage instrumentation libFuzzer reads,
# the flags cargo-fuzz passes (its src/project.rs: sanitizer coverage level 4, inline 8-bit
# counters, the PC table, traced comparisons, stack depth, no branch folding, `--cfg fuzzing`,
# debug assertions), at opt-level 1 (UMBRELLA_FUZZ_OPT_LEVEL). One is left out: cargo-fuzz keeps
# dead code (`-Clink-dead-code`, for its coverage reports); here that would keep and count the
# whole server, and libFuzzer walks every counter after every input: with it the targets ran
# 10 times slower (15,700 inputs a second for live_input against 254,600 without).
# Build scripts and cargo's own queries (`-vV`, `--print`) pass through untouched: a build
# script is run, not fuzzed, and has no libFuzzer to link.
set -euo pipefail
rustc=$1
shift
case " $* " in
  *" --crate-name build_script_"* | *" -vV "* | *" --print"*) exec "$rustc" "$@" ;;
esac
exec "$rustc" "$@" \
  -Cpasses=sancov-module \
  -Cllvm-args=-sanitizer-coverage-level=4 \
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
  -Cllvm-args=-sanitizer-coverage-pc-table \
  -Cllvm-args=-sanitizer-coverage-trace-compares \
  -Cllvm-args=-sanitizer-coverage-stack-depth \
  -Cllvm-args=-simplifycfg-branch-fold-threshold=0 \
  --cfg fuzzing \
  -Cdebug-assertions \
  -Copt-level="${UMBRELLA_FUZZ_OPT_LEVEL:-1}"
