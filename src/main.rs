//! The `casebook` command line: parses arguments, asks for secrets, calls the core, formats
//! the result. No logic of its own (see docs/ARCHITECTURE.md).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
