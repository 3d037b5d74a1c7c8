//! The app's side of training: the run being watched, the queue of models to compare, the
//! leaderboard of finished runs, and the settings search — each started on a worker and read
//! back one frame at a time.

use std::path::PathBuf;

use polars::prelude::DataFrame;
use std::time::Instant;

use workbench_core::error::Error;
use workbench_core::ml::ModelSettings;
use workbench_core::ml::metrics::Metrics;
use workbench_core::ml::models::{ModelKind, StepReport};
use workbench_core::ml::saved::{SavedModel, scored_first};
use workbench_core::ml::segments::KPoint;
use workbench_core::train::search::{self, Candidate, SearchEvent, SearchOutcome};
use workbench_core::train::{CurveInfo, Phase, TrainEvent, TrainJob, TrainOutcome, worker};

use super::commands::TrainCommand;
use super::dialogs::FileChoice;
use super::{App, WorkflowStep};

/// Folds the settings search uses.
pub const SEARCH_FOLDS: usize = 3;

/// How a training run ended, or that it hasn't.
pub enum RunStatus {
    Running,
    Done(Box<TrainOutcome>),
    Failed(String),
    Cancelled,
}

/// A training run as the Train panel shows it.
pub struct TrainingRun {
    /// Unique within the app's life: what caches of this run's views are keyed by.
    pub id: u64,
    /// What it was trained with.
    pub settings: ModelSettings,
    pub description: String,
    pub total_steps: usize,
    /// What the curve measures (known once the worker has started).
    pub curve_info: Option<CurveInfo>,
    pub curve: Vec<StepReport>,
    /// Segments: the k sweep so far.
    pub sweep: Vec<KPoint>,
    /// Cross-validation folds finished so far, and how many there will be.
    pub folds: Vec<Metrics>,
    pub fold_count: usize,
    pub phase: Option<Phase>,
    pub phase_started: Instant,
    /// How long the model itself took to fit (known once cross-validation starts).
    pub fit_secs: Option<f64>,
    pub log: Vec<String>,
    pub started: Instant,
    pub elapsed_secs: f64,
    pub status: RunStatus,
    /// The scored rows with score, prediction, decile and segment first, for the table.
    pub display: Option<polars::prelude::DataFrame>,
}

impl TrainingRun {
    fn new(id: u64, settings: ModelSettings) -> Self {
        Self {
            id,
            fold_count: settings.folds,
            settings,
            description: "Preparing the data…".into(),
            total_steps: 0,
            curve_info: None,
            curve: Vec::new(),
            sweep: Vec::new(),
            folds: Vec::new(),
            phase: None,
            phase_started: Instant::now(),
            fit_secs: None,
            log: Vec::new(),
            started: Instant::now(),
            elapsed_secs: 0.0,
            status: RunStatus::Running,
            display: None,
        }
    }

    pub fn outcome(&self) -> Option<&TrainOutcome> {
        match &self.status {
            RunStatus::Done(o) => Some(o),
            _ => None,
        }
    }

    /// The model this run trains.
    pub fn kind(&self) -> Option<ModelKind> {
        self.curve_info
            .as_ref()
            .map(|c| c.kind)
            .or(self.settings.model)
    }

    /// Takes one event from the worker; true once it has finished.
    fn take(&mut self, event: TrainEvent, notify_error: &mut dyn FnMut(String)) -> bool {
        match event {
            TrainEvent::Started {
                total_steps,
                description,
                curve,
            } => {
                self.total_steps = total_steps;
                self.description = description;
                self.curve_info = Some(curve);
            }
            TrainEvent::Phase(p) => {
                if self.phase == Some(Phase::Fitting) {
                    self.fit_secs = Some(self.phase_started.elapsed().as_secs_f64());
                }
                self.phase = Some(p);
                self.phase_started = Instant::now();
            }
            TrainEvent::Step(r) => self.curve.push(r),
            TrainEvent::Sweep(p) => self.sweep.push(p),
            TrainEvent::Fold { folds, metrics, .. } => {
                self.fold_count = folds;
                self.folds.push(metrics);
            }
            TrainEvent::Log(line) => self.log.push(line),
            TrainEvent::Finished(result) => {
                self.elapsed_secs = self.started.elapsed().as_secs_f64();
                self.phase = None;
                self.status = match result {
                    Ok(o) => {
                        self.display = scored_first(&o.predictions).ok();
                        for note in &o.notes {
                            if !self.log.contains(note) {
                                self.log.push(note.clone());
                            }
                        }
                        RunStatus::Done(o)
                    }
                    Err(Error::Cancelled) => RunStatus::Cancelled,
                    Err(e) => {
                        notify_error(e.one_line());
                        RunStatus::Failed(e.one_line())
                    }
                };
                return true;
            }
        }
        false
    }
}

