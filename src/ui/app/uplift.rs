//! The app's side of a campaign test — whom does the offer change: the settings, the check of
//! the experiment itself, the run on a worker with its live curve and Cancel, and the result
//! with every loaded customer scored for targeting by uplift. The work is the core's
//! (`uplift`); the CLI's `train --task uplift` runs the same function with the same settings.

use std::path::PathBuf;
use std::time::Instant;

use polars::prelude::*;
use workbench_core::data::profile::Profile;
use workbench_core::data::recipe::Recipe;
use workbench_core::error::{Error, Result};
use workbench_core::jobs::{Job, JobContext, OnDrop, catch_panic};
use workbench_core::uplift::model::{P_TREATED, UPLIFT};
use workbench_core::uplift::targeting::Targeting;
use workbench_core::uplift::{self, Description};

use super::dialogs::FileChoice;
use super::{App, WorkflowStep};

/// What a finished run produced.
pub struct UpliftResult {
    pub outcome: uplift::Outcome,
    /// Every customer of the table the model saw, scored (inputs, then uplift, p_treated,
    /// p_control, decile), highest uplift first.
    pub scored: DataFrame,
    pub targeting: Targeting,
}

/// How a run ended, or that it hasn't.
pub enum UpliftStatus {
    Running,
    Done(Box<UpliftResult>),
    Failed(String),
    Cancelled,
}

/// A run, as Train and Predictions show it.
pub struct UpliftRun {
    /// Unique within the app's life: what caches of this run's views are keyed by.
    pub id: u64,
    pub settings: uplift::Settings,
    pub curve: Vec<uplift::Step>,
    pub started: Instant,
    pub elapsed_secs: f64,
    pub status: UpliftStatus,
}

impl UpliftRun {
    pub fn result(&self) -> Option<&UpliftResult> {
        match &self.status {
            UpliftStatus::Done(r) => Some(r),
            _ => None,
        }
    }
}

/// The check of the experiment before modelling.
pub enum CheckStatus {
    Running,
    Done(Box<Description>),
    Failed(String),
}

/// The campaign-test question's part of the app state.
#[derive(Default)]
pub struct UpliftState {
    /// Whether the question is asked (Model, Train and Predictions show it).
    pub active: bool,
    /// Whether the loaded table looks like a campaign test (its columns were guessed).
    pub recognised: bool,
    pub settings: uplift::Settings,
    /// The check of the experiment for the current settings.
    pub check: Option<CheckStatus>,
    pub run: Option<UpliftRun>,
}

impl UpliftState {
    /// A fresh state for a newly loaded table: the treatment and outcome guessed by name.
    pub fn for_table(profile: &Profile) -> Self {
        let mut settings = uplift::Settings::default();
        let guess = uplift::guess(profile);
        if let Some((treatment, outcome)) = &guess {
            settings.treatment = treatment.clone();
            settings.model.target = Some(outcome.clone());
        }
        Self {
            recognised: guess.is_some(),
            settings,
            ..Self::default()
        }
    }
}

/// Requests about the campaign-test question.
#[derive(Clone, Debug)]
pub enum UpliftCommand {
    /// Ask (or stop asking) whom the offer changes.
    SetActive(bool),
    Change(Box<uplift::Settings>),
    /// Describe the experiment (groups, effect, balance) for the current settings.
    Check,
    Start,
    Cancel,
    /// Export the top `contacted` customers by uplift.
    ExportDialog {
        contacted: usize,
    },
    ExportTo {
        path: PathBuf,
        contacted: usize,
    },
}

/// What the worker sends.
pub enum UpliftEvent {
    Step(uplift::Step),
    Finished(Result<Box<UpliftResult>>),
}

/// The work of a run, on the worker: train, measure, score every customer.
fn run(
    settings: &uplift::Settings,
    frame: &DataFrame,
    recipe: &Recipe,
    ctx: &JobContext<UpliftEvent>,
) -> Result<UpliftResult> {
    let parts = if settings.method.uses_zoo() && settings.method == uplift::Method::TwoModel {
        2.0
    } else {
        1.0
    };
    let mut done_parts = 0.0;
    let mut last_part = None;
    let outcome = uplift::run(
        frame,
        recipe,
        settings,
        &mut |s| {
            if last_part.is_some_and(|p| p != s.part) {
                done_parts += 1.0;
            }
            last_part = Some(s.part);
            let within = s.report.step as f64 / s.report.total_steps.max(1) as f64;
            ctx.set_progress(0.9 * (done_parts + within) / parts);
            // A failed send means the run was dropped (cancelled): the control says so next.
            ctx.send(UpliftEvent::Step(s));
        },
        ctx.control(),
    )?;
    ctx.set_progress(0.92);
    let scored = outcome.model.score(frame)?.frame;
    let scored = scored
        .drop(workbench_core::data::ROW_ID)
        .unwrap_or(scored)
        .sort(
            [UPLIFT],
            SortMultipleOptions::default().with_order_descending(true),
        )?;
    let values = |name: &str| -> Result<Vec<f64>> {
        Ok(scored
            .column(name)?
            .f64()?
            .iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect())
    };
    let u = values(UPLIFT)?;
    let pt = values(P_TREATED)?;
    let has_pt = pt.iter().all(|v| v.is_finite());
    let targeting = Targeting::new(&u, has_pt.then_some(pt.as_slice()));
    Ok(UpliftResult {
        outcome,
        scored,
        targeting,
    })
}

