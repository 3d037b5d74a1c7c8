//! Predictions: how good the model is and whom to contact. For a yes/no model: metric cards, a
//! threshold slider driving the confusion matrix, ROC / precision-recall / calibration / score
//! distribution charts, gains and lift with the decile table, and the targeting calculator with
//! "Export this list". For amounts and segments: their measures. Then the scored customers.

use egui_plot::{Bar, BarChart, Corner, Legend, Line, LineStyle, Plot, PlotPoints, Points, VLine};

use crate::ml::metrics::{
    ClassificationMetrics, Metrics, MulticlassMetrics, RegressionMetrics, SegmentMetrics,
};
use crate::ml::segments::Density;
use crate::ml::targeting::{Campaign, Plan, Ranking, plan};
use crate::train::{EvaluatedOn, TrainOutcome};
use crate::ui::app::{AppState, Command};
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
    pub export_format: crate::data::export::TableFormat,
    /// The sort and filter being edited for the scored customers.
    pub table: crate::ui::app::TableView,
    pub filter_on: bool,
    /// Names the user gave the segments (index 0 = segment 1); empty means "Segment N".
    pub segment_names: Vec<String>,
    /// The last plan and what it was computed for (recomputed only when the inputs change).
    cached: Option<(Campaign, usize, Plan)>,
    /// The customer map's image, and which density grid it shows.
    map_texture: Option<(usize, egui::TextureHandle)>,
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
            export_excluded: Vec::new(),
            export_format: crate::data::export::TableFormat::Csv,
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
    let Some(o) = state.training.as_ref().and_then(|r| r.outcome()) else {
        super::waiting_ui(ui, "Train a model first: its predictions appear here.");
        return;
    };
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
            }
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
    });
    ui.add_space(4.0);
    export_window_ui(ui, o, view, cmds);
    let display = state.training.as_ref().and_then(|r| r.display.as_ref());
    let table = display.unwrap_or(&o.predictions);
    match (&o.metrics, &o.ranking) {
        (Metrics::Classification(m), Some(r)) => {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut view.tab, PredictionsTab::Quality, "How good is it");
                ui.selectable_value(&mut view.tab, PredictionsTab::Gains, "Gains and lift");
                ui.selectable_value(&mut view.tab, PredictionsTab::Targeting, "Whom to contact");
                ui.selectable_value(&mut view.tab, PredictionsTab::Importance, "What matters");
                ui.selectable_value(&mut view.tab, PredictionsTab::Customers, "Scored customers");
            });
            ui.separator();
            match view.tab {
                PredictionsTab::Quality => quality_ui(ui, o, m, r, view),
                PredictionsTab::Gains => gains_ui(ui, r),
                PredictionsTab::Targeting => targeting_ui(ui, o, view, exporting, cmds),
                PredictionsTab::Importance => importance_ui(ui, o, "AUC"),
                PredictionsTab::Customers => {
                    table_controls_ui(ui, table, view, cmds);
                    customers_ui(ui, table);
                }
            }
        }
        (Metrics::Classification(m), None) => {
            cards_ui(ui, m);
            customers_ui(ui, table);
        }
        (Metrics::Multiclass(m), _) => {
            multiclass_ui(ui, o, m);
            customers_ui(ui, table);
        }
        (Metrics::Regression(m), _) => {
            regression_ui(ui, o, m);
            customers_ui(ui, table);
        }
        (Metrics::Segments(m), _) => {
            segments_ui(ui, o, m, view);
            customers_ui(ui, table);
        }
    }
}

