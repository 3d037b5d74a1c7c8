//! Forecasting, step by step: the question beside the others (Model's "Question" row), the
//! series (date, value, aggregation, groups, frequency), the methods and the test period
//! (Model), the live run (Train) and the results (Predictions, `results.rs`).

mod results;

use egui_plot::{Legend, Line, Plot, PlotPoints};
use workbench_core::data::profile::Profile;
use workbench_core::forecast::{Agg, Freq, Method, Settings};

use crate::ui::app::{AppState, Command, ForecastCommand, ForecastStatus};
use crate::ui::format;
pub use results::{ForecastView, results_ui};

/// The question in Model's "Question" row (only for a table with dates).
pub fn question_choice_ui(ui: &mut egui::Ui, state: &AppState, cmds: &mut Vec<Command>) {
    if !state.forecast.possible {
        return;
    }
    let selected = state.forecast.active;
    if ui
        .radio(selected, "What comes next")
        .on_hover_text("Forecast a value over time (sales, orders, responses), per group if you like: simple benchmarks, exponential smoothing and a recurrent network, judged on the last periods held out.")
        .clicked()
        && !selected
    {
        cmds.push(ForecastCommand::SetActive(true).into());
    }
    super::text::question_choice_ui(ui, state, cmds);
}

/// Data: a table with dates, and the question it can answer.
pub fn data_ui(ui: &mut egui::Ui, state: &AppState, cmds: &mut Vec<Command>) {
    let Some(s) = state
        .forecast
        .settings
        .as_ref()
        .filter(|_| state.forecast.possible)
    else {
        return;
    };
    ui.horizontal(|ui| {
        let what = match &s.series.value {
            Some(v) => format!("'{v}'"),
            None => "rows".to_owned(),
        };
        let by = s
            .series
            .by
            .as_ref()
            .map(|b| format!(" per '{b}'"))
            .unwrap_or_default();
        ui.label(format!(
            "Dates in '{}': {what} over time{by}.",
            s.series.date
        ));
        if ui
            .button("What comes next?")
            .on_hover_text("Forecast this table's series: Model shows the series and the methods.")
            .clicked()
        {
            cmds.push(ForecastCommand::SetActive(true).into());
            cmds.push(Command::SelectStep(crate::ui::app::WorkflowStep::Model));
        }
    });
}

/// A whole number that is automatic when `None`.
fn optional_count(ui: &mut egui::Ui, value: &mut Option<usize>, automatic: &str, max: usize) {
    let mut on = value.is_some();
    ui.horizontal(|ui| {
        if ui.checkbox(&mut on, "set").changed() {
            *value = on.then_some(value.unwrap_or(4));
        }
        match value {
            Some(v) => {
                ui.add(egui::DragValue::new(v).range(1..=max));
            }
            None => {
                ui.weak(automatic);
            }
        }
    });
}

