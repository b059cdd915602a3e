//! Records the commit this binary is built from as `UMBRELLA_COMMIT`, for `umbrella --version`.
//!
//! Outside a git checkout (a source tarball, a container build without `.git`) it says
//! `commit unknown` and the build goes on. A packager may set `UMBRELLA_COMMIT` themselves.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=UMBRELLA_COMMIT");
    let commit = match std::env::var("UMBRELLA_COMMIT") {
        Ok(given) if !given.trim().is_empty() => given.trim().to_string(),
        _ => from_git().unwrap_or_else(|| "commit unknown".to_string()),
    };
    println!("cargo:rustc-env=UMBRELLA_COMMIT={commit}");
}

/// `git` run in this crate's folder; `None` when git is missing or says no.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// The short commit, when this crate is tracked by the repository around it (a tarball
/// unpacked inside some other repository must not borrow that one's commit).
fn from_git() -> Option<String> {
    git(&["ls-files", "--error-unmatch", "Cargo.toml"])?;
    let commit = git(&["rev-parse", "--short=7", "HEAD"])?;
    watch_head();
    Some(commit)
}

/// Build again when HEAD moves: HEAD itself (a checkout), the branch it names (a commit) and
/// packed refs (`git gc`). `--git-path` finds them in a worktree too. Only existing paths are
/// given: cargo reruns every time for a path that does not exist.
fn watch_head() {
    let path = |name: &str| git(&["rev-parse", "--git-path", name]).map(PathBuf::from);
    let mut watched: Vec<PathBuf> = [path("HEAD"), path("packed-refs")]
        .into_iter()
        .flatten()
        .collect();
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(file) = path(&branch) {
            // A branch only in packed-refs gets its own file at its next commit: watch the
            // folder it will appear in.
            let existing = if file.exists() {
                Some(file)
            } else {
                file.parent().map(Path::to_path_buf)
            };
            watched.extend(existing);
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in watched {
        let file = if file.is_absolute() {
            file
        } else {
            root.join(file)
        };
        if file.exists() {
            println!("cargo:rerun-if-changed={}", file.display());
        }
    }
}
