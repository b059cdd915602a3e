//! The fuzz targets on stable Rust, where cargo-fuzz cannot run (it needs nightly): the loop
//! of `umbrella_fuzz::stable` for each target in turn.
//!
//!   stable_fuzz [--seconds N] [--seed N] [TARGET...]     (N seconds for each target; 10 default)
//!
//! On a failing input it prints the input, saves it as `fuzz/artifacts/<target>/crash-stable`,
//! and exits 1. `cargo test --workspace` runs the same loop briefly (`tests/stable_loop.rs`).

use std::panic;

use umbrella_fuzz::stable::{self, Outcome};
use umbrella_fuzz::TARGETS;

fn main() {
    let mut seconds = 10u64;
    let mut seed = stable::clock_seed();
    let mut chosen = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--seconds N")
            }
            "--seed" => {
                seed = args
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                    .expect("--seed N")
                    | 1
            }
            name if TARGETS.iter().any(|(n, _)| *n == name) => chosen.push(name.to_string()),
            other => panic!(
                "unknown argument {other:?}; targets: {:?}",
                TARGETS.iter().map(|t| t.0).collect::<Vec<_>>()
            ),
        }
    }
    // Panics are the findings: report them ourselves, once, with the input.
    panic::set_hook(Box::new(|_| {}));
    let mut failed = false;
    for (name, check) in TARGETS {
        if !chosen.is_empty() && !chosen.iter().any(|c| c == name) {
            continue;
        }
        match stable::run(name, *check, seconds, seed) {
            Outcome::Passed { runs } => println!(
                "stable_fuzz: {name}: {runs} inputs in {seconds} s, no failure (seed {seed})"
            ),
            Outcome::Failed {
                input,
                saved,
                message,
            } => {
                failed = true;
                println!(
                    "stable_fuzz: {name}: FAILED ({message}) on {:?} (saved as {}; seed {seed})",
                    String::from_utf8_lossy(&input),
                    saved.display()
                );
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
