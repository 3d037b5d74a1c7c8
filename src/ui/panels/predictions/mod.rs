//! Predictions: how good the model is and whom to contact, one view per question — yes/no
//! (yes_no.rs), several classes (several.rs), amounts (amount.rs), segments (segments.rs) — plus
//! the export window (export_window.rs), "Score in your database…" (sql_window.rs) and the
//! scored customers' table (here).

mod amount;
mod export_window;
mod segments;
mod several;
mod sql_window;
mod yes_no;

pub use sql_window::SqlView;

use egui_plot::{Bar, BarChart, Corner, Legend, Plot};
use workbench_core::ml::ModelKind;
use workbench_core::ml::metrics::Metrics;
use workbench_core::ml::targeting::{Campaign, Plan};
use workbench_core::train::insights::Explanation;
use workbench_core::train::{EvaluatedOn, Insights};

use crate::ui::app::{AppState, Command, ExportCommand, ModelFile};
use crate::ui::format;
use crate::ui::widgets::table::table_ui;

/// Which part of a yes/no model's results is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PredictionsTab {
    #[default]
    Quality,
    Gains,
    Targeting,
    Importance,
    Customers,
}

/// The Predictions panel's own state.
pub struct PredictionsView {
    pub tab: PredictionsTab,
    /// Score at or above which a customer counts as predicted "yes".
    pub threshold: f64,
    pub campaign: Campaign,
    pub use_budget: bool,
    pub use_cap: bool,
    /// Whether the export window is open, which columns it leaves out, and the format.
    pub export_open: bool,
    pub export_excluded: Vec<String>,
    pub export_format: workbench_core::data::export::TableFormat,
    /// Export to a PostgreSQL table (every customer scored) rather than a file.
    pub export_to_database: bool,
    /// The database (URL without password), the table and a password for it (in memory).
    pub db_url: String,
    pub db_table: String,
    pub db_password: String,
    /// "Score in your database…": the SQL window's settings.
    pub sql: SqlView,
    /// The sort and filter being edited for the scored customers.
    pub table: workbench_core::data::view::TableView,
    pub filter_on: bool,
    /// Names the user gave the segments (index 0 = segment 1); empty means "Segment N".
    pub segment_names: Vec<String>,
    /// The training run shown (its id), which the caches below are keyed by.
    shown_run: u64,
    /// The last plan and what it was computed for (recomputed only when the inputs change).
    cached: Option<(Campaign, u64, Plan)>,
    /// The customer map's image, and the run it shows.
    map_texture: Option<(u64, egui::TextureHandle)>,
}

impl Default for PredictionsView {
    fn default() -> Self {
        Self {
            tab: PredictionsTab::default(),
            threshold: 0.5,
            campaign: Campaign {
                cost_per_contact: 1.0,
                value_per_conversion: 20.0,
                budget: Some(5_000.0),
                max_contacts: Some(10_000),
            },
            use_budget: false,
            use_cap: false,
            segment_names: Vec::new(),
            table: Default::default(),
            filter_on: false,
            export_open: false,
            sql: SqlView::default(),
            export_excluded: Vec::new(),
            export_format: workbench_core::data::export::TableFormat::Csv,
            export_to_database: false,
            db_url: crate::ui::panels::database::default_url(),
            db_table: "scores".into(),
            db_password: String::new(),
            shown_run: 0,
            cached: None,
            map_texture: None,
        }
    }
}

