//! Predictions, for a forecast: the history, the test period and a method's forecasts with 80%
//! and 95% intervals (hover for values); the methods ranked by their errors on the test period
//! and in the backtest; residuals over time and their autocorrelation; the seasonal pattern;
//! with a group column, small multiples and a table per group. Export writes the forecasts.

use egui_plot::{
    Bar, BarChart, FilledArea, HLine, Legend, Line, LineStyle, Plot, PlotPoints, VLine,
};
use workbench_core::data::dates;
use workbench_core::forecast::{
    ForecastResult, Freq, Method, MethodResult, SeriesResult, accuracy,
};

use crate::ui::app::{AppState, Command, ForecastCommand};
use crate::ui::format;

const CHART_HEIGHT: f32 = 320.0;
/// Small multiples drawn at most (the table lists every group).
const MULTIPLES: usize = 24;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    #[default]
    Forecast,
    Accuracy,
    Residuals,
    Season,
    Groups,
}

/// Widget-local state of the forecast results.
#[derive(Default)]
pub struct ForecastView {
    pub tab: Tab,
    /// The series shown: `None` for all rows, else a group's label.
    pub series: Option<String>,
    /// The method shown (`None`: the best on the test period).
    pub method: Option<Method>,
    /// Draw every method's forecast, not only the chosen one's.
    pub compare: bool,
}

fn date_axis(day: f64) -> String {
    dates::iso_date(day.round() as i32)
}

/// Points (day, value) of `values` starting at period `first` of `s`.
fn points(s: &SeriesResult, first: usize, values: &[f64]) -> Vec<[f64; 2]> {
    values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(j, v)| [f64::from(s.series.day(first + j)), *v])
        .collect()
}

fn days(s: &SeriesResult, first: usize, n: usize) -> Vec<f64> {
    (0..n).map(|j| f64::from(s.series.day(first + j))).collect()
}

/// The history, the test period and `shown`'s forecasts with intervals; `others` as lines.
fn forecast_chart_ui(
    ui: &mut egui::Ui,
    id: &str,
    s: &SeriesResult,
    shown: &MethodResult,
    others: &[&MethodResult],
    height: f32,
    small: bool,
) {
    let n = s.series.len();
    let test_start = n - s.test;
    let accent = ui.visuals().selection.bg_fill;
    let mut plot = Plot::new(id)
        .height(height)
        .allow_scroll(false)
        .x_axis_formatter(|mark, _| date_axis(mark.value))
        .label_formatter(|pos| {
            let p = match pos {
                egui_plot::HoverPosition::NearDataPoint {
                    plot_name,
                    position,
                    ..
                } => {
                    return Some(format!(
                        "{plot_name}\n{}: {}",
                        date_axis(position.x),
                        format::number(position.y)
                    ));
                }
                egui_plot::HoverPosition::Elsewhere { position } => position,
            };
            Some(format!("{}\n{}", date_axis(p.x), format::number(p.y)))
        });
    if small {
        plot = plot
            .allow_drag(false)
            .allow_zoom(false)
            .show_axes([false, true]);
    } else {
        plot = plot.legend(Legend::default());
    }
    plot.show(ui, |p| {
        p.line(Line::new("actual", PlotPoints::from(points(s, 0, &s.series.values))).width(1.5));
        p.vline(
            VLine::new("test period starts", f64::from(s.series.day(test_start)))
                .style(LineStyle::dashed_dense()),
        );
        for (f, first, what) in [
            (&shown.test, test_start, "on the test period"),
            (&shown.future, n, "ahead"),
        ] {
            let xs = days(s, first, f.len());
            if !small {
                p.add(
                    FilledArea::new(
                        format!("{} 95% ({what})", shown.method.key()),
                        &xs,
                        &f.lo95,
                        &f.hi95,
                    )
                    .fill_color(accent.gamma_multiply(0.25)),
                );
            }
            p.add(
                FilledArea::new(
                    format!("{} 80% ({what})", shown.method.key()),
                    &xs,
                    &f.lo80,
                    &f.hi80,
                )
                .fill_color(accent.gamma_multiply(0.45)),
            );
            p.line(
                Line::new(
                    format!("{} ({what})", shown.method.key()),
                    PlotPoints::from(points(s, first, &f.mean)),
                )
                .width(2.0),
            );
        }
        for o in others {
            let mut both = points(s, test_start, &o.test.mean);
            both.extend(points(s, n, &o.future.mean));
            p.line(
                Line::new(o.method.key(), PlotPoints::from(both))
                    .width(1.0)
                    .style(LineStyle::dashed_loose()),
            );
        }
    });
}

