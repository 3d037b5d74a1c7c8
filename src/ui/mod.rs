//! The desktop app: the only module that uses egui, eframe, egui_plot and rfd.

pub mod app;
pub mod autosave;
pub mod format;
pub mod frames;
pub mod panels;
pub mod widgets;

use std::path::PathBuf;

pub use app::{App, Command, Launch, RunStatus, Script, Startup, WorkflowStep};

use crate::error::{Error, Result};

/// Opens the window and runs until it is closed.
pub fn run(file: Option<PathBuf>, launch: Launch) -> Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Marketing Workbench")
            .with_inner_size([1400.0, 880.0])
            .with_min_inner_size([900.0, 560.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    let startup = file.map_or(Startup::Sample, Startup::Open);
    eframe::run_native(
        "Marketing Workbench",
        options,
        Box::new(move |cc| Ok(Box::new(App::desktop(cc, startup, launch)))),
    )
    .map_err(|e| Error::Model(format!("could not open the window: {e}")))
}