impl App {
    pub(super) fn apply_uplift(&mut self, command: UpliftCommand) {
        match command {
            UpliftCommand::SetActive(on) => {
                if self.state.uplift.active != on {
                    self.state.uplift.active = on;
                    if on {
                        self.state.forecast.active = false;
                        self.state.text.active = false;
                        self.state.orders.question = None;
                        self.jobs.orders.clear();
                        self.state.orders.run = None;
                        if self.state.uplift.check.is_none() {
                            self.check_experiment();
                        }
                    }
                }
            }
            UpliftCommand::Change(s) => {
                if *s != self.state.uplift.settings {
                    let experiment_changed = {
                        let old = &self.state.uplift.settings;
                        old.treatment != s.treatment
                            || old.treated != s.treated
                            || old.model.target != s.model.target
                            || old.model.positive != s.model.positive
                            || old.model.ignore != s.model.ignore
                    };
                    self.state.uplift.settings = *s;
                    self.jobs.uplift.clear();
                    self.state.uplift.run = None;
                    if experiment_changed {
                        self.jobs.uplift_check.clear();
                        self.state.uplift.check = None;
                    }
                }
            }
            UpliftCommand::Check => self.check_experiment(),
            UpliftCommand::Start => self.start_uplift(),
            UpliftCommand::Cancel => {
                self.jobs.uplift.clear();
                if let Some(r) = &mut self.state.uplift.run {
                    r.status = UpliftStatus::Cancelled;
                }
            }
            UpliftCommand::ExportDialog { contacted } => self.file_dialog(
                "export",
                FileChoice::save("Export", "CSV", vec!["csv"], "uplift_targets.csv".into()),
                move |path| UpliftCommand::ExportTo { path, contacted }.into(),
            ),
            UpliftCommand::ExportTo { path, contacted } => self.export_uplift(path, contacted),
        }
    }

    /// Describes the experiment on the check worker (when a treatment and an outcome are
    /// picked).
    pub(super) fn check_experiment(&mut self) {
        let s = self.state.uplift.settings.clone();
        if s.treatment.is_empty() || s.model.target.is_none() {
            return;
        }
        let Some(frame) = self.state.dataset.as_ref().map(|d| d.frame.clone()) else {
            return;
        };
        let recipe = self.state.recipe.clone();
        let work = move |_: &JobContext<Result<Description>>| -> Result<Description> {
            catch_panic(|| uplift::describe(&frame, &recipe, &s))
        };
        match Job::compute(
            "uplift:check",
            "Checking the experiment",
            self.waker.clone(),
            work,
        ) {
            Ok(j) => {
                self.jobs.uplift_check.set(j);
                self.state.uplift.check = Some(CheckStatus::Running);
            }
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    pub(super) fn on_uplift_checked(&mut self, result: Result<Description>) {
        self.state.uplift.check = Some(match result {
            Ok(d) => CheckStatus::Done(Box::new(d)),
            Err(e) => CheckStatus::Failed(e.one_line()),
        });
    }

    /// Runs the method on the loaded table with the recipe (fitted on the training rows only,
    /// and saved in the model, as for a predictive model).
    fn start_uplift(&mut self) {
        let recipe = self.state.recipe.clone();
        let Some(frame) = self.state.dataset.as_ref().map(|d| d.frame.clone()) else {
            self.notifications
                .error("Open a campaign test in Data first");
            return;
        };
        let settings = self.state.uplift.settings.clone();
        let id = self.state.next_run_id;
        self.state.next_run_id += 1;
        let job_settings = settings.clone();
        let job = Job::start(
            format!("uplift:{}", settings.method.cli_name()),
            "Uplift",
            // Preparing the rows and scoring every customer don't look at Cancel: the UI must
            // not wait for them.
            OnDrop::CancelAndDetach,
            self.waker.clone(),
            move |ctx: &JobContext<UpliftEvent>| {
                let result = catch_panic(|| run(&job_settings, &frame, &recipe, ctx)).map(Box::new);
                // A failed send means the run was dropped (cancelled): nobody is left to tell.
                ctx.send(UpliftEvent::Finished(result));
            },
        );
        match job {
            Ok(j) => {
                self.jobs.uplift.set(j);
                self.state.uplift.run = Some(UpliftRun {
                    id,
                    settings,
                    curve: Vec::new(),
                    started: Instant::now(),
                    elapsed_secs: 0.0,
                    status: UpliftStatus::Running,
                });
                self.state.step = WorkflowStep::Train;
            }
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    pub(super) fn on_uplift_event(&mut self, event: UpliftEvent) {
        let Some(run) = &mut self.state.uplift.run else {
            return;
        };
        run.elapsed_secs = run.started.elapsed().as_secs_f64();
        match event {
            UpliftEvent::Step(s) => run.curve.push(s),
            UpliftEvent::Finished(Ok(result)) => {
                for note in &result.outcome.notes {
                    self.notifications.info(note.clone());
                }
                run.status = UpliftStatus::Done(result);
                self.state.step = WorkflowStep::Predictions;
            }
            UpliftEvent::Finished(Err(Error::Cancelled)) => run.status = UpliftStatus::Cancelled,
            UpliftEvent::Finished(Err(e)) => {
                let message = e.one_line();
                self.notifications.error(message.clone());
                run.status = UpliftStatus::Failed(message);
            }
        }
    }

    /// Writes the top `contacted` customers by uplift on the export worker.
    fn export_uplift(&mut self, path: PathBuf, contacted: usize) {
        let Some(result) = self.state.uplift.run.as_ref().and_then(UpliftRun::result) else {
            self.notifications
                .error("Run the uplift model first: there is nothing to export yet");
            return;
        };
        let frame = result.scored.head(Some(contacted));
        self.export_csv(frame, path);
    }
}
