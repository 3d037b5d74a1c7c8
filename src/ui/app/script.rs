//! Scripted runs of the app, for measuring it as a user would use it. `--script frame-bench`
//! (with `open FILE` and `--frame-stats OUT`) waits for the file to load, then on its own:
//! scrolls the customer table, trains gradient boosting on `responded` with the Train panel's
//! live curves on screen, trains k-means (k = 8) and shows the customer map of every customer;
//! each is a phase of the frame statistics; then it closes the window (which writes them).

use super::{App, ModelCommand, WorkflowStep};
use crate::ui::panels::data::DataTab;
use crate::ui::widgets::table::ROW_HEIGHT;
use workbench_core::ml::{ModelKind, Task};

/// A script the app can run by itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Script {
    /// Table scrolling, a training run, the segment map: the frame-time benchmark.
    FrameBench,
}

/// Frames spent scrolling the table, and rows scrolled per frame (fast, as a dragged scroll bar).
const TABLE_FRAMES: usize = 300;
const ROWS_PER_FRAME: usize = 97;

/// Frames spent on the customer map.
const MAP_FRAMES: usize = 300;

/// Where a scripted run is.
#[derive(Clone, Copy, Debug)]
pub(super) enum Stage {
    Loading,
    Table(usize),
    Training,
    Segments,
    Map(usize),
}

impl App {
    /// Advances the script by one frame (and asks for the next frame).
    pub(super) fn run_script(&mut self, ctx: &egui::Context) {
        let Some(stage) = self.script.take() else {
            return;
        };
        ctx.request_repaint();
        self.script = match stage {
            Stage::Loading => {
                let loaded = self.state.cleaned.is_some()
                    && !self.jobs.load.is_busy()
                    && !self.jobs.clean.is_busy();
                if loaded {
                    self.frames.set_phase("table scroll");
                    self.state.step = WorkflowStep::Data;
                    self.panels.data.tab = DataTab::Table;
                    Some(Stage::Table(0))
                } else {
                    Some(Stage::Loading)
                }
            }
            Stage::Table(i) if i < TABLE_FRAMES => {
                self.panels.data.scroll_to = Some((i * ROWS_PER_FRAME) as f32 * ROW_HEIGHT);
                Some(Stage::Table(i + 1))
            }
            Stage::Table(_) => {
                self.frames.set_phase("training in progress");
                self.apply_model(ModelCommand::SetTarget(Some("responded".to_owned())));
                let mut s = self.state.settings.clone();
                s.ignore = vec!["churned".into(), "spend_next_90d".into()];
                s.model = Some(ModelKind::Boosting);
                self.apply_model(ModelCommand::Change(Box::new(s)));
                self.start_training();
                Some(Stage::Training)
            }
            Stage::Training if self.is_training() => Some(Stage::Training),
            Stage::Training => {
                self.frames.set_phase("training k-means");
                self.apply_model(ModelCommand::SetTarget(None));
                let mut s = self.state.settings.clone();
                s.task = Some(Task::Segments);
                s.model = Some(ModelKind::KMeans);
                s.params.kmeans.k = 8;
                self.apply_model(ModelCommand::Change(Box::new(s)));
                self.start_training();
                Some(Stage::Segments)
            }
            Stage::Segments if self.is_training() => Some(Stage::Segments),
            Stage::Segments => {
                self.frames.set_phase("segment map");
                self.state.step = WorkflowStep::Predictions;
                Some(Stage::Map(0))
            }
            Stage::Map(i) if i < MAP_FRAMES => Some(Stage::Map(i + 1)),
            Stage::Map(_) => {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                None
            }
        };
    }
}