/// Which columns go out, and as CSV or Excel.
fn export_window_ui(
    ui: &mut egui::Ui,
    o: &TrainOutcome,
    view: &mut PredictionsView,
    cmds: &mut Vec<Command>,
) {
    use crate::data::export::TableFormat;
    let mut open = view.export_open;
    let mut go = false;
    egui::Window::new("Export scored customers")
        .open(&mut open)
        .collapsible(false)
        .resizable(true)
        .default_height(420.0)
        .show(ui.ctx(), |ui| {
            ui.horizontal(|ui| {
                ui.label("Format");
                ui.radio_value(&mut view.export_format, TableFormat::Csv, "CSV");
                ui.radio_value(&mut view.export_format, TableFormat::Xlsx, "Excel (.xlsx)");
            });
            ui.horizontal(|ui| {
                if ui.small_button("All").clicked() {
                    view.export_excluded.clear();
                }
                if ui.small_button("Only ID and results").clicked() {
                    let keep = ["score", "prediction", "decile", "segment"];
                    view.export_excluded = o
                        .predictions
                        .get_column_names()
                        .iter()
                        .enumerate()
                        .filter(|(i, n)| *i != 0 && !keep.contains(&n.as_str()))
                        .map(|(_, n)| n.to_string())
                        .collect();
                }
            });
            egui::ScrollArea::vertical()
                .max_height(300.0)
                .show(ui, |ui| {
                    for name in o.predictions.get_column_names() {
                        let name = name.to_string();
                        let mut on = !view.export_excluded.contains(&name);
                        if ui.checkbox(&mut on, &name).changed() {
                            if on {
                                view.export_excluded.retain(|n| n != &name);
                            } else {
                                view.export_excluded.push(name);
                            }
                        }
                    }
                });
            go = ui.button("Export…").clicked();
        });
    view.export_open = open && !go;
    if go {
        cmds.push(Command::ExportDialog);
    }
}

/// Sort by a column and keep rows meeting a condition (applied on a worker).
fn table_controls_ui(
    ui: &mut egui::Ui,
    table: &polars::prelude::DataFrame,
    view: &mut PredictionsView,
    cmds: &mut Vec<Command>,
) {
    use crate::data::recipe::FilterOp;
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
            cmds.push(Command::ViewScored(v));
        }
    });
}

fn customers_ui(ui: &mut egui::Ui, table: &polars::prelude::DataFrame) {
    ui.strong(format!(
        "Scored customers ({})",
        format::count(table.height())
    ));
    table_ui(ui, "predictions_table", table, None);
}

fn card(ui: &mut egui::Ui, title: &str, value: String, help: &str) {
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

fn cards_ui(ui: &mut egui::Ui, m: &ClassificationMetrics) {
    ui.horizontal_wrapped(|ui| {
        card(ui, "AUC", format!("{:.3}", m.auc), "Chance that a random responder is scored above a random non-responder. 0.5 is guessing, 1 is perfect.");
        card(ui, "Accuracy", format!("{:.1}%", 100.0 * m.accuracy), "Share of customers whose yes/no is predicted right at a 0.5 threshold. Misleading when yes is rare.");
        card(ui, "Precision", format!("{:.1}%", 100.0 * m.precision), "Of the customers predicted yes (score ≥ 0.5), the share who really were.");
        card(ui, "Recall", format!("{:.1}%", 100.0 * m.recall), "Of the customers who really were yes, the share predicted yes (score ≥ 0.5).");
        card(ui, "F1", format!("{:.3}", m.f1), "Balance of precision and recall (their harmonic mean), at 0.5.");
        card(ui, "Log loss", format!("{:.4}", m.log_loss), "How far the predicted probabilities are from what happened; lower is better.");
        card(ui, "Brier", format!("{:.4}", m.brier), "Mean squared difference between probability and outcome; lower is better.");
        card(ui, "Top-decile lift", format!("{:.2}×", m.lift_top_decile), "Response rate among the top-scored 10% of customers, divided by the overall rate.");
    });
}

/// A small "Save PNG…" button under a chart: the App takes the request at the next frame,
/// asks where to save, and crops a screenshot of the window to the chart.
fn png_button(ui: &mut egui::Ui, name: &str, rect: egui::Rect) {
    let clicked = ui
        .horizontal(|ui| {
            ui.small_button("Save PNG…")
                .on_hover_text("Save this chart as a PNG image")
                .clicked()
        })
        .inner;
    if clicked {
        // The plot's rectangle is its data area: take in the axes on the left and below, and
        // the title line above.
        let screen = ui.ctx().content_rect();
        let rect = egui::Rect::from_min_max(
            egui::pos2(rect.left() - 62.0, rect.top() - 22.0),
            egui::pos2(rect.right() + 4.0, rect.bottom() + 42.0),
        )
        .intersect(screen);
        ui.ctx().data_mut(|d| {
            let r = [rect.min.x, rect.min.y, rect.max.x, rect.max.y];
            d.insert_temp(egui::Id::unique(PNG_REQUEST), (name.to_owned(), r));
        });
    }
}

/// Where [`png_button`] leaves its request for the App.
pub const PNG_REQUEST: &str = "chart_png_request";

fn small_plot(id: &str, height: f32) -> Plot<'_> {
    Plot::new(id)
        .height(height)
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .legend(Legend::default().position(Corner::RightBottom))
}