fn card_ui(ui: &mut egui::Ui, title: &str, value: String, help: &str) {
    egui::Frame::group(ui.style())
        .show(ui, |ui| {
            ui.set_min_width(140.0);
            ui.vertical(|ui| {
                ui.weak(title);
                ui.label(egui::RichText::new(value).size(18.0).strong());
            });
        })
        .response
        .on_hover_text(help);
}

fn number_or_dash(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2}")
    } else {
        "–".into()
    }
}

/// Predictions for a forecast.
pub fn results_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    view: &mut ForecastView,
    exporting: bool,
    cmds: &mut Vec<Command>,
) {
    let Some(run) = &state.forecast.run else {
        super::super::waiting_ui(ui, "Run the forecast in Model first.");
        return;
    };
    let Some(result) = run.result() else {
        super::super::waiting_ui(ui, "Waiting for the run to finish: see Train.");
        return;
    };
    let what = match &result.settings.series.value {
        Some(v) => format!("{} of '{v}'", result.agg.name()),
        None => "rows".to_owned(),
    };
    super::super::heading_ui(
        ui,
        "Predictions",
        &format!(
            "What comes next: {what} per {}{} · season {} · the last {} held out to test",
            result.freq.name(),
            if result.freq_guessed {
                " (guessed from the dates)"
            } else {
                ""
            },
            result.season,
            result.total.test
        ),
    );
    // The series shown.
    let series: &SeriesResult = view
        .series
        .as_ref()
        .and_then(|g| result.groups.iter().find(|s| s.series.label() == g))
        .unwrap_or(&result.total);
    ui.horizontal(|ui| {
        if !result.groups.is_empty() {
            let label = ui.label("Series").id;
            egui::ComboBox::from_id_salt("forecast_series")
                .selected_text(view.series.clone().unwrap_or_else(|| "all rows".into()))
                .height(400.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut view.series, None, "all rows");
                    for g in &result.groups {
                        let name = g.series.label().to_owned();
                        ui.selectable_value(&mut view.series, Some(name.clone()), name);
                    }
                })
                .response
                .labelled_by(label);
        }
        if ui
            .add_enabled(!exporting, egui::Button::new("Export forecasts (CSV)…"))
            .on_hover_text("Every method's forecasts of the test period and past the data, with 80% and 95% intervals, per group: the same file as the command line's --out.")
            .clicked()
        {
            cmds.push(ForecastCommand::ExportDialog.into());
        }
    });
    let Some(best) = series.best() else {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            "No method could run on this series:",
        );
        for (m, why) in &series.skipped {
            ui.label(format!("{}: {why}", m.label()));
        }
        return;
    };
    let shown = view.method.and_then(|m| series.method(m)).unwrap_or(best);
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        card_ui(ui, "Best on the test period", best.method.label().to_owned(), &best.detail);
        card_ui(ui, "Its MASE", number_or_dash(best.accuracy.mase), "Mean absolute error over the in-sample error of the seasonal naive forecast: below 1 beats it.");
        card_ui(ui, "Its RMSE", format::number(best.accuracy.rmse), "Root mean squared error on the test periods, in the series' units.");
        card_ui(
            ui,
            "Periods",
            format!("{} ({} filled)", series.series.len(), series.series.gaps()),
            "Periods in the series; periods without rows were filled (0 for sums and counts, the straight line between neighbours for means).",
        );
    });
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        ui.selectable_value(&mut view.tab, Tab::Forecast, "Forecast");
        ui.selectable_value(&mut view.tab, Tab::Accuracy, "Accuracy");
        ui.selectable_value(&mut view.tab, Tab::Residuals, "Residuals");
        ui.selectable_value(&mut view.tab, Tab::Season, "Season");
        if !result.groups.is_empty() {
            ui.selectable_value(&mut view.tab, Tab::Groups, "Groups");
        }
    });
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("forecast_results")
        .show(ui, |ui| match view.tab {
            Tab::Forecast => {
                method_choice_ui(ui, series, view);
                let others: Vec<&MethodResult> = if view.compare {
                    series
                        .methods
                        .iter()
                        .filter(|m| m.method != shown.method)
                        .collect()
                } else {
                    Vec::new()
                };
                super::super::orders::chart_ui(ui, cmds, "forecast", |ui| {
                    forecast_chart_ui(
                        ui,
                        "forecast_chart",
                        series,
                        shown,
                        &others,
                        CHART_HEIGHT,
                        false,
                    );
                });
                future_table_ui(ui, series, shown);
            }
            Tab::Accuracy => accuracy_ui(ui, series),
            Tab::Residuals => {
                method_choice_ui(ui, series, view);
                residuals_ui(ui, cmds, series, shown);
            }
            Tab::Season => season_ui(ui, cmds, result, series),
            Tab::Groups => groups_ui(ui, result, view),
        });
}

