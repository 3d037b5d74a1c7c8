//! The app's side of forecasting — what comes next: the series' columns and settings, the run
//! on a worker (progress per series, the recurrent network's live loss, Cancel), and the
//! result. The work is the core's (`forecast::run`); the CLI's `forecast` runs the same
//! function with the same settings, so the same seed gives the same numbers in both.

use std::path::PathBuf;
use std::time::Instant;

use polars::prelude::DataFrame;
use workbench_core::data::profile::Profile;
use workbench_core::error::{Error, Result};
use workbench_core::forecast::{self, Event, ForecastResult, Settings, Watch};
use workbench_core::jobs::{Job, JobContext, OnDrop, catch_panic};

use super::dialogs::FileChoice;
use super::{App, WorkflowStep};

/// How a run ended, or that it hasn't.
pub enum ForecastStatus {
    Running,
    Done(Box<ForecastResult>),
    Failed(String),
    Cancelled,
}

/// A run, as Train and Predictions show it.
pub struct ForecastRun {
    /// Unique within the app's life.
    pub id: u64,
    pub settings: Settings,
    /// Series done and how many there are.
    pub series: (usize, usize),
    /// The recurrent network's losses per epoch, per fit ("North, whole series"; the latest
    /// is shown live).
    pub losses: Vec<(String, Vec<(f64, f64)>)>,
    pub started: Instant,
    pub elapsed_secs: f64,
    pub status: ForecastStatus,
}

impl ForecastRun {
    pub fn result(&self) -> Option<&ForecastResult> {
        match &self.status {
            ForecastStatus::Done(r) => Some(r),
            _ => None,
        }
    }
}

/// The forecasting question's part of the app state.
#[derive(Default)]
pub struct ForecastState {
    /// Whether the question is asked (Model, Train and Predictions show it).
    pub active: bool,
    /// Whether the loaded table has a date column (the question can be asked).
    pub possible: bool,
    pub settings: Option<Settings>,
    pub run: Option<ForecastRun>,
}

impl ForecastState {
    /// A fresh state for a newly loaded table: the series guessed from its columns.
    pub fn for_table(profile: &Profile) -> Self {
        let settings = forecast::guess(profile).map(Settings::new);
        Self {
            possible: settings.is_some(),
            settings,
            ..Self::default()
        }
    }
}

/// Requests about forecasting.
#[derive(Clone, Debug)]
pub enum ForecastCommand {
    /// Ask (or stop asking) what comes next.
    SetActive(bool),
    Change(Box<Settings>),
    Start,
    Cancel,
    ExportDialog,
    ExportTo(PathBuf),
}

/// What the worker sends.
pub enum ForecastEvent {
    Progress(Event),
    Finished(Result<Box<ForecastResult>>),
}

impl App {
    pub(super) fn apply_forecast(&mut self, command: ForecastCommand) {
        match command {
            ForecastCommand::SetActive(on) => {
                self.state.forecast.active = on;
                if on {
                    self.state.orders.question = None;
                    self.jobs.orders.clear();
                    self.state.orders.run = None;
                    self.state.uplift.active = false;
                    self.state.text.active = false;
                }
            }
            ForecastCommand::Change(s) => {
                if self.state.forecast.settings.as_ref() != Some(&*s) {
                    self.state.forecast.settings = Some(*s);
                    self.jobs.forecast.clear();
                    self.state.forecast.run = None;
                }
            }
            ForecastCommand::Start => self.start_forecast(),
            ForecastCommand::Cancel => {
                self.jobs.forecast.clear();
                if let Some(r) = &mut self.state.forecast.run {
                    r.status = ForecastStatus::Cancelled;
                }
            }
            ForecastCommand::ExportDialog => self.file_dialog(
                "export",
                FileChoice::save(
                    "Export forecasts",
                    "CSV",
                    vec!["csv"],
                    "forecasts.csv".into(),
                ),
                |path| ForecastCommand::ExportTo(path).into(),
            ),
            ForecastCommand::ExportTo(path) => {
                let Some(result) = self
                    .state
                    .forecast
                    .run
                    .as_ref()
                    .and_then(ForecastRun::result)
                else {
                    self.notifications
                        .error("Run the forecast first: there is nothing to export yet");
                    return;
                };
                match result.table() {
                    Ok(frame) => self.export_csv(frame, path),
                    Err(e) => self.notifications.error(e.one_line()),
                }
            }
        }
    }

