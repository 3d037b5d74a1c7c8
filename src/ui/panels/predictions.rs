//! Predictions: how good the model is (metric cards, confusion matrix, ROC curve, or the
//! regression / segment measures), the scored customers, and Export.

use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints};

use crate::ml::metrics::{ClassificationMetrics, Metrics, RegressionMetrics, SegmentMetrics};
use crate::train::{EvaluatedOn, TrainOutcome};
use crate::ui::app::{AppState, Command};
use crate::ui::format;
use crate::ui::widgets::table::table_ui;

pub fn predictions_panel_ui(
    ui: &mut egui::Ui,
    state: &AppState,
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
            let export = ui.add_enabled(!exporting, egui::Button::new("Export CSV…"));
            if export
                .on_hover_text("Write the scored customers shown below to a CSV file")
                .clicked()
            {
                cmds.push(Command::ExportDialog);
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
    ui.add_space(6.0);
    let chart_height = 230.0;
    match &o.metrics {
        Metrics::Classification(m) => classification_ui(ui, o, m, chart_height),
        Metrics::Regression(m) => regression_ui(ui, m),
        Metrics::Segments(m) => segments_ui(ui, m, chart_height),
    }
    ui.add_space(6.0);
    ui.strong(format!(
        "Scored customers ({})",
        format::count(o.predictions.height())
    ));
    let display = state.training.as_ref().and_then(|r| r.display.as_ref());
    table_ui(ui, "predictions_table", display.unwrap_or(&o.predictions));
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

fn classification_ui(ui: &mut egui::Ui, o: &TrainOutcome, m: &ClassificationMetrics, height: f32) {
    ui.horizontal_wrapped(|ui| {
        card(ui, "AUC", format!("{:.3}", m.auc), "Chance that a random responder is scored above a random non-responder. 0.5 is guessing, 1 is perfect.");
        card(ui, "Accuracy", format!("{:.1}%", 100.0 * m.accuracy), "Share of customers whose yes/no is predicted right at the threshold. Misleading when yes is rare.");
        card(ui, "Precision", format!("{:.1}%", 100.0 * m.precision), "Of the customers predicted yes, the share who really were.");
        card(ui, "Recall", format!("{:.1}%", 100.0 * m.recall), "Of the customers who really were yes, the share the model found.");
        card(ui, "F1", format!("{:.3}", m.f1), "Balance of precision and recall (their harmonic mean).");
        card(ui, "Log loss", format!("{:.4}", m.log_loss), "How far the predicted probabilities are from what happened; lower is better.");
        card(ui, "Top-decile lift", format!("{:.2}×", m.lift_top_decile), "Response rate among the top-scored 10% of customers, divided by the overall rate.");
    });
    let classes = o.model.classes.as_ref();
    let (pos, neg) = classes.map_or(("yes", "no"), |c| {
        (c.positive.as_str(), c.negative.as_str())
    });
    ui.columns(2, |cols| {
        let ui = &mut cols[0];
        ui.strong(format!("Confusion matrix (threshold {:.2})", m.threshold));
        egui::Grid::new("confusion")
            .striped(true)
            .min_col_width(90.0)
            .show(ui, |ui| {
                let c = &m.confusion;
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
        ui.add_space(6.0);
        ui.weak(format!(
            "{:.1}% of these customers are '{pos}'.",
            100.0 * m.positive_rate
        ));
        let ui = &mut cols[1];
        ui.strong("ROC curve");
        Plot::new("roc")
            .height(height)
            .legend(Legend::default().position(egui_plot::Corner::RightBottom))
            .x_axis_label("false positive rate")
            .y_axis_label("true positive rate")
            .include_x(0.0)
            .include_x(1.0)
            .include_y(0.0)
            .include_y(1.0)
            .allow_scroll(false)
            .show(ui, |p| {
                p.line(Line::new(
                    format!("model (AUC {:.3})", m.auc),
                    PlotPoints::from(o.roc.clone()),
                ));
                p.line(
                    Line::new("guessing", PlotPoints::from(vec![[0.0, 0.0], [1.0, 1.0]]))
                        .style(egui_plot::LineStyle::dashed_dense()),
                );
            });
    });
}

fn regression_ui(ui: &mut egui::Ui, m: &RegressionMetrics) {
    ui.horizontal_wrapped(|ui| {
        card(ui, "RMSE", format::number(m.rmse), "Typical size of an error, in the target's units; large misses count extra.");
        card(ui, "MAE", format::number(m.mae), "Average size of an error, in the target's units.");
        card(ui, "R²", format!("{:.3}", m.r2), "Share of the variation between customers the model explains. 0 is no better than the average, 1 is perfect.");
    });
}

fn segments_ui(ui: &mut egui::Ui, m: &SegmentMetrics, height: f32) {
    ui.horizontal_wrapped(|ui| {
        card(ui, "Segments", m.k.to_string(), "How many groups of customers were found.");
        card(ui, "Inertia", format::number(m.inertia), "Mean squared distance of a customer to its segment's centre, in standardised units; lower is tighter.");
        card(ui, "Silhouette", format!("{:.3}", m.silhouette), "How well customers sit in their own segment rather than the next (−1 to 1; above 0.25 is a usable structure).");
    });
    ui.strong("Customers per segment");
    let bars: Vec<Bar> = m
        .sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| Bar::new((i + 1) as f64, n as f64).name(format!("segment {}", i + 1)))
        .collect();
    Plot::new("segment_sizes")
        .height(height)
        .x_axis_label("segment")
        .allow_scroll(false)
        .show(ui, |p| p.bar_chart(BarChart::new("customers", bars)));
}
