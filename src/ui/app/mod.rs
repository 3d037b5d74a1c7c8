//! The app: [`App`] holds the state, the command queue, the jobs and the session; each concern
//! has its own file — state, commands (one handler file per area: data, recipe, model,
//! training, export, project), jobs, dialogs, menus, and scripted runs.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use workbench_core::jobs::Waker;
use workbench_core::project::Project;

mod commands;
mod data;
mod dialogs;
mod export;
mod forecast;
mod jobs;
mod menus;
mod model;
mod orders;
mod project;
mod recipe;
mod script;
mod state;
mod text;
mod training;
mod uplift;

use super::panels;
use super::widgets::notifications::Notifications;
pub use commands::{
    Command, DataCommand, ExportCommand, ModelCommand, ModelFile, ProjectCommand, RecipeCommand,
    TrainCommand,
};
pub use forecast::{ForecastCommand, ForecastRun, ForecastState, ForecastStatus};
pub use orders::{
    GONE_BELOW, OrdersCommand, OrdersQuestion, OrdersResult, OrdersRun, OrdersSettings,
    OrdersState, OrdersStatus, OrdersTable,
};
pub use script::Script;
pub use state::{
    AppState, Cleaned, Dataset, Derived, PanelState, Preview, RecipeHistory, Settings, Startup,
    WorkflowStep,
};
pub use text::{TextCommand, TextDone, TextRun, TextState, TextStatus};
pub use training::{RunStatus, SEARCH_FOLDS, SearchRun, SearchStatus, TrainingRun};
pub use uplift::{CheckStatus, UpliftCommand, UpliftResult, UpliftRun, UpliftState, UpliftStatus};

pub struct App {
    pub state: AppState,
    pub settings: Settings,
    pub panels: PanelState,
    pub notifications: Notifications,
    commands: Vec<Command>,
    jobs: jobs::Jobs,
    /// Commands that come back from dialog threads.
    inbox: (Sender<Command>, Receiver<Command>),
    waker: Waker,
    /// A project being opened: applied once its data has loaded.
    pending_project: Option<Project>,
    /// The password typed for a database (its URL without table or query, the password):
    /// in memory only, never in a project, setting or message.
    db_password: Option<(String, String)>,
    /// The session file, kept current while the app runs (None when there is no data folder).
    autosave: Option<super::autosave::Autosave>,
    /// The app's own frame times (the View menu's overlay, `--frame-stats`).
    pub frames: super::frames::FrameStats,
    /// A scripted run in progress (`--script`).
    script: Option<script::Stage>,
}

/// How the desktop app is started, beyond what it opens.
#[derive(Clone, Debug, Default)]
pub struct Launch {
    /// Record every frame's times and write p50 / p95 / max here when the window closes.
    pub frame_stats: Option<std::path::PathBuf>,
    /// Run this script by itself (for measurements).
    pub script: Option<Script>,
}

const SETTINGS_KEY: &str = "marketing-workbench-settings";

impl App {
    pub fn new(cc: &eframe::CreationContext<'_>, startup: Startup) -> Self {
        let settings: Settings = cc
            .storage
            .and_then(|s| eframe::get_value(s, SETTINGS_KEY))
            .unwrap_or_default();
        if let Some(dark) = settings.dark_mode {
            cc.egui_ctx.set_theme(if dark {
                egui::Theme::Dark
            } else {
                egui::Theme::Light
            });
        }
        let ctx = cc.egui_ctx.clone();
        let mut app = Self {
            state: AppState::default(),
            settings,
            panels: PanelState::default(),
            notifications: Notifications::default(),
            commands: Vec::new(),
            jobs: jobs::Jobs::default(),
            inbox: channel(),
            waker: Arc::new(move || ctx.request_repaint()),
            pending_project: None,
            db_password: None,
            autosave: None,
            frames: Default::default(),
            script: None,
        };
        match startup {
            Startup::Sample => app.push(DataCommand::LoadSample),
            Startup::Open(p) => app.push(DataCommand::OpenPath(p)),
            Startup::Empty => {}
        }
        app
    }