fn quality_ui(
    ui: &mut egui::Ui,
    o: &TrainOutcome,
    m: &ClassificationMetrics,
    r: &Ranking,
    view: &mut PredictionsView,
) {
    cards_ui(ui, m);
    let (pos, neg) = o.model.classes.as_ref().map_or(("yes", "no"), |c| {
        (c.positive.as_str(), c.negative.as_str())
    });
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        ui.label("Threshold");
        ui.add(egui::Slider::new(&mut view.threshold, 0.0..=1.0).step_by(0.01))
            .on_hover_text("Customers scoring at or above this count as predicted yes.");
    });
    let c = r.confusion_at(view.threshold);
    let contacted = c.tp + c.fp;
    let precision = if contacted > 0 {
        c.tp as f64 / contacted as f64
    } else {
        0.0
    };
    let recall = if c.tp + c.fn_ > 0 {
        c.tp as f64 / (c.tp + c.fn_) as f64
    } else {
        0.0
    };
    ui.columns(2, |cols| {
        let ui = &mut cols[0];
        ui.label(format!(
            "At {:.2}: {} customers contacted ({:.1}%), precision {:.1}%, recall {:.1}%.",
            view.threshold,
            format::count(contacted as usize),
            100.0 * contacted as f64 / r.len().max(1) as f64,
            100.0 * precision,
            100.0 * recall
        ));
        egui::Grid::new("confusion")
            .striped(true)
            .min_col_width(90.0)
            .show(ui, |ui| {
                ui.label("");
                ui.strong(format!("predicted {pos}"));
                ui.strong(format!("predicted {neg}"));
                ui.end_row();
                ui.strong(format!("actually {pos}"));
                ui.label(format::count(c.tp as usize))
                    .on_hover_text("Correctly predicted yes");
                ui.label(format::count(c.fn_ as usize))
                    .on_hover_text("Missed: predicted no, was yes");
                ui.end_row();
                ui.strong(format!("actually {neg}"));
                ui.label(format::count(c.fp as usize))
                    .on_hover_text("False alarms: predicted yes, was no");
                ui.label(format::count(c.tn as usize))
                    .on_hover_text("Correctly predicted no");
                ui.end_row();
            });
        ui.weak(format!(
            "{:.1}% of these customers are '{pos}'.",
            100.0 * m.positive_rate
        ));
        ui.add_space(6.0);
        ui.strong("Scores of each group");
        score_distribution_ui(ui, o, pos, neg);
        let ui = &mut cols[1];
        ui.horizontal(|ui| {
            ui.vertical(|ui| {
                ui.strong("ROC curve");
                let chart = small_plot("roc", 200.0)
                    .width(240.0)
                    .include_x(0.0)
                    .include_x(1.0)
                    .include_y(0.0)
                    .include_y(1.0)
                    .x_axis_label("false positive rate")
                    .y_axis_label("true positive rate")
                    .show(ui, |p| {
                        p.line(Line::new(
                            format!("model (AUC {:.3})", m.auc),
                            PlotPoints::from(o.roc.clone()),
                        ));
                        p.line(
                            Line::new("guessing", PlotPoints::from(vec![[0.0, 0.0], [1.0, 1.0]]))
                                .style(LineStyle::dashed_dense()),
                        );
                    });
                png_button(ui, "roc", chart.response.rect);
            });
            ui.vertical(|ui| {
                ui.strong("Precision and recall");
                let chart = small_plot("pr", 200.0)
                    .width(240.0)
                    .legend(Legend::default().position(Corner::RightTop))
                    .include_x(0.0)
                    .include_x(1.0)
                    .include_y(0.0)
                    .include_y(1.0)
                    .x_axis_label("recall")
                    .y_axis_label("precision")
                    .show(ui, |p| {
                        p.line(Line::new(
                            "model",
                            PlotPoints::from(r.precision_recall(400)),
                        ));
                        p.hline(
                            egui_plot::HLine::new("response rate", m.positive_rate)
                                .style(LineStyle::dashed_dense()),
                        );
                        let (rc, pr) = (recall, precision);
                        p.points(Points::new("threshold", vec![[rc, pr]]).radius(4.0));
                    });
                png_button(ui, "pr", chart.response.rect);
            });
        });
        ui.strong("Calibration: predicted against observed rate");
        let chart = small_plot("calibration", 190.0)
            .width(490.0)
            .include_x(0.0)
            .include_y(0.0)
            .x_axis_label("mean predicted probability")
            .y_axis_label("observed rate")
            .show(ui, |p| {
                let cal = r.calibration(10);
                let top = cal.iter().map(|c| c[0].max(c[1])).fold(0.0, f64::max);
                p.line(
                    Line::new("perfect", PlotPoints::from(vec![[0.0, 0.0], [top, top]]))
                        .style(LineStyle::dashed_dense()),
                );
                p.line(Line::new("model", PlotPoints::from(cal.clone())));
                p.points(Points::new("tenths by score", cal).radius(3.0));
            });
        png_button(ui, "calibration", chart.response.rect);
    });
}

