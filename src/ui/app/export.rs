//! Writing results out: the scored customers (CSV or Excel), the targeting calculator's contact
//! list, charts as PNG; and the scored-customer table's sort and filter. Each on a worker.

use std::path::PathBuf;

use polars::prelude::{DataFrame, SortMultipleOptions};
use workbench_core::Result;
use workbench_core::data::view::TableView;
use workbench_core::data::{export, postgres};
use workbench_core::jobs::{Job, JobContext};
use workbench_core::ml::saved::{SCORE, scored_first};
use workbench_core::ml::segments::with_segment_names;
use workbench_core::project::DataSource;
use workbench_core::train::Insights;

use super::App;
use super::commands::{Command, ExportCommand, ModelFile};
use super::dialogs::FileChoice;
use super::state::Dataset;
use super::training::TrainingRun;

impl App {
    pub(super) fn apply_export(&mut self, command: ExportCommand, ctx: &egui::Context) {
        match command {
            ExportCommand::Dialog => {
                let ext = self.panels.predictions.export_format.extension();
                self.file_dialog(
                    "save",
                    FileChoice::save(
                        "Export scored customers",
                        &ext.to_uppercase(),
                        vec![ext],
                        format!("scored_customers.{ext}"),
                    ),
                    |p| ExportCommand::To(p).into(),
                );
            }
            ExportCommand::To(path) => self.export(path),
            ExportCommand::ListDialog { contacts } => self.file_dialog(
                "list",
                FileChoice::save(
                    "Export the customers to contact",
                    "CSV",
                    vec!["csv"],
                    "customers_to_contact.csv".into(),
                ),
                move |path| ExportCommand::ListTo { path, contacts }.into(),
            ),
            ExportCommand::ListTo { path, contacts } => self.export_list(path, contacts),
            ExportCommand::ViewScored(view) => self.view_scored(view),
            ExportCommand::ChartPngDialog { name, rect } => self.file_dialog(
                "png",
                FileChoice::save(
                    "Save the chart",
                    "PNG image",
                    vec!["png"],
                    format!("{name}.png"),
                ),
                move |path| ExportCommand::SaveChartPng { path, rect }.into(),
            ),
            ExportCommand::SaveChartPng { path, rect } => self.save_chart_png(path, rect, ctx),
            ExportCommand::SqlDialog => {
                let sql = &self.panels.predictions.sql;
                let name = format!(
                    "score_{}_{}.sql",
                    sql.table.replace(['.', '/', '\\'], "_"),
                    sql.dialect.cli_name()
                );
                self.file_dialog(
                    "sql",
                    FileChoice::save("Save the model as SQL", "SQL", vec!["sql"], name),
                    |p| ExportCommand::SqlTo(p).into(),
                );
            }
            ExportCommand::SqlTo(path) => self.export_sql(path),
            ExportCommand::ModelFileDialog(format) => {
                let [title, kind, ext, name] = format.file_choice();
                self.file_dialog(
                    "model-file",
                    FileChoice::save(title, kind, vec![ext], name.into()),
                    move |path| ExportCommand::ModelFileTo { path, format }.into(),
                );
            }
            ExportCommand::ModelFileTo { path, format } => self.export_model_file(path, format),
            ExportCommand::ToDatabase { url, password } => self.export_to_database(url, password),
            ExportCommand::WholeFileDialog => self.file_dialog(
                "export",
                FileChoice::save(
                    "Score every customer of the file",
                    "CSV",
                    vec!["csv"],
                    "scored_customers.csv".into(),
                ),
                |p| ExportCommand::WholeFileTo(p).into(),
            ),
            ExportCommand::WholeFileTo(path) => self.export_whole_file(path),
        }
    }

