//! The questions asked of a table of purchases, step by step: the columns (Data), the
//! question and its settings (Model), the live run (Train) and the results (Predictions) —
//! lifetime value (`clv.rs`), what sells together (`basket.rs`), what to recommend
//! (`recommend.rs`).

mod basket;
mod clv;
mod recommend;

use egui_plot::{Legend, Line, Plot, PlotPoints};
use workbench_core::clv::{PurchaseModel, Unit};
use workbench_core::data::dates;
use workbench_core::data::profile::Profile;

use crate::ui::app::{
    AppState, Command, OrdersCommand, OrdersQuestion, OrdersRun, OrdersSettings, OrdersStatus,
};
use crate::ui::format;

/// Widget-local state of the orders views.
#[derive(Default)]
pub struct OrdersView {
    pub basket: basket::BasketView,
    pub clv: clv::ClvView,
}

/// The orders questions beside the customer questions in Model's "Question" row.
pub fn question_choice_ui(ui: &mut egui::Ui, state: &AppState, cmds: &mut Vec<Command>) {
    ui.separator();
    for q in OrdersQuestion::ALL {
        let selected = state.orders.question == Some(q);
        if ui
            .radio(selected, q.label())
            .on_hover_text(q.help())
            .clicked()
            && !selected
        {
            cmds.push(OrdersCommand::SetQuestion(Some(q)).into());
        }
    }
    super::uplift::question_choice_ui(ui, state, cmds);
}

/// A column picker named by the `label` beside it; `optional` adds "none".
fn column_choice_ui(
    ui: &mut egui::Ui,
    id: &str,
    profile: &Profile,
    value: &mut String,
    optional: bool,
    label: egui::Id,
) {
    egui::ComboBox::from_id_salt(("orders_column", id))
        .selected_text(if value.is_empty() {
            "none"
        } else {
            value.as_str()
        })
        .width(200.0)
        .height(400.0)
        .show_ui(ui, |ui| {
            if optional {
                ui.selectable_value(value, String::new(), "none");
            }
            for c in &profile.columns {
                ui.selectable_value(value, c.name.clone(), format!("{} ({})", c.name, c.dtype));
            }
        })
        .response
        .labelled_by(label);
}

/// The columns of the purchase table, as a grid of pickers (edits `s`).
fn columns_grid_ui(ui: &mut egui::Ui, profile: &Profile, s: &mut OrdersSettings) {
    let c = &mut s.columns;
    let rows: [(&str, &str, &mut String, bool); 7] = [
        (
            "Customer",
            "Who bought: the customer id.",
            &mut c.customer,
            false,
        ),
        ("Date", "When: the purchase date.", &mut c.date, false),
        (
            "Amount",
            "The order line's value (optional: without it, lifetime value counts purchases only).",
            &mut c.amount,
            true,
        ),
        (
            "Order id",
            "Which lines form one order (optional: without it, a customer's purchases on one day are one order).",
            &mut c.order,
            true,
        ),
        (
            "Product",
            "What was bought: baskets and recommendations use it (or the category without it).",
            &mut c.product,
            true,
        ),
        (
            "Category",
            "The product's category (optional).",
            &mut c.category,
            true,
        ),
        (
            "Quantity",
            "Units per line (optional): with \"Amount is a price per unit\", a line's value is amount × quantity.",
            &mut c.quantity,
            true,
        ),
    ];
    egui::Grid::new("orders_columns")
        .num_columns(2)
        .spacing([16.0, 6.0])
        .show(ui, |ui| {
            for (label, help, value, optional) in rows {
                let name = ui.label(label).on_hover_text(help).id;
                column_choice_ui(ui, label, profile, value, optional, name);
                ui.end_row();
            }
        });
    let can_multiply = !c.amount.is_empty() && !c.quantity.is_empty();
    ui.add_enabled(
        can_multiply,
        egui::Checkbox::new(
            &mut c.per_unit,
            "Amount is a price per unit (value = amount × quantity)",
        ),
    )
    .on_hover_text(
        "For exports with a unit price and a quantity per line instead of the line's value.",
    )
    .on_disabled_hover_text("Pick an amount and a quantity column first.");
}

