//! Every saved input through its target's checks, as part of `cargo test --workspace`: the seed
//! corpus (`corpus/<target>/`, what libFuzzer starts from) and the inputs that once failed
//! (`regressions/<target>/`). A crash libFuzzer finds in CI is saved under `artifacts/`; copied
//! into `regressions/`, it stays a test here after the fix. The coverage-guided run itself is
//! `.ci/fuzz.sh` (libFuzzer).

use std::panic;
use std::path::{Path, PathBuf};

use umbrella_fuzz::TARGETS;

fn inputs(folder: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut inputs: Vec<_> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .map(|path| {
            let bytes = std::fs::read(&path).expect("a saved input reads");
            (path, bytes)
        })
        .collect();
    inputs.sort();
    inputs
}

#[test]
fn every_saved_input_passes_its_target() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut failures = Vec::new();
    for (name, check) in TARGETS {
        let seeds = inputs(&root.join("corpus").join(name));
        assert!(
            !seeds.is_empty(),
            "{name} has no seed corpus in fuzz/corpus/{name}/"
        );
        let saved = seeds
            .into_iter()
            .chain(inputs(&root.join("regressions").join(name)));
        for (path, input) in saved {
            if let Err(payload) = panic::catch_unwind(|| check(&input)) {
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{name}: {}: {message}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_target_is_a_cargo_fuzz_target() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let manifest = std::fs::read_to_string(manifest).expect("fuzz/Cargo.toml reads");
    for (name, _) in TARGETS {
        assert!(
            manifest.contains(&format!("path = \"fuzz_targets/{name}.rs\"")),
            "{name} is not a cargo-fuzz target in fuzz/Cargo.toml"
        );
    }
}
