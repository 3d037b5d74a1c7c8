//! A campaign test, step by step: the question beside the others (Model's "Question" row), the
//! treatment, outcome, method and learner with the check of the experiment itself (Model),
//! the live run (Train) and the results (Predictions, `results.rs`).

mod results;

use egui_plot::{Legend, Line, Plot, PlotPoints};
use workbench_core::data::profile::Profile;
use workbench_core::uplift::experiment::UNBALANCED_SMD;
use workbench_core::uplift::{Criterion, Description, MODELS, Method, Part, Settings};

use crate::ui::app::{
    AppState, CheckStatus, Command, OrdersCommand, UpliftCommand, UpliftRun, UpliftStatus,
};
use crate::ui::format;
pub use results::{UpliftView, results_ui};

/// The question in Model's "Question" row.
pub fn question_choice_ui(ui: &mut egui::Ui, state: &AppState, cmds: &mut Vec<Command>) {
    let selected = state.uplift.active;
    if ui
        .radio(selected, "Whom does the offer change")
        .on_hover_text("From a campaign test (a treated group got the offer, a control group didn't): the customers whose response the offer changes (uplift), not those who would buy anyway.")
        .clicked()
        && !selected
    {
        cmds.push(UpliftCommand::SetActive(true).into());
    }
    super::forecast::question_choice_ui(ui, state, cmds);
}

/// A column picker named by the `label` beside it.
fn column_choice_ui(
    ui: &mut egui::Ui,
    id: &str,
    profile: &Profile,
    value: &mut String,
    label: egui::Id,
) {
    egui::ComboBox::from_id_salt(("uplift_column", id))
        .selected_text(if value.is_empty() {
            "pick a column"
        } else {
            value.as_str()
        })
        .width(220.0)
        .height(400.0)
        .show_ui(ui, |ui| {
            for c in &profile.columns {
                ui.selectable_value(
                    value,
                    c.name.clone(),
                    format!("{} ({} values)", c.name, format::count(c.distinct)),
                );
            }
        })
        .response
        .labelled_by(label);
}

/// A label of `column` (its most frequent values), or automatic; named by `label`.
fn label_choice_ui(
    ui: &mut egui::Ui,
    id: &str,
    profile: &Profile,
    column: &str,
    value: &mut Option<String>,
    label: egui::Id,
) {
    let automatic = "automatic";
    let values: Vec<String> = profile
        .columns
        .iter()
        .find(|c| c.name == column)
        .map(|c| {
            c.top_values
                .iter()
                .take(20)
                .map(|(v, _)| v.clone())
                .collect()
        })
        .unwrap_or_default();
    egui::ComboBox::from_id_salt(("uplift_label", id))
        .selected_text(value.clone().unwrap_or_else(|| automatic.to_owned()))
        .width(220.0)
        .show_ui(ui, |ui| {
            ui.selectable_value(value, None, automatic);
            for v in values {
                ui.selectable_value(value, Some(v.clone()), v);
            }
        })
        .response
        .labelled_by(label);
}

