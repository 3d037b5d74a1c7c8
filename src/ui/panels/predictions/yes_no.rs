//! A yes/no model: metric cards, the threshold and its confusion matrix, ROC / precision-recall /
//! calibration / score distribution, gains and lift by decile, and the targeting calculator.

use egui_plot::{Bar, BarChart, Corner, Legend, Line, LineStyle, PlotPoints, Points, VLine};
use workbench_core::ml::metrics::ClassificationMetrics;
use workbench_core::ml::targeting::{Campaign, Ranking, plan};
use workbench_core::train::TrainOutcome;
use workbench_core::train::insights::YesNoInsights;

use crate::ui::app::{Command, ExportCommand};
use crate::ui::format;

use super::{PredictionsView, card, png_button, small_plot};

pub(super) fn cards_ui(ui: &mut egui::Ui, m: &ClassificationMetrics) {
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

pub(super) fn quality_ui(
    ui: &mut egui::Ui,
    o: &TrainOutcome,
    m: &ClassificationMetrics,
    yn: &YesNoInsights,
    view: &mut PredictionsView,
    cmds: &mut Vec<Command>,
) {
    let r = &yn.ranking;
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
        score_distribution_ui(ui, r, (pos, neg), cmds);
        let ui = &mut cols[1];
        ui.horizontal(|ui| {
            ui.vertical(|ui| {
                ui.strong("ROC curve");
                let chart = ui.scope(|ui| {
                    small_plot("roc", 200.0)
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
                                PlotPoints::from(yn.roc.clone()),
                            ));
                            p.line(
                                Line::new(
                                    "guessing",
                                    PlotPoints::from(vec![[0.0, 0.0], [1.0, 1.0]]),
                                )
                                .style(LineStyle::dashed_dense()),
                            );
                        })
                });
                png_button(ui, cmds, "roc", chart.response.rect);
            });
            ui.vertical(|ui| {
                ui.strong("Precision and recall");
                let chart = ui.scope(|ui| {
                    small_plot("pr", 200.0)
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
                        })
                });
                png_button(ui, cmds, "pr", chart.response.rect);
            });
        });
        ui.strong("Calibration: predicted against observed rate");
        let chart = ui.scope(|ui| {
            small_plot("calibration", 190.0)
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
                })
        });
        png_button(ui, cmds, "calibration", chart.response.rect);
    });
}

pub(super) fn score_distribution_ui(
    ui: &mut egui::Ui,
    r: &Ranking,
    (pos, neg): (&str, &str),
    cmds: &mut Vec<Command>,
) {
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
    let chart = ui.scope(|ui| {
        small_plot("score_distribution", 150.0)
            .x_axis_label("score")
            .y_axis_label("share of group")
            .legend(Legend::default().position(Corner::RightTop))
            .show(ui, |p| {
                p.bar_chart(BarChart::new(format!("actually {neg}"), bars(&hn, tn)));
                p.bar_chart(BarChart::new(format!("actually {pos}"), bars(&hp, tp)));
            })
    });
    png_button(ui, cmds, "score_distribution", chart.response.rect);
}

pub(super) fn gains_ui(ui: &mut egui::Ui, r: &Ranking, cmds: &mut Vec<Command>) {
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
        let chart = ui.scope(|ui| {
            small_plot("gains", 220.0)
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
                })
        });
        png_button(ui, cmds, "gains", chart.response.rect);
        let ui = &mut cols[1];
        ui.strong("Lift per decile: response rate over the average");
        let bars: Vec<Bar> = table
            .iter()
            .map(|d| {
                Bar::new(f64::from(d.decile), d.lift)
                    .name(format!("decile {}: {:.2}×", d.decile, d.lift))
            })
            .collect();
        let chart = ui.scope(|ui| {
            small_plot("lift", 220.0)
                .x_axis_label("decile (1 = highest scores)")
                .y_axis_label("lift")
                .show(ui, |p| {
                    p.bar_chart(BarChart::new("lift", bars));
                    p.hline(egui_plot::HLine::new("average", 1.0).style(LineStyle::dashed_dense()));
                })
        });
        png_button(ui, cmds, "lift", chart.response.rect);
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

pub(super) fn targeting_ui(
    ui: &mut egui::Ui,
    yn: &YesNoInsights,
    view: &mut PredictionsView,
    exporting: bool,
    cmds: &mut Vec<Command>,
) {
    let desc = &yn.population_scores;
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
    let key = view.shown_run;
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
            cmds.push(
                ExportCommand::ListDialog {
                    contacts: p.contacts,
                }
                .into(),
            );
        }
    });
    let share = p.contacts as f64 / desc.len().max(1) as f64;
    let chart = ui.scope(|ui| {
        small_plot("profit", (ui.available_height() - 20.0).max(180.0))
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
            })
    });
    png_button(ui, cmds, "profit", chart.response.rect);
}