fn method_choice_ui(ui: &mut egui::Ui, s: &SeriesResult, view: &mut ForecastView) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Method");
        for (i, m) in s.ranking.iter().enumerate() {
            let selected = view.method.unwrap_or(s.ranking[0]) == *m;
            let text = if i == 0 {
                format!("{} (best)", m.key())
            } else {
                m.key().to_owned()
            };
            if ui.radio(selected, text).on_hover_text(m.label()).clicked() {
                view.method = Some(*m);
            }
        }
        ui.checkbox(&mut view.compare, "compare all");
    });
}

fn future_table_ui(ui: &mut egui::Ui, s: &SeriesResult, m: &MethodResult) {
    egui::CollapsingHeader::new(format!(
        "{} forecasts past the data ({})",
        s.horizon, m.detail
    ))
    .id_salt("forecast_future_table")
    .default_open(true)
    .show(ui, |ui| {
        egui::Grid::new("forecast_future_grid")
            .striped(true)
            .spacing([24.0, 3.0])
            .show(ui, |ui| {
                for h in [
                    "period", "forecast", "80% from", "80% to", "95% from", "95% to",
                ] {
                    ui.weak(h);
                }
                ui.end_row();
                let f = &m.future;
                for j in 0..f.len() {
                    ui.label(dates::iso_date(s.series.day(s.series.len() + j)));
                    for v in [f.mean[j], f.lo80[j], f.hi80[j], f.lo95[j], f.hi95[j]] {
                        ui.label(format::number(v));
                    }
                    ui.end_row();
                }
            });
    });
}