/// Data: a table of purchases recognised, its columns to confirm, and the questions it answers.
pub fn data_ui(ui: &mut egui::Ui, state: &AppState, cmds: &mut Vec<Command>) {
    let Some(profile) = state.current_profile() else {
        return;
    };
    let recognised = state.orders.recognised;
    egui::CollapsingHeader::new(if recognised {
        "A table of purchases: confirm its columns, then ask a question"
    } else {
        "A table of purchases? Lifetime value, what sells together, what to recommend"
    })
    .id_salt("orders_data")
    .default_open(recognised)
    .show(ui, |ui| {
        let mut edited = state.orders.settings.clone();
        columns_grid_ui(ui, profile, &mut edited);
        if edited != state.orders.settings {
            cmds.push(OrdersCommand::Change(Box::new(edited)).into());
        }
        ui.horizontal(|ui| {
            for q in OrdersQuestion::ALL {
                if ui.button(q.label()).on_hover_text(q.help()).clicked() {
                    cmds.push(OrdersCommand::SetQuestion(Some(q)).into());
                    cmds.push(Command::SelectStep(crate::ui::app::WorkflowStep::Model));
                }
            }
        });
    });
}

/// Model, for an orders question: the question, the columns, the settings, Run.
pub fn model_ui(ui: &mut egui::Ui, state: &AppState, busy: bool, cmds: &mut Vec<Command>) {
    let (Some(question), Some(profile)) = (state.orders.question, state.current_profile()) else {
        return;
    };
    let mut edited = state.orders.settings.clone();
    egui::ScrollArea::vertical().show(ui, |ui| {
        super::heading_ui(
            ui,
            "Model",
            "What do you want to know about your customers?",
        );
        super::question_row_ui(ui, state, OrdersCommand::SetQuestion(None).into(), cmds);
        ui.weak(question.help());
        ui.add_space(8.0);
        ui.strong("Columns");
        columns_grid_ui(ui, profile, &mut edited);
        ui.add_space(8.0);
        ui.strong("Settings");
        match question {
            OrdersQuestion::LifetimeValue => clv_settings_ui(ui, &mut edited),
            OrdersQuestion::Baskets => basket_settings_ui(ui, &mut edited),
            OrdersQuestion::Recommendations => {
                ui.horizontal(|ui| {
                    ui.label("Products per customer");
                    ui.add(egui::DragValue::new(&mut edited.top).range(1..=50));
                });
            }
        }
        ui.add_space(10.0);
        let label = format!("Run: {}", question.label());
        if ui
            .add_enabled(
                !busy,
                egui::Button::new(egui::RichText::new(label).strong()),
            )
            .on_disabled_hover_text("Already running: see Train")
            .clicked()
        {
            cmds.push(OrdersCommand::Start.into());
        }
    });
    if edited != state.orders.settings {
        cmds.push(OrdersCommand::Change(Box::new(edited)).into());
    }
}

