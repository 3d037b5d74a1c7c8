//! The desktop app: the only module that uses egui, eframe, egui_plot and rfd.

pub mod app;
pub mod autosave;
pub mod fonts;
pub mod format;
pub mod frames;
pub mod panels;
pub mod widgets;

use std::path::PathBuf;

pub use app::{App, Command, Launch, RunStatus, Script, Startup, WorkflowStep};

use workbench_core::error::{Error, Result};
use workbench_core::train::Sizes;

/// How much of each curve and map the Predictions step draws: about a chart's size in points.
pub const INSIGHT_SIZES: Sizes = Sizes {
    roc_points: 512,
    scatter_points: 4_000,
    map_points: 5_000,
    map_cells: (480, 320),
};

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
