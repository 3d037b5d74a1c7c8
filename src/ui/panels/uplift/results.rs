//! Predictions, for a campaign test: how well the model finds the customers the offer changes
//! (Qini and uplift curves against random and perfect, the response of each group per decile
//! of predicted uplift), targeting by uplift (expected incremental profit of contacting the top
//! n, against ranking by response and contacting everyone; export the list), the experiment,
//! and every customer scored.

use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints};
use workbench_core::uplift::Curve;

use super::super::predictions::png_button;
use crate::ui::app::{AppState, Command, UpliftCommand, UpliftRun};
use crate::ui::format;
use crate::ui::widgets::table::table_ui;

/// Points drawn per curve (the curves have a point per distinct score).
const CURVE_POINTS: usize = 600;
const CHART_HEIGHT: f32 = 300.0;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    #[default]
    Qini,
    UpliftCurve,
    Deciles,
    Targeting,
    Experiment,
    Customers,
}

/// Widget-local state of the uplift results.
pub struct UpliftView {
    pub tab: Tab,
    /// Cost of contacting one customer, and the value of one extra conversion.
    pub cost: f64,
    pub value: f64,
    /// Customers to contact (None: the most profitable number), for the run it was set in.
    pub contacted: Option<(u64, usize)>,
}

impl Default for UpliftView {
    fn default() -> Self {
        Self {
            tab: Tab::Qini,
            cost: 1.0,
            value: 30.0,
            contacted: None,
        }
    }
}

/// A curve thinned to about [`CURVE_POINTS`] points (first and last kept).
fn thin(c: &Curve) -> Vec<[f64; 2]> {
    let n = c.x.len();
    let step = (n / CURVE_POINTS).max(1);
    let mut out: Vec<[f64; 2]> = (0..n).step_by(step).map(|i| [c.x[i], c.y[i]]).collect();
    if n > 0 && !(n - 1).is_multiple_of(step) {
        out.push([c.x[n - 1], c.y[n - 1]]);
    }
    out
}

fn card_ui(ui: &mut egui::Ui, title: &str, value: String, help: &str) {
    egui::Frame::group(ui.style())
        .show(ui, |ui| {
            ui.set_min_width(150.0);
            ui.vertical(|ui| {
                ui.weak(title);
                ui.label(egui::RichText::new(value).size(20.0).strong());
            });
        })
        .response
        .on_hover_text(help);
}

/// A curve chart: the model's curve, the random line and the perfect curve.
fn curve_chart_ui(
    ui: &mut egui::Ui,
    cmds: &mut Vec<Command>,
    name: &str,
    title: &str,
    help: &str,
    model: &Curve,
    perfect: &Curve,
) {
    let chart = ui.scope(|ui| {
        ui.strong(title).on_hover_text(help);
        let end = [
            perfect.x.last().copied().unwrap_or(0.0),
            perfect.y.last().copied().unwrap_or(0.0),
        ];
        Plot::new(name)
            .height(CHART_HEIGHT)
            .legend(Legend::default())
            .x_axis_label("customers targeted, by predicted uplift")
            .y_axis_label("incremental responders")
            .allow_scroll(false)
            .show(ui, |p| {
                p.line(Line::new("this model", PlotPoints::from(thin(model))).width(2.0));
                p.line(
                    Line::new("random", PlotPoints::from(vec![[0.0, 0.0], end]))
                        .style(egui_plot::LineStyle::dashed_loose()),
                );
                p.line(
                    Line::new("perfect", PlotPoints::from(thin(perfect)))
                        .style(egui_plot::LineStyle::dotted_dense()),
                );
            });
    });
    ui.horizontal(|ui| png_button(ui, cmds, name, chart.response.rect));
}