fn accuracy_ui(ui: &mut egui::Ui, s: &SeriesResult) {
    ui.label(format!(
        "Each method fitted on the {} periods before the test period and judged on its {} periods (as R's accuracy() computes the errors; MASE scales the mean absolute error by the in-sample seasonal naive error, {}). The backtest refits each method at earlier origins, a test period apart, and averages.",
        s.series.len() - s.test,
        s.test,
        format::number(s.scale)
    ));
    ui.add_space(6.0);
    egui::Grid::new("forecast_accuracy_grid")
        .striped(true)
        .spacing([20.0, 4.0])
        .show(ui, |ui| {
            for h in [
                "rank",
                "method",
                "fitted",
                "RMSE",
                "MAE",
                "MAPE %",
                "MASE",
                "backtest MASE",
            ] {
                ui.weak(h);
            }
            ui.end_row();
            for (i, m) in s.ranking.iter().enumerate() {
                let Some(r) = s.method(*m) else { continue };
                ui.label((i + 1).to_string());
                ui.label(m.label());
                ui.label(&r.detail);
                ui.label(format::number(r.accuracy.rmse));
                ui.label(format::number(r.accuracy.mae));
                ui.label(number_or_dash(r.accuracy.mape));
                ui.label(number_or_dash(r.accuracy.mase));
                match &r.backtest {
                    Some(b) => ui.label(format!(
                        "{} ({} origins)",
                        number_or_dash(b.mase),
                        r.origins
                    )),
                    None => ui.weak("too short"),
                };
                ui.end_row();
            }
        });
    for (m, why) in &s.skipped {
        ui.weak(format!("{} did not run: {why}", m.label()));
    }
}

fn residuals_ui(ui: &mut egui::Ui, cmds: &mut Vec<Command>, s: &SeriesResult, m: &MethodResult) {
    let residuals = m.residuals(&s.series.values);
    ui.label(format!("{}: actual minus the one-step forecast, fitted on the whole series. A good model leaves residuals without pattern: no trend, no season, little autocorrelation.", m.detail));
    super::super::orders::chart_ui(ui, cmds, "forecast_residuals", |ui| {
        Plot::new("forecast_residuals_chart")
            .height(220.0)
            .allow_scroll(false)
            .x_axis_formatter(|mark, _| date_axis(mark.value))
            .show(ui, |p| {
                p.line(Line::new(
                    "residual",
                    PlotPoints::from(points(s, 0, &residuals)),
                ));
                p.hline(HLine::new("zero", 0.0));
            });
    });
    let lags = (2 * s.series.freq.season().min(s.series.len() / 4)).clamp(8, 60);
    let acf = accuracy::acf(&residuals, lags);
    let known = residuals.iter().filter(|r| r.is_finite()).count().max(1);
    let bound = 1.96 / (known as f64).sqrt();
    ui.strong("Autocorrelation of the residuals").on_hover_text("Bars beyond the dashed lines (±1.96/√n) are autocorrelations a model without pattern would rarely leave.");
    super::super::orders::chart_ui(ui, cmds, "forecast_acf", |ui| {
        Plot::new("forecast_acf_chart")
            .height(200.0)
            .allow_scroll(false)
            .x_axis_label("lag")
            .show(ui, |p| {
                let bars: Vec<Bar> = acf
                    .iter()
                    .enumerate()
                    .map(|(k, r)| Bar::new(k as f64 + 1.0, *r).width(0.6))
                    .collect();
                p.bar_chart(BarChart::new("autocorrelation", bars));
                p.hline(HLine::new("+1.96/√n", bound).style(LineStyle::dashed_dense()));
                p.hline(HLine::new("−1.96/√n", -bound).style(LineStyle::dashed_dense()));
            });
    });
}

fn position_name(freq: Freq, m: usize, k: usize) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    match freq {
        Freq::Month if m == 12 => MONTHS[k].into(),
        Freq::Quarter if m == 4 => format!("Q{}", k + 1),
        Freq::Day if m == 7 => DAYS[k].into(),
        _ => format!("{}", k + 1),
    }
}