pub fn predictions_panel_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    view: &mut PredictionsView,
    exporting: bool,
    cmds: &mut Vec<Command>,
) {
    let Some((run_id, o)) = state
        .training
        .as_ref()
        .and_then(|r| Some((r.id, r.outcome()?)))
    else {
        super::waiting_ui(ui, "Train a model first: its predictions appear here.");
        return;
    };
    view.shown_run = run_id;
    let target = o.model.target.as_deref().unwrap_or("segments");
    ui.horizontal(|ui| {
        ui.heading(format!("{} · {}", o.model.kind.label(), target));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let export = ui.add_enabled(!exporting, egui::Button::new("Export…"));
            if export
                .on_hover_text("Write the scored customers (the evaluated rows) to CSV or Excel, choosing the columns")
                .clicked()
            {
                view.export_open = true;
                // A table read from a database is written back to the same database.
                if let Some(workbench_core::project::DataSource::Database { url }) =
                    state.dataset.as_ref().map(|d| &d.source)
                    && let Ok(l) = workbench_core::data::postgres::Location::parse(url)
                {
                    view.db_url = l.database_url();
                    view.export_to_database = true;
                }
            }
            let in_database = ui.button("Score in your database…").on_hover_text(
                "The model as one SQL statement (DuckDB, PostgreSQL, SQLite, Spark SQL, BigQuery) that scores your customers table where it is",
            );
            if in_database.clicked() {
                view.sql.open = true;
            }
            model_files_ui(ui, o.model.kind, exporting, cmds);
            if exporting {
                ui.spinner();
            }
            if let Some(p) = &state.exported {
                ui.weak(format!("last export: {}", p.display()));
            }
        });
    });
    ui.weak(match o.evaluated_on {
        EvaluatedOn::Holdout => format!(
            "Measured on {} customers held out from training (trained on {}).",
            format::count(o.holdout_rows),
            format::count(o.train_rows)
        ),
        EvaluatedOn::Training => format!(
            "Measured on the {} training customers themselves (nothing held out): expect real results to be somewhat worse.",
            format::count(o.train_rows)
        ),
        EvaluatedOn::AllRows => format!(
            "A model trained elsewhere, measured on all {} customers with a target: if it was trained on some of them, expect real results to be somewhat worse.",
            format::count(o.holdout_rows)
        ),
    });
    ui.add_space(4.0);
    let sample_of = state.dataset.as_ref().and_then(|d| d.sample_of);
    export_window::export_window_ui(ui, o, sample_of, view, cmds);
    sql_window::sql_window_ui(ui, run_id, o, &mut view.sql, cmds);
    let display = state.training.as_ref().and_then(|r| r.display.as_ref());
    let table = display.unwrap_or(&o.predictions);
    match (&o.metrics, &o.insights) {
        (Metrics::Classification(m), Some(Insights::YesNo(yn))) => {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut view.tab, PredictionsTab::Quality, "How good is it");
                ui.selectable_value(&mut view.tab, PredictionsTab::Gains, "Gains and lift");
                ui.selectable_value(&mut view.tab, PredictionsTab::Targeting, "Whom to contact");
                ui.selectable_value(&mut view.tab, PredictionsTab::Importance, "What matters");
                ui.selectable_value(&mut view.tab, PredictionsTab::Customers, "Scored customers");
            });
            ui.separator();
            match view.tab {
                PredictionsTab::Quality => yes_no::quality_ui(ui, o, m, yn, view, cmds),
                PredictionsTab::Gains => yes_no::gains_ui(ui, &yn.ranking, cmds),
                PredictionsTab::Targeting => yes_no::targeting_ui(ui, yn, view, exporting, cmds),
                PredictionsTab::Importance => importance_ui(ui, &yn.explanation, "AUC", cmds),
                PredictionsTab::Customers => {
                    table_controls_ui(ui, table, view, cmds);
                    customers_ui(ui, table);
                }
            }
        }
        (Metrics::Classification(m), _) => {
            yes_no::cards_ui(ui, m);
            customers_ui(ui, table);
        }
        (Metrics::Multiclass(m), _) => {
            several::multiclass_ui(ui, o, m, cmds);
            customers_ui(ui, table);
        }
        (Metrics::Regression(m), _) => {
            amount::regression_ui(ui, o, m, cmds);
            customers_ui(ui, table);
        }
        (Metrics::Segments(m), _) => {
            segments::segments_ui(ui, o, m, view, cmds);
            customers_ui(ui, table);
        }
    }
}