/// Predictions, for a campaign test.
pub fn results_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    view: &mut UpliftView,
    exporting: bool,
    cmds: &mut Vec<Command>,
) {
    let Some(run) = &state.uplift.run else {
        super::super::waiting_ui(ui, "Run the uplift model in Model first.");
        return;
    };
    let Some(result) = run.result() else {
        super::super::waiting_ui(ui, "Waiting for the run to finish: see Train.");
        return;
    };
    let o = &result.outcome;
    let e = &o.evaluation;
    let learner = o
        .model
        .kind
        .map_or(String::new(), |k| format!(" with {}", k.in_a_sentence()));
    super::super::heading_ui(
        ui,
        "Whom does the offer change",
        &format!("{}{learner}", o.settings.method.label()),
    );
    let on = match o.evaluated_on {
        workbench_core::train::EvaluatedOn::Holdout => format!(
            "on {} held-out customers the model never saw",
            format::count(o.holdout_rows)
        ),
        workbench_core::train::EvaluatedOn::Training => {
            "on the training customers (optimistic: nothing was held out)".to_owned()
        }
        workbench_core::train::EvaluatedOn::AllRows => {
            format!("on all {} customers", format::count(o.holdout_rows))
        }
    };
    ui.horizontal_wrapped(|ui| {
        card_ui(ui, "Qini coefficient", format!("{:.3}", e.qini_auc), "The area between the model's Qini curve and the random line, over the same for the perfect curve (scikit-uplift's qini_auc_score): 0 is random, 1 perfect.");
        card_ui(ui, "Uplift AUC", format!("{:.3}", e.uplift_auc), "The area under the uplift curve, normalised the same way (scikit-uplift's uplift_auc_score).");
        card_ui(ui, "Uplift in the top 30%", format!("{:+.1} pts", 100.0 * e.uplift_at_30), "Among the 30% with the highest predicted uplift: treated response rate − control response rate.");
        card_ui(ui, "Average effect", format!("{:+.1} pts", 100.0 * e.effect.ate), "Treated rate − control rate over all of these customers: what contacting everyone gains per customer.");
    });
    ui.weak(format!(
        "Measured {on}. Average effect 95% interval: {:+.1} to {:+.1} points.",
        100.0 * e.effect.ate_ci[0],
        100.0 * e.effect.ate_ci[1]
    ));
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        ui.selectable_value(&mut view.tab, Tab::Qini, "Qini curve");
        ui.selectable_value(&mut view.tab, Tab::UpliftCurve, "Uplift curve");
        ui.selectable_value(&mut view.tab, Tab::Deciles, "By decile");
        ui.selectable_value(&mut view.tab, Tab::Targeting, "Targeting");
        ui.selectable_value(&mut view.tab, Tab::Experiment, "Experiment");
        ui.selectable_value(&mut view.tab, Tab::Customers, "Customers");
    });
    ui.separator();
    match view.tab {
        Tab::Qini => curve_chart_ui(
            ui,
            cmds,
            "uplift_qini",
            "Qini curve",
            "Incremental responders among the top n by predicted uplift: treated responders − control responders × (treated / control among them). A good model rises steeply, then falls where the do-not-disturbs are.",
            &e.qini,
            &e.perfect_qini,
        ),
        Tab::UpliftCurve => curve_chart_ui(
            ui,
            cmds,
            "uplift_uplift_curve",
            "Uplift curve",
            "(treated response rate − control response rate) among the top n, × n.",
            &e.uplift_curve,
            &e.perfect_uplift,
        ),
        Tab::Deciles => deciles_ui(ui, cmds, o),
        Tab::Targeting => targeting_ui(ui, run, view, exporting, cmds),
        Tab::Experiment => {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.label(format!(
                    "On all {} customers of the test: {}",
                    format::count(o.experiment.n_treated + o.experiment.n_control),
                    o.experiment.in_words()
                ));
                ui.label(format!(
                    "On the held-out customers: {}",
                    e.effect.in_words()
                ));
                super::balance_ui(ui, &o.balance, "results");
            });
        }
        Tab::Customers => {
            ui.weak(format!("{} customers scored, highest uplift first (p_treated and p_control: the chance to respond with and without the offer).", format::count(result.scored.height())));
            table_ui(ui, "uplift_scored", &result.scored, None);
        }
    }
}

/// Response of each group per decile of predicted uplift.
fn deciles_ui(ui: &mut egui::Ui, cmds: &mut Vec<Command>, o: &workbench_core::uplift::Outcome) {
    let d = &o.evaluation.deciles;
    let chart = ui.scope(|ui| {
        ui.strong("Response rate of each group, by decile of predicted uplift").on_hover_text("Decile 1 holds the tenth with the highest predicted uplift. Where the model is right, the treated bars stand above the control bars at the left and not at the right.");
        let treated: Vec<Bar> = d.iter().enumerate().map(|(i, b)| Bar::new(i as f64 + 1.0 - 0.2, 100.0 * b.treated_rate).width(0.4).name(format!("decile {}: treated {:.1}% of {}", i + 1, 100.0 * b.treated_rate, b.treated))).collect();
        let control: Vec<Bar> = d.iter().enumerate().map(|(i, b)| Bar::new(i as f64 + 1.0 + 0.2, 100.0 * b.control_rate).width(0.4).name(format!("decile {}: control {:.1}% of {}", i + 1, 100.0 * b.control_rate, b.control))).collect();
        Plot::new("uplift_deciles")
            .height(CHART_HEIGHT)
            .legend(Legend::default())
            .x_axis_label("decile of predicted uplift (1 = highest)")
            .y_axis_label("response rate, %")
            .allow_scroll(false)
            .show(ui, |p| {
                p.bar_chart(BarChart::new("treated", treated));
                p.bar_chart(BarChart::new("control", control));
            });
    });
    ui.horizontal(|ui| png_button(ui, cmds, "uplift_deciles", chart.response.rect));
    egui::Grid::new("uplift_decile_table")
        .num_columns(6)
        .spacing([20.0, 3.0])
        .striped(true)
        .show(ui, |ui| {
            for h in [
                "decile",
                "treated",
                "control",
                "treated rate",
                "control rate",
                "observed uplift",
                "predicted",
            ] {
                ui.weak(h);
            }
            ui.end_row();
            for (i, b) in d.iter().enumerate() {
                ui.label(format!("{}", i + 1));
                ui.label(format::count(b.treated));
                ui.label(format::count(b.control));
                ui.label(format!("{:.1}%", 100.0 * b.treated_rate));
                ui.label(format!("{:.1}%", 100.0 * b.control_rate));
                ui.label(format!("{:+.1} pts", 100.0 * b.uplift()));
                ui.label(format!("{:+.1} pts", 100.0 * b.predicted));
                ui.end_row();
            }
        });
}

