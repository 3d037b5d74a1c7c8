//! Lifetime value: the fitted parameters in words, the holdout check, the diagnostic charts,
//! the customers by value and the win-back list.

use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints, Polygon, VLine};
use workbench_core::clv::Purchases;
use workbench_core::clv::diagnostics::Diagnostics;
use workbench_core::data::dates;

use crate::ui::app::{Command, GONE_BELOW, OrdersCommand, OrdersResult, OrdersRun, OrdersTable};
use crate::ui::format;
use crate::ui::widgets::table::table_ui;

/// Which part of the results is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClvTab {
    #[default]
    Charts,
    Customers,
    WinBack,
}

#[derive(Default)]
pub struct ClvView {
    pub tab: ClvTab,
    /// The lifetime-value histogram, keyed by run id.
    histogram: Option<(u64, Vec<Bar>)>,
}

const CHART_HEIGHT: f32 = 230.0;

pub fn results_ui(
    ui: &mut egui::Ui,
    run: &OrdersRun,
    result: &OrdersResult,
    view: &mut ClvView,
    exporting: bool,
    cmds: &mut Vec<Command>,
) {
    let OrdersResult::LifetimeValue {
        outcome,
        diagnostics,
        by_value,
        win_back,
    } = result
    else {
        return;
    };
    let s = &outcome.summary;
    let unit = outcome.settings.unit.cli_name();
    super::super::heading_ui(
        ui,
        "Lifetime value",
        &format!(
            "{} customers who bought by {}, {} of them more than once; over the next {} {unit}s",
            format::count(s.len()),
            dates::iso_date(s.calibration_end),
            format::count(s.frequency.iter().filter(|&&x| x > 0.0).count()),
            format::number(outcome.horizon)
        ),
    );
    ui.horizontal_wrapped(|ui| {
        let model = match outcome.purchases {
            Purchases::BgNbd(_) => "BG/NBD",
            Purchases::ParetoNbd(_) => "Pareto/NBD",
        };
        ui.label(format!("{model}, log-likelihood {:.1}", outcome.log_likelihood))
            .on_hover_text("How well the model explains the purchases (higher is better); compare models on the same data only.");
        if let Some((actual, predicted)) = outcome.holdout {
            ui.separator();
            let error = if actual > 0.0 {
                format!(" ({:+.1}%)", 100.0 * (predicted - actual) / actual)
            } else {
                String::new()
            };
            ui.label(if actual > 0.0 {
                format!(
                    "After the calibration end: {} repeat purchases, the model expected {predicted:.0}{error}",
                    format::count(actual as usize),
                )
            } else {
                format!("After the calibration end: no purchases yet, the model expected {predicted:.0}")
            })
            .on_hover_text("The honest check: the model never saw these purchases.");
        }
        let total: f64 = outcome.clv.iter().sum();
        ui.separator();
        ui.label(format!("Lifetime value of all: {}", format::amount(total)));
    });
    for line in outcome.purchases.in_words() {
        ui.label(line);
    }
    if let Some(sp) = &outcome.spend {
        ui.label(sp.model.in_words());
        ui.weak(format!(
            "Check: frequency and order value correlate at {:.2} among repeat customers (the spend model assumes no link; below 0.3 is fine).",
            sp.frequency_value_correlation
        ));
    } else {
        ui.weak("No amount column: lifetime value needs one (pick it in Model); purchases are still predicted.");
    }
    for note in &outcome.notes {
        ui.colored_label(ui.visuals().warn_fg_color, note);
    }
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        ui.selectable_value(&mut view.tab, ClvTab::Charts, "Charts");
        ui.selectable_value(&mut view.tab, ClvTab::Customers, "Customers by value");
        ui.selectable_value(&mut view.tab, ClvTab::WinBack, format!("Likely gone but valuable ({})", format::count(win_back.height())))
            .on_hover_text(format!("Customers with P(alive) below {GONE_BELOW} who spent most on repeat purchases: a win-back campaign list."));
        ui.separator();
        let table = match view.tab {
            ClvTab::WinBack => OrdersTable::WinBack,
            _ => OrdersTable::Customers,
        };
        let label = if table == OrdersTable::WinBack { "Export the win-back list…" } else { "Export all customers…" };
        if ui.add_enabled(!exporting, egui::Button::new(label)).clicked() {
            cmds.push(OrdersCommand::ExportDialog(table).into());
        }
        if ui
            .button("Add to a customer table…")
            .on_hover_text("Open a table with one row per customer and add P(alive), expected purchases, expected value and lifetime value to it, matched on the customer id: then predict them, or describe segments with them.")
            .clicked()
        {
            cmds.push(OrdersCommand::JoinDialog.into());
        }
    });
    match view.tab {
        ClvTab::Charts => {
            let bars = match &view.histogram {
                Some((id, bars)) if *id == run.id => bars.clone(),
                _ => {
                    let bars = value_histogram(&outcome.clv);
                    view.histogram = Some((run.id, bars.clone()));
                    bars
                }
            };
            egui::ScrollArea::vertical().show(ui, |ui| {
                charts_ui(ui, cmds, diagnostics, bars, unit, s.calibration_end)
            });
        }
        ClvTab::Customers => table_ui(ui, "clv_customers", by_value, None),
        ClvTab::WinBack => table_ui(ui, "clv_win_back", win_back, None),
    }
}

