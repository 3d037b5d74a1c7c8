//! The app: state, the command queue, background work, and the frame layout.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

mod script;
mod training;

use super::panels;
use super::widgets::notifications::Notifications;
use crate::data::profile::{
    Correlations, Profile, TargetProfile, correlations, profile, target_profile,
};
use crate::data::recipe::{Recipe, Step, StepEffect};
use crate::data::{export, load};
use crate::error::{Error, Result};
use crate::ml::{ModelSettings, Task, infer_task};
use crate::project::{DataSource, Project};
use crate::train::TrainJob;
use crate::train::search::SearchJob;
use crate::train::task::{Task as Worker, Waker};
pub use script::Script;
pub use training::{RunStatus, SEARCH_FOLDS, SearchRun, SearchStatus, TrainingRun};

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
    /// Load another worksheet of the open Excel file.
    OpenSheet {
        path: PathBuf,
        sheet: String,
    },
    LoadSample,
    CancelLoad,
    /// Replace the table by its RFM summary, from transactions in these columns.
    MakeRfm {
        customer: String,
        date: String,
        amount: String,
    },
    AddStep(Step),
    RemoveStep(usize),
    MoveStep {
        from: usize,
        to: usize,
    },
    ToggleStep(usize),
    Undo,
    Redo,
    /// Show the table as it would be with this step added, without adding it.
    PreviewStep(Step),
    DiscardPreview,
    OpenRecipeDialog,
    SaveRecipeDialog,
    OpenRecipeFrom(PathBuf),
    SaveRecipeTo(PathBuf),
    OpenProjectDialog,
    SaveProjectDialog,
    /// Load a project's data, recipe and settings, and retrain its model (same seed).
    OpenProjectFrom(PathBuf),
    SaveProjectTo(PathBuf),
    /// Reopen the session that was open when the app last stopped without closing.
    RestoreSession,
    DiscardSession,
    /// The target changed: pick the task and model that follow from it.
    SetTarget(Option<String>),
    /// The target value that counts as "yes" (`None`: automatic, or each value a class).
    SetPositive(Option<String>),
    StartTraining,
    CancelTraining,
    /// Finish the model now, keeping its best step so far.
    StopTraining,
    /// Train each of these models in turn on the same split, for the leaderboard.
    CompareModels(Vec<crate::ml::ModelKind>),
    /// Show leaderboard entry `i` in Train, Predictions and Export.
    InspectRun(usize),
    /// Search the chosen model's settings by cross-validation.
    StartSearch,
    CancelSearch,
    /// Finish the search with the combinations tried so far.
    StopSearch,
    /// Copy the search's best settings into the model settings.
    UseSearchBest,
    /// Show the native save dialog for the scored rows.
    ExportDialog,
    ExportTo(PathBuf),
    /// Ask where to save chart `name`, shown at `rect` (points).
    ChartPngDialog {
        name: String,
        rect: egui::Rect,
    },
    /// Screenshot the window and save the part at `rect` as a PNG.
    SaveChartPng {
        path: PathBuf,
        rect: egui::Rect,
    },
    /// Show the scored customers sorted and filtered (computed on a worker).
    ViewScored(TableView),
    /// Show the save dialog for the targeting calculator's list of `contacts` customers.
    ExportListDialog {
        contacts: usize,
    },
    /// Write the `contacts` highest-scored customers of the whole table.
    ExportListTo {
        path: PathBuf,
        contacts: usize,
    },
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
    /// The worksheets of an Excel file (empty for other files), and the one loaded.
    pub sheets: Vec<String>,
    pub sheet: Option<String>,
    pub frame: DataFrame,
    pub profile: Profile,
    pub correlations: Correlations,
    /// Set when this table is the RFM summary of another: (customer, date, amount) columns.
    pub rfm_of: Option<[String; 3]>,
}

/// The loaded table after the recipe (fitted on all rows, for display).
pub struct Cleaned {
    pub frame: DataFrame,
    pub profile: Profile,
    /// What each step did (`None` for switched-off steps).
    pub effects: Vec<Option<StepEffect>>,
}

/// How the scored-customers table is sorted and filtered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableView {
    /// Column and whether highest first.
    pub sort: Option<(String, bool)>,
    /// Keep rows where `column op value`.
    pub filter: Option<(String, crate::data::recipe::FilterOp, String)>,
}

/// A step being previewed, and the table it would give once computed.
pub struct Preview {
    pub step: Step,
    pub result: Option<Cleaned>,
}