fn score_distribution_ui(ui: &mut egui::Ui, o: &TrainOutcome, pos: &str, neg: &str) {
    let Some(r) = &o.ranking else { return };
    let bins = 20usize;
    let (mut hp, mut hn) = (vec![0.0; bins], vec![0.0; bins]);
    for k in 0..r.len() {
        let b = ((r.scores[k] * bins as f64) as usize).min(bins - 1);
        if r.positives[k + 1] > r.positives[k] {
            hp[b] += 1.0;
        } else {
            hn[b] += 1.0;
        }
    }
    let (tp, tn) = (
        hp.iter().sum::<f64>().max(1.0),
        hn.iter().sum::<f64>().max(1.0),
    );
    let width = 1.0 / bins as f64;
    let bars = |h: &[f64], total: f64| -> Vec<Bar> {
        h.iter()
            .enumerate()
            .map(|(i, &n)| Bar::new((i as f64 + 0.5) * width, n / total).width(width * 0.9))
            .collect()
    };
    let chart = small_plot("score_distribution", 150.0)
        .x_axis_label("score")
        .y_axis_label("share of group")
        .legend(Legend::default().position(Corner::RightTop))
        .show(ui, |p| {
            p.bar_chart(BarChart::new(format!("actually {neg}"), bars(&hn, tn)));
            p.bar_chart(BarChart::new(format!("actually {pos}"), bars(&hp, tp)));
        });
    png_button(ui, "score_distribution", chart.response.rect);
}