/// Bars of the lifetime-value distribution: 30 equal bins up to the 99th percentile.
fn value_histogram(values: &[f64]) -> Vec<Bar> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let Some(&top) =
        sorted.get(((sorted.len() as f64 * 0.99) as usize).min(sorted.len().saturating_sub(1)))
    else {
        return Vec::new();
    };
    let bins = 30;
    let width = (top / bins as f64).max(1e-9);
    let mut counts = vec![0usize; bins];
    for v in &sorted {
        counts[((v / width) as usize).min(bins - 1)] += 1;
    }
    counts
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let lo = i as f64 * width;
            Bar::new(lo + width / 2.0, c as f64)
                .width(width * 0.95)
                .name(format!(
                    "{} – {}: {} customers",
                    format::amount(lo),
                    format::amount(lo + width),
                    c
                ))
        })
        .collect()
}

fn charts_ui(
    ui: &mut egui::Ui,
    cmds: &mut Vec<Command>,
    d: &Diagnostics,
    value_bars: Vec<Bar>,
    unit: &str,
    calibration_end: i32,
) {
    ui.columns(2, |cols| {
        let (left, right) = cols.split_at_mut(1);
        super::chart_ui(&mut left[0], cmds, "repeat_purchases", |ui| {
            ui.strong("Repeat purchases by the calibration end").on_hover_text("Customers by how many repeat purchases they made, and how many the model expects: the bars should match.");
            let actual: Vec<Bar> = d.frequency.iter().enumerate().map(|(i, b)| Bar::new(i as f64 - 0.2, b.actual).width(0.4).name(format!("{}: {:.0}", b.label, b.actual))).collect();
            let model: Vec<Bar> = d.frequency.iter().enumerate().filter_map(|(i, b)| b.model.map(|m| Bar::new(i as f64 + 0.2, m).width(0.4).name(format!("{}: {:.0}", b.label, m)))).collect();
            let labels: Vec<String> = d.frequency.iter().map(|b| b.label.clone()).collect();
            Plot::new("clv_frequency")
                .height(CHART_HEIGHT)
                .legend(Legend::default())
                .x_axis_label("repeat purchases")
                .x_axis_formatter(move |m, _| labels.get(m.value.round() as usize).filter(|_| (m.value - m.value.round()).abs() < 1e-6).cloned().unwrap_or_default())
                .allow_scroll(false)
                .show(ui, |p| {
                    p.bar_chart(BarChart::new("actual", actual));
                    if !model.is_empty() {
                        p.bar_chart(BarChart::new("model", model));
                    }
                });
        });
        super::chart_ui(&mut right[0], cmds, "repeat_purchases_over_time", |ui| {
            ui.strong("Repeat purchases over time, cumulative").on_hover_text("Actual and expected repeat purchases of these customers; right of the dashed line is the holdout the model never saw.");
            let weeks = |day: i32| f64::from(day - d.periods.first().map_or(day, |p| p.start)) / 7.0;
            let (mut a, mut m) = (0.0, 0.0);
            let mut actual = Vec::new();
            let mut model = Vec::new();
            for p in &d.periods {
                a += p.actual;
                m += p.predicted;
                let x = weeks(p.start) + d.period_days / 7.0;
                actual.push([x, a]);
                model.push([x, m]);
            }
            let end = weeks(calibration_end);
            Plot::new("clv_tracking")
                .height(CHART_HEIGHT)
                .legend(Legend::default().position(egui_plot::Corner::RightBottom))
                .x_axis_label("weeks since the first purchase")
                .allow_scroll(false)
                .show(ui, |p| {
                    p.line(Line::new("actual", PlotPoints::from(actual)));
                    p.line(Line::new("model", PlotPoints::from(model)).style(egui_plot::LineStyle::dashed_loose()));
                    p.vline(VLine::new("calibration end", end).style(egui_plot::LineStyle::dashed_dense()));
                });
        });
    });
    ui.add_space(8.0);
    ui.columns(2, |cols| {
        let (left, right) = cols.split_at_mut(1);
        if d.holdout.is_empty() {
            left[0].weak("No purchases after the calibration end: set an earlier calibration end in Model to check the model on purchases it did not see.");
        } else {
            super::chart_ui(&mut left[0], cmds, "holdout_by_frequency", |ui| {
                ui.strong("Purchases after the calibration end, by earlier repeat purchases").on_hover_text("Mean purchases per customer in the holdout, actual and expected, for customers grouped by their repeat purchases before it.");
                let actual: Vec<Bar> = d.holdout.iter().enumerate().map(|(i, b)| Bar::new(i as f64 - 0.2, b.actual).width(0.4).name(format!("{} ({} customers): {:.2}", b.label, b.customers, b.actual))).collect();
                let model: Vec<Bar> = d.holdout.iter().enumerate().map(|(i, b)| Bar::new(i as f64 + 0.2, b.predicted).width(0.4).name(format!("{}: {:.2}", b.label, b.predicted))).collect();
                Plot::new("clv_holdout")
                    .height(CHART_HEIGHT)
                    .legend(Legend::default())
                    .x_axis_label("repeat purchases before")
                    .allow_scroll(false)
                    .show(ui, |p| {
                        p.bar_chart(BarChart::new("actual", actual));
                        p.bar_chart(BarChart::new("model", model));
                    });
            });
        }
        super::chart_ui(&mut right[0], cmds, "probability_alive", |ui| {
            ui.strong(format!("Probability still active, by repeat purchases and recency ({unit}s)")).on_hover_text(format!(
                "For a customer who first bought {:.0} {unit}s ago: darker is more likely gone. Frequent buyers who have not bought for long are the likeliest gone.",
                d.alive.t
            ));
            alive_map_ui(ui, d);
        });
    });
    ui.add_space(8.0);
    super::chart_ui(ui, cmds, "lifetime_value", |ui| {
        ui.strong("Lifetime value: how many customers are worth how much").on_hover_text("The top 1% are left out of the chart so the rest can be seen; the tables list everyone.");
        Plot::new("clv_values")
            .height(CHART_HEIGHT)
            .x_axis_label("lifetime value")
            .y_axis_label("customers")
            .allow_scroll(false)
            .show(ui, |p| p.bar_chart(BarChart::new("customers", value_bars)));
    });
}