fn season_ui(ui: &mut egui::Ui, cmds: &mut Vec<Command>, r: &ForecastResult, s: &SeriesResult) {
    let m = r.season;
    if m < 2 {
        ui.label("No season is set: there is no seasonal pattern to show.");
        return;
    }
    let freq = s.series.freq;
    let mut sums = vec![(0.0, 0usize); m];
    for (i, v) in s.series.values.iter().enumerate() {
        // The position of the period in its season (month of the year, weekday, …).
        let k = if freq.season() == m {
            freq.position_in_season(s.series.start + i as i64, m)
        } else {
            i % m
        };
        sums[k].0 += v;
        sums[k].1 += 1;
    }
    let what = match freq {
        Freq::Month if m == 12 => "month of the year",
        Freq::Quarter if m == 4 => "quarter",
        Freq::Day if m == 7 => "weekday",
        Freq::Week if m == 52 => "week of the year (weeks since 1970, modulo 52)",
        _ => "position in the season",
    };
    ui.label(format!(
        "The mean value by {what}, over the whole history of '{}'.",
        s.series.label()
    ));
    super::super::orders::chart_ui(ui, cmds, "forecast_season", |ui| {
        let bars: Vec<Bar> = sums
            .iter()
            .enumerate()
            .filter(|(_, (_, c))| *c > 0)
            .map(|(k, (sum, c))| {
                Bar::new(k as f64, sum / *c as f64)
                    .name(position_name(freq, m, k))
                    .width(0.7)
            })
            .collect();
        Plot::new("forecast_season_chart")
            .height(CHART_HEIGHT)
            .allow_scroll(false)
            .x_axis_formatter(move |mark, _| {
                let k = mark.value.round();
                if (mark.value - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < m {
                    position_name(freq, m, k as usize)
                } else {
                    String::new()
                }
            })
            .show(ui, |p| p.bar_chart(BarChart::new("mean", bars)));
    });
}

fn groups_ui(ui: &mut egui::Ui, r: &ForecastResult, view: &mut ForecastView) {
    ui.label("Each group's history and its best method's forecast with the 80% interval. Click a group's name to look at it closely.");
    let columns = 3;
    let width = (ui.available_width() / columns as f32 - 12.0).max(160.0);
    egui::Grid::new("forecast_multiples")
        .num_columns(columns)
        .spacing([12.0, 12.0])
        .show(ui, |ui| {
            for (i, g) in r.groups.iter().take(MULTIPLES).enumerate() {
                ui.vertical(|ui| {
                    ui.set_width(width);
                    let title = match g.best() {
                        Some(b) => format!(
                            "{} · {} (MASE {})",
                            g.series.label(),
                            b.method.key(),
                            number_or_dash(b.accuracy.mase)
                        ),
                        None => format!("{} · no method ran", g.series.label()),
                    };
                    if ui.link(title).clicked() {
                        view.series = Some(g.series.label().to_owned());
                        view.tab = Tab::Forecast;
                    }
                    if let Some(b) = g.best() {
                        forecast_chart_ui(
                            ui,
                            &format!("forecast_multiple_{i}"),
                            g,
                            b,
                            &[],
                            150.0,
                            true,
                        );
                    }
                });
                if (i + 1) % columns == 0 {
                    ui.end_row();
                }
            }
        });
    if r.groups.len() > MULTIPLES {
        ui.weak(format!(
            "The first {MULTIPLES} of {} groups are drawn (the largest); the table lists all.",
            r.groups.len()
        ));
    }
    ui.add_space(8.0);
    egui::Grid::new("forecast_groups_table")
        .striped(true)
        .spacing([20.0, 3.0])
        .show(ui, |ui| {
            for h in [
                "group",
                "periods",
                "best",
                "MASE",
                "RMSE",
                "forecast total ahead",
            ] {
                ui.weak(h);
            }
            ui.end_row();
            for g in &r.groups {
                ui.label(g.series.label());
                ui.label(g.series.len().to_string());
                match g.best() {
                    Some(b) => {
                        ui.label(&b.detail);
                        ui.label(number_or_dash(b.accuracy.mase));
                        ui.label(format::number(b.accuracy.rmse));
                        ui.label(format::number(b.future.mean.iter().sum()));
                    }
                    None => {
                        ui.weak("none ran");
                        ui.label("");
                        ui.label("");
                        ui.label("");
                    }
                }
                ui.end_row();
            }
            for (g, why) in &r.failed_groups {
                ui.label(g);
                ui.weak(why);
                ui.end_row();
            }
        });
}