    /// The app as the desktop runs it: like [`App::new`], plus the autosaved session (and the
    /// offer to restore it when the last run did not close properly). Tests use [`App::new`],
    /// which leaves the user's session file alone.
    pub fn desktop(cc: &eframe::CreationContext<'_>, startup: Startup, launch: Launch) -> Self {
        super::fonts::add_system_cjk(&cc.egui_ctx);
        let mut app = Self::new(cc, startup).launch(launch);
        app.autosave = super::autosave::Autosave::open();
        app.state.restore_offer = app
            .autosave
            .as_ref()
            .and_then(super::autosave::Autosave::crashed_session);
        app
    }

    /// Applies the launch options: frame statistics, a script to run.
    pub fn launch(mut self, launch: Launch) -> Self {
        self.frames.out = launch.frame_stats;
        self.script = launch
            .script
            .map(|Script::FrameBench| script::Stage::Loading);
        self
    }

    /// Whether a script is still running.
    pub fn is_scripted(&self) -> bool {
        self.script.is_some()
    }

    /// Queues a command, as a panel would.
    pub fn push(&mut self, command: impl Into<Command>) {
        self.commands.push(command.into());
    }

    /// Whether any background work is running.
    pub fn is_busy(&self) -> bool {
        self.jobs.is_busy()
    }

