//! The `cocoonmail` command; see the `cocoonmail_cli` crate's documentation.

fn main() -> std::process::ExitCode {
    cocoonmail_cli::main()
}