/// Model: the question, the experiment's columns, the method and its learner, the check of
/// the experiment, Run.
pub fn model_ui(ui: &mut egui::Ui, state: &AppState, busy: bool, cmds: &mut Vec<Command>) {
    let Some(profile) = state.current_profile() else {
        return;
    };
    let mut edited: Settings = state.uplift.settings.clone();
    egui::ScrollArea::vertical().show(ui, |ui| {
        super::heading_ui(ui, "Model", "What do you want to know about your customers?");
        super::question_row_ui(ui, state, UpliftCommand::SetActive(false).into(), cmds);
        ui.add_space(8.0);
        egui::Grid::new("uplift_grid").num_columns(2).spacing([16.0, 8.0]).show(ui, |ui| {
            let name = ui.label("Treatment").on_hover_text("The column saying who got the offer (two values). It is never an input of the model.").id;
            column_choice_ui(ui, "treatment", profile, &mut edited.treatment, name);
            ui.end_row();
            let name = ui.label("Treated group").on_hover_text("Which value means \"got the offer\". Automatic: 1, true or yes, else the smaller group.").id;
            let treatment = edited.treatment.clone();
            label_choice_ui(ui, "treated", profile, &treatment, &mut edited.treated, name);
            ui.end_row();
            let name = ui.label("Outcome").on_hover_text("What the offer should change: a yes/no such as bought or not.").id;
            let mut target = edited.model.target.clone().unwrap_or_default();
            column_choice_ui(ui, "outcome", profile, &mut target, name);
            edited.model.target = (!target.is_empty()).then_some(target.clone());
            ui.end_row();
            let name = ui.label("Counts as yes").on_hover_text("Which outcome value is the response. Automatic: 1, true or yes, else the rarer value.").id;
            label_choice_ui(ui, "positive", profile, &target, &mut edited.model.positive, name);
            ui.end_row();
            ui.label("Method");
            ui.horizontal(|ui| {
                for m in Method::ALL {
                    ui.radio_value(&mut edited.method, m, m.label()).on_hover_text(m.help());
                }
            });
            ui.end_row();
            if edited.method.uses_zoo() {
                let name = ui.label("Model").on_hover_text("The yes/no learner the method trains (with its default settings here; the command line's --param changes them).").id;
                let kind = edited.model.model.unwrap_or(workbench_core::ml::ModelKind::Logistic);
                egui::ComboBox::from_id_salt("uplift_model")
                    .selected_text(kind.label())
                    .width(220.0)
                    .show_ui(ui, |ui| {
                        for m in MODELS {
                            ui.selectable_value(&mut edited.model.model, Some(m), m.label());
                        }
                    })
                    .response
                    .labelled_by(name);
                ui.end_row();
            } else {
                let f = &mut edited.forest;
                ui.label("Trees");
                ui.add(egui::DragValue::new(&mut f.trees).range(1..=1000));
                ui.end_row();
                ui.label("Depth").on_hover_text("The most splits from the root to a leaf.");
                ui.add(egui::DragValue::new(&mut f.max_depth).range(1..=30));
                ui.end_row();
                ui.label("Smallest leaf").on_hover_text("The fewest customers in a leaf; and of each group:");
                ui.horizontal(|ui| {
                    ui.add(egui::DragValue::new(&mut f.min_leaf).range(2..=100_000));
                    ui.label("customers, of each group at least");
                    ui.add(egui::DragValue::new(&mut f.min_per_group).range(1..=10_000));
                });
                ui.end_row();
                ui.label("Split by").on_hover_text("How the difference between the treated and the control response rates is measured when choosing splits.");
                ui.horizontal(|ui| {
                    for c in Criterion::ALL {
                        ui.radio_value(&mut f.criterion, c, c.label());
                    }
                });
                ui.end_row();
            }
            ui.label("Held out").on_hover_text("Customers kept aside (stratified by group and outcome) to measure the model on customers it never saw.");
            ui.add(egui::Slider::new(&mut edited.model.holdout, 0.1..=0.5).custom_formatter(|v, _| format!("{:.0}%", 100.0 * v)));
            ui.end_row();
            ui.label("Seed");
            ui.add(egui::DragValue::new(&mut edited.model.seed));
            ui.end_row();
        });
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            let ready = !edited.treatment.is_empty() && edited.model.target.is_some();
            if ui.add_enabled(ready && !busy, egui::Button::new("Run")).on_disabled_hover_text("Pick the treatment and the outcome first").clicked() {
                cmds.push(UpliftCommand::Start.into());
            }
            if ui.add_enabled(ready, egui::Button::new("Check the experiment")).clicked() {
                cmds.push(UpliftCommand::Check.into());
            }
        });
        ui.add_space(10.0);
        match &state.uplift.check {
            None => {
                ui.weak("Pick the treatment and the outcome, then check the experiment: group sizes, response rates, the average effect and whether the groups look randomised.");
            }
            Some(CheckStatus::Running) => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Checking the experiment…");
                });
            }
            Some(CheckStatus::Failed(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            Some(CheckStatus::Done(d)) => experiment_ui(ui, d, "experiment"),
        }
    });
    if edited != state.uplift.settings {
        cmds.push(UpliftCommand::Change(Box::new(edited)).into());
    }
}

/// The experiment: groups, rates, effect, and the balance of the inputs.
pub(super) fn experiment_ui(ui: &mut egui::Ui, d: &Description, id: &str) {
    let e = &d.effect;
    ui.strong("The experiment");
    egui::Grid::new((id, "groups"))
        .num_columns(4)
        .spacing([24.0, 4.0])
        .striped(true)
        .show(ui, |ui| {
            ui.weak("group");
            ui.weak("customers");
            ui.weak("response rate");
            ui.end_row();
            ui.label(format!("treated ({})", d.treated_label));
            ui.label(format::count(e.n_treated));
            ui.label(format!("{:.2}%", 100.0 * e.treated_rate));
            ui.end_row();
            ui.label(format!("control ({})", d.control_label));
            ui.label(format::count(e.n_control));
            ui.label(format!("{:.2}%", 100.0 * e.control_rate));
            ui.end_row();
        });
    ui.label(e.in_words()).on_hover_text("The average effect of the offer: treated rate − control rate, with its 95% confidence interval (normal approximation).");
    for n in &d.notes {
        ui.weak(n);
    }
    balance_ui(ui, &d.balance, id);
}

