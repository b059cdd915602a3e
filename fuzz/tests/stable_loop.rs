//! Every fuzz target through the stable loop for a short while, as part of
//! `cargo test --workspace`: `UMBRELLA_FUZZ_SECONDS` seconds a target (2 by default; CI sets
//! more), with a seed from the clock, or `UMBRELLA_FUZZ_SEED` to replay one.

use std::panic;

use umbrella_fuzz::stable::{self, Outcome};
use umbrella_fuzz::TARGETS;

fn setting(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
}

#[test]
fn every_target_survives_the_stable_loop() {
    let seconds = setting("UMBRELLA_FUZZ_SECONDS").unwrap_or(2);
    let seed = setting("UMBRELLA_FUZZ_SEED").unwrap_or_else(stable::clock_seed);
    // Panics are the findings: silence them while the loop runs, and report them below.
    panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    for (name, check) in TARGETS {
        match stable::run(name, *check, seconds, seed) {
            Outcome::Passed { runs } => {
                println!("{name}: {runs} inputs in {seconds} s, no failure (seed {seed})")
            }
            Outcome::Failed {
                input,
                saved,
                message,
            } => failures.push(format!(
                "{name}: {message} on {:?} (saved as {}; replay with UMBRELLA_FUZZ_SEED={seed})",
                String::from_utf8_lossy(&input),
                saved.display()
            )),
        }
    }
    let _ = panic::take_hook();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