fn series_grid_ui(ui: &mut egui::Ui, profile: &Profile, s: &mut Settings) {
    egui::Grid::new("forecast_series_grid")
        .num_columns(2)
        .spacing([16.0, 8.0])
        .show(ui, |ui| {
            let l = ui.label("Date").on_hover_text("The column of dates: each row is counted in the period (day, week, month, …) its date falls in.").id;
            let dates: Vec<(String, String)> = profile
                .columns
                .iter()
                .filter(|c| c.date_range.is_some())
                .map(|c| {
                    let (a, b) = c.date_range.clone().unwrap_or_default();
                    (c.name.clone(), format!("{} ({a} to {b})", c.name))
                })
                .collect();
            super::labelled_combo(ui, ("forecast", "date"), 240.0, l, &mut s.series.date, dates);
            ui.end_row();

            let l = ui.label("Value").on_hover_text("What to forecast: a number per row, added up (or averaged) per period; or the number of rows per period (orders, visits).").id;
            let mut values = vec![(None, "count the rows".to_owned())];
            values.extend(
                profile
                    .columns
                    .iter()
                    .filter(|c| c.is_numeric() && c.date_range.is_none())
                    .map(|c| (Some(c.name.clone()), c.name.clone())),
            );
            super::labelled_combo(ui, ("forecast", "value"), 240.0, l, &mut s.series.value, values);
            ui.end_row();

            if s.series.value.is_some() {
                let l = ui.label("Per period").on_hover_text("How a period's rows become its value.").id;
                let mut agg = s.series.agg.unwrap_or(Agg::Sum);
                let choices = [Agg::Sum, Agg::Mean]
                    .into_iter()
                    .map(|a| (a, a.name().to_owned()))
                    .collect();
                super::labelled_combo(ui, ("forecast", "agg"), 240.0, l, &mut agg, choices);
                s.series.agg = Some(agg);
                ui.end_row();
            } else {
                s.series.agg = None;
            }

            let l = ui.label("One series per").on_hover_text("A column whose values each get their own series and forecast (regions, categories): small multiples and a table per group in Predictions.").id;
            let mut groups = vec![(None, "no groups".to_owned())];
            groups.extend(
                profile
                    .columns
                    .iter()
                    .filter(|c| !c.is_numeric() && c.date_range.is_none() && (2..=200).contains(&c.distinct))
                    .map(|c| (Some(c.name.clone()), format!("{} ({} values)", c.name, format::count(c.distinct)))),
            );
            super::labelled_combo(ui, ("forecast", "by"), 240.0, l, &mut s.series.by, groups);
            ui.end_row();

            let l = ui.label("Period").on_hover_text("The period of the series. Guessed from the dates' spacing (an order log with many rows a day is read weekly).").id;
            let mut choices = vec![(None, "guess from the dates".to_owned())];
            choices.extend(Freq::ALL.into_iter().map(|f| (Some(f), f.name().to_owned())));
            super::labelled_combo(ui, ("forecast", "freq"), 240.0, l, &mut s.series.freq, choices);
            ui.end_row();

            ui.label("Season").on_hover_text("Periods in a season: 7 days, 52 weeks, 12 months, 4 quarters by default.");
            optional_count(ui, &mut s.season, "the period's usual season", 400);
            ui.end_row();

            ui.label("Test periods").on_hover_text("The last periods, held out: every method is fitted on the history before them and judged on them.");
            optional_count(ui, &mut s.test, "one season (20% for short series)", 5_000);
            ui.end_row();

            ui.label("Forecast periods").on_hover_text("How far past the data to forecast.");
            optional_count(ui, &mut s.horizon, "as many as the test periods", 5_000);
            ui.end_row();

            ui.label("Backtest origins").on_hover_text("The rolling-origin backtest: the test period's origin and earlier ones, each a test period apart; every method is refitted at each.");
            ui.add(egui::DragValue::new(&mut s.origins).range(1..=20));
            ui.end_row();

            ui.label("Seed").on_hover_text("The same seed gives the same numbers (the network's training, simulated intervals), here and on the command line.");
            ui.add(egui::DragValue::new(&mut s.seed));
            ui.end_row();
        });
}

fn methods_ui(ui: &mut egui::Ui, s: &mut Settings) {
    ui.strong("Methods");
    for m in Method::ALL {
        let mut on = s.methods.contains(&m);
        let help = match m {
            Method::Mean => "The average of the history.",
            Method::Naive => "The last value, carried forward.",
            Method::Snaive => "The value one season earlier.",
            Method::Drift => "The line through the first and last values, extended.",
            Method::Ets => {
                "Exponential smoothing (error, trend and season each additive, multiplicative or none), its form chosen by AICc, as R's forecast::ets does."
            }
            Method::Rnn => {
                "A recurrent network (GRU) trained on windows of the series, with the position in the season as input; early stopping on the last windows."
            }
            Method::Auto => "Also report the best method on the test period, under 'auto'.",
        };
        if ui
            .checkbox(&mut on, m.label())
            .on_hover_text(help)
            .changed()
        {
            if on {
                s.methods.push(m);
                s.methods
                    .sort_by_key(|x| Method::ALL.iter().position(|a| a == x));
            } else {
                s.methods.retain(|x| *x != m);
            }
        }
    }
    if s.methods.contains(&Method::Rnn) {
        egui::CollapsingHeader::new("Recurrent network")
            .id_salt("forecast_rnn")
            .show(ui, |ui| {
                egui::Grid::new("forecast_rnn_grid").num_columns(2).show(ui, |ui| {
                    ui.label("Hidden units");
                    ui.add(egui::DragValue::new(&mut s.rnn.hidden).range(2..=128));
                    ui.end_row();
                    ui.label("Most epochs");
                    ui.add(egui::DragValue::new(&mut s.rnn.max_epochs).range(1..=5_000));
                    ui.end_row();
                    ui.label("Patience").on_hover_text("Epochs without a better held-out loss before training stops (the best epoch is kept).");
                    ui.add(egui::DragValue::new(&mut s.rnn.patience).range(1..=1_000));
                    ui.end_row();
                    ui.label("Learning rate");
                    ui.add(egui::DragValue::new(&mut s.rnn.learning_rate).range(1e-5..=1.0).speed(0.001));
                    ui.end_row();
                    ui.label("Calendar inputs");
                    ui.checkbox(&mut s.rnn.calendar, "position in the season");
                    ui.end_row();
                });
            });
    }
}