    /// Forecasts the loaded table after the recipe (what the user sees in Clean) on the
    /// forecast worker.
    fn start_forecast(&mut self) {
        let recipe = self.state.recipe.clone();
        let Some(frame): Option<DataFrame> = self.state.dataset.as_ref().map(|d| d.frame.clone())
        else {
            self.notifications
                .error("Open a table with dates in Data first");
            return;
        };
        let Some(settings) = self.state.forecast.settings.clone() else {
            self.notifications
                .error("This table has no date column: there is no series to forecast");
            return;
        };
        let id = self.state.next_run_id;
        self.state.next_run_id += 1;
        let job_settings = settings.clone();
        let job = Job::start(
            "forecast",
            "Forecast",
            OnDrop::CancelAndDetach,
            self.waker.clone(),
            move |ctx: &JobContext<ForecastEvent>| {
                let event = |e: Event| {
                    if let Event::Series { done, total } = e {
                        ctx.set_progress(done as f64 / total.max(1) as f64);
                    }
                    // A failed send means the run was dropped (cancelled): the control says so.
                    ctx.send(ForecastEvent::Progress(e));
                };
                let control = || ctx.control().control();
                let watch = Watch {
                    event: &event,
                    control: &control,
                };
                let result = catch_panic(|| {
                    let frame = if recipe.steps.is_empty() {
                        frame
                    } else {
                        recipe.fit_transform(&frame)?.1
                    };
                    forecast::run(&frame, &job_settings, &watch)
                })
                .map(Box::new);
                ctx.send(ForecastEvent::Finished(result));
            },
        );
        match job {
            Ok(j) => {
                self.jobs.forecast.set(j);
                self.state.forecast.run = Some(ForecastRun {
                    id,
                    settings,
                    series: (0, 0),
                    losses: Vec::new(),
                    started: Instant::now(),
                    elapsed_secs: 0.0,
                    status: ForecastStatus::Running,
                });
                self.state.step = WorkflowStep::Train;
            }
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    pub(super) fn on_forecast_event(&mut self, event: ForecastEvent) {
        let Some(run) = &mut self.state.forecast.run else {
            return;
        };
        run.elapsed_secs = run.started.elapsed().as_secs_f64();
        match event {
            ForecastEvent::Progress(Event::Series { done, total }) => run.series = (done, total),
            ForecastEvent::Progress(Event::Epoch {
                series,
                stage,
                train,
                valid,
                ..
            }) => {
                let key = format!("{series}, {stage}");
                match run.losses.iter_mut().find(|(s, _)| *s == key) {
                    Some((_, curve)) => curve.push((train, valid)),
                    None => run.losses.push((key, vec![(train, valid)])),
                }
            }
            ForecastEvent::Finished(Ok(result)) => {
                if result.rows_skipped > 0 {
                    self.notifications.info(format!(
                        "{} rows without a date or a value were left out",
                        result.rows_skipped
                    ));
                }
                if let Some(day) = result.partial_period_dropped {
                    self.notifications.info(format!(
                        "The last {} (from {}) was left out: its dates stop before it ends, so \
                         its {} would read as a drop",
                        result.freq.name(),
                        workbench_core::data::dates::iso_date(day),
                        result.agg.name()
                    ));
                }
                for (g, why) in &result.failed_groups {
                    self.notifications
                        .info(format!("'{g}' was not forecast: {why}"));
                }
                run.status = ForecastStatus::Done(result);
                self.state.step = WorkflowStep::Predictions;
            }
            ForecastEvent::Finished(Err(Error::Cancelled)) => {
                run.status = ForecastStatus::Cancelled
            }
            ForecastEvent::Finished(Err(e)) => {
                let message = e.one_line();
                self.notifications.error(message.clone());
                run.status = ForecastStatus::Failed(message);
            }
        }
    }
}
