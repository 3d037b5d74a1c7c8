//! The app's side of "What are customers saying?": the text column and what to read in it,
//! the run on a worker (progress by stage, Cancel), and the result with the texts it was read
//! from (for keyword in context). The work is the core's (`text::analyse`); the CLI's `text`
//! runs the same function, so the same seed gives the same themes in both.

use std::path::PathBuf;
use std::time::Instant;

use polars::prelude::{Column, DataFrame};
use workbench_core::data::profile::{Flag, Profile};
use workbench_core::error::{Error, Result};
use workbench_core::jobs::{Job, JobContext, OnDrop, catch_panic};
use workbench_core::text::{self, TextResult, TextSettings};

use super::dialogs::FileChoice;
use super::state::{Dataset, Derived};
use super::{App, WorkflowStep};

/// How a run ended, or that it hasn't.
pub enum TextStatus {
    Running,
    Done(Box<TextDone>),
    Failed(String),
    Cancelled,
}

/// A finished run: the result, the table with the added columns, and the texts.
pub struct TextDone {
    pub result: TextResult,
    /// The table after the recipe, with `sentiment`, `sentiment_label` and `theme` added.
    pub table: DataFrame,
    /// The text column as read (for keyword in context).
    pub texts: Column,
    /// `table` with each text's document vector as columns (with word vectors).
    pub with_vectors: Option<DataFrame>,
}

/// A run, as Train and Predictions show it.
pub struct TextRun {
    pub settings: TextSettings,
    /// The stage and how far it is.
    pub stage: (String, usize, usize),
    pub started: Instant,
    pub elapsed_secs: f64,
    /// The word vectors' mean loss per epoch, as it comes.
    pub losses: Vec<f64>,
    pub status: TextStatus,
}

impl TextRun {
    pub fn done(&self) -> Option<&TextDone> {
        match &self.status {
            TextStatus::Done(d) => Some(d),
            _ => None,
        }
    }
}

/// The text question's part of the app state.
#[derive(Default)]
pub struct TextState {
    /// Whether the question is asked (Model, Train and Predictions show it).
    pub active: bool,
    /// Whether the loaded table has a text column.
    pub possible: bool,
    pub settings: Option<TextSettings>,
    pub run: Option<TextRun>,
}

impl TextState {
    /// A fresh state for a newly loaded table: its first text column, with sentiment when it
    /// reads as English, six themes, and its dates for the months.
    pub fn for_table(profile: &Profile) -> Self {
        let column = profile
            .columns
            .iter()
            .find(|c| c.flags.contains(&Flag::Text));
        let settings = column.map(|c| {
            let english = c.text.as_ref().is_some_and(|t| t.language == "en");
            TextSettings {
                sentiment: english,
                themes: Some(6),
                embeddings: true,
                date: profile
                    .columns
                    .iter()
                    .find(|d| d.date_range.is_some())
                    .map(|d| d.name.clone()),
                ..TextSettings::new(&c.name)
            }
        });
        Self {
            possible: settings.is_some(),
            settings,
            ..Self::default()
        }
    }
}

/// Requests about text.
#[derive(Clone, Debug)]
pub enum TextCommand {
    /// Ask (or stop asking) what customers are saying.
    SetActive(bool),
    Change(Box<TextSettings>),
    Start,
    Cancel,
    /// Write the table with the added columns.
    ExportDialog,
    ExportTo(PathBuf),
    /// Write the term table.
    ExportTermsDialog,
    ExportTermsTo(PathBuf),
    /// Write the table with the added columns and the document vectors.
    ExportVectorsDialog,
    ExportVectorsTo(PathBuf),
    /// Make the table with the added columns and the document vectors the loaded table, to
    /// train models on.
    UseVectorsAsTable,
}

/// Which table an export writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TextExport {
    Texts,
    Terms,
    Vectors,
}

/// What the worker sends.
pub enum TextEvent {
    Progress(String, usize, usize),
    /// The word vectors' epoch and mean loss.
    Loss(usize, f64),
    Finished(Result<Box<TextDone>>),
}

impl App {
    pub(super) fn apply_text(&mut self, command: TextCommand) {
        match command {
            TextCommand::SetActive(on) => {
                self.state.text.active = on;
                if on {
                    self.state.orders.question = None;
                    self.jobs.orders.clear();
                    self.state.orders.run = None;
                    self.state.uplift.active = false;
                    self.state.forecast.active = false;
                }
            }
            TextCommand::Change(s) => {
                if self.state.text.settings.as_ref() != Some(&*s) {
                    self.state.text.settings = Some(*s);
                    self.jobs.text.clear();
                    self.state.text.run = None;
                }
            }
            TextCommand::Start => self.start_text(),
            TextCommand::Cancel => {
                self.jobs.text.clear();
                if let Some(r) = &mut self.state.text.run {
                    r.status = TextStatus::Cancelled;
                }
            }
            TextCommand::ExportDialog => self.file_dialog(
                "export",
                FileChoice::save(
                    "Export the texts with sentiment and themes",
                    "CSV",
                    vec!["csv"],
                    "texts_scored.csv".into(),
                ),
                |path| TextCommand::ExportTo(path).into(),
            ),
            TextCommand::ExportTermsDialog => self.file_dialog(
                "export",
                FileChoice::save("Export the terms", "CSV", vec!["csv"], "terms.csv".into()),
                |path| TextCommand::ExportTermsTo(path).into(),
            ),
            TextCommand::ExportVectorsDialog => self.file_dialog(
                "export",
                FileChoice::save(
                    "Export the texts with their document vectors",
                    "CSV",
                    vec!["csv"],
                    "texts_vectors.csv".into(),
                ),
                |path| TextCommand::ExportVectorsTo(path).into(),
            ),
            TextCommand::ExportTo(path) => self.export_text(path, TextExport::Texts),
            TextCommand::ExportTermsTo(path) => self.export_text(path, TextExport::Terms),
            TextCommand::ExportVectorsTo(path) => self.export_text(path, TextExport::Vectors),
            TextCommand::UseVectorsAsTable => self.use_text_vectors(),
        }
    }

