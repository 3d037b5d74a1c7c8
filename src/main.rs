//! `marketing-workbench`: the app with no command, the CLI with one.

use std::process::ExitCode;

use clap::Parser;
use marketing_workbench::cli::{self, AppScript, Cli, Command};
use marketing_workbench::ui;

fn main() -> ExitCode {
    // candle's matrix product asks for the thread count on every call and, unless this is set,
    // re-reads /proc/cpuinfo each time (a third of a neural network's training time). The value
    // is rayon's own default, so nothing else changes.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get());
        // SAFETY: first thing in main, before any other thread exists that could read the
        // environment concurrently.
        #[allow(
            unsafe_code,
            reason = "the one unsafe call of the workspace; safe as said above"
        )]
        unsafe {
            std::env::set_var("RAYON_NUM_THREADS", n.to_string())
        };
    }
    let args = Cli::parse();
    let launch = ui::Launch {
        frame_stats: args.frame_stats,
        script: args
            .script
            .map(|AppScript::FrameBench| ui::Script::FrameBench),
    };
    let result = match args.command {
        None => ui::run(None, launch),
        Some(Command::Open { file }) => ui::run(Some(file), launch),
        Some(_) if launch.frame_stats.is_some() || launch.script.is_some() => {
            eprintln!(
                "error: --frame-stats and --script are for the app (no command, or open FILE)"
            );
            return ExitCode::from(2);
        }
        Some(command) => cli::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A database URL given with its password is never echoed with it.
            eprintln!(
                "error: {}",
                workbench_core::data::postgres::redact_all(&e.one_line())
            );
            ExitCode::FAILURE
        }
    }
}