/// Earlier and undone versions of the recipe.
#[derive(Default)]
pub struct RecipeHistory {
    undo: Vec<Recipe>,
    redo: Vec<Recipe>,
}

impl RecipeHistory {
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
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
    pub history: RecipeHistory,
    pub cleaned: Option<Cleaned>,
    pub preview: Option<Preview>,
    /// How the target varies with each column (once a target is chosen).
    pub target_profile: Option<TargetProfile>,
    pub settings: ModelSettings,
    /// The run Train, Predictions and Export show.
    pub training: Option<TrainingRun>,
    /// Other finished runs on this data (Compare, or earlier runs), for the leaderboard.
    pub leaderboard: Vec<TrainingRun>,
    /// Settings still to train, in order (Compare).
    pub queue: Vec<ModelSettings>,
    /// The settings search, if one was run.
    pub search: Option<SearchRun>,
    /// The last file written by Export.
    pub exported: Option<PathBuf>,
    /// A session to offer back after the app stopped without closing.
    pub restore_offer: Option<Project>,
}

/// Background work in flight; at most one of each kind.
#[derive(Default)]
struct Jobs {
    load: Option<Worker<Dataset>>,
    clean: Option<Worker<Cleaned>>,
    preview: Option<Worker<Cleaned>>,
    target: Option<Worker<TargetProfile>>,
    table_view: Option<Worker<DataFrame>>,
    export: Option<Worker<PathBuf>>,
    train: Option<TrainJob>,
    search: Option<SearchJob>,
}