    /// The running job's label and progress, for the status bar.
    pub fn busy_label(&self) -> Option<(String, Option<f64>)> {
        self.jobs.status().map(|(l, p)| (l.to_owned(), p))
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.frames.begin_frame();
        let closing = ctx.input(|i| i.viewport().close_requested());
        if closing && let Err(e) = self.frames.write() {
            eprintln!("error: {}", e.one_line());
        }
        self.run_script(ctx);
        let session = self.session();
        let trained = self.state.training.is_some() || !self.state.leaderboard.is_empty();
        if let Some(a) = &mut self.autosave {
            a.update(session, trained, closing);
            // Look again soon, so a change made just before the app goes idle is saved too.
            ctx.request_repaint_after(std::time::Duration::from_millis(2_500));
        }
        self.handle_input(ctx);
        self.poll_jobs();
        if self.jobs.train.is_busy()
            && let Some(run) = &mut self.state.training
        {
            run.elapsed_secs = run.started.elapsed().as_secs_f64();
        }
        if self.jobs.orders.is_busy()
            && let Some(run) = &mut self.state.orders.run
        {
            run.elapsed_secs = run.started.elapsed().as_secs_f64();
        }
        if self.jobs.uplift.is_busy()
            && let Some(run) = &mut self.state.uplift.run
        {
            run.elapsed_secs = run.started.elapsed().as_secs_f64();
        }
        if self.jobs.forecast.is_busy()
            && let Some(run) = &mut self.state.forecast.run
        {
            run.elapsed_secs = run.started.elapsed().as_secs_f64();
        }
        if self.jobs.text.is_busy()
            && let Some(run) = &mut self.state.text.run
        {
            run.elapsed_secs = run.started.elapsed().as_secs_f64();
        }
        // Commands from the previous frame's panels and from outside.
        for c in std::mem::take(&mut self.commands) {
            self.apply(c, ctx);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        egui::Panel::top("menu").show(ui, |ui| self.menu_bar_ui(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar_ui(ui));
        let mut cmds = Vec::new();
        let training = self.jobs.train.is_busy()
            || self.jobs.orders.is_busy()
            || self.jobs.uplift.is_busy()
            || self.jobs.forecast.is_busy()
            || self.jobs.text.is_busy();
        egui::Panel::left("steps")
            .resizable(false)
            .exact_size(210.0)
            .show(ui, |ui| {
                panels::steps::steps_ui(ui, &self.state, training, &mut cmds)
            });
        let orders = self.state.orders.question.is_some();
        let uplift = self.state.uplift.active;
        let forecast = self.state.forecast.active;
        let text = self.state.text.active;
        egui::CentralPanel::default().show(ui, |ui| match self.state.step {
            WorkflowStep::Model if text => {
                panels::text::model_ui(ui, &self.state, self.jobs.text.is_busy(), &mut cmds)
            }
            WorkflowStep::Train if text => panels::text::train_ui(
                ui,
                &self.state,
                self.jobs.text.is_busy(),
                self.jobs.text.status().and_then(|(_, p)| p).unwrap_or(0.0),
                &mut cmds,
            ),
            WorkflowStep::Predictions if text => panels::text::results_ui(
                ui,
                &self.state,
                &mut self.panels.text,
                self.jobs.export.is_busy(),
                &mut cmds,
            ),
            WorkflowStep::Model if forecast => {
                panels::forecast::model_ui(ui, &self.state, self.jobs.forecast.is_busy(), &mut cmds)
            }
            WorkflowStep::Train if forecast => panels::forecast::train_ui(
                ui,
                &self.state,
                self.jobs.forecast.is_busy(),
                self.jobs
                    .forecast
                    .status()
                    .and_then(|(_, p)| p)
                    .unwrap_or(0.0),
                &mut cmds,
            ),
            WorkflowStep::Predictions if forecast => panels::forecast::results_ui(
                ui,
                &self.state,
                &mut self.panels.forecast,
                self.jobs.export.is_busy(),
                &mut cmds,
            ),
            WorkflowStep::Model if uplift => {
                panels::uplift::model_ui(ui, &self.state, self.jobs.uplift.is_busy(), &mut cmds)
            }
            WorkflowStep::Train if uplift => panels::uplift::train_ui(
                ui,
                &self.state,
                self.jobs.uplift.is_busy(),
                self.jobs
                    .uplift
                    .status()
                    .and_then(|(_, p)| p)
                    .unwrap_or(0.0),
                &mut cmds,
            ),
            WorkflowStep::Predictions if uplift => panels::uplift::results_ui(
                ui,
                &self.state,
                &mut self.panels.uplift,
                self.jobs.export.is_busy(),
                &mut cmds,
            ),
            WorkflowStep::Model if orders => {
                panels::orders::model_ui(ui, &self.state, self.jobs.orders.is_busy(), &mut cmds)
            }
            WorkflowStep::Train if orders => panels::orders::train_ui(
                ui,
                &self.state,
                self.jobs.orders.is_busy(),
                self.jobs
                    .orders
                    .status()
                    .and_then(|(_, p)| p)
                    .unwrap_or(0.0),
                &mut cmds,
            ),
            WorkflowStep::Predictions if orders => panels::orders::results_ui(
                ui,
                &self.state,
                &mut self.panels.orders,
                self.jobs.export.is_busy(),
                &mut cmds,
            ),
            WorkflowStep::Data => {
                panels::data::data_panel_ui(ui, &self.state, &mut self.panels.data, &mut cmds)
            }
            WorkflowStep::Clean => panels::clean::clean_panel_ui(
                ui,
                &self.state,
                &mut self.panels.clean,
                self.jobs.clean.is_busy(),
                &mut cmds,
            ),
            WorkflowStep::Model => panels::model::model_panel_ui(
                ui,
                &self.state,
                &mut self.panels.model,
                (training, self.jobs.search.is_busy()),
                &mut cmds,
            ),
            WorkflowStep::Train => {
                panels::train::train_panel_ui(ui, &self.state, training, &mut cmds)
            }
            WorkflowStep::Predictions => panels::predictions::predictions_panel_ui(
                ui,
                &self.state,
                &mut self.panels.predictions,
                self.jobs.export.is_busy(),
                &mut cmds,
            ),
        });
        self.notifications.ui(ui.ctx());
        self.restore_prompt_ui(ui.ctx(), &mut cmds);
        self.commands.extend(cmds);
        if !self.commands.is_empty() {
            ui.ctx().request_repaint();
        }
        self.frames.overlay_ui(ui.ctx());
        self.frames.end_frame(frame.info().cpu_usage);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }

    /// egui's own state (scroll offsets, open sections) is not restored at the next start: a
    /// file opens at its first row, not where another file's table was left. What matters
    /// across starts is in `Settings` and the autosaved session.
    fn persist_egui_memory(&self) -> bool {
        false
    }
}