    /// Scores every row of the file the table is a sample of (read in pieces, constant
    /// memory, the same file `score` writes) into the CSV file `path`, on the export worker.
    fn export_whole_file(&mut self, path: PathBuf) {
        let model = self
            .state
            .training
            .as_ref()
            .and_then(TrainingRun::outcome)
            .map(|o| o.model.clone());
        let source = match &self.state.dataset {
            Some(Dataset {
                source: DataSource::File { path, .. },
                sample_of: Some(_),
                ..
            }) => Some(path.clone()),
            _ => None,
        };
        let (Some(model), Some(source)) = (model, source) else {
            self.notifications
                .error("Train a model on a sample of a large file first");
            return;
        };
        let label = format!("Scoring every customer of {}", source.display());
        self.spawn_export(label, move |ctx| {
            let pieces = workbench_core::data::load::stream::TextPieces::open(&source)?
                .ok_or_else(|| {
                    workbench_core::error::Error::bad_file(&source, "can't be read in pieces")
                })?;
            model.score_pieces(
                &pieces,
                &path,
                workbench_core::data::load::stream::PIECE_BYTES,
                &mut |done, of| ctx.set_progress(done as f64 / of.max(1) as f64 * 0.9),
                ctx.cancel_flag(),
            )?;
            Ok(path)
        });
    }

    /// Writes `frame` as CSV to `path` on the export worker (a result table of a question).
    pub(super) fn export_csv(&mut self, frame: polars::prelude::DataFrame, path: PathBuf) {
        let label = format!("Exporting {}", path.display());
        self.spawn_export(label, move |_| {
            export::write_csv(&frame, &path)?;
            Ok(path)
        });
    }