fn gains_ui(ui: &mut egui::Ui, r: &Ranking) {
    let table = r.deciles();
    ui.columns(2, |cols| {
        let ui = &mut cols[0];
        ui.strong("Cumulative gains: share of all responders found");
        let mut gains = vec![[0.0, 0.0]];
        gains.extend(
            table
                .iter()
                .map(|d| [f64::from(d.decile) * 10.0, 100.0 * d.cumulative_gain]),
        );
        let chart = small_plot("gains", 220.0)
            .x_axis_label("% of customers contacted, best scores first")
            .y_axis_label("% of responders")
            .include_y(0.0)
            .include_y(100.0)
            .show(ui, |p| {
                p.line(Line::new("model", PlotPoints::from(gains.clone())));
                p.points(Points::new("deciles", gains).radius(3.0));
                p.line(
                    Line::new("random", PlotPoints::from(vec![[0.0, 0.0], [100.0, 100.0]]))
                        .style(LineStyle::dashed_dense()),
                );
            });
        png_button(ui, "gains", chart.response.rect);
        let ui = &mut cols[1];
        ui.strong("Lift per decile: response rate over the average");
        let bars: Vec<Bar> = table
            .iter()
            .map(|d| {
                Bar::new(f64::from(d.decile), d.lift)
                    .name(format!("decile {}: {:.2}×", d.decile, d.lift))
            })
            .collect();
        let chart = small_plot("lift", 220.0)
            .x_axis_label("decile (1 = highest scores)")
            .y_axis_label("lift")
            .show(ui, |p| {
                p.bar_chart(BarChart::new("lift", bars));
                p.hline(egui_plot::HLine::new("average", 1.0).style(LineStyle::dashed_dense()));
            });
        png_button(ui, "lift", chart.response.rect);
    });
    ui.add_space(6.0);
    egui::Grid::new("decile_table")
        .striped(true)
        .min_col_width(80.0)
        .show(ui, |ui| {
            for h in [
                "decile",
                "customers",
                "responders",
                "response rate",
                "lift",
                "cumulative gain",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for d in &table {
                ui.label(d.decile.to_string());
                ui.label(format::count(d.customers));
                ui.label(format::count(d.responders));
                ui.label(format!("{:.1}%", 100.0 * d.response_rate));
                ui.label(format!("{:.2}×", d.lift));
                ui.label(format!("{:.1}%", 100.0 * d.cumulative_gain));
                ui.end_row();
            }
        });
}

fn targeting_ui(
    ui: &mut egui::Ui,
    o: &TrainOutcome,
    view: &mut PredictionsView,
    exporting: bool,
    cmds: &mut Vec<Command>,
) {
    let desc = &o.population_scores;
    if desc.is_empty() {
        return;
    }
    ui.weak(format!(
        "Picks from all {} loaded customers, best scores first; expected conversions are the sum of their predicted probabilities.",
        format::count(desc.len())
    ));
    let c = &mut view.campaign;
    egui::Grid::new("campaign")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            ui.label("Cost per contact");
            ui.add(
                egui::DragValue::new(&mut c.cost_per_contact)
                    .range(0.0..=1e6)
                    .speed(0.1),
            )
            .on_hover_text("What reaching one customer costs: postage, a voucher, agent time.");
            ui.end_row();
            ui.label("Value of a conversion");
            ui.add(
                egui::DragValue::new(&mut c.value_per_conversion)
                    .range(0.0..=1e9)
                    .speed(0.5),
            )
            .on_hover_text("What one responding customer is worth: margin of the expected order.");
            ui.end_row();
            ui.checkbox(&mut view.use_budget, "Budget");
            let mut budget = c.budget.unwrap_or(0.0);
            ui.add_enabled(
                view.use_budget,
                egui::DragValue::new(&mut budget)
                    .range(0.0..=1e9)
                    .speed(10.0),
            );
            c.budget = Some(budget);
            ui.end_row();
            ui.checkbox(&mut view.use_cap, "At most");
            let mut cap = c.max_contacts.unwrap_or(0);
            ui.add_enabled(
                view.use_cap,
                egui::DragValue::new(&mut cap)
                    .range(0..=usize::MAX)
                    .suffix(" customers"),
            );
            c.max_contacts = Some(cap);
            ui.end_row();
        });
    let campaign = Campaign {
        budget: view.campaign.budget.filter(|_| view.use_budget),
        max_contacts: view.campaign.max_contacts.filter(|_| view.use_cap),
        ..view.campaign
    };
    // Exact over every customer (a few milliseconds for a million), redone only on change.
    // Keyed by the scores' address too, so a new model's scores are never given an old plan.
    let key = desc.as_ptr() as usize ^ desc.len();
    let fresh = match &view.cached {
        Some((c, k, _)) => *c != campaign || *k != key,
        None => true,
    };
    if fresh {
        view.cached = Some((campaign, key, plan(desc, &campaign, 300)));
    }
    let Some((_, _, p)) = &view.cached else {
        return;
    };
    let p = p.clone();
    ui.add_space(4.0);
    if p.contacts == 0 {
        ui.label("At these numbers no contact is expected to pay for itself: raise the value or lower the cost.");
    } else {
        ui.label(egui::RichText::new(format!(
            "Contact the top {} customers ({:.1}%, scores ≥ {:.3}): about {:.0} conversions, expected profit {}.",
            format::count(p.contacts),
            100.0 * p.contacts as f64 / desc.len().max(1) as f64,
            p.cutoff.unwrap_or(0.0),
            p.expected_conversions,
            format::number(p.expected_profit.round())
        )).strong());
    }
    if p.allowed < desc.len() {
        ui.weak(format!(
            "The budget or cap allows at most {} contacts.",
            format::count(p.allowed)
        ));
    }
    ui.horizontal(|ui| {
        let button = egui::Button::new("Export this list…");
        if ui
            .add_enabled(p.contacts > 0 && !exporting, button)
            .on_hover_text("Write exactly these customers, best first, with their scores")
            .clicked()
        {
            cmds.push(Command::ExportListDialog {
                contacts: p.contacts,
            });
        }
    });
    let share = p.contacts as f64 / desc.len().max(1) as f64;
    let chart = small_plot("profit", (ui.available_height() - 20.0).max(180.0))
        .x_axis_label("share of customers contacted, best scores first")
        .y_axis_label("expected profit")
        .show(ui, |pl| {
            pl.line(Line::new(
                "expected profit",
                PlotPoints::from(p.curve.clone()),
            ));
            if p.contacts > 0 {
                pl.vline(VLine::new("best cut-off", share));
            }
            if p.allowed < desc.len() {
                pl.vline(
                    VLine::new("budget / cap", p.allowed as f64 / desc.len() as f64)
                        .style(LineStyle::dashed_dense()),
                );
            }
        });
    png_button(ui, "profit", chart.response.rect);
}

