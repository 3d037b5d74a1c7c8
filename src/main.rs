//! `marketing-workbench`: the app with no command, the CLI with one.

use std::process::ExitCode;

use clap::Parser;
use marketing_workbench::cli::{self, Cli, Command};
use marketing_workbench::ui;

fn main() -> ExitCode {
    let args = Cli::parse();
    let result = match args.command {
        None => ui::run(None),
        Some(Command::Open { file }) => ui::run(Some(file)),
        Some(command) => cli::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.one_line());
            ExitCode::FAILURE
        }
    }
}