    fn export_text(&mut self, path: PathBuf, what: TextExport) {
        let Some(done) = self.state.text.run.as_ref().and_then(TextRun::done) else {
            self.notifications
                .error("Read the texts first: there is nothing to export yet");
            return;
        };
        let frame = match (what, &done.with_vectors) {
            (TextExport::Terms, _) => done.result.terms_frame(),
            (TextExport::Texts, _) => Ok(done.table.clone()),
            (TextExport::Vectors, Some(t)) => Ok(t.clone()),
            (TextExport::Vectors, None) => Err(Error::InvalidInput(
                "there are no word vectors: tick 'Word vectors' in Model and read again".into(),
            )),
        };
        match frame {
            Ok(frame) => self.export_csv(frame, path),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    /// Replaces the loaded table by it with sentiment, theme and document vectors added, on
    /// the load slot (profiled like any table), so Model can train on them.
    fn use_text_vectors(&mut self) {
        let (Some(ds), Some(done)) = (
            &self.state.dataset,
            self.state.text.run.as_ref().and_then(TextRun::done),
        ) else {
            self.notifications
                .error("Read the texts first: there are no document vectors yet");
            return;
        };
        let Some(frame) = done.with_vectors.clone() else {
            self.notifications
                .error("There are no word vectors: tick 'Word vectors' in Model and read again");
            return;
        };
        let name = format!("{} + text vectors", ds.name);
        let source = ds.source.clone();
        let work = move |_: &JobContext<Result<Dataset>>| -> Result<Dataset> {
            Dataset::derived(name, source, frame, Derived::TextVectors)
        };
        match Job::compute(
            "load",
            "Adding the text vectors to the table",
            self.waker.clone(),
            work,
        ) {
            Ok(j) => self.jobs.load.set(j),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    /// Reads the loaded table's text column, after the recipe, on the text worker.
    fn start_text(&mut self) {
        let recipe = self.state.recipe.clone();
        let Some(frame): Option<DataFrame> = self.state.dataset.as_ref().map(|d| d.frame.clone())
        else {
            self.notifications
                .error("Open a table with a text column in Data first");
            return;
        };
        let Some(settings) = self.state.text.settings.clone() else {
            self.notifications
                .error("This table has no text column: there is nothing to read");
            return;
        };
        let job_settings = settings.clone();
        let job = Job::start(
            "text",
            "Read texts",
            OnDrop::CancelAndDetach,
            self.waker.clone(),
            move |ctx: &JobContext<TextEvent>| {
                let cancel = ctx.cancel_flag();
                let result = catch_panic(|| {
                    let frame = if recipe.steps.is_empty() {
                        frame
                    } else {
                        recipe.fit_transform(&frame)?.1
                    };
                    let mut progress = |stage: &str, done: usize, of: usize| {
                        ctx.set_progress(done as f64 / of.max(1) as f64);
                        ctx.send(TextEvent::Progress(stage.to_owned(), done, of));
                    };
                    let mut loss = |epoch: usize, l: f64| {
                        ctx.send(TextEvent::Loss(epoch, l));
                    };
                    let result = text::analyse_with(
                        &frame,
                        &job_settings,
                        cancel,
                        &mut progress,
                        &mut loss,
                    )?;
                    let table = result.with_columns(&frame)?;
                    let with_vectors = result
                        .words
                        .is_some()
                        .then(|| result.with_document_vectors(&table))
                        .transpose()?;
                    let texts = frame.column(&job_settings.column)?.clone();
                    Ok(Box::new(TextDone {
                        result,
                        table,
                        texts,
                        with_vectors,
                    }))
                });
                ctx.send(TextEvent::Finished(result));
            },
        );
        match job {
            Ok(j) => {
                self.jobs.text.set(j);
                self.state.text.run = Some(TextRun {
                    settings,
                    stage: ("Starting".into(), 0, 1),
                    started: Instant::now(),
                    elapsed_secs: 0.0,
                    losses: Vec::new(),
                    status: TextStatus::Running,
                });
                self.state.step = WorkflowStep::Train;
            }
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    pub(super) fn on_text_event(&mut self, event: TextEvent) {
        let Some(run) = &mut self.state.text.run else {
            return;
        };
        run.elapsed_secs = run.started.elapsed().as_secs_f64();
        match event {
            TextEvent::Progress(stage, done, of) => run.stage = (stage, done, of),
            TextEvent::Loss(epoch, l) => {
                run.losses.truncate(epoch.saturating_sub(1));
                run.losses.push(l);
            }
            TextEvent::Finished(Ok(done)) => {
                let r = &done.result;
                if r.documents < r.rows {
                    self.notifications.info(format!(
                        "{} rows without a text were left out",
                        r.rows - r.documents
                    ));
                }
                run.status = TextStatus::Done(done);
                self.state.step = WorkflowStep::Predictions;
            }
            TextEvent::Finished(Err(Error::Cancelled)) => run.status = TextStatus::Cancelled,
            TextEvent::Finished(Err(e)) => {
                let message = e.one_line();
                self.notifications.error(message.clone());
                run.status = TextStatus::Failed(message);
            }
        }
    }
}