/// Widget-local state of panels that need it.
#[derive(Default)]
pub struct PanelState {
    pub data: panels::data::DataView,
    pub predictions: panels::predictions::PredictionsView,
    pub clean: panels::clean::CleanForm,
    pub model: panels::model::ModelView,
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
    /// A project being opened: applied once its data has loaded.
    pending_project: Option<Project>,
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
    pub frame_stats: Option<PathBuf>,
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
            state: AppState {
                step: WorkflowStep::Data,
                dataset: None,
                recipe: Recipe::default(),
                history: RecipeHistory::default(),
                cleaned: None,
                preview: None,
                target_profile: None,
                settings: ModelSettings::default(),
                training: None,
                leaderboard: Vec::new(),
                queue: Vec::new(),
                search: None,
                exported: None,
                restore_offer: None,
            },
            settings,
            panels: PanelState::default(),
            notifications: Notifications::default(),
            commands: Vec::new(),
            jobs: Jobs::default(),
            inbox: channel(),
            waker: Arc::new(move || ctx.request_repaint()),
            pending_project: None,
            autosave: None,
            frames: Default::default(),
            script: None,
        };
        match startup {
            Startup::Sample => app.push(Command::LoadSample),
            Startup::Open(p) => app.push(Command::OpenPath(p)),
            Startup::Empty => {}
        }
        app
    }

    /// The app as the desktop runs it: like [`App::new`], plus the autosaved session (and the
    /// offer to restore it when the last run did not close properly). Tests use [`App::new`],
    /// which leaves the user's session file alone.
    pub fn desktop(cc: &eframe::CreationContext<'_>, startup: Startup, launch: Launch) -> Self {
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
    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Whether any background work is running.
    pub fn is_busy(&self) -> bool {
        let j = &self.jobs;
        j.load.is_some()
            || j.clean.is_some()
            || j.preview.is_some()
            || j.target.is_some()
            || j.table_view.is_some()
            || j.export.is_some()
            || j.train.is_some()
            || j.search.is_some()
    }

    /// The task that is loading a file, for the status bar.
    pub fn busy_label(&self) -> Option<(String, Option<f64>)> {
        let j = &self.jobs;
        if let Some(t) = &j.load {
            return Some((t.label.clone(), Some(t.progress())));
        }
        if let Some(t) = j.clean.as_ref().or(j.preview.as_ref()) {
            return Some((t.label.clone(), None));
        }
        if let Some(t) = &j.target {
            return Some((t.label.clone(), None));
        }
        if let Some(t) = &j.export {
            return Some((t.label.clone(), None));
        }
        None
    }

    fn spawn_load(&mut self, name: String, path: Option<PathBuf>, sheet: Option<String>) {
        let label = format!("Loading {name}");
        let source = path.clone();
        let work = move |ctx: &crate::train::task::TaskContext| -> Result<Dataset> {
            let (frame, sheets) = match &source {
                Some(p) => {
                    let options = load::LoadOptions {
                        sheet: sheet.clone(),
                    };
                    let frame = load::load_path(
                        p,
                        &options,
                        &mut |read, total| {
                            ctx.set_progress(read as f64 / total.max(1) as f64 * 0.8)
                        },
                        ctx.cancel_flag(),
                    )?;
                    let sheets = if load::file_kind(p, &[]) == load::FileKind::Excel {
                        load::sheet_names(p).unwrap_or_default()
                    } else {
                        Vec::new()
                    };
                    (frame, sheets)
                }
                None => (
                    load::read_text_bytes(crate::SAMPLE_CSV, Path::new(crate::SAMPLE_NAME))?,
                    Vec::new(),
                ),
            };
            if ctx.is_cancelled() {
                return Err(Error::Cancelled);
            }
            ctx.set_progress(0.85);
            let profile = profile(&frame)?;
            ctx.set_progress(0.95);
            let correlations = correlations(&frame, 40)?;
            let sheet = sheet.or_else(|| sheets.first().cloned());
            Ok(Dataset {
                name,
                path: source,
                sheets,
                sheet,
                frame,
                profile,
                correlations,
                rfm_of: None,
            })
        };
        match Worker::spawn("load", label, self.waker.clone(), work) {
            Ok(t) => self.jobs.load = Some(t),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    /// Works out how the target varies with each column, on a worker.
    fn spawn_target_profile(&mut self) {
        self.state.target_profile = None;
        let (Some(target), Some(task)) =
            (self.state.settings.target.clone(), self.state.settings.task)
        else {
            return;
        };
        if task == Task::Segments {
            return;
        }
        let frame = match (&self.state.cleaned, &self.state.dataset) {
            (Some(c), _) => c.frame.clone(),
            (None, Some(d)) => d.frame.clone(),
            _ => return,
        };
        let positive = self.state.settings.positive.clone();
        let work = move |_: &crate::train::task::TaskContext| -> Result<TargetProfile> {
            let positive = if task == Task::Classification {
                let column = frame
                    .column(&target)
                    .map_err(|_| Error::missing_column(&target, "chosen as the target"))?;
                let labels = crate::ml::labels_of(column)?;
                let labels = labels.str()?;
                match crate::ml::choose_classes(&target, labels.iter(), positive.as_deref())? {
                    crate::ml::Labels::YesNo(c) => Some(c.positive),
                    // Several classes: how the most frequent one's share varies.
                    crate::ml::Labels::Several(_) => {
                        let mut counts = std::collections::HashMap::<&str, usize>::new();
                        for l in labels.iter().flatten() {
                            *counts.entry(l).or_default() += 1;
                        }
                        counts
                            .into_iter()
                            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                            .map(|(l, _)| l.to_owned())
                    }
                }
            } else {
                None
            };
            target_profile(&frame, &target, positive.as_deref())
        };
        match Worker::spawn(
            "profile:target",
            "Comparing columns with the target",
            self.waker.clone(),
            work,
        ) {
            Ok(t) => self.jobs.target = Some(t),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    /// Applies `recipe` to the loaded table on a worker.
    fn spawn_recipe(&self, recipe: Recipe, thread: &str) -> Option<Worker<Cleaned>> {
        let ds = self.state.dataset.as_ref()?;
        let frame = ds.frame.clone();
        let work = move |_: &crate::train::task::TaskContext| -> Result<Cleaned> {
            let (_, out, effects) = recipe.fit_transform_with_effects(&frame)?;
            let profile = profile(&out)?;
            Ok(Cleaned {
                frame: out,
                profile,
                effects,
            })
        };
        Worker::spawn(thread, "Applying the recipe", self.waker.clone(), work)
            .map_err(|e| e.one_line())
            .ok()
    }

    fn spawn_clean(&mut self) {
        self.jobs.clean = self.spawn_recipe(self.state.recipe.clone(), "clean");
    }

    /// Changes the recipe, remembering the old one for Undo, and re-applies it.
    fn change_recipe(&mut self, change: impl FnOnce(&mut Recipe)) {
        let before = self.state.recipe.clone();
        change(&mut self.state.recipe);
        if self.state.recipe != before {
            self.state.history.undo.push(before);
            self.state.history.redo.clear();
            self.state.preview = None;
            self.spawn_clean();
        }
    }

    fn undo(&mut self) {
        if let Some(previous) = self.state.history.undo.pop() {
            let current = std::mem::replace(&mut self.state.recipe, previous);
            self.state.history.redo.push(current);
            self.spawn_clean();
        }
    }

    fn redo(&mut self) {
        if let Some(next) = self.state.history.redo.pop() {
            let current = std::mem::replace(&mut self.state.recipe, next);
            self.state.history.undo.push(current);
            self.spawn_clean();
        }
    }

    /// Runs a native file dialog on its own thread; its answer comes back as a command.
    fn file_dialog(
        &mut self,
        name: &str,
        choice: FileChoice,
        then: impl FnOnce(PathBuf) -> Command + Send + 'static,
    ) {
        let tx = self.inbox.0.clone();
        let waker = self.waker.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("dialog:{name}"))
            .spawn(move || {
                let asked = Instant::now();
                let picked = choice.show();
                let _ = tx.send(dialog_answer(picked.map(then), asked));
                waker();
            });
        if let Err(e) = spawned {
            self.notifications
                .error(format!("could not open the file dialog: {e}"));
        }
    }

    fn apply(&mut self, command: Command, ctx: &egui::Context) {
        match command {
            Command::SelectStep(s) => self.state.step = s,
            Command::OpenFileDialog => self.file_dialog(
                "open",
                FileChoice {
                    title: "Open customer data",
                    filter: "Tables".into(),
                    extensions: vec![
                        "csv", "tsv", "txt", "xlsx", "xls", "parquet", "json", "ndjson", "jsonl",
                    ],
                    save_as: None,
                },
                Command::OpenPath,
            ),
            Command::OpenPath(p) => {
                let name = p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                self.spawn_load(name, Some(p), None);
            }
            Command::OpenSheet { path, sheet } => {
                let name = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                self.spawn_load(format!("{name} [{sheet}]"), Some(path), Some(sheet));
            }
            Command::LoadSample => self.spawn_load(crate::SAMPLE_NAME.to_owned(), None, None),
            Command::MakeRfm {
                customer,
                date,
                amount,
            } => self.make_rfm(customer, date, amount),
            Command::CancelLoad => {
                self.jobs.load = None;
                self.notifications.info("Loading cancelled");
            }
            Command::AddStep(step) => self.change_recipe(|r| r.push(step)),
            Command::RemoveStep(i) => self.change_recipe(|r| {
                if i < r.steps.len() {
                    r.steps.remove(i);
                }
            }),
            Command::MoveStep { from, to } => self.change_recipe(|r| {
                if from < r.steps.len() && to < r.steps.len() {
                    let s = r.steps.remove(from);
                    r.steps.insert(to, s);
                }
            }),
            Command::ToggleStep(i) => self.change_recipe(|r| {
                if let Some(s) = r.steps.get_mut(i) {
                    s.enabled = !s.enabled;
                }
            }),
            Command::Undo => self.undo(),
            Command::Redo => self.redo(),
            Command::PreviewStep(step) => {
                let mut recipe = self.state.recipe.clone();
                recipe.push(step.clone());
                self.jobs.preview = self.spawn_recipe(recipe, "preview");
                self.state.preview = Some(Preview { step, result: None });
            }
            Command::DiscardPreview => {
                self.jobs.preview = None;
                self.state.preview = None;
            }
            Command::SetTarget(target) => self.set_target(target),
            Command::SetPositive(positive) => {
                if self.state.settings.positive != positive {
                    self.state.leaderboard.clear();
                    self.state.search = None;
                }
                self.state.settings.positive = positive;
                self.keep_model_usable();
                self.spawn_target_profile();
            }
            Command::StartTraining => self.start_training(),
            Command::CancelTraining => {
                if let Some(job) = &self.jobs.train {
                    job.cancel();
                }
            }
            Command::StopTraining => {
                if let Some(job) = &self.jobs.train {
                    job.stop();
                }
            }
            Command::CompareModels(kinds) => self.compare_models(kinds),
            Command::InspectRun(i) => self.inspect_run(i),
            Command::StartSearch => self.start_search(),
            Command::CancelSearch => {
                if let Some(job) = &self.jobs.search {
                    job.cancel();
                }
            }
            Command::StopSearch => {
                if let Some(job) = &self.jobs.search {
                    job.stop();
                }
            }
            Command::UseSearchBest => self.use_search_best(),
            Command::ExportDialog => {
                let format = self.panels.predictions.export_format;
                self.file_dialog(
                    "save",
                    FileChoice {
                        title: "Export scored customers",
                        filter: format.extension().to_uppercase(),
                        extensions: vec![format.extension()],
                        save_as: Some(format!("scored_customers.{}", format.extension())),
                    },
                    Command::ExportTo,
                );
            }
            Command::OpenRecipeDialog => self.file_dialog(
                "recipe",
                FileChoice {
                    title: "Open a recipe",
                    filter: "Recipe (JSON)".into(),
                    extensions: vec!["json"],
                    save_as: None,
                },
                Command::OpenRecipeFrom,
            ),
            Command::SaveRecipeDialog => self.file_dialog(
                "recipe",
                FileChoice {
                    title: "Save the recipe",
                    filter: "Recipe (JSON)".into(),
                    extensions: vec!["json"],
                    save_as: Some("recipe.json".into()),
                },
                Command::SaveRecipeTo,
            ),
            Command::OpenRecipeFrom(path) => match Recipe::load(&path) {
                Ok(recipe) => {
                    self.change_recipe(|r| *r = recipe);
                    self.notifications
                        .info(format!("Opened recipe {}", path.display()));
                }
                Err(e) => self.notifications.error(e.one_line()),
            },
            Command::OpenProjectDialog => self.file_dialog(
                "project",
                FileChoice {
                    title: "Open a project",
                    filter: "Marketing Workbench project".into(),
                    extensions: vec!["json"],
                    save_as: None,
                },
                Command::OpenProjectFrom,
            ),
            Command::SaveProjectDialog => self.file_dialog(
                "project",
                FileChoice {
                    title: "Save the project",
                    filter: "Marketing Workbench project".into(),
                    extensions: vec!["json"],
                    save_as: Some("campaign.mwb.json".into()),
                },
                Command::SaveProjectTo,
            ),
            Command::OpenProjectFrom(path) => match Project::load(&path) {
                Ok(project) => self.open_project(project),
                Err(e) => self.notifications.error(e.one_line()),
            },
            Command::RestoreSession => {
                if let Some(project) = self.state.restore_offer.take() {
                    self.open_project(project);
                }
            }
            Command::DiscardSession => self.state.restore_offer = None,
            Command::SaveProjectTo(path) => self.save_project(&path),
            Command::SaveRecipeTo(path) => {
                match export::write_atomic(&path, |w| {
                    use std::io::Write;
                    w.write_all(self.state.recipe.to_json().as_bytes())
                        .map_err(|e| Error::io(&path, e))
                }) {
                    Ok(()) => self
                        .notifications
                        .info(format!("Saved recipe {}", path.display())),
                    Err(e) => self.notifications.error(e.one_line()),
                }
            }
            Command::ExportTo(path) => self.export(path),
            Command::ExportListDialog { contacts } => self.file_dialog(
                "list",
                FileChoice {
                    title: "Export the customers to contact",
                    filter: "CSV".into(),
                    extensions: vec!["csv"],
                    save_as: Some("customers_to_contact.csv".into()),
                },
                move |path| Command::ExportListTo { path, contacts },
            ),
            Command::ExportListTo { path, contacts } => self.export_list(path, contacts),
            Command::ViewScored(view) => self.view_scored(view),
            Command::ChartPngDialog { name, rect } => self.file_dialog(
                "png",
                FileChoice {
                    title: "Save the chart",
                    filter: "PNG image".into(),
                    extensions: vec!["png"],
                    save_as: Some(format!("{name}.png")),
                },
                move |path| Command::SaveChartPng { path, rect },
            ),
            Command::SaveChartPng { path, rect } => {
                let tx = self.inbox.0.clone();
                let waker = self.waker.clone();
                let ppp = ctx.pixels_per_point();
                ctx.send_viewport_cmd(egui::ViewportCommand::Screenshot(
                    egui::ScreenshotCallback::new(move |image| {
                        let cropped = image.region(&rect, Some(ppp));
                        // Encoding and writing happen off the UI thread.
                        let _ = std::thread::Builder::new().name("export:png".into()).spawn(
                            move || {
                                let message = match super::widgets::png::write_png(&cropped, &path)
                                {
                                    Ok(()) => (format!("Saved {}", path.display()), false),
                                    Err(e) => (e.one_line(), true),
                                };
                                let _ = tx.send(Command::Notify {
                                    message: message.0,
                                    error: message.1,
                                });
                                waker();
                            },
                        );
                    }),
                ));
            }
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
        // Models of another target don't belong on the same leaderboard.
        if self.state.settings.target != target {
            self.state.leaderboard.clear();
            self.state.search = None;
        }
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
        s.positive = None;
        if !s.model.is_some_and(|m| m.supports(task)) {
            s.model = Some(task.default_model());
        }
        self.keep_model_usable();
        self.spawn_target_profile();
    }

    /// With a target of several values (and no "yes" chosen), a model that only predicts a
    /// yes/no gives way to the task's default, which handles several classes.
    fn keep_model_usable(&mut self) {
        let s = &mut self.state.settings;
        let profile = self.state.cleaned.as_ref().map(|c| &c.profile).or(self
            .state
            .dataset
            .as_ref()
            .map(|d| &d.profile));
        let values = s
            .target
            .as_ref()
            .and_then(|t| profile?.columns.iter().find(|c| &c.name == t))
            .map_or(0, |c| c.distinct);
        let several = s.task == Some(Task::Classification) && s.positive.is_none() && values > 2;
        if several && !s.model.is_some_and(|m| m.supports_several_classes()) {
            s.model = Some(Task::Classification.default_model());
        }
    }

    fn export(&mut self, path: PathBuf) {
        let Some(outcome) = self.state.training.as_ref().and_then(TrainingRun::outcome) else {
            self.notifications
                .error("Train a model first: there are no predictions to export");
            return;
        };
        let mut frame = outcome.predictions.clone();
        let names = &self.panels.predictions.segment_names;
        if names.iter().any(|n| !n.trim().is_empty())
            && let Ok(segments) = frame
                .column(crate::ml::saved::SEGMENT)
                .and_then(|c| c.i32().cloned())
        {
            let named: Vec<String> = segments
                .iter()
                .map(|s| panels::predictions::segment_name(names, s.unwrap_or(1).max(1) as usize))
                .collect();
            if let Err(e) =
                frame.with_column(polars::prelude::Column::new("segment_name".into(), named))
            {
                self.notifications.error(e.to_string());
                return;
            }
        }
        let excluded = &self.panels.predictions.export_excluded;
        if !excluded.is_empty() {
            frame = frame.drop_many(excluded.iter().map(String::as_str));
        }
        let label = format!("Exporting {}", path.display());
        let work = move |_: &crate::train::task::TaskContext| -> Result<PathBuf> {
            export::write_table(&frame, &path, export::TableFormat::of(&path))?;
            Ok(path)
        };
        match Worker::spawn("export", label, self.waker.clone(), work) {
            Ok(t) => self.jobs.export = Some(t),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    fn make_rfm(&mut self, customer: String, date: String, amount: String) {
        let Some(ds) = &self.state.dataset else {
            return;
        };
        let frame = ds.frame.clone();
        let name = format!("{} (RFM)", ds.name);
        let path = ds.path.clone();
        let work = move |_: &crate::train::task::TaskContext| -> Result<Dataset> {
            let frame = crate::data::rfm::rfm(&frame, &customer, &date, &amount)?;
            let profile = profile(&frame)?;
            let correlations = correlations(&frame, 40)?;
            Ok(Dataset {
                name,
                path,
                sheets: Vec::new(),
                sheet: None,
                frame,
                profile,
                correlations,
                rfm_of: Some([customer, date, amount]),
            })
        };
        match Worker::spawn(
            "rfm",
            "Summarising transactions (RFM)",
            self.waker.clone(),
            work,
        ) {
            Ok(t) => self.jobs.load = Some(t),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    /// Loads a project's data, then (in [`App::apply_pending_project`]) the rest.
    fn open_project(&mut self, project: Project) {
        match &project.source {
            DataSource::Sample => self.spawn_load(crate::SAMPLE_NAME.to_owned(), None, None),
            DataSource::File { path, sheet } => {
                let name = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                self.spawn_load(name, Some(path.clone()), sheet.clone());
            }
        }
        self.pending_project = Some(project);
    }

    /// The session as a project (without the model: reopening retrains it), for autosave.
    fn session(&self) -> Option<Project> {
        let ds = self.state.dataset.as_ref()?;
        if ds.rfm_of.is_some() {
            return None;
        }
        let source = match &ds.path {
            None => DataSource::Sample,
            Some(p) => DataSource::File {
                path: std::path::absolute(p).unwrap_or_else(|_| p.clone()),
                sheet: ds.sheet.clone(),
            },
        };
        Some(Project::new(
            source,
            self.state.recipe.clone(),
            self.state.settings.clone(),
            self.panels.predictions.segment_names.clone(),
            None,
        ))
    }

    fn save_project(&mut self, path: &Path) {
        let Some(ds) = &self.state.dataset else {
            self.notifications
                .error("Open some data first: a project starts from a data file");
            return;
        };
        if ds.rfm_of.is_some() {
            self.notifications.error(
                "Projects can't hold an RFM table yet: export it as CSV (train a model, or use the CLI) and open that",
            );
            return;
        }
        let Some(mut project) = self.session() else {
            return;
        };
        project.model = self
            .state
            .training
            .as_ref()
            .and_then(TrainingRun::outcome)
            .map(|o| o.model.clone());
        match project.save(path) {
            Ok(()) => self
                .notifications
                .info(format!("Saved project {}", path.display())),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    /// Restores a project's recipe, settings and names once its data is loaded, and retrains.
    fn apply_pending_project(&mut self) {
        let Some(project) = self.pending_project.take() else {
            return;
        };
        self.state.recipe = project.recipe;
        self.state.history = RecipeHistory::default();
        self.state.settings = project.settings;
        self.panels.predictions.segment_names = project.segment_names;
        self.spawn_clean();
        self.spawn_target_profile();
        if project.model.is_some() {
            self.start_training();
            self.state.step = WorkflowStep::Predictions;
        }
    }

    fn view_scored(&mut self, view: TableView) {
        let Some(frame) = self
            .state
            .training
            .as_ref()
            .and_then(TrainingRun::outcome)
            .map(|o| o.predictions.clone())
        else {
            return;
        };
        let work = move |_: &crate::train::task::TaskContext| -> Result<DataFrame> {
            let mut out = frame;
            if let Some((column, op, value)) = view.filter {
                let mut recipe = Recipe::default();
                recipe.push(Step::FilterRows { column, op, value });
                out = recipe.fit_transform(&out)?.1;
            }
            if let Some((column, descending)) = view.sort {
                use polars::prelude::SortMultipleOptions;
                out = out.sort(
                    [column.as_str()],
                    SortMultipleOptions::default()
                        .with_order_descending(descending)
                        .with_nulls_last(true)
                        .with_maintain_order(true),
                )?;
            }
            scored_first(&out).ok_or_else(|| Error::Model("could not arrange the columns".into()))
        };
        match Worker::spawn("table", "Sorting and filtering", self.waker.clone(), work) {
            Ok(t) => self.jobs.table_view = Some(t),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    /// Writes the `contacts` highest-scored customers of the whole table, best first.
    fn export_list(&mut self, path: PathBuf, contacts: usize) {
        let Some(population) = self
            .state
            .training
            .as_ref()
            .and_then(TrainingRun::outcome)
            .and_then(|o| o.population.clone())
        else {
            self.notifications
                .error("Train a yes/no model first: there is no list to export");
            return;
        };
        let label = format!("Exporting {} customers to {}", contacts, path.display());
        let work = move |_: &crate::train::task::TaskContext| -> Result<PathBuf> {
            use polars::prelude::SortMultipleOptions;
            let sorted = population.sort(
                [crate::ml::saved::SCORE],
                SortMultipleOptions::default()
                    .with_order_descending(true)
                    .with_maintain_order(true),
            )?;
            export::write_csv(&sorted.head(Some(contacts)), &path)?;
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
                    self.state.leaderboard.clear();
                    self.state.queue.clear();
                    self.state.search = None;
                    self.state.exported = None;
                    self.state.settings = ModelSettings {
                        seed: self.state.settings.seed,
                        holdout: self.state.settings.holdout,
                        ..ModelSettings::default()
                    };
                    self.state.recipe = Recipe::default();
                    self.state.history = RecipeHistory::default();
                    self.state.preview = None;
                    self.state.target_profile = None;
                    if self.pending_project.is_some() {
                        self.apply_pending_project();
                    } else {
                        self.spawn_clean();
                    }
                }
                Err(Error::Cancelled) => self.pending_project = None,
                Err(e) => {
                    self.pending_project = None;
                    self.notifications.error(e.one_line());
                }
            }
        }
        if let Some(result) = self.jobs.clean.as_ref().and_then(Worker::poll) {
            self.jobs.clean = None;
            match result {
                Ok(c) => self.state.cleaned = Some(c),
                Err(e) => {
                    // The last change broke the recipe: take it back and say why.
                    self.notifications
                        .error(format!("That change can't be applied: {}", e.one_line()));
                    if let Some(previous) = self.state.history.undo.pop() {
                        self.state.recipe = previous;
                    } else {
                        self.state.recipe = Recipe::default();
                    }
                    self.spawn_clean();
                }
            }
        }
        if let Some(result) = self.jobs.preview.as_ref().and_then(Worker::poll) {
            self.jobs.preview = None;
            match result {
                Ok(c) => {
                    if let Some(p) = &mut self.state.preview {
                        p.result = Some(c);
                    }
                }
                Err(e) => {
                    self.state.preview = None;
                    self.notifications
                        .error(format!("That step can't be applied: {}", e.one_line()));
                }
            }
        }
        if let Some(result) = self.jobs.target.as_ref().and_then(Worker::poll) {
            self.jobs.target = None;
            match result {
                Ok(t) => self.state.target_profile = Some(t),
                Err(e) => self.notifications.error(e.one_line()),
            }
        }
        if let Some(result) = self.jobs.table_view.as_ref().and_then(Worker::poll) {
            self.jobs.table_view = None;
            match (result, &mut self.state.training) {
                (Ok(df), Some(run)) => run.display = Some(df),
                (Err(e), _) => self.notifications.error(e.one_line()),
                _ => {}
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
        self.poll_search();
    }

    fn remember_recent(&mut self, p: PathBuf) {
        let r = &mut self.settings.recent_files;
        r.retain(|x| x != &p);
        r.insert(0, p);
        r.truncate(8);
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
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::S)) {
            self.push(Command::SaveProjectDialog);
        }
        // Ctrl+Z in a text field undoes the typing, not the recipe.
        if !ctx.egui_wants_keyboard_input() {
            let shift_command = egui::Modifiers::COMMAND | egui::Modifiers::SHIFT;
            if ctx.input_mut(|i| i.consume_key(shift_command, egui::Key::Z)) {
                self.push(Command::Redo);
            } else if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Z)) {
                self.push(Command::Undo);
            }
        }
        while let Ok(c) = self.inbox.1.try_recv() {
            self.push(c);
        }
        let png_id = egui::Id::unique(panels::predictions::PNG_REQUEST);
        if let Some((name, [x0, y0, x1, y1])) =
            ctx.data_mut(|d| d.remove_temp::<(String, [f32; 4])>(png_id))
        {
            let rect = egui::Rect::from_min_max(egui::pos2(x0, y0), egui::pos2(x1, y1));
            self.push(Command::ChartPngDialog { name, rect });
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
                ui.checkbox(&mut self.frames.overlay, "Frame times")
                    .on_hover_text("Show how long each frame takes: the app's own work, and the whole frame with painting.");
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

/// A native file dialog, as data: shown on a dialog thread by [`App::file_dialog`].
pub struct FileChoice {
    title: &'static str,
    filter: String,
    extensions: Vec<&'static str>,
    /// The suggested name when saving; `None` opens a file instead.
    save_as: Option<String>,
}

impl FileChoice {
    fn show(self) -> Option<PathBuf> {
        let dialog = rfd::FileDialog::new()
            .set_title(self.title)
            .add_filter(self.filter, &self.extensions);
        match self.save_as {
            Some(name) => dialog.set_file_name(name).save_file(),
            None => dialog.add_filter("All files", &["*"]).pick_file(),
        }
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
        self.frames.begin_frame();
        let closing = ctx.input(|i| i.viewport().close_requested());
        if closing && let Err(e) = self.frames.write() {
            eprintln!("error: {}", e.one_line());
        }
        self.run_script(ctx);
        let session = self.session();
        if let Some(a) = &mut self.autosave {
            a.update(session, closing);
            // Look again soon, so a change made just before the app goes idle is saved too.
            ctx.request_repaint_after(std::time::Duration::from_millis(2_500));
        }
        self.handle_input(ctx);
        self.poll_jobs();
        // Commands from the previous frame's panels and from outside.
        for c in std::mem::take(&mut self.commands) {
            self.apply(c, ctx);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
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
            WorkflowStep::Data => {
                panels::data::data_panel_ui(ui, &self.state, &mut self.panels.data, &mut cmds)
            }
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
                    &mut self.panels.model,
                    (self.jobs.train.is_some(), self.jobs.search.is_some()),
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
                &mut self.panels.predictions,
                self.jobs.export.is_some(),
                &mut cmds,
            ),
        });
        self.notifications.ui(ui.ctx());
        if let Some(offer) = &self.state.restore_offer {
            let what = match &offer.source {
                DataSource::Sample => "the sample customers".to_owned(),
                DataSource::File { path, .. } => path.display().to_string(),
            };
            egui::Window::new("Restore the last session?")
                .collapsible(false)
                .resizable(false)
                .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
                .show(ui.ctx(), |ui| {
                    ui.label("Marketing Workbench did not close properly last time.");
                    ui.label(format!(
                        "Reopen {what} with its recipe ({} steps) and model settings?",
                        offer.recipe.steps.len()
                    ));
                    ui.horizontal(|ui| {
                        if ui.button("Restore").clicked() {
                            cmds.push(Command::RestoreSession);
                        }
                        if ui.button("Start fresh").clicked() {
                            cmds.push(Command::DiscardSession);
                        }
                    });
                });
        }
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