/// Several classes: the headline numbers, which class is taken for which (confusion), how
/// well each class is found, and what matters.
fn multiclass_ui(ui: &mut egui::Ui, o: &TrainOutcome, m: &MulticlassMetrics) {
    ui.horizontal_wrapped(|ui| {
        card(ui, "Accuracy", format!("{:.1}%", 100.0 * m.accuracy), "Share of customers whose most likely class is their class.");
        card(ui, "Always the commonest", format!("{:.1}%", 100.0 * m.majority_rate), "The accuracy of always answering the most frequent class: the bar the model has to beat.");
        card(ui, "Balanced accuracy", format!("{:.1}%", 100.0 * m.balanced_accuracy), "Accuracy with every class counted equally (the mean of the classes' recalls); rare classes weigh as much as common ones.");
        card(ui, "Macro F1", format!("{:.3}", m.macro_f1), "The classes' F1 (balance of precision and recall), averaged with every class counted equally.");
        card(ui, "Log loss", format!("{:.4}", m.log_loss), "How far the predicted probabilities are from what happened; lower is better.");
    });
    ui.add_space(6.0);
    ui.columns(2, |cols| {
        let ui = &mut cols[0];
        ui.strong("Which class is taken for which")
            .on_hover_text("Rows: the customers' actual class; columns: the class the model picks. The diagonal is right; a bright cell off it is a confusion worth knowing about. Shading is the share of the row.");
        egui::ScrollArea::horizontal().id_salt("confusion").show(ui, |ui| {
            egui::Grid::new("confusion").striped(false).show(ui, |ui| {
                ui.weak("actual \\ predicted");
                for c in &m.classes {
                    ui.strong(&c.label);
                }
                ui.end_row();
                let accent = ui.visuals().selection.bg_fill;
                for (i, row) in m.confusion.iter().enumerate() {
                    ui.strong(&m.classes[i].label);
                    let total: u64 = row.iter().sum();
                    for &count in row {
                        let share = if total > 0 { count as f32 / total as f32 } else { 0.0 };
                        let text = egui::RichText::new(format::count(count as usize))
                            .background_color(accent.gamma_multiply(share));
                        ui.label(text);
                    }
                    ui.end_row();
                }
            });
        });
        ui.add_space(8.0);
        ui.strong("Each class");
        egui::Grid::new("per_class").striped(true).show(ui, |ui| {
            for h in ["class", "customers", "precision", "recall", "F1"] {
                ui.strong(h);
            }
            ui.end_row();
            for c in &m.classes {
                ui.label(&c.label);
                ui.label(format::count(c.support as usize));
                ui.label(format!("{:.1}%", 100.0 * c.precision))
                    .on_hover_text("Of the customers the model puts in this class, the share that are.");
                ui.label(format!("{:.1}%", 100.0 * c.recall))
                    .on_hover_text("Of the customers of this class, the share the model finds.");
                ui.label(format!("{:.3}", c.f1));
                ui.end_row();
            }
        });
        let ui = &mut cols[1];
        importance_ui(ui, o, "accuracy");
    });
}

fn regression_ui(ui: &mut egui::Ui, o: &TrainOutcome, m: &RegressionMetrics) {
    ui.horizontal_wrapped(|ui| {
        card(ui, "RMSE", format::number(m.rmse), "Typical size of an error, in the target's units; large misses count extra.");
        card(ui, "MAE", format::number(m.mae), "Average size of an error, in the target's units.");
        card(ui, "R²", format!("{:.3}", m.r2), "Share of the variation between customers the model explains. 0 is no better than the average, 1 is perfect.");
        card(ui, "MAPE", format!("{:.1}%", 100.0 * m.mape), "Average error as a share of the actual amount (customers whose amount is 0 left out).");
    });
    ui.columns(3, |cols| {
        let ui = &mut cols[0];
        ui.strong("Predicted against actual");
        let top = o.scatter.iter().map(|p| p[0].max(p[1])).fold(0.0, f64::max);
        let low = o.scatter.iter().map(|p| p[0].min(p[1])).fold(0.0, f64::min);
        let chart = small_plot("fit", 240.0)
            .x_axis_label("actual")
            .y_axis_label("predicted")
            .show(ui, |p| {
                p.points(Points::new("customers", o.scatter.clone()).radius(1.5));
                p.line(
                    Line::new("perfect", PlotPoints::from(vec![[low, low], [top, top]]))
                        .style(LineStyle::dashed_dense()),
                );
            });
        png_button(ui, "fit", chart.response.rect);
        let ui = &mut cols[1];
        ui.strong("Errors (predicted − actual)");
        if let Some(h) = &o.residuals {
            let bars = crate::ui::widgets::histogram_bars(h);
            let chart = small_plot("residuals", 240.0)
                .x_axis_label("error")
                .y_axis_label("customers")
                .show(ui, |p| p.bar_chart(BarChart::new("customers", bars)));
            png_button(ui, "residuals", chart.response.rect);
        }
        let ui = &mut cols[2];
        importance_ui(ui, o, "R²");
    });
}

