//! The app: state, the command queue, background work, and the frame layout.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use super::panels;
use super::widgets::notifications::Notifications;
use crate::data::profile::{Profile, profile};
use crate::data::recipe::{Recipe, Step};
use crate::data::{export, load};
use crate::error::{Error, Result};
use crate::ml::models::StepReport;
use crate::ml::{ModelSettings, Task, infer_task};
use crate::train::task::{Task as Worker, Waker};
use crate::train::{TrainEvent, TrainJob, TrainOutcome};

/// What the app opens with.
#[derive(Clone, Debug)]
pub enum Startup {
    /// The bundled sample customers.
    Sample,
    /// A file given on the command line.
    Open(PathBuf),
    /// Nothing (tests that load through commands).
    Empty,
}

/// The five steps of the workflow, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkflowStep {
    Data,
    Clean,
    Model,
    Train,
    Predictions,
}

impl WorkflowStep {
    pub const ALL: [Self; 5] = [
        Self::Data,
        Self::Clean,
        Self::Model,
        Self::Train,
        Self::Predictions,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Data => "Data",
            Self::Clean => "Clean",
            Self::Model => "Model",
            Self::Train => "Train",
            Self::Predictions => "Predictions",
        }
    }
}

/// Everything a panel may ask for; applied by [`App`] after the frame is drawn.
#[derive(Clone, Debug)]
pub enum Command {
    SelectStep(WorkflowStep),
    /// Show the native open dialog (on its own thread).
    OpenFileDialog,
    OpenPath(PathBuf),
    LoadSample,
    CancelLoad,
    AddStep(Step),
    RemoveStep(usize),
    /// The target changed: pick the task and model that follow from it.
    SetTarget(Option<String>),
    StartTraining,
    CancelTraining,
    /// Show the native save dialog for the scored rows.
    ExportDialog,
    ExportTo(PathBuf),
    Notify {
        message: String,
        error: bool,
    },
}

/// A loaded table.
pub struct Dataset {
    /// File name shown to the user.
    pub name: String,
    pub path: Option<PathBuf>,
    pub frame: DataFrame,
    pub profile: Profile,
}

/// The loaded table after the recipe (fitted on all rows, for display).
pub struct Cleaned {
    pub frame: DataFrame,
    pub profile: Profile,
}

/// How a training run ended, or that it hasn't.
pub enum RunStatus {
    Running,
    Done(Box<TrainOutcome>),
    Failed(String),
    Cancelled,
}

/// A training run as the Train panel shows it.
pub struct TrainingRun {
    pub description: String,
    pub total_steps: usize,
    pub curve: Vec<StepReport>,
    pub log: Vec<String>,
    pub started: Instant,
    pub elapsed_secs: f64,
    pub status: RunStatus,
    /// The scored rows with score, prediction, decile and segment first, for the table.
    pub display: Option<DataFrame>,
}

impl TrainingRun {
    pub fn outcome(&self) -> Option<&TrainOutcome> {
        match &self.status {
            RunStatus::Done(o) => Some(o),
            _ => None,
        }
    }
}

/// What is remembered between sessions.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub dark_mode: Option<bool>,
    pub recent_files: Vec<PathBuf>,
}

/// What the panels read (and the Model panel edits).
pub struct AppState {
    pub step: WorkflowStep,
    pub dataset: Option<Dataset>,
    pub recipe: Recipe,
    pub cleaned: Option<Cleaned>,
    pub settings: ModelSettings,
    pub training: Option<TrainingRun>,
    /// The last file written by Export.
    pub exported: Option<PathBuf>,
}

/// Background work in flight; at most one of each kind.
#[derive(Default)]
struct Jobs {
    load: Option<Worker<Dataset>>,
    clean: Option<Worker<Cleaned>>,
    export: Option<Worker<PathBuf>>,
    train: Option<TrainJob>,
}

/// Widget-local state of panels that need it.
#[derive(Default)]
pub struct PanelState {
    pub clean: panels::clean::CleanForm,
}

