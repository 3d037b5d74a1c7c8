//! A table of a polars DataFrame that builds only the rows on screen, so a million rows scroll
//! as smoothly as ten.

use egui_extras::{Column, TableBuilder};
use polars::prelude::DataFrame;

use crate::ui::format;
use workbench_core::data::ROW_ID;

/// Height of a table row, in points.
pub const ROW_HEIGHT: f32 = 20.0;

/// Columns drawn at once; a wider table is paged (only the rows on screen are built, but every
/// column of them is: 20,000 columns × 30 rows would be 600,000 cells a frame).
pub const MAX_SHOWN_COLUMNS: usize = 60;

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
    let columns = column_page_ui(ui, id_salt, &columns);
    egui::ScrollArea::horizontal()
        .id_salt(id_salt)
        .show(ui, |ui| {
            let mut builder = TableBuilder::new(ui);
            if let Some(y) = scroll_to {
                builder = builder.vertical_scroll_offset(y);
            }
            builder = builder
                .id_salt(id_salt)
                .striped(true)
                .resizable(true)
                .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
                .column(Column::exact(56.0));
            for c in columns {
                builder =
                    builder.column(Column::initial(initial_width(c)).at_least(48.0).clip(true));
            }
            builder
                .header(ROW_HEIGHT + 4.0, |mut header| {
                    header.col(|ui| {
                        ui.weak("#");
                    });
                    for c in columns {
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
                        for c in columns {
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

/// A column's starting width: 110 points, wider for text whose first rows are long (a
/// sentence such as a recommendation's reason), at most 520; the user can drag it either way.
fn initial_width(c: &polars::prelude::Column) -> f32 {
    const CHAR: f32 = 7.0;
    let Ok(text) = c.str() else {
        return 110.0;
    };
    let longest = text
        .iter()
        .take(50)
        .flatten()
        .map(|v| v.chars().count())
        .max()
        .unwrap_or(0);
    (longest as f32 * CHAR + 12.0).clamp(110.0, 520.0)
}

/// The page of columns shown (all of them when there are few), with buttons to page through.
fn column_page_ui<'a, T>(ui: &mut egui::Ui, id_salt: &str, columns: &'a [T]) -> &'a [T] {
    let n = columns.len();
    if n <= MAX_SHOWN_COLUMNS {
        return columns;
    }
    let id = egui::Id::unique((id_salt, "first_column"));
    let mut first = ui.data(|d| d.get_temp::<usize>(id)).unwrap_or(0).min(n - 1);
    ui.horizontal(|ui| {
        if ui
            .add_enabled(first > 0, egui::Button::new("Previous columns"))
            .clicked()
        {
            first = first.saturating_sub(MAX_SHOWN_COLUMNS);
        }
        let last = (first + MAX_SHOWN_COLUMNS).min(n);
        ui.label(format!(
            "Columns {}–{} of {}",
            format::count(first + 1),
            format::count(last),
            format::count(n)
        ));
        if ui
            .add_enabled(last < n, egui::Button::new("Next columns"))
            .clicked()
        {
            first = last;
        }
    });
    ui.data_mut(|d| d.insert_temp(id, first));
    &columns[first..(first + MAX_SHOWN_COLUMNS).min(n)]
}