/// Permutation importance as horizontal bars, with the weights of linear models below.
fn importance_ui(ui: &mut egui::Ui, o: &TrainOutcome, metric: &str) {
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
    let chart = small_plot("importance", 22.0 * n.max(4) as f32 + 40.0)
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
        });
    png_button(ui, "importance", chart.response.rect);
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

/// The name shown for segment `s` (1-based).
/// The colour of segment `s` (1-based) on the map and its legend: hues a golden angle apart.
pub fn segment_color(s: usize) -> egui::Color32 {
    let hue = ((s.saturating_sub(1)) as f32 * 0.618_034).fract();
    egui::ecolor::Hsva::new(hue, 0.75, 0.85, 1.0).into()
}

/// The density grid as a texture, made once per grid (kept in the view between frames).
fn map_texture(
    ctx: &egui::Context,
    view: &mut PredictionsView,
    d: &Density,
) -> egui::TextureHandle {
    let key = d as *const Density as usize ^ d.customers;
    if let Some((k, t)) = &view.map_texture
        && *k == key
    {
        return t.clone();
    }
    let top = d.cells.iter().map(|c| c.1).max().unwrap_or(1).max(1) as f32;
    let pixels: Vec<egui::Color32> = d
        .cells
        .iter()
        .map(|&(s, n)| {
            if n == 0 {
                return egui::Color32::TRANSPARENT;
            }
            let strength = 0.35 + 0.65 * (1.0 + n as f32).ln() / (1.0 + top).ln();
            segment_color(s as usize).gamma_multiply(strength)
        })
        .collect();
    let image = egui::ColorImage::new([d.width, d.height], pixels);
    let t = ctx.load_texture("segment_map", image, egui::TextureOptions::NEAREST);
    view.map_texture = Some((key, t.clone()));
    t
}

pub fn segment_name(names: &[String], s: usize) -> String {
    names
        .get(s - 1)
        .filter(|n| !n.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| format!("Segment {s}"))
}

