//! A model of an amount: its errors, predicted against actual, and the residuals.

use egui_plot::{BarChart, Line, LineStyle, PlotPoints, Points};
use workbench_core::ml::metrics::RegressionMetrics;
use workbench_core::train::{Insights, TrainOutcome};

use crate::ui::app::Command;
use crate::ui::format;

use super::{card, importance_ui, png_button, small_plot};

pub(super) fn regression_ui(
    ui: &mut egui::Ui,
    o: &TrainOutcome,
    m: &RegressionMetrics,
    cmds: &mut Vec<Command>,
) {
    let Some(Insights::Amount(a)) = &o.insights else {
        return;
    };
    ui.horizontal_wrapped(|ui| {
        card(ui, "RMSE", format::number(m.rmse), "Typical size of an error, in the target's units; large misses count extra.");
        card(ui, "MAE", format::number(m.mae), "Average size of an error, in the target's units.");
        card(ui, "R²", format!("{:.3}", m.r2), "Share of the variation between customers the model explains. 0 is no better than the average, 1 is perfect.");
        card(ui, "MAPE", format!("{:.1}%", 100.0 * m.mape), "Average error as a share of the actual amount (customers whose amount is 0 left out).");
    });
    ui.columns(3, |cols| {
        let ui = &mut cols[0];
        ui.strong("Predicted against actual");
        let top = a.scatter.iter().map(|p| p[0].max(p[1])).fold(0.0, f64::max);
        let low = a.scatter.iter().map(|p| p[0].min(p[1])).fold(0.0, f64::min);
        let chart = ui.scope(|ui| {
            small_plot("fit", 240.0)
                .x_axis_label("actual")
                .y_axis_label("predicted")
                .show(ui, |p| {
                    p.points(Points::new("customers", a.scatter.clone()).radius(1.5));
                    p.line(
                        Line::new("perfect", PlotPoints::from(vec![[low, low], [top, top]]))
                            .style(LineStyle::dashed_dense()),
                    );
                })
        });
        png_button(ui, cmds, "fit", chart.response.rect);
        let ui = &mut cols[1];
        ui.strong("Errors (predicted − actual)");
        if let Some(h) = &a.residuals {
            let bars = crate::ui::widgets::histogram_bars(h);
            let chart = ui.scope(|ui| {
                small_plot("residuals", 240.0)
                    .x_axis_label("error")
                    .y_axis_label("customers")
                    .show(ui, |p| p.bar_chart(BarChart::new("customers", bars)))
            });
            png_button(ui, cmds, "residuals", chart.response.rect);
        }
        let ui = &mut cols[2];
        importance_ui(ui, &a.explanation, "R²", cmds);
    });
}