/// Sort by a column and keep rows meeting a condition (applied on a worker).
fn table_controls_ui(
    ui: &mut egui::Ui,
    table: &polars::prelude::DataFrame,
    view: &mut PredictionsView,
    cmds: &mut Vec<Command>,
) {
    use workbench_core::data::recipe::FilterOp;
    let names: Vec<String> = table
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    ui.horizontal(|ui| {
        ui.label("Sort by");
        let (mut column, mut descending) = view
            .table
            .sort
            .clone()
            .unwrap_or(("score".to_owned(), true));
        egui::ComboBox::from_id_salt("sort_column")
            .selected_text(column.as_str())
            .height(400.0)
            .show_ui(ui, |ui| {
                for n in &names {
                    ui.selectable_value(&mut column, n.clone(), n.as_str());
                }
            });
        ui.checkbox(&mut descending, "highest first");
        view.table.sort = Some((column, descending));
        ui.separator();
        ui.checkbox(&mut view.filter_on, "Only rows where");
        let (mut fc, mut op, mut value) = view.table.filter.clone().unwrap_or((
            "decile".to_owned(),
            FilterOp::LessOrEqual,
            "2".to_owned(),
        ));
        ui.add_enabled_ui(view.filter_on, |ui| {
            egui::ComboBox::from_id_salt("filter_column")
                .selected_text(fc.as_str())
                .height(400.0)
                .show_ui(ui, |ui| {
                    for n in &names {
                        ui.selectable_value(&mut fc, n.clone(), n.as_str());
                    }
                });
            egui::ComboBox::from_id_salt("filter_op_table")
                .selected_text(op.label())
                .show_ui(ui, |ui| {
                    for o in FilterOp::ALL {
                        ui.selectable_value(&mut op, o, o.label());
                    }
                });
            if op.takes_value() {
                ui.add(egui::TextEdit::singleline(&mut value).desired_width(90.0));
            }
        });
        view.table.filter = Some((fc, op, value));
        if ui.button("Apply").clicked() {
            let mut v = view.table.clone();
            if !view.filter_on {
                v.filter = None;
            }
            cmds.push(ExportCommand::ViewScored(v).into());
        }
    });
}

pub(super) fn customers_ui(ui: &mut egui::Ui, table: &polars::prelude::DataFrame) {
    ui.strong(format!(
        "Scored customers ({})",
        format::count(table.height())
    ));
    table_ui(ui, "predictions_table", table, None);
}

pub(super) fn card(ui: &mut egui::Ui, title: &str, value: String, help: &str) {
    egui::Frame::group(ui.style())
        .show(ui, |ui| {
            ui.set_min_width(96.0);
            ui.vertical(|ui| {
                ui.weak(title);
                ui.label(egui::RichText::new(value).size(20.0).strong());
            });
        })
        .response
        .on_hover_text(help);
}

/// A small "Save PNG…" button under a chart whose whole area (plot and axes) is `rect`: asks
/// the App to save that part of the window.
pub(super) fn png_button(ui: &mut egui::Ui, cmds: &mut Vec<Command>, name: &str, rect: egui::Rect) {
    let clicked = ui
        .small_button("Save PNG…")
        .on_hover_text("Save this chart as a PNG image")
        .clicked();
    if clicked {
        let rect = rect.intersect(ui.ctx().content_rect());
        cmds.push(
            ExportCommand::ChartPngDialog {
                name: name.to_owned(),
                rect,
            }
            .into(),
        );
    }
}

pub(super) fn small_plot(id: &str, height: f32) -> Plot<'_> {
    Plot::new(id)
        .height(height)
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .legend(Legend::default().position(Corner::RightBottom))
}

