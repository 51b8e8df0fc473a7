//! The `slawatch` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    slawatch::cli::main()
}
