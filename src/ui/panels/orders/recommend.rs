//! What to recommend: the held-out check against the most-popular baseline, and the list.

use crate::ui::app::{Command, OrdersCommand, OrdersResult, OrdersTable};
use crate::ui::format;
use crate::ui::widgets::table::table_ui;

pub fn results_ui(
    ui: &mut egui::Ui,
    result: &OrdersResult,
    exporting: bool,
    cmds: &mut Vec<Command>,
) {
    let OrdersResult::Recommendations { outcome, list } = result else {
        return;
    };
    let top = outcome.top;
    super::super::heading_ui(
        ui,
        "What to recommend",
        &format!(
            "The top {top} products each of {} customers has not bought yet, from {} products",
            format::count(outcome.histories.len()),
            format::count(outcome.items.len())
        ),
    );
    match &outcome.evaluation {
        Some(e) => {
            ui.label(format!(
                "Checked on each customer's last order ({} customers whose last order held something new to them):",
                format::count(e.customers_evaluated)
            ));
            egui::Grid::new("recommend_eval").num_columns(3).spacing([24.0, 4.0]).show(ui, |ui| {
                ui.weak("");
                ui.strong("these recommendations");
                ui.strong("the most popular products");
                ui.end_row();
                ui.label(format!("hit rate at {top}")).on_hover_text(format!("The share of customers whose last order held at least one of the {top} products recommended from their earlier orders."));
                ui.label(format!("{:.1}%", 100.0 * e.hit_rate));
                ui.label(format!("{:.1}%", 100.0 * e.baseline_hit_rate));
                ui.end_row();
                ui.label(format!("recall at {top}")).on_hover_text("The mean share of the new products in the last order that were recommended.");
                ui.label(format!("{:.1}%", 100.0 * e.recall));
                ui.label(format!("{:.1}%", 100.0 * e.baseline_recall));
                ui.end_row();
            });
            if e.baseline_hit_rate > 0.0 {
                ui.weak(format!(
                    "{:.1}× the hit rate of recommending what is most popular.",
                    e.hit_rate / e.baseline_hit_rate
                ));
            }
        }
        None => {
            ui.weak("Not checked: no customer has two orders to tell apart (pick the date or order id column in Model).");
        }
    }
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        ui.strong("Recommendations");
        if ui
            .add_enabled(!exporting, egui::Button::new("Export the list…"))
            .clicked()
        {
            cmds.push(OrdersCommand::ExportDialog(OrdersTable::Recommendations).into());
        }
    });
    table_ui(ui, "recommendations", list, None);
}