fn clv_settings_ui(ui: &mut egui::Ui, s: &mut OrdersSettings) {
    let c = &mut s.clv;
    egui::Grid::new("clv_settings")
        .num_columns(2)
        .spacing([16.0, 6.0])
        .show(ui, |ui| {
            ui.label("Purchase model").on_hover_text("BG/NBD: customers may drop out only right after a purchase. Pareto/NBD: at any time. Both are standard; BG/NBD is quicker and usually as good.");
            ui.horizontal(|ui| {
                ui.radio_value(&mut c.model, PurchaseModel::Bgnbd, "BG/NBD");
                ui.radio_value(&mut c.model, PurchaseModel::ParetoNbd, "Pareto/NBD");
            });
            ui.end_row();
            ui.label("Time unit");
            ui.horizontal(|ui| {
                for (u, name) in [(Unit::Day, "day"), (Unit::Week, "week"), (Unit::Month, "month")] {
                    // A new unit starts again from a year ahead, not the old number of units.
                    if ui.radio_value(&mut c.unit, u, name).changed() {
                        c.horizon = None;
                    }
                }
            });
            ui.end_row();
            ui.label("Calibration ends").on_hover_text("The model is fitted on purchases up to this date (YYYY-MM-DD) and checked on the purchases after it. Empty: the last date in the file (no check).");
            // What is typed lives in egui's memory until it is a date (or empty).
            let id = ui.make_persistent_id("calibration_end_text");
            let setting = c.calibration_end.map(dates::iso_date).unwrap_or_default();
            let mut text = ui.data_mut(|d| d.get_temp::<String>(id)).unwrap_or_else(|| setting.clone());
            let response = ui.add(egui::TextEdit::singleline(&mut text).hint_text("last date").desired_width(120.0));
            let typed = text.trim();
            let valid = typed.is_empty() || dates::parse_one(typed).is_some();
            if response.changed() && valid {
                c.calibration_end = dates::parse_one(typed);
            }
            if !valid {
                ui.colored_label(ui.visuals().warn_fg_color, "not a date yet (YYYY-MM-DD)");
            }
            if response.has_focus() || !valid {
                ui.data_mut(|d| d.insert_temp(id, text));
            } else {
                ui.data_mut(|d| d.remove::<String>(id));
            }
            ui.end_row();
            ui.label("Horizon").on_hover_text("How far ahead expected purchases and lifetime value look, in time units.");
            let mut horizon = c.horizon.unwrap_or(c.unit.per_year());
            if ui.add(egui::DragValue::new(&mut horizon).range(1.0..=10_000.0).speed(1.0)).changed() {
                c.horizon = Some(horizon);
            }
            ui.end_row();
            ui.label("Discount rate per unit").on_hover_text("Money later is worth less: 0.01 per month is about 12.7% a year.");
            ui.add(egui::DragValue::new(&mut c.discount).range(0.0..=1.0).speed(0.001).max_decimals(4));
            ui.end_row();
            ui.label("Margin").on_hover_text("The share of an order's value that is profit (1 = the whole value).");
            ui.add(egui::DragValue::new(&mut c.margin).range(0.01..=1.0).speed(0.01));
            ui.end_row();
        });
}

fn basket_settings_ui(ui: &mut egui::Ui, s: &mut OrdersSettings) {
    let b = &mut s.basket;
    egui::Grid::new("basket_settings")
        .num_columns(2)
        .spacing([16.0, 6.0])
        .show(ui, |ui| {
            ui.label("Least support")
                .on_hover_text("The smallest share of orders a group of products must be in.");
            ui.add(
                egui::DragValue::new(&mut b.min_support)
                    .range(0.0001..=1.0)
                    .speed(0.001)
                    .max_decimals(4),
            );
            ui.end_row();
            ui.label("Least confidence").on_hover_text(
                "For a rule \"X -> Y\": the smallest share of orders with X that also hold Y.",
            );
            ui.add(
                egui::DragValue::new(&mut b.min_confidence)
                    .range(0.0..=1.0)
                    .speed(0.01),
            );
            ui.end_row();
            ui.label("Least lift").on_hover_text(
                "How many times more often Y comes with X than in orders in general (1 = no link).",
            );
            ui.add(
                egui::DragValue::new(&mut b.min_lift)
                    .range(0.0..=100.0)
                    .speed(0.05),
            );
            ui.end_row();
            ui.label("Most products in a group");
            let mut limited = b.max_len.is_some();
            ui.horizontal(|ui| {
                ui.checkbox(&mut limited, "limit to");
                let mut n = b.max_len.unwrap_or(3);
                ui.add_enabled(limited, egui::DragValue::new(&mut n).range(1..=10));
                b.max_len = limited.then_some(n);
            });
            ui.end_row();
        });
}

