//! The `umbrella` binary again, built inside the test crate so that tests can run the server as
//! a separate process and kill it (`child::ChildServer`).

fn main() -> std::process::ExitCode {
    umbrella::cli::main()
}