/// How a search ended, or that it hasn't.
pub enum SearchStatus {
    Running,
    Done(SearchOutcome),
    Failed(String),
    Cancelled,
}

/// A settings search as the Model panel shows it.
pub struct SearchRun {
    pub kind: ModelKind,
    pub description: String,
    pub points: usize,
    pub candidates: Vec<Candidate>,
    pub started: Instant,
    pub status: SearchStatus,
}

impl App {
    pub(super) fn apply_train(&mut self, command: TrainCommand) {
        match command {
            TrainCommand::Start => self.start_training(),
            TrainCommand::Cancel => self.jobs.train.cancel(),
            TrainCommand::Stop => self.jobs.train.stop(),
            TrainCommand::Compare(kinds) => self.compare_models(kinds),
            TrainCommand::Inspect(i) => self.inspect_run(i),
            TrainCommand::StartSearch => self.start_search(),
            TrainCommand::CancelSearch => self.jobs.search.cancel(),
            TrainCommand::StopSearch => self.jobs.search.stop(),
            TrainCommand::UseSearchBest => self.use_search_best(),
            TrainCommand::ImportDialog => self.file_dialog(
                "model",
                FileChoice::open(
                    "Open a LightGBM model",
                    "LightGBM text model",
                    vec!["txt", "model"],
                ),
                |p| TrainCommand::Import(p).into(),
            ),
            TrainCommand::Import(path) => self.import_model(path),
        }
    }

    /// Whether training is running (for tests and the step list).
    pub fn is_training(&self) -> bool {
        self.jobs.train.is_busy()
    }

    /// Whether a settings search is running.
    pub fn is_searching(&self) -> bool {
        self.jobs.search.is_busy()
    }

    /// Trains the model as set up in the Model panel.
    pub(super) fn start_training(&mut self) {
        if self.jobs.train.is_busy() {
            self.notifications
                .info("A model is already training: cancel it first");
            return;
        }
        self.state.queue.clear();
        self.spawn_training(self.state.settings.clone());
    }

    /// Trains each of `kinds` in turn, on the same split (same seed and holdout), for the
    /// leaderboard.
    fn compare_models(&mut self, kinds: Vec<ModelKind>) {
        if self.jobs.train.is_busy() {
            self.notifications
                .info("A model is already training: cancel it first");
            return;
        }
        self.state.queue = kinds
            .into_iter()
            .map(|k| ModelSettings {
                model: Some(k),
                ..self.state.settings.clone()
            })
            .collect();
        self.start_next_queued();
    }

    fn start_next_queued(&mut self) {
        if self.state.queue.is_empty() {
            return;
        }
        let next = self.state.queue.remove(0);
        self.spawn_training(next);
    }

    fn spawn_training(&mut self, settings: ModelSettings) {
        let Some(ds) = &self.state.dataset else {
            self.notifications.error("Open a data file first");
            return;
        };
        let job = worker::spawn(
            ds.frame.clone(),
            self.state.recipe.clone(),
            settings.clone(),
            crate::ui::INSIGHT_SIZES,
            self.waker.clone(),
        );
        self.watch_run(job, settings);
    }

    /// Reads a LightGBM model trained elsewhere as predicting the Model step's target, and
    /// measures it on the raw table (its features are the file's columns, not the recipe's).
    fn import_model(&mut self, path: PathBuf) {
        self.start_assess(|raw, settings, waker| {
            worker::spawn_import(
                raw,
                path,
                (settings.target.clone(), settings.positive.clone()),
                crate::ui::INSIGHT_SIZES,
                waker,
            )
        });
    }

    /// Measures a model trained elsewhere (reopened with a project) on the table, as
    /// [`Self::import_model`] does after reading its file.
    pub(super) fn assess_model(&mut self, model: SavedModel) {
        self.start_assess(|raw, _, waker| {
            worker::spawn_assess(
                raw,
                ("assess", "Measuring the model trained elsewhere"),
                move || Ok(model),
                crate::ui::INSIGHT_SIZES,
                waker,
            )
        });
    }