pub struct App {
    pub state: AppState,
    pub settings: Settings,
    pub panels: PanelState,
    pub notifications: Notifications,
    commands: Vec<Command>,
    jobs: Jobs,
    /// Commands that come back from dialog threads.
    inbox: (Sender<Command>, Receiver<Command>),
    waker: Waker,
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
            state: AppState {
                step: WorkflowStep::Data,
                dataset: None,
                recipe: Recipe::default(),
                cleaned: None,
                settings: ModelSettings::default(),
                training: None,
                exported: None,
            },
            settings,
            panels: PanelState::default(),
            notifications: Notifications::default(),
            commands: Vec::new(),
            jobs: Jobs::default(),
            inbox: channel(),
            waker: Arc::new(move || ctx.request_repaint()),
        };
        match startup {
            Startup::Sample => app.push(Command::LoadSample),
            Startup::Open(p) => app.push(Command::OpenPath(p)),
            Startup::Empty => {}
        }
        app
    }

    /// Queues a command, as a panel would.
    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Whether any background work is running.
    pub fn is_busy(&self) -> bool {
        let j = &self.jobs;
        j.load.is_some() || j.clean.is_some() || j.export.is_some() || j.train.is_some()
    }

    /// The task that is loading a file, for the status bar.
    pub fn busy_label(&self) -> Option<(String, Option<f64>)> {
        let j = &self.jobs;
        if let Some(t) = &j.load {
            return Some((t.label.clone(), Some(t.progress())));
        }
        if let Some(t) = &j.clean {
            return Some((t.label.clone(), None));
        }
        if let Some(t) = &j.export {
            return Some((t.label.clone(), None));
        }
        None
    }

    fn spawn_load(&mut self, name: String, path: Option<PathBuf>) {
        let label = format!("Loading {name}");
        let source = path.clone();
        let work = move |ctx: &crate::train::task::TaskContext| -> Result<Dataset> {
            let frame = match &source {
                Some(p) => load::load_path(
                    p,
                    &mut |read, total| ctx.set_progress(read as f64 / total.max(1) as f64 * 0.9),
                    ctx.cancel_flag(),
                )?,
                None => load::read_csv_bytes(crate::SAMPLE_CSV, Path::new(crate::SAMPLE_NAME))?,
            };
            if ctx.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let profile = profile(&frame)?;
            Ok(Dataset {
                name,
                path: source,
                frame,
                profile,
            })
        };
        match Worker::spawn("load", label, self.waker.clone(), work) {
            Ok(t) => self.jobs.load = Some(t),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    fn spawn_clean(&mut self) {
        let Some(ds) = &self.state.dataset else {
            return;
        };
        let frame = ds.frame.clone();
        let recipe = self.state.recipe.clone();
        let work = move |_: &crate::train::task::TaskContext| -> Result<Cleaned> {
            let (_, out) = recipe.fit_transform(&frame)?;
            let profile = profile(&out)?;
            Ok(Cleaned {
                frame: out,
                profile,
            })
        };
        match Worker::spawn("clean", "Applying the recipe", self.waker.clone(), work) {
            Ok(t) => self.jobs.clean = Some(t),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    fn apply(&mut self, command: Command, ctx: &egui::Context) {
        match command {
            Command::SelectStep(s) => self.state.step = s,
            Command::OpenFileDialog => {
                let tx = self.inbox.0.clone();
                let waker = self.waker.clone();
                let spawned = std::thread::Builder::new()
                    .name("dialog:open".into())
                    .spawn(move || {
                        let asked = Instant::now();
                        let picked = rfd::FileDialog::new()
                            .set_title("Open customer data")
                            .add_filter("Tables", &["csv", "tsv", "txt"])
                            .add_filter("All files", &["*"])
                            .pick_file();
                        let _ = tx.send(dialog_answer(picked.map(Command::OpenPath), asked));
                        waker();
                    });
                if let Err(e) = spawned {
                    self.notifications
                        .error(format!("could not open the file dialog: {e}"));
                }
            }
            Command::OpenPath(p) => {
                let name = p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                self.spawn_load(name, Some(p));
            }
            Command::LoadSample => self.spawn_load(crate::SAMPLE_NAME.to_owned(), None),
            Command::CancelLoad => {
                self.jobs.load = None;
                self.notifications.info("Loading cancelled");
            }
            Command::AddStep(step) => {
                self.state.recipe.steps.push(step);
                self.spawn_clean();
            }
            Command::RemoveStep(i) => {
                if i < self.state.recipe.steps.len() {
                    self.state.recipe.steps.remove(i);
                    self.spawn_clean();
                }
            }
            Command::SetTarget(target) => self.set_target(target),
            Command::StartTraining => self.start_training(),
            Command::CancelTraining => {
                if let Some(job) = &self.jobs.train {
                    job.cancel();
                }
            }
            Command::ExportDialog => {
                let tx = self.inbox.0.clone();
                let waker = self.waker.clone();
                let spawned = std::thread::Builder::new()
                    .name("dialog:save".into())
                    .spawn(move || {
                        let asked = Instant::now();
                        let picked = rfd::FileDialog::new()
                            .set_title("Export scored customers")
                            .set_file_name("scored_customers.csv")
                            .add_filter("CSV", &["csv"])
                            .save_file();
                        let _ = tx.send(dialog_answer(picked.map(Command::ExportTo), asked));
                        waker();
                    });
                if let Err(e) = spawned {
                    self.notifications
                        .error(format!("could not open the save dialog: {e}"));
                }
            }
            Command::ExportTo(path) => self.export(path),
            Command::Notify { message, .. } if message.is_empty() => {}
            Command::Notify { message, error } => {
                if error {
                    self.notifications.error(message);
                } else {
                    self.notifications.info(message);
                }
            }
        }
        ctx.request_repaint();
    }

    fn set_target(&mut self, target: Option<String>) {
        let s = &mut self.state.settings;
        s.target = target;
        if let Some(t) = &s.target {
            s.ignore.retain(|c| c != t);
        }
        let frame = self.state.cleaned.as_ref().map(|c| &c.frame).or(self
            .state
            .dataset
            .as_ref()
            .map(|d| &d.frame));
        let task = frame
            .and_then(|f| infer_task(f, s.target.as_deref()).ok())
            .unwrap_or(Task::Segments);
        s.task = Some(task);
        if !s.model.is_some_and(|m| m.supports(task)) {
            s.model = Some(task.default_model());
        }
    }

    fn start_training(&mut self) {
        if self.jobs.train.is_some() {
            self.notifications
                .info("A model is already training: cancel it first");
            return;
        }
        let Some(ds) = &self.state.dataset else {
            self.notifications.error("Open a data file first");
            return;
        };
        let waker = self.waker.clone();
        match TrainJob::spawn(
            ds.frame.clone(),
            self.state.recipe.clone(),
            self.state.settings.clone(),
            waker,
        ) {
            Ok(job) => {
                self.jobs.train = Some(job);
                self.state.training = Some(TrainingRun {
                    description: "Preparing the data…".into(),
                    total_steps: 0,
                    curve: Vec::new(),
                    log: Vec::new(),
                    started: Instant::now(),
                    elapsed_secs: 0.0,
                    status: RunStatus::Running,
                    display: None,
                });
                self.state.step = WorkflowStep::Train;
            }
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    fn export(&mut self, path: PathBuf) {
        let Some(outcome) = self.state.training.as_ref().and_then(TrainingRun::outcome) else {
            self.notifications
                .error("Train a model first: there are no predictions to export");
            return;
        };
        let frame = outcome.predictions.clone();
        let label = format!("Exporting {}", path.display());
        let work = move |_: &crate::train::task::TaskContext| -> Result<PathBuf> {
            export::write_csv(&frame, &path)?;
            Ok(path)
        };
        match Worker::spawn("export", label, self.waker.clone(), work) {
            Ok(t) => self.jobs.export = Some(t),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    /// Takes finished background results and training events.
    fn poll_jobs(&mut self) {
        if let Some(result) = self.jobs.load.as_ref().and_then(Worker::poll) {
            self.jobs.load = None;
            match result {
                Ok(ds) => {
                    self.notifications.info(format!(
                        "Opened {}: {} customers, {} columns",
                        ds.name,
                        super::format::count(ds.frame.height()),
                        ds.frame.width()
                    ));
                    if let Some(p) = &ds.path {
                        self.remember_recent(p.clone());
                    }
                    self.state.dataset = Some(ds);
                    self.state.cleaned = None;
                    self.state.training = None;
                    self.state.exported = None;
                    self.state.settings = ModelSettings {
                        seed: self.state.settings.seed,
                        holdout: self.state.settings.holdout,
                        ..ModelSettings::default()
                    };
                    self.state.recipe = Recipe::default();
                    self.spawn_clean();
                }
                Err(Error::Cancelled) => {}
                Err(e) => self.notifications.error(e.one_line()),
            }
        }
        if let Some(result) = self.jobs.clean.as_ref().and_then(Worker::poll) {
            self.jobs.clean = None;
            match result {
                Ok(c) => self.state.cleaned = Some(c),
                Err(e) => {
                    // The last step broke the recipe: take it back and say why.
                    self.state.recipe.steps.pop();
                    self.notifications
                        .error(format!("That step can't be applied: {}", e.one_line()));
                    self.spawn_clean();
                }
            }
        }
        if let Some(result) = self.jobs.export.as_ref().and_then(Worker::poll) {
            self.jobs.export = None;
            match result {
                Ok(p) => {
                    self.notifications.info(format!("Exported {}", p.display()));
                    self.state.exported = Some(p);
                }
                Err(e) => self.notifications.error(e.one_line()),
            }
        }
        self.poll_training();
    }

    fn poll_training(&mut self) {
        let (Some(job), Some(run)) = (&self.jobs.train, &mut self.state.training) else {
            return;
        };
        let budget = Instant::now();
        let mut finished = false;
        while budget.elapsed().as_millis() < 4 {
            let Ok(event) = job.events.try_recv() else {
                break;
            };
            match event {
                TrainEvent::Started {
                    total_steps,
                    description,
                } => {
                    run.total_steps = total_steps;
                    run.description = description;
                }
                TrainEvent::Step(r) => run.curve.push(r),
                TrainEvent::Log(line) => run.log.push(line),
                TrainEvent::Finished(result) => {
                    run.elapsed_secs = run.started.elapsed().as_secs_f64();
                    run.status = match result {
                        Ok(o) => {
                            run.display = scored_first(&o.predictions);
                            for note in &o.notes {
                                if !run.log.contains(note) {
                                    run.log.push(note.clone());
                                }
                            }
                            RunStatus::Done(o)
                        }
                        Err(Error::Cancelled) => RunStatus::Cancelled,
                        Err(e) => {
                            self.notifications.error(e.one_line());
                            RunStatus::Failed(e.one_line())
                        }
                    };
                    finished = true;
                    break;
                }
            }
        }
        if !finished {
            run.elapsed_secs = run.started.elapsed().as_secs_f64();
        }
        if finished {
            self.jobs.train = None;
        }
    }

    fn remember_recent(&mut self, p: PathBuf) {
        let r = &mut self.settings.recent_files;
        r.retain(|x| x != &p);
        r.insert(0, p);
        r.truncate(8);
    }

    /// Whether training is running (for tests and the step list).
    pub fn is_training(&self) -> bool {
        self.jobs.train.is_some()
    }

    fn handle_input(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if let Some(p) = dropped.into_iter().next() {
            self.push(Command::OpenPath(p));
        }
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::O)) {
            self.push(Command::OpenFileDialog);
        }
        while let Ok(c) = self.inbox.1.try_recv() {
            self.push(c);
        }
    }

    fn menu_bar_ui(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("Open…  (Ctrl+O)").clicked() {
                    self.push(Command::OpenFileDialog);
                }
                if ui.button("Open the sample customers").clicked() {
                    self.push(Command::LoadSample);
                }
                let recent = self.settings.recent_files.clone();
                if !recent.is_empty() {
                    ui.menu_button("Open recent", |ui| {
                        for p in recent {
                            if ui.button(p.display().to_string()).clicked() {
                                self.push(Command::OpenPath(p));
                            }
                        }
                    });
                }
                ui.separator();
                let can_export = self
                    .state
                    .training
                    .as_ref()
                    .is_some_and(|r| r.outcome().is_some());
                if ui
                    .add_enabled(can_export, egui::Button::new("Export predictions…"))
                    .clicked()
                {
                    self.push(Command::ExportDialog);
                }
                ui.separator();
                if ui.button("Quit").clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button("View", |ui| {
                let dark = ui.ctx().global_style().visuals.dark_mode;
                if ui
                    .button(if dark { "Light theme" } else { "Dark theme" })
                    .clicked()
                {
                    ui.ctx().set_theme(if dark {
                        egui::Theme::Light
                    } else {
                        egui::Theme::Dark
                    });
                    self.settings.dark_mode = Some(!dark);
                }
            });
        });
    }

    fn status_bar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if let Some((label, progress)) = self.busy_label() {
                ui.spinner();
                ui.label(label);
                if let Some(p) = progress {
                    ui.add(
                        egui::ProgressBar::new(p as f32)
                            .desired_width(160.0)
                            .show_percentage(),
                    );
                }
                if self.jobs.load.is_some() && ui.button("Cancel").clicked() {
                    self.push(Command::CancelLoad);
                }
            } else if let Some(ds) = &self.state.dataset {
                ui.label(format!(
                    "{} · {} customers × {} columns",
                    ds.name,
                    super::format::count(ds.frame.height()),
                    ds.frame.width()
                ));
            } else {
                ui.label("No data: open a file or the sample (File menu)");
            }
        });
    }
}

