//! Opening data: files, worksheets, the sample, the RFM summary of transactions; and the
//! target profile that follows a target.

use std::path::{Path, PathBuf};

use workbench_core::Result;
use workbench_core::data::load::stream;
use workbench_core::data::profile::{correlations, profile, sample_and_profile, target_profile};
use workbench_core::data::recipe::Recipe;
use workbench_core::data::{load, postgres};
use workbench_core::error::Error;
use workbench_core::jobs::{Job, JobContext};
use workbench_core::ml::leaks::suspects;
use workbench_core::ml::{ModelSettings, Task, profiled_label};
use workbench_core::project::DataSource;
use workbench_core::samples;

use super::App;
use super::commands::DataCommand;
use super::dialogs::FileChoice;
use super::orders::OrdersState;
use super::state::{Dataset, Derived, RecipeHistory, TargetCheck};
use crate::ui::format;

/// Rows the "Open database…" preview shows.
const PREVIEW_ROWS: usize = 100;

/// The seed of the sample a file too large to load whole is opened as.
const LARGE_FILE_SEED: u64 = 42;

/// What the database said to the "Open database…" dialog.
pub enum DatabaseAnswer {
    Tables(Vec<String>),
    Preview(polars::prelude::DataFrame),
}

/// The name a table is shown under.
pub(super) fn source_name(source: &DataSource) -> String {
    match source {
        DataSource::Sample => samples::CUSTOMERS_NAME.to_owned(),
        DataSource::OrdersSample => samples::ORDERS_NAME.to_owned(),
        DataSource::ExperimentSample => samples::EXPERIMENT_NAME.to_owned(),
        DataSource::PostsSample => samples::REVIEWS_NAME.to_owned(),
        DataSource::File { path, sheet: None } => display_name(path),
        DataSource::File {
            path,
            sheet: Some(sheet),
        } => format!("{} [{sheet}]", display_name(path)),
        DataSource::Database { url } => {
            postgres::Location::parse(url).map_or_else(|_| url.clone(), |l| l.title())
        }
    }
}

/// The name a path is shown under.
pub(super) fn display_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

impl App {
    pub(super) fn apply_data(&mut self, command: DataCommand) {
        match command {
            DataCommand::OpenFileDialog => self.file_dialog(
                "open",
                FileChoice::open(
                    "Open customer data",
                    "Tables",
                    vec![
                        "csv", "tsv", "txt", "xlsx", "xls", "parquet", "json", "ndjson", "jsonl",
                    ],
                ),
                |p| DataCommand::OpenPath(p).into(),
            ),
            DataCommand::OpenPath(path) => match path.to_str().filter(|s| postgres::is_url(s)) {
                // `open postgresql://…`: the URL's password stays in memory, not in the source.
                Some(url) => match postgres::Location::parse(url) {
                    Ok(l) => self.open_database(l.shown.clone(), l.password().unwrap_or_default()),
                    Err(e) => self.notifications.error(e.one_line()),
                },
                None => self.spawn_load(DataSource::File { path, sheet: None }),
            },
            DataCommand::OpenDatabaseDialog => {
                // The dialog belongs to the Data step.
                self.state.step = super::WorkflowStep::Data;
                self.panels.data.database.open = true;
            }
            DataCommand::ListTables { url, password } => {
                self.spawn_database("Listing the tables", url, password, |l| {
                    postgres::tables(l).map(DatabaseAnswer::Tables)
                });
            }
            DataCommand::PreviewDatabase { url, password } => {
                self.spawn_database("Reading the first rows", url, password, |l| {
                    postgres::preview(l, PREVIEW_ROWS).map(DatabaseAnswer::Preview)
                });
            }
            DataCommand::OpenDatabase { url, password } => {
                self.panels.data.database.open = false;
                self.open_database(url, password);
            }
            DataCommand::OpenSheet { path, sheet } => {
                self.spawn_load(DataSource::File {
                    path,
                    sheet: Some(sheet),
                });
            }
            DataCommand::LoadSample => self.spawn_load(DataSource::Sample),
            DataCommand::LoadOrdersSample => self.spawn_load(DataSource::OrdersSample),
            DataCommand::LoadExperimentSample => self.spawn_load(DataSource::ExperimentSample),
            DataCommand::LoadPostsSample => self.spawn_load(DataSource::PostsSample),
            DataCommand::CancelLoad => {
                self.jobs.load.clear();
                self.notifications.info("Loading cancelled");
            }
            DataCommand::MakeRfm {
                customer,
                date,
                amount,
            } => self.make_rfm(customer, date, amount),
        }
    }

    /// Loads a table or query of a database; `password` (if any) is kept in memory for it.
    fn open_database(&mut self, url: String, password: String) {
        let base = url.split('?').next().unwrap_or_default().to_owned();
        self.db_password = (!password.is_empty()).then_some((base, password));
        self.spawn_load(DataSource::Database { url });
    }

