//! cargo-fuzz target: `umbrella_fuzz::door_link` (see src/lib.rs for what it checks).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| umbrella_fuzz::door_link(data));