/// Permutation importance as horizontal bars, with the weights of linear models below.
pub(super) fn importance_ui(
    ui: &mut egui::Ui,
    o: &Explanation,
    metric: &str,
    cmds: &mut Vec<Command>,
) {
    ui.strong(format!("What matters: drop in {metric} when a column is shuffled"))
        .on_hover_text("Each column's values are shuffled between customers in turn; the bigger the drop in quality, the more the model relies on that column.");
    let top: Vec<_> = o.importance.iter().take(15).collect();
    let names: Vec<String> = top.iter().map(|i| i.column.clone()).collect();
    let bars: Vec<Bar> = top
        .iter()
        .enumerate()
        .map(|(k, i)| {
            Bar::new((top.len() - 1 - k) as f64, i.drop)
                .name(format!("{}: {:.4}", i.column, i.drop))
                .horizontal()
        })
        .collect();
    let n = names.len();
    let chart = ui.scope(|ui| {
        small_plot("importance", 22.0 * n.max(4) as f32 + 40.0)
            .x_axis_label(format!("drop in {metric}"))
            .y_axis_formatter(move |mark, _| {
                let i = mark.value.round();
                if (mark.value - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                    names[n - 1 - i as usize].clone()
                } else {
                    String::new()
                }
            })
            .show(ui, |p| {
                p.bar_chart(BarChart::new("importance", bars).horizontal())
            })
    });
    png_button(ui, cmds, "importance", chart.response.rect);
    if !o.words.is_empty() {
        egui::CollapsingHeader::new("Words that matter most")
            .default_open(true)
            .show(ui, |ui| {
                ui.weak(format!("The drop in {metric} when one word's weight is shuffled between rows, the rest of each text kept (the {} words in the most texts of each text column). Words that always come together (a word and its word pairs) share their say: a model without a penalty may give them large opposite weights, and shuffling one alone then costs far more than the words mean. A penalty (Model) spreads the weight evenly.", workbench_core::ml::importance::WORDS_TRIED));
                egui::Grid::new("word_importance").striped(true).show(ui, |ui| {
                    for w in o.words.iter().take(15) {
                        ui.label(&w.column);
                        ui.label(format!("{:+.4}", w.drop));
                        ui.end_row();
                    }
                });
            });
    }
    if !o.coefficients.is_empty() {
        egui::CollapsingHeader::new("Weights of the standardised features")
            .default_open(false)
            .show(ui, |ui| {
                ui.weak("How much the score moves per standard deviation of each feature (log-odds for yes/no).");
                egui::Grid::new("coefficients").striped(true).show(ui, |ui| {
                    for (name, w) in o.coefficients.iter().take(30) {
                        ui.label(name);
                        ui.label(format!("{w:+.4}"));
                        ui.end_row();
                    }
                });
            });
    }
}

/// "Save for another engine": the model as a LightGBM or an ONNX file, where its kind has one.
fn model_files_ui(ui: &mut egui::Ui, kind: ModelKind, exporting: bool, cmds: &mut Vec<Command>) {
    let trees = matches!(
        kind,
        ModelKind::Tree | ModelKind::Forest | ModelKind::Boosting
    );
    let linear = matches!(kind, ModelKind::Logistic | ModelKind::Linear);
    ui.add_enabled_ui((trees || linear) && !exporting, |ui| {
        ui.menu_button("Save for another engine…", |ui| {
            if ui
                .add_enabled(trees, egui::Button::new("LightGBM model…"))
                .on_hover_text("The trees as a LightGBM text model: lightgbm.Booster(model_file=…) and LightGBM on Spark score the columns after your cleaning steps (categories as 0/1 columns, missing values as NaN) exactly as this app does")
                .on_disabled_hover_text("For a decision tree, a random forest or gradient boosting")
                .clicked()
            {
                cmds.push(ExportCommand::ModelFileDialog(ModelFile::LightGbm).into());
            }
            if ui
                .button("ONNX model…")
                .on_hover_text("The model as an ONNX graph for any ONNX runtime, reading the columns after your cleaning steps (categories as 0/1 columns, missing values as NaN): regressions in double precision, trees with double thresholds (scores within 1e-6)")
                .clicked()
            {
                cmds.push(ExportCommand::ModelFileDialog(ModelFile::Onnx).into());
            }
        })
        .response
        .on_disabled_hover_text("For linear and logistic regression, decision trees, forests and boosting");
    });
}