    /// Starts `spawn(table, the Model step's settings, waker)`, a run measuring a model trained
    /// elsewhere, as the run Train watches.
    fn start_assess(
        &mut self,
        spawn: impl FnOnce(
            DataFrame,
            &ModelSettings,
            workbench_core::jobs::Waker,
        ) -> workbench_core::error::Result<TrainJob>,
    ) {
        if self.jobs.train.is_busy() {
            self.notifications
                .info("A model is already training: cancel it first");
            return;
        }
        let Some(ds) = &self.state.dataset else {
            self.notifications.error("Open a data file first");
            return;
        };
        let settings = self.state.settings.clone();
        let job = spawn(ds.frame.clone(), &settings, self.waker.clone());
        self.state.queue.clear();
        self.watch_run(job, settings);
    }

    /// Makes a started run the one Train watches (the finished one before it goes to the
    /// leaderboard).
    fn watch_run(&mut self, job: workbench_core::error::Result<TrainJob>, settings: ModelSettings) {
        match job {
            Ok(job) => {
                self.jobs.train.set(job);
                // The finished run being watched goes to the leaderboard.
                if let Some(previous) = self.state.training.take()
                    && previous.outcome().is_some()
                {
                    self.state.leaderboard.push(previous);
                }
                let id = self.state.next_run_id;
                self.state.next_run_id += 1;
                self.state.training = Some(TrainingRun::new(id, settings));
                self.state.step = WorkflowStep::Train;
            }
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    /// Makes leaderboard entry `i` the run that Train, Predictions and Export show.
    fn inspect_run(&mut self, i: usize) {
        if self.jobs.train.is_busy() || i >= self.state.leaderboard.len() {
            return;
        }
        let chosen = self.state.leaderboard.remove(i);
        if let Some(current) = self.state.training.take()
            && current.outcome().is_some()
        {
            self.state.leaderboard.push(current);
        }
        self.state.training = Some(chosen);
    }

    /// One event of the training run being watched.
    pub(super) fn on_train_event(&mut self, event: TrainEvent) {
        let Some(run) = &mut self.state.training else {
            return;
        };
        let mut errors = Vec::new();
        let finished = run.take(event, &mut |e| errors.push(e));
        if !finished {
            run.elapsed_secs = run.started.elapsed().as_secs_f64();
            return;
        }
        let cancelled = matches!(run.status, RunStatus::Cancelled);
        for e in errors {
            self.notifications.error(e);
        }
        self.jobs.train.clear();
        if cancelled {
            self.state.queue.clear();
        } else {
            self.start_next_queued();
        }
    }

    /// Searches the chosen model's settings by cross-validation on the training rows.
    fn start_search(&mut self) {
        if self.jobs.search.is_busy() {
            return;
        }
        let Some(ds) = &self.state.dataset else {
            self.notifications.error("Open a data file first");
            return;
        };
        let settings = self.state.settings.clone();
        let kind = settings
            .model
            .or(settings.task.map(|t| t.default_model()))
            .unwrap_or(ModelKind::Logistic);
        match search::spawn(
            ds.frame.clone(),
            self.state.recipe.clone(),
            settings,
            SEARCH_FOLDS,
            self.waker.clone(),
        ) {
            Ok(job) => {
                self.jobs.search.set(job);
                self.state.search = Some(SearchRun {
                    kind,
                    description: "Preparing the folds…".into(),
                    points: 0,
                    candidates: Vec::new(),
                    started: Instant::now(),
                    status: SearchStatus::Running,
                });
            }
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    /// Copies the search's best settings into the model settings.
    fn use_search_best(&mut self) {
        let Some(SearchRun {
            status: SearchStatus::Done(out),
            ..
        }) = &self.state.search
        else {
            return;
        };
        let kind = out.kind;
        let mut s = self.state.settings.clone();
        s.model = Some(kind);
        s.params = out.best_params(&s.params);
        // The search's results stay: only its settings were taken.
        let search = self.state.search.take();
        self.change_settings(s);
        if self.state.settings.model == Some(kind) {
            self.state.search = search;
        }
        self.notifications.info(format!(
            "{}: the search's best settings are set; press Train",
            kind.label()
        ));
    }

    /// One event of the settings search.
    pub(super) fn on_search_event(&mut self, event: SearchEvent) {
        let Some(run) = &mut self.state.search else {
            return;
        };
        match event {
            SearchEvent::Started {
                points,
                description,
            } => {
                run.points = points;
                run.description = description;
            }
            SearchEvent::Point(c) => run.candidates.push(c),
            SearchEvent::Finished(result) => {
                run.status = match result {
                    Ok(out) => SearchStatus::Done(out),
                    Err(Error::Cancelled) => SearchStatus::Cancelled,
                    Err(e) => {
                        self.notifications.error(e.one_line());
                        SearchStatus::Failed(e.one_line())
                    }
                };
                self.jobs.search.clear();
            }
        }
    }
}