/// Targeting by uplift: profit curves, the best cut-off, the list to export.
fn targeting_ui(
    ui: &mut egui::Ui,
    run: &UpliftRun,
    view: &mut UpliftView,
    exporting: bool,
    cmds: &mut Vec<Command>,
) {
    let Some(result) = run.result() else {
        return;
    };
    let t = &result.targeting;
    let n = t.customers();
    ui.horizontal(|ui| {
        ui.label("Cost per contact");
        ui.add(
            egui::DragValue::new(&mut view.cost)
                .range(0.0..=1e6)
                .speed(0.05),
        );
        ui.label("Value of one extra conversion");
        ui.add(
            egui::DragValue::new(&mut view.value)
                .range(0.0..=1e9)
                .speed(0.5),
        );
    });
    let (cost, value) = (view.cost, view.value);
    let best = t.best_by_uplift(cost, value);
    let contacted = match view.contacted {
        Some((id, k)) if id == run.id => k.min(n),
        _ => best.contacted,
    };
    ui.horizontal(|ui| {
        ui.label("Contact the top");
        let mut k = contacted;
        if ui
            .add(egui::Slider::new(&mut k, 0..=n).logarithmic(false))
            .changed()
        {
            view.contacted = Some((run.id, k));
        }
        ui.label("customers by uplift");
        if ui
            .button("Best")
            .on_hover_text("The most profitable number by uplift")
            .clicked()
        {
            view.contacted = None;
        }
    });
    let plan = t.top_by_uplift(contacted, cost, value);
    let all = t.everyone(cost, value);
    ui.label(format!(
        "Contacting these {} customers: {:.0} extra conversions expected, incremental profit {}. Most profitable: the top {} ({}). Contacting everyone: {}.",
        format::count(plan.contacted),
        plan.conversions,
        format::amount(plan.profit),
        format::count(best.contacted),
        format::amount(best.profit),
        format::amount(all.profit)
    ));
    match t.top_by_response(contacted, cost, value) {
        Some(r) => {
            ui.label(format!(
                "The same number ranked by their chance to respond with the offer: {}.",
                format::amount(r.profit)
            ));
        }
        None => {
            ui.weak("The class transformation gives no per-group probabilities, so there is no ranking by response to compare.");
        }
    }
    let curves = t.curves(cost, value, CURVE_POINTS);
    let chart = ui.scope(|ui| {
        ui.strong("Expected incremental profit by customers contacted").on_hover_text("Each contacted customer adds their predicted uplift × the value of a conversion, and costs the cost of a contact.");
        Plot::new("uplift_profit")
            .height(CHART_HEIGHT)
            .legend(Legend::default())
            .x_axis_label("customers contacted")
            .y_axis_label("incremental profit")
            .allow_scroll(false)
            .show(ui, |p| {
                p.line(Line::new("ranked by uplift", PlotPoints::from(curves.by_uplift.clone())).width(2.0));
                if let Some(r) = &curves.by_response {
                    p.line(Line::new("ranked by response probability", PlotPoints::from(r.clone())));
                }
                p.line(Line::new("contact everyone", PlotPoints::from(vec![[0.0, 0.0], [n as f64, all.profit]])).style(egui_plot::LineStyle::dashed_loose()));
                p.vline(egui_plot::VLine::new("your cut-off", contacted as f64).style(egui_plot::LineStyle::dotted_dense()));
            });
    });
    ui.horizontal(|ui| {
        png_button(ui, cmds, "uplift_profit", chart.response.rect);
        if ui.add_enabled(!exporting && contacted > 0, egui::Button::new(format!("Export this list ({})…", format::count(contacted)))).on_hover_text("The top customers by uplift, with uplift, decile and the chance to respond with and without the offer.").clicked() {
            cmds.push(UpliftCommand::ExportDialog { contacted }.into());
        }
    });
}