/// P(alive) as a heat map: one cell per (recency, frequency).
fn alive_map_ui(ui: &mut egui::Ui, d: &Diagnostics) {
    let m = &d.alive;
    let dark = ui.visuals().dark_mode;
    let (fs, rs) = (&m.frequencies, &m.recencies);
    let step = |v: &[f64], i: usize| {
        let next = v
            .get(i + 1)
            .copied()
            .unwrap_or(v[i] + v.get(1).map_or(1.0, |x| x - v[0]));
        next - v[i]
    };
    Plot::new("clv_alive")
        .height(CHART_HEIGHT)
        .x_axis_label("recency: time from first to last purchase")
        .y_axis_label("repeat purchases")
        .allow_scroll(false)
        .allow_drag(false)
        .show(ui, |p| {
            for (i, row) in m.p.iter().enumerate() {
                for (j, cell) in row.iter().enumerate() {
                    let Some(alive) = cell else { continue };
                    let (x0, y0) = (rs[j], fs[i]);
                    let (x1, y1) = (x0 + step(rs, j), y0 + step(fs, i));
                    let color = heat(*alive, dark);
                    p.polygon(
                        Polygon::new(
                            format!(
                                "{:.0} purchases, recency {:.1}: P(alive) {:.2}",
                                y0, x0, alive
                            ),
                            PlotPoints::from(vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1]]),
                        )
                        .fill_color(color)
                        .stroke(egui::Stroke::NONE),
                    );
                }
            }
        });
}

/// A cell's colour: likely active is a strong blue, likely gone fades to the background.
fn heat(alive: f64, dark: bool) -> egui::Color32 {
    let t = alive.clamp(0.0, 1.0);
    let (from, to) = if dark {
        ([30.0, 30.0, 34.0], [90.0, 170.0, 255.0])
    } else {
        ([245.0, 240.0, 235.0], [20.0, 70.0, 160.0])
    };
    let mix = |k: usize| (from[k] + (to[k] - from[k]) * t) as u8;
    egui::Color32::from_rgb(mix(0), mix(1), mix(2))
}
