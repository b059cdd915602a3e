//! The `umbrella` binary: everything lives in the library; see `umbrella --help`.

fn main() -> std::process::ExitCode {
    umbrella::cli::main()
}
