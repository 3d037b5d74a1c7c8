//! A model of several classes: accuracy against always guessing the most frequent class, the
//! confusion matrix and a report per class.

use workbench_core::ml::metrics::MulticlassMetrics;
use workbench_core::train::{Insights, TrainOutcome};

use crate::ui::app::Command;
use crate::ui::format;

use super::{card, importance_ui};

/// Several classes: the headline numbers, which class is taken for which (confusion), how
/// well each class is found, and what matters.
pub(super) fn multiclass_ui(
    ui: &mut egui::Ui,
    o: &TrainOutcome,
    m: &MulticlassMetrics,
    cmds: &mut Vec<Command>,
) {
    ui.horizontal_wrapped(|ui| {
        card(ui, "Accuracy", format!("{:.1}%", 100.0 * m.accuracy), "Share of customers whose most likely class is their class.");
        card(ui, "Always the commonest", format!("{:.1}%", 100.0 * m.majority_rate), "The accuracy of always answering the most frequent class: the bar the model has to beat.");
        card(ui, "Balanced accuracy", format!("{:.1}%", 100.0 * m.balanced_accuracy), "Accuracy with every class counted equally (the mean of the classes' recalls); rare classes weigh as much as common ones.");
        card(ui, "Macro F1", format!("{:.3}", m.macro_f1), "The classes' F1 (balance of precision and recall), averaged with every class counted equally.");
        card(ui, "Log loss", format!("{:.4}", m.log_loss), "How far the predicted probabilities are from what happened; lower is better.");
    });
    ui.add_space(6.0);
    ui.columns(2, |cols| {
        let ui = &mut cols[0];
        ui.strong("Which class is taken for which")
            .on_hover_text("Rows: the customers' actual class; columns: the class the model picks. The diagonal is right; a bright cell off it is a confusion worth knowing about. Shading is the share of the row.");
        egui::ScrollArea::horizontal().id_salt("confusion").show(ui, |ui| {
            egui::Grid::new("confusion").striped(false).show(ui, |ui| {
                ui.weak("actual \\ predicted");
                for c in &m.classes {
                    ui.strong(&c.label);
                }
                ui.end_row();
                let accent = ui.visuals().selection.bg_fill;
                for (i, row) in m.confusion.iter().enumerate() {
                    ui.strong(&m.classes[i].label);
                    let total: u64 = row.iter().sum();
                    for &count in row {
                        let share = if total > 0 { count as f32 / total as f32 } else { 0.0 };
                        let text = egui::RichText::new(format::count(count as usize))
                            .background_color(accent.gamma_multiply(share));
                        ui.label(text);
                    }
                    ui.end_row();
                }
            });
        });
        ui.add_space(8.0);
        ui.strong("Each class");
        egui::Grid::new("per_class").striped(true).show(ui, |ui| {
            for h in ["class", "customers", "precision", "recall", "F1"] {
                ui.strong(h);
            }
            ui.end_row();
            for c in &m.classes {
                ui.label(&c.label);
                ui.label(format::count(c.support as usize));
                ui.label(format!("{:.1}%", 100.0 * c.precision))
                    .on_hover_text("Of the customers the model puts in this class, the share that are.");
                ui.label(format!("{:.1}%", 100.0 * c.recall))
                    .on_hover_text("Of the customers of this class, the share the model finds.");
                ui.label(format!("{:.3}", c.f1));
                ui.end_row();
            }
        });
        let ui = &mut cols[1];
        if let Some(Insights::SeveralClasses(e)) = &o.insights {
            importance_ui(ui, e, "accuracy", cmds);
        }
    });
}