    fn spawn_export(
        &mut self,
        label: String,
        work: impl FnOnce(&JobContext<Result<PathBuf>>) -> Result<PathBuf> + Send + 'static,
    ) {
        match Job::compute("export", label, self.waker.clone(), work) {
            Ok(j) => self.jobs.export.set(j),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    /// Writes the trained model as SQL (the SQL window's dialect, table and id) on the export
    /// worker.
    fn export_sql(&mut self, path: PathBuf) {
        let Some(outcome) = self.state.training.as_ref().and_then(TrainingRun::outcome) else {
            self.notifications
                .error("Train a model first: there is no model to write as SQL");
            return;
        };
        let model = outcome.model.clone();
        let sql = &self.panels.predictions.sql;
        let (dialect, table, id) = (sql.dialect, sql.table.clone(), sql.id.clone());
        let label = format!("Writing {}", path.display());
        self.spawn_export(label, move |_| {
            let made = workbench_core::export_sql::export(&model, dialect, &table, id.as_deref())?;
            export::write_atomic(&path, |w| {
                use std::io::Write as _;
                w.write_all(made.sql.as_bytes())
                    .map_err(|e| workbench_core::error::Error::io(&path, e))
            })?;
            Ok(path)
        });
    }

    /// Scores every customer of the table and writes them to a PostgreSQL table, on the export
    /// worker (the table is replaced in one transaction).
    fn export_to_database(&mut self, url: String, password: String) {
        let (Some(outcome), Some(frame)) = (
            self.state.training.as_ref().and_then(TrainingRun::outcome),
            self.state.current_frame(),
        ) else {
            self.notifications
                .error("Train a model first: there are no scores to write");
            return;
        };
        let (model, frame) = (outcome.model.clone(), frame.clone());
        let excluded = self.panels.predictions.export_excluded.clone();
        let names = self.panels.predictions.segment_names.clone();
        // The password typed for this table, else the one the data was opened with.
        let password = if password.is_empty() {
            self.db_password
                .as_ref()
                .filter(|(base, _)| url.split('?').next() == Some(base.as_str()))
                .map(|(_, p)| p.clone())
                .unwrap_or_default()
        } else {
            password
        };
        let label = format!("Writing scores to {url}");
        self.spawn_export(label, move |_| {
            let mut location = postgres::Location::parse(&url)?;
            location.set_password(&password);
            let mut scored = with_segment_names(model.score(&frame)?.frame, &names)?;
            let drop: Vec<&str> = excluded
                .iter()
                .map(String::as_str)
                .filter(|c| scored.get_column_index(c).is_some())
                .collect();
            if !drop.is_empty() {
                scored = scored.drop_many(drop);
            }
            postgres::write(&location, &scored)?;
            Ok(PathBuf::from(location.shown))
        });
    }

    /// Writes the model as a LightGBM or ONNX file on the export worker.
    fn export_model_file(&mut self, path: PathBuf, format: ModelFile) {
        let Some(outcome) = self.state.training.as_ref().and_then(TrainingRun::outcome) else {
            self.notifications
                .error("Train a model first: there is no model to write");
            return;
        };
        let model = outcome.model.clone();
        let label = format!("Writing {}", path.display());
        self.spawn_export(label, move |_| {
            let bytes = match format {
                ModelFile::LightGbm => workbench_core::lightgbm::export(&model)?.text.into_bytes(),
                ModelFile::Onnx => workbench_core::onnx::export(&model)?.bytes,
            };
            export::write_atomic(&path, |w| {
                use std::io::Write as _;
                w.write_all(&bytes)
                    .map_err(|e| workbench_core::error::Error::io(&path, e))
            })?;
            Ok(path)
        });
    }

    fn export(&mut self, path: PathBuf) {
        let Some(outcome) = self.state.training.as_ref().and_then(TrainingRun::outcome) else {
            self.notifications
                .error("Train a model first: there are no predictions to export");
            return;
        };
        let frame = outcome.predictions.clone();
        let names = self.panels.predictions.segment_names.clone();
        let excluded = self.panels.predictions.export_excluded.clone();
        let label = format!("Exporting {}", path.display());
        self.spawn_export(label, move |_| {
            let mut frame = with_segment_names(frame, &names)?;
            if !excluded.is_empty() {
                frame = frame.drop_many(excluded.iter().map(String::as_str));
            }
            export::write_table(&frame, &path, export::TableFormat::of(&path))?;
            Ok(path)
        });
    }

    /// Writes the `contacts` highest-scored customers of the whole table, best first.
    fn export_list(&mut self, path: PathBuf, contacts: usize) {
        let Some(population) = self
            .state
            .training
            .as_ref()
            .and_then(TrainingRun::outcome)
            .and_then(|o| match &o.insights {
                Some(Insights::YesNo(yn)) => Some(yn.population.clone()),
                _ => None,
            })
        else {
            self.notifications
                .error("Train a yes/no model first: there is no list to export");
            return;
        };
        let label = format!("Exporting {} customers to {}", contacts, path.display());
        self.spawn_export(label, move |_| {
            let sorted = population.sort(
                [SCORE],
                SortMultipleOptions::default()
                    .with_order_descending(true)
                    .with_maintain_order(true),
            )?;
            export::write_csv(&sorted.head(Some(contacts)), &path)?;
            Ok(path)
        });
    }

    pub(super) fn on_exported(&mut self, result: Result<PathBuf>) {
        match result {
            Ok(p) => {
                self.notifications.info(format!("Exported {}", p.display()));
                self.state.exported = Some(p);
            }
            Err(e) => self.notifications.error(e.one_line()),
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
        let work = move |_: &JobContext<Result<DataFrame>>| -> Result<DataFrame> {
            scored_first(&view.apply(&frame)?)
        };
        match Job::compute("table", "Sorting and filtering", self.waker.clone(), work) {
            Ok(j) => self.jobs.table_view.set(j),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    pub(super) fn on_table_view(&mut self, result: Result<DataFrame>) {
        match (result, &mut self.state.training) {
            (Ok(df), Some(run)) => run.display = Some(df),
            (Err(e), _) => self.notifications.error(e.one_line()),
            _ => {}
        }
    }

    /// Screenshots the window and writes the part at `rect` as a PNG on an `export:png` thread.
    fn save_chart_png(&mut self, path: PathBuf, rect: egui::Rect, ctx: &egui::Context) {
        let tx = self.inbox.0.clone();
        let waker = self.waker.clone();
        let ppp = ctx.pixels_per_point();
        ctx.send_viewport_cmd(egui::ViewportCommand::Screenshot(
            egui::ScreenshotCallback::new(move |image| {
                let cropped = image.region(&rect, Some(ppp));
                let spawned =
                    std::thread::Builder::new()
                        .name("export:png".into())
                        .spawn(move || {
                            let (message, error) =
                                match crate::ui::widgets::png::write_png(&cropped, &path) {
                                    Ok(()) => (format!("Saved {}", path.display()), false),
                                    Err(e) => (e.one_line(), true),
                                };
                            // A failed send means the app has closed; nobody is left to tell.
                            if tx.send(Command::Notify { message, error }).is_ok() {
                                waker();
                            }
                        });
                if let Err(e) = spawned {
                    eprintln!("error: could not start the PNG writer: {e}");
                }
            }),
        ));
    }
}