    /// Asks the database something for the "Open database…" dialog, on the `database` worker.
    fn spawn_database(
        &mut self,
        label: &str,
        url: String,
        password: String,
        ask: impl FnOnce(&postgres::Location) -> Result<DatabaseAnswer> + Send + 'static,
    ) {
        let work = move |_: &JobContext<Result<DatabaseAnswer>>| {
            let mut location = postgres::Location::parse(&url)?;
            location.set_password(&password);
            ask(&location)
        };
        match Job::compute("database", label, self.waker.clone(), work) {
            Ok(j) => self.jobs.database.set(j),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    /// The database's answer to the dialog.
    pub(super) fn on_database(&mut self, result: Result<DatabaseAnswer>) {
        let view = &mut self.panels.data.database;
        match result {
            Ok(DatabaseAnswer::Tables(tables)) => {
                if tables.is_empty() {
                    self.notifications
                        .info("The database has no tables: write a query instead");
                }
                view.set_tables(tables);
            }
            Ok(DatabaseAnswer::Preview(frame)) => view.preview = Some(frame),
            Err(e) => {
                view.preview = None;
                self.notifications.error(e.one_line());
            }
        }
    }

    /// Loads a file or a bundled sample and profiles it, on the `load` worker.
    pub(super) fn spawn_load(&mut self, source: DataSource) {
        let name = source_name(&source);
        let label = format!("Loading {name}");
        // A password typed in "Open database…" (kept in memory only) for its database.
        let password = match &source {
            DataSource::Database { url } => self
                .db_password
                .as_ref()
                .filter(|(base, _)| url.split('?').next() == Some(base.as_str()))
                .map(|(_, p)| p.clone()),
            _ => None,
        };
        let work = move |ctx: &JobContext<Result<Dataset>>| -> Result<Dataset> {
            let mut name = name;
            let mut sample_of = None;
            // A text table too large to load whole: a uniform random sample of the rows that
            // fit, read in pieces, and said so in its name.
            let too_big = match &source {
                DataSource::File { path, sheet: None } => stream::pieces_if_too_big(path)?,
                _ => None,
            };
            // Its profile, read in the same pass: counts, missing values, min, max, mean and
            // sd exact over every row of the file.
            let mut streamed = None;
            let (frame, sheets) = match (&source, too_big) {
                (_, Some(pieces)) => {
                    let memory = load::available_memory().unwrap_or(u64::MAX);
                    let len = pieces.len().max(1) as f64;
                    let (sample, profile) = sample_and_profile(
                        &pieces,
                        pieces.rows_fitting(memory),
                        LARGE_FILE_SEED,
                        ctx.cancel_flag(),
                        &mut |piece| {
                            ctx.set_progress(piece.bytes_done as f64 / len * 0.8);
                            Ok(())
                        },
                    )?;
                    sample_of = Some(sample.total_rows);
                    streamed = Some(profile);
                    name = format!(
                        "{name} (a random sample of {} of its {} rows)",
                        format::count(sample.frame.height()),
                        format::count(sample.total_rows)
                    );
                    (sample.frame, Vec::new())
                }
                (DataSource::File { path: p, sheet }, None) => {
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
                (DataSource::Database { url }, None) => {
                    let mut location = postgres::Location::parse(url)?;
                    if let Some(p) = &password {
                        location.set_password(p);
                    }
                    let frame = postgres::read(
                        &location,
                        &mut |read, _| {
                            // The size is unknown until the end: progress creeps towards 80%.
                            ctx.set_progress(0.8 * (1.0 - (-(read as f64) / 5e7).exp()))
                        },
                        ctx.cancel_flag(),
                    )?;
                    (frame, Vec::new())
                }
                (DataSource::Sample, None) => (
                    load::read_text_bytes(
                        samples::CUSTOMERS_CSV,
                        Path::new(samples::CUSTOMERS_NAME),
                    )?,
                    Vec::new(),
                ),
                (DataSource::OrdersSample, None) => (samples::orders()?, Vec::new()),
                (DataSource::ExperimentSample, None) => (samples::experiment()?, Vec::new()),
                (DataSource::PostsSample, None) => (samples::reviews()?, Vec::new()),
            };
            if ctx.is_cancelled() {
                return Err(Error::Cancelled);
            }
            ctx.set_progress(0.85);
            let profile = match streamed {
                Some(p) => p,
                None => profile(&frame)?,
            };
            ctx.set_progress(0.95);
            let correlations = correlations(&frame, 40)?;
            // A workbook opens at its first sheet.
            let source = match source {
                DataSource::File { path, sheet } => DataSource::File {
                    path,
                    sheet: sheet.or_else(|| sheets.first().cloned()),
                },
                other => other,
            };
            Ok(Dataset {
                name,
                source,
                sheets,
                frame,
                profile,
                correlations,
                derived: None,
                sample_of,
            })
        };
        match Job::compute("load", label, self.waker.clone(), work) {
            Ok(j) => self.jobs.load.set(j),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    /// A table loaded (or failed to).
    pub(super) fn on_loaded(&mut self, result: Result<Dataset>) {
        match result {
            Ok(ds) => {
                let orders = OrdersState::for_table(&ds.profile);
                let uplift = super::uplift::UpliftState::for_table(&ds.profile);
                let forecast = super::forecast::ForecastState::for_table(&ds.profile);
                let text = super::text::TextState::for_table(&ds.profile);
                if uplift.recognised {
                    self.notifications.info(format!(
                        "Opened {}: {} customers, {} columns. It looks like a campaign test ('{}' says who got the offer): Model asks whom the offer changes",
                        ds.name,
                        format::count(ds.frame.height()),
                        format::count(ds.frame.width()),
                        uplift.settings.treatment
                    ));
                } else if orders.recognised {
                    self.notifications.info(format!(
                        "Opened {}: {} rows, {} columns. It looks like a table of purchases: Data shows the columns found, and Model asks lifetime value, what sells together or what to recommend",
                        ds.name,
                        format::count(ds.frame.height()),
                        format::count(ds.frame.width())
                    ));
                } else if let Some(t) = text.settings.as_ref() {
                    self.notifications.info(format!(
                        "Opened {}: {} rows, {} columns. '{}' holds what people wrote: Model asks what customers are saying",
                        ds.name,
                        format::count(ds.frame.height()),
                        format::count(ds.frame.width()),
                        t.column
                    ));
                } else {
                    self.notifications.info(format!(
                        "Opened {}: {} customers, {} columns",
                        ds.name,
                        format::count(ds.frame.height()),
                        format::count(ds.frame.width())
                    ));
                }
                if let Some(p) = ds.path() {
                    self.remember_recent(p.clone());
                }
                // A run on the table before has nothing to report to any more.
                self.jobs.orders.clear();
                self.jobs.uplift.clear();
                self.jobs.uplift_check.clear();
                self.jobs.forecast.clear();
                self.jobs.text.clear();
                let state = &mut self.state;
                state.orders = orders;
                state.uplift = uplift;
                state.forecast = forecast;
                state.text = text;
                state.dataset = Some(ds);
                state.cleaned = None;
                state.training = None;
                state.leaderboard.clear();
                state.queue.clear();
                state.search = None;
                state.exported = None;
                state.settings = ModelSettings {
                    seed: state.settings.seed,
                    holdout: state.settings.holdout,
                    ..ModelSettings::default()
                };
                state.recipe = Recipe::default();
                state.history = RecipeHistory::default();
                state.preview = None;
                state.target_profile = None;
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

    fn remember_recent(&mut self, p: PathBuf) {
        let r = &mut self.settings.recent_files;
        r.retain(|x| x != &p);
        r.insert(0, p);
        r.truncate(8);
    }

    /// Replaces the table by the RFM summary of its transactions, on the load slot.
    fn make_rfm(&mut self, customer: String, date: String, amount: String) {
        let Some(ds) = &self.state.dataset else {
            return;
        };
        let frame = ds.frame.clone();
        let name = format!("{} (RFM)", ds.name);
        let source = ds.source.clone();
        let work = move |_: &JobContext<Result<Dataset>>| -> Result<Dataset> {
            let frame = workbench_core::data::rfm::rfm(&frame, &customer, &date, &amount)?;
            Dataset::derived(name, source, frame, Derived::Rfm([customer, date, amount]))
        };
        match Job::compute(
            "rfm",
            "Summarising transactions (RFM)",
            self.waker.clone(),
            work,
        ) {
            Ok(j) => self.jobs.load.set(j),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    /// Works out how the target varies with each column, on a worker.
    pub(super) fn spawn_target_profile(&mut self) {
        self.state.target_profile = None;
        self.state.leaks.clear();
        let (Some(target), Some(task)) =
            (self.state.settings.target.clone(), self.state.settings.task)
        else {
            return;
        };
        if task == Task::Segments {
            return;
        }
        let Some(frame) = self.state.current_frame().cloned() else {
            return;
        };
        let positive = self.state.settings.positive.clone();
        let ignored = self.state.settings.ignore.clone();
        let work = move |_: &JobContext<Result<TargetCheck>>| -> Result<TargetCheck> {
            let label = profiled_label(&frame, &target, task, positive.as_deref())?;
            let profile = target_profile(&frame, &target, label.as_deref())?;
            let leaks = suspects(&frame, &target, label.as_deref(), &ignored)?;
            Ok(TargetCheck { profile, leaks })
        };
        match Job::compute(
            "profile:target",
            "Comparing columns with the target",
            self.waker.clone(),
            work,
        ) {
            Ok(j) => self.jobs.target.set(j),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    pub(super) fn on_target_profile(&mut self, result: Result<TargetCheck>) {
        match result {
            Ok(t) => {
                self.state.target_profile = Some(t.profile);
                self.state.leaks = t.leaks;
            }
            Err(e) => self.notifications.error(e.one_line()),
        }
    }
}