/// The balance table: each input's standardised mean difference between the groups.
pub(super) fn balance_ui(ui: &mut egui::Ui, balance: &[workbench_core::uplift::Balance], id: &str) {
    ui.add_space(6.0);
    let off = balance
        .iter()
        .filter(|b| b.smd.abs() > UNBALANCED_SMD)
        .count();
    if off == 0 {
        ui.label(format!("Balance: all {} inputs differ by less than {UNBALANCED_SMD} standard deviations between the groups: they look randomised.", balance.len()));
    } else {
        ui.colored_label(ui.visuals().warn_fg_color, format!("Balance: {off} of {} inputs differ by more than {UNBALANCED_SMD} standard deviations between the groups: check that the offer was assigned at random, or the uplift may be the groups' difference.", balance.len()));
    }
    egui::CollapsingHeader::new("Balance of each input").id_salt((id, "balance")).default_open(off > 0).show(ui, |ui| {
        egui::ScrollArea::vertical().id_salt((id, "balance_scroll")).max_height(260.0).show(ui, |ui| {
            egui::Grid::new((id, "balance_grid")).num_columns(4).spacing([24.0, 3.0]).striped(true).show(ui, |ui| {
                ui.weak("input");
                ui.weak("treated mean");
                ui.weak("control mean");
                ui.weak("std. mean difference").on_hover_text("(treated mean − control mean) / pooled standard deviation; beyond ±0.1 the groups differ.");
                ui.end_row();
                for b in balance {
                    ui.label(&b.feature);
                    ui.label(format::number(b.treated_mean));
                    ui.label(format::number(b.control_mean));
                    let text = format!("{:+.3}", b.smd);
                    if b.smd.abs() > UNBALANCED_SMD {
                        ui.colored_label(ui.visuals().warn_fg_color, text);
                    } else {
                        ui.label(text);
                    }
                    ui.end_row();
                }
            });
        });
    });
}

/// Train: progress, Cancel and the live curve.
pub fn train_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    busy: bool,
    progress: f64,
    cmds: &mut Vec<Command>,
) {
    super::heading_ui(ui, "Train", "Whom does the offer change");
    let Some(run) = &state.uplift.run else {
        super::waiting_ui(ui, "Press Run in Model.");
        return;
    };
    let text = match (&run.status, run.curve.last()) {
        (UpliftStatus::Running, Some(s)) => format!(
            "{}: step {} of {} · {}",
            s.part.label(),
            s.report.step,
            s.report.total_steps,
            format::seconds(run.elapsed_secs)
        ),
        (UpliftStatus::Running, None) => {
            format!("preparing… {}", format::seconds(run.elapsed_secs))
        }
        (UpliftStatus::Done(_), _) => format!("Done in {}", format::seconds(run.elapsed_secs)),
        (UpliftStatus::Failed(e), _) => format!("Failed: {e}"),
        (UpliftStatus::Cancelled, _) => "Cancelled".to_owned(),
    };
    let running = matches!(run.status, UpliftStatus::Running);
    if super::run_progress_ui(ui, text, running, progress, busy) {
        cmds.push(UpliftCommand::Cancel.into());
    }
    ui.add_space(8.0);
    super::orders::chart_ui(ui, cmds, "uplift_training_curve", |ui| curve_ui(ui, run));
}

/// The live curve: each part's losses per step, or the forest's Qini per tree.
fn curve_ui(ui: &mut egui::Ui, run: &UpliftRun) {
    let forest = run.settings.method == Method::UpliftForest;
    if forest {
        ui.strong("Qini coefficient per tree").on_hover_text("How well the forest so far ranks customers by uplift, on (a sample of) the training customers and on the held-out ones; 0 is random, 1 perfect.");
    } else {
        ui.strong("Log loss per step").on_hover_text("Each model's loss on its group's training customers and on its held-out customers; lower is better.");
    }
    let mut lines: Vec<(String, Vec<[f64; 2]>)> = Vec::new();
    let mut push = |name: String, x: f64, y: f64| {
        if !y.is_finite() {
            return;
        }
        match lines.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push([x, y]),
            None => lines.push((name, vec![[x, y]])),
        }
    };
    for s in &run.curve {
        let r = &s.report;
        let x = r.step as f64;
        if s.part == Part::Forest {
            push("training".into(), x, -r.train_loss);
            if let Some(v) = r.valid_loss {
                push("held out".into(), x, -v);
            }
        } else {
            push(format!("{}: training", s.part.label()), x, r.train_loss);
            if let Some(v) = r.valid_loss {
                push(format!("{}: held out", s.part.label()), x, v);
            }
        }
    }
    Plot::new("uplift_curve_live")
        .height(280.0)
        .legend(Legend::default())
        .x_axis_label(if forest { "trees" } else { "step" })
        .allow_scroll(false)
        .show(ui, |p| {
            for (name, points) in lines {
                p.line(Line::new(name, PlotPoints::from(points)));
            }
        });
}

/// Data: a campaign test recognised, and the question it answers.
pub fn data_ui(ui: &mut egui::Ui, state: &AppState, cmds: &mut Vec<Command>) {
    if !state.uplift.recognised {
        return;
    }
    ui.horizontal(|ui| {
        ui.label(format!(
            "A campaign test: '{}' says who got the offer, '{}' what happened.",
            state.uplift.settings.treatment,
            state
                .uplift
                .settings
                .model
                .target
                .as_deref()
                .unwrap_or_default()
        ));
        if ui.button("Whom does the offer change?").clicked() {
            cmds.push(OrdersCommand::SetQuestion(None).into());
            cmds.push(UpliftCommand::SetActive(true).into());
            cmds.push(Command::SelectStep(crate::ui::app::WorkflowStep::Model));
        }
    });
}