/// What a native dialog's answer means: the command it picked; a cancel (nothing to do); or,
/// when it came back with nothing faster than a person can cancel, a dialog that never
/// appeared (no XDG desktop portal, say), which the user must hear about.
fn dialog_answer(picked: Option<Command>, asked: Instant) -> Command {
    match picked {
        Some(c) => c,
        None if asked.elapsed().as_millis() < 250 => Command::Notify {
            message:
                "The system file dialog could not be opened (is xdg-desktop-portal installed?). \
                      Drop the file onto this window instead, or start the app with \
                      `marketing-workbench open FILE`."
                    .to_owned(),
            error: true,
        },
        None => Command::Notify {
            message: String::new(),
            error: false,
        },
    }
}

/// The scored table with the columns scoring added moved to the front (a cheap column shuffle).
fn scored_first(df: &DataFrame) -> Option<DataFrame> {
    use crate::ml::saved::{DECILE, PREDICTION, SCORE, SEGMENT};
    let added = [SCORE, DECILE, PREDICTION, SEGMENT];
    let names = df.get_column_names();
    let order: Vec<&str> = added
        .iter()
        .copied()
        .filter(|a| names.iter().any(|n| n.as_str() == *a))
        .chain(
            names
                .iter()
                .map(|n| n.as_str())
                .filter(|n| !added.contains(n)),
        )
        .collect();
    df.select(order).ok()
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.handle_input(ctx);
        self.poll_jobs();
        // Commands from the previous frame's panels and from outside.
        for c in std::mem::take(&mut self.commands) {
            self.apply(c, ctx);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::Panel::top("menu").show(ui, |ui| self.menu_bar_ui(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar_ui(ui));
        let mut cmds = Vec::new();
        egui::Panel::left("steps")
            .resizable(false)
            .exact_size(210.0)
            .show(ui, |ui| {
                panels::steps::steps_ui(ui, &self.state, self.is_training(), &mut cmds)
            });
        egui::CentralPanel::default().show(ui, |ui| match self.state.step {
            WorkflowStep::Data => panels::data::data_panel_ui(ui, &self.state, &mut cmds),
            WorkflowStep::Clean => panels::clean::clean_panel_ui(
                ui,
                &self.state,
                &mut self.panels.clean,
                self.jobs.clean.is_some(),
                &mut cmds,
            ),
            WorkflowStep::Model => {
                panels::model::model_panel_ui(
                    ui,
                    &mut self.state,
                    self.jobs.train.is_some(),
                    &mut cmds,
                );
            }
            WorkflowStep::Train => {
                panels::train::train_panel_ui(
                    ui,
                    &self.state,
                    self.jobs.train.is_some(),
                    &mut cmds,
                );
            }
            WorkflowStep::Predictions => panels::predictions::predictions_panel_ui(
                ui,
                &self.state,
                self.jobs.export.is_some(),
                &mut cmds,
            ),
        });
        self.notifications.ui(ui.ctx());
        self.commands.extend(cmds);
        if !self.commands.is_empty() {
            ui.ctx().request_repaint();
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }
}