/// Train, for an orders question: progress, the live fit curve, Cancel.
pub fn train_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    busy: bool,
    progress: f64,
    cmds: &mut Vec<Command>,
) {
    let Some(question) = state.orders.question else {
        return;
    };
    super::heading_ui(ui, "Train", question.label());
    let Some(run) = &state.orders.run else {
        super::waiting_ui(ui, "Press Run in Model.");
        return;
    };
    let text = match (&run.status, run.curve.last()) {
        (OrdersStatus::Running, Some(s)) => format!(
            "fitting: iteration {} (at most {}) · {}",
            s.iteration,
            s.max_iterations,
            format::seconds(run.elapsed_secs)
        ),
        (OrdersStatus::Running, None) => {
            format!("working… {}", format::seconds(run.elapsed_secs))
        }
        (OrdersStatus::Done(_), _) => format!("Done in {}", format::seconds(run.elapsed_secs)),
        (OrdersStatus::Failed(e), _) => format!("Failed: {e}"),
        (OrdersStatus::Cancelled, _) => "Cancelled".to_owned(),
    };
    let running = matches!(run.status, OrdersStatus::Running);
    if super::run_progress_ui(ui, text, running, progress, busy) {
        cmds.push(OrdersCommand::Cancel.into());
    }
    if run.question == OrdersQuestion::LifetimeValue {
        ui.add_space(8.0);
        chart_ui(ui, cmds, "clv_fit_curve", |ui| fit_curve_ui(ui, run));
    }
}

/// The live curve: mean negative log-likelihood per optimiser iteration (purchase model, then
/// spend model).
fn fit_curve_ui(ui: &mut egui::Ui, run: &OrdersRun) {
    ui.strong("Fit: negative log-likelihood per customer").on_hover_text("The optimiser lowers it step by step; it flattens when the parameters are found. The purchase model comes first, then the spend model (a second drop).");
    let mut purchase = Vec::new();
    let mut spend = Vec::new();
    let mut in_spend = false;
    let mut last = 0;
    for s in &run.curve {
        if s.iteration <= last {
            in_spend = true;
        }
        last = s.iteration;
        if in_spend { &mut spend } else { &mut purchase }.push([s.iteration as f64, s.loss]);
    }
    Plot::new("clv_fit_curve")
        .height(260.0)
        .legend(Legend::default())
        .x_axis_label("iteration")
        .allow_scroll(false)
        .show(ui, |p| {
            p.line(Line::new("purchases", PlotPoints::from(purchase)));
            if !spend.is_empty() {
                p.line(Line::new("order value", PlotPoints::from(spend)));
            }
        });
}

/// A chart with its heading, and a "Save PNG…" button for its whole area.
pub(super) fn chart_ui(
    ui: &mut egui::Ui,
    cmds: &mut Vec<Command>,
    name: &str,
    draw: impl FnOnce(&mut egui::Ui),
) {
    let chart = ui.scope(draw);
    // In a column (a justified layout) the button would fill the width: a row keeps it small.
    ui.horizontal(|ui| super::predictions::png_button(ui, cmds, name, chart.response.rect));
}

/// Predictions, for an orders question: the results.
pub fn results_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    view: &mut OrdersView,
    exporting: bool,
    cmds: &mut Vec<Command>,
) {
    let Some(run) = &state.orders.run else {
        super::waiting_ui(ui, "Run the question in Model first.");
        return;
    };
    let Some(result) = run.result() else {
        super::waiting_ui(ui, "Waiting for the run to finish: see Train.");
        return;
    };
    match result {
        crate::ui::app::OrdersResult::LifetimeValue { .. } => {
            clv::results_ui(ui, run, result, &mut view.clv, exporting, cmds)
        }
        crate::ui::app::OrdersResult::Baskets { .. } => {
            basket::results_ui(ui, run, result, &mut view.basket, exporting, cmds)
        }
        crate::ui::app::OrdersResult::Recommendations { .. } => {
            recommend::results_ui(ui, result, exporting, cmds)
        }
    }
}