/// Model: the question, the series, the methods, Run.
pub fn model_ui(ui: &mut egui::Ui, state: &AppState, busy: bool, cmds: &mut Vec<Command>) {
    let (Some(profile), Some(settings)) = (state.current_profile(), &state.forecast.settings)
    else {
        super::waiting_ui(
            ui,
            "This table has no date column: open one with dates in Data.",
        );
        return;
    };
    let mut edited = settings.clone();
    egui::ScrollArea::vertical().show(ui, |ui| {
        super::heading_ui(ui, "Model", "What do you want to know about your customers?");
        super::question_row_ui(ui, state, ForecastCommand::SetActive(false).into(), cmds);
        ui.add_space(8.0);
        ui.columns(2, |cols| {
            series_grid_ui(&mut cols[0], profile, &mut edited);
            methods_ui(&mut cols[1], &mut edited);
        });
        ui.add_space(10.0);
        let ready = !edited.methods.iter().all(|m| *m == Method::Auto);
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!busy && ready, egui::Button::new("Run"))
                .on_disabled_hover_text("Pick at least one method (or wait for the run)")
                .clicked()
            {
                cmds.push(ForecastCommand::Start.into());
            }
            ui.weak("Every method on every series, judged on the test periods; then forecasts past the data.");
        });
    });
    if edited != *settings {
        cmds.push(ForecastCommand::Change(Box::new(edited)).into());
    }
}

/// Train: progress per series, Cancel, and the network's live loss.
pub fn train_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    busy: bool,
    progress: f64,
    cmds: &mut Vec<Command>,
) {
    super::heading_ui(ui, "Train", "What comes next");
    let Some(run) = &state.forecast.run else {
        super::waiting_ui(ui, "Press Run in Model.");
        return;
    };
    let text = match &run.status {
        ForecastStatus::Running => {
            let (done, total) = run.series;
            let epoch = run
                .losses
                .last()
                .map(|(s, c)| format!(" · network ({s}): epoch {}", c.len()))
                .unwrap_or_default();
            format!(
                "{done} of {} series{epoch} · {}",
                if total == 0 {
                    "?".to_owned()
                } else {
                    total.to_string()
                },
                format::seconds(run.elapsed_secs)
            )
        }
        ForecastStatus::Done(_) => format!("Done in {}", format::seconds(run.elapsed_secs)),
        ForecastStatus::Failed(e) => format!("Failed: {e}"),
        ForecastStatus::Cancelled => "Cancelled".to_owned(),
    };
    let running = matches!(run.status, ForecastStatus::Running);
    if super::run_progress_ui(ui, text, running, progress, busy) {
        cmds.push(ForecastCommand::Cancel.into());
    }
    ui.add_space(8.0);
    if !run.settings.methods.contains(&Method::Rnn) {
        ui.weak("The simple methods and exponential smoothing fit in a moment; the recurrent network (not chosen) would show its loss here.");
        return;
    }
    super::orders::chart_ui(ui, cmds, "forecast_network_loss", |ui| {
        let Some((series, curve)) = run.losses.last() else {
            ui.weak("The recurrent network's loss appears here once it trains.");
            return;
        };
        ui.strong(format!("Recurrent network ({series}): mean squared error per epoch"))
            .on_hover_text("On the standardised series: the windows it learns from, and the last fifth of the windows held out (early stopping keeps the best epoch).");
        let line = |name: &str, pick: fn(&(f64, f64)) -> f64| {
            let points: Vec<[f64; 2]> = curve
                .iter()
                .enumerate()
                .map(|(i, l)| [i as f64 + 1.0, pick(l)])
                .filter(|p| p[1].is_finite())
                .collect();
            Line::new(name.to_owned(), PlotPoints::from(points))
        };
        Plot::new("forecast_loss_live")
            .height(280.0)
            .legend(Legend::default())
            .x_axis_label("epoch")
            .allow_scroll(false)
            .show(ui, |p| {
                p.line(line("training windows", |l| l.0));
                p.line(line("held-out windows", |l| l.1));
            });
    });
}