fn segments_ui(
    ui: &mut egui::Ui,
    o: &TrainOutcome,
    m: &SegmentMetrics,
    view: &mut PredictionsView,
) {
    view.segment_names.resize(m.k, String::new());
    ui.horizontal_wrapped(|ui| {
        card(ui, "Segments", m.k.to_string(), "How many groups of customers were found.");
        card(ui, "Inertia", format::number(m.inertia), "Mean squared distance of a customer to its segment's centre, in standardised units; lower is tighter.");
        card(ui, "Silhouette", format!("{:.3}", m.silhouette), "How well customers sit in their own segment rather than the next (−1 to 1; above 0.25 is a usable structure).");
    });
    let Some(report) = &o.segments else { return };
    // One card per segment, in plain words; names can be edited.
    egui::ScrollArea::horizontal()
        .id_salt("segment_cards")
        .show(ui, |ui| {
            ui.horizontal_top(|ui| {
                for c in &report.cards {
                    egui::Frame::group(ui.style()).show(ui, |ui| {
                        ui.set_width(250.0);
                        ui.vertical(|ui| {
                            let name = &mut view.segment_names[c.segment - 1];
                            ui.add(
                                egui::TextEdit::singleline(name)
                                    .hint_text(format!("Segment {}", c.segment))
                                    .desired_width(230.0),
                            )
                            .on_hover_text("Name this segment");
                            ui.label(format!(
                                "{} customers, {:.0}% of all",
                                format::count(c.size),
                                100.0 * c.share
                            ));
                            for t in &c.traits {
                                ui.label(format!("• {t}"));
                            }
                            for (col, rate, overall) in &c.rates {
                                ui.weak(format!(
                                    "{col}: {:.1}% (overall {:.1}%)",
                                    100.0 * rate,
                                    100.0 * overall
                                ));
                            }
                        });
                    });
                }
            });
        });
    ui.add_space(6.0);
    ui.columns(2, |cols| {
        let ui = &mut cols[0];
        ui.strong("Choosing k: inertia (elbow) and silhouette");
        let inertia: Vec<[f64; 2]> = report.sweep.iter().map(|p| [p.k as f64, p.inertia]).collect();
        let silhouette: Vec<[f64; 2]> = report.sweep.iter().map(|p| [p.k as f64, p.silhouette]).collect();
        let current = m.k as f64;
        let chart = small_plot("elbow", 150.0)
            .y_axis_label("inertia")
            .legend(Legend::default().position(Corner::RightTop))
            .show(ui, |p| {
                p.line(Line::new("inertia", PlotPoints::from(inertia.clone())));
                p.points(Points::new("k", inertia).radius(3.0));
                p.vline(VLine::new("chosen k", current));
            });
        png_button(ui, "elbow", chart.response.rect);
        let chart = small_plot("silhouette", 150.0)
            .x_axis_label("k (segments)")
            .y_axis_label("silhouette")
            .legend(Legend::default().position(Corner::RightTop))
            .show(ui, |p| {
                p.line(Line::new("silhouette", PlotPoints::from(silhouette.clone())));
                p.points(Points::new("k", silhouette).radius(3.0));
                p.vline(VLine::new("chosen k", current));
            });
        png_button(ui, "silhouette", chart.response.rect);
        ui.weak("Look for the k after which inertia stops falling fast, with a high silhouette; set it in Model and train again.");
        let ui = &mut cols[1];
        let texture = report
            .density
            .as_ref()
            .map(|d| map_texture(ui.ctx(), view, d));
        let shown = report.density.as_ref().map_or(report.map.len(), |d| d.customers);
        ui.strong(format!(
            "Customer map ({} customers; the two directions in which customers differ most)",
            format::count(shown)
        ))
        .on_hover_text("Each pixel is coloured by the most common segment of the customers there, brighter where there are more. Hover to see a customer.");
        let response = small_plot("segment_map", 320.0)
            .allow_drag(true)
            .allow_zoom(true)
            .legend(Legend::default().position(Corner::RightTop))
            .show(ui, |p| {
                match (&report.density, &texture) {
                    (Some(d), Some(t)) => {
                        let center = egui_plot::PlotPoint::new(
                            (d.min[0] + d.max[0]) / 2.0,
                            (d.min[1] + d.max[1]) / 2.0,
                        );
                        let size = egui::vec2((d.max[0] - d.min[0]) as f32, (d.max[1] - d.min[1]) as f32);
                        p.image(egui_plot::PlotImage::new("", t.id(), center, size));
                    }
                    _ => {
                        for s in 1..=m.k {
                            let pts: Vec<[f64; 2]> = report
                                .map
                                .iter()
                                .zip(&report.map_segments)
                                .filter(|(_, g)| **g as usize == s)
                                .map(|(p, _)| *p)
                                .collect();
                            p.points(
                                Points::new(segment_name(&view.segment_names, s), pts)
                                    .radius(1.8)
                                    .color(segment_color(s)),
                            );
                        }
                    }
                }
                p.pointer_coordinate()
            });
        ui.horizontal_wrapped(|ui| {
            for s in 1..=m.k {
                ui.label(egui::RichText::new("■").color(segment_color(s)));
                ui.label(segment_name(&view.segment_names, s));
                ui.add_space(6.0);
            }
        });
        png_button(ui, "segment_map", response.response.rect);
        // Hover: the nearest drawn customer.
        if let Some(pointer) = response.inner
            && response.response.hovered()
        {
            let bounds = response.transform.bounds();
            let (sx, sy) = (bounds.width().max(1e-9), bounds.height().max(1e-9));
            let nearest = report
                .map
                .iter()
                .enumerate()
                .map(|(i, q)| (i, ((q[0] - pointer.x) / sx).powi(2) + ((q[1] - pointer.y) / sy).powi(2)))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((i, d)) = nearest
                && d < 0.0004
            {
                let row = report.map_rows[i] as usize;
                let text: Vec<String> = o
                    .predictions
                    .columns()
                    .iter()
                    .take(6)
                    .map(|c| format!("{}: {}", c.name(), c.get(row).map(|v| format::cell(&v)).unwrap_or_default()))
                    .collect();
                let seg = segment_name(&view.segment_names, report.map_segments[i] as usize);
                response.response.on_hover_text(format!("{seg}\n{}", text.join("\n")));
            }
        }
    });
}
