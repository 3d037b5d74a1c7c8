//! A table of a polars DataFrame that builds only the rows on screen, so a million rows scroll
//! as smoothly as ten.

use egui_extras::{Column, TableBuilder};
use polars::prelude::DataFrame;

use crate::data::ROW_ID;
use crate::ui::format;

/// Height of a table row, in points.
pub const ROW_HEIGHT: f32 = 20.0;

/// Shows `df` (without the internal row-id column), scrolling both ways; `scroll_to` moves the
/// view to that many points from the top.
pub fn table_ui(ui: &mut egui::Ui, id_salt: &str, df: &DataFrame, scroll_to: Option<f32>) {
    let columns: Vec<&polars::prelude::Column> = df
        .columns()
        .iter()
        .filter(|c| c.name().as_str() != ROW_ID)
        .collect();
    if columns.is_empty() {
        ui.label("No columns to show.");
        return;
    }
    egui::ScrollArea::horizontal()
        .id_salt(id_salt)
        .show(ui, |ui| {
            let mut builder = TableBuilder::new(ui);
            if let Some(y) = scroll_to {
                builder = builder.vertical_scroll_offset(y);
            }
            builder
                .id_salt(id_salt)
                .striped(true)
                .resizable(true)
                .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
                .column(Column::exact(56.0))
                .columns(
                    Column::initial(110.0).at_least(48.0).clip(true),
                    columns.len(),
                )
                .header(ROW_HEIGHT + 4.0, |mut header| {
                    header.col(|ui| {
                        ui.weak("#");
                    });
                    for c in &columns {
                        header.col(|ui| {
                            ui.strong(c.name().as_str()).on_hover_text(format!(
                                "{} ({})",
                                c.name(),
                                c.dtype()
                            ));
                        });
                    }
                })
                .body(|body| {
                    body.rows(ROW_HEIGHT, df.height(), |mut row| {
                        let i = row.index();
                        row.col(|ui| {
                            ui.weak(format::count(i + 1));
                        });
                        for c in &columns {
                            row.col(|ui| {
                                let text = c.get(i).map(|v| format::cell(&v)).unwrap_or_default();
                                if c.dtype().is_primitive_numeric() {
                                    ui.with_layout(
                                        egui::Layout::right_to_left(egui::Align::Center),
                                        |ui| {
                                            ui.label(text);
                                        },
                                    );
                                } else {
                                    ui.label(text);
                                }
                            });
                        }
                    });
                });
        });
}
