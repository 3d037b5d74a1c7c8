//! Data: open a file (dialog, drag-and-drop, recent, a worksheet of a workbook) or the sample;
//! the column list with type, missing share and flags; the table; a column's details; what
//! drives the target; correlations between numeric columns.

use egui_plot::{Bar, BarChart, Plot};

use crate::ui::app::{AppState, Command, DataCommand, Dataset};
use crate::ui::format;
use crate::ui::widgets::table::table_ui;
use workbench_core::data::profile::{ColumnProfile, Correlations, Profile, TargetProfile};

/// Which view the Data panel shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DataTab {
    #[default]
    Table,
    Column,
    Drivers,
    Correlations,
}

/// The Data panel's own state.
#[derive(Default)]
pub struct DataView {
    pub tab: DataTab,
    /// The column whose details are shown.
    pub selected: Option<String>,
    /// The RFM form: customer, date and amount columns.
    pub rfm: [String; 3],
    /// Scroll the table to this offset (points) at the next frame.
    pub scroll_to: Option<f32>,
    /// "Open database…".
    pub database: super::database::DatabaseView,
}

pub fn data_panel_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    view: &mut DataView,
    cmds: &mut Vec<Command>,
) {
    super::database::database_window_ui(ui.ctx(), &mut view.database, cmds);
    let Some(ds) = &state.dataset else {
        super::heading_ui(
            ui,
            "Customer data",
            "One row per customer, one column per fact about them.",
        );
        ui.add_space(30.0);
        ui.vertical_centered(|ui| {
            if ui.button("Open a file…").clicked() {
                cmds.push(DataCommand::OpenFileDialog.into());
            }
            ui.add_space(6.0);
            if ui
                .button("Open database…")
                .on_hover_text("A table or a query from PostgreSQL")
                .clicked()
            {
                cmds.push(DataCommand::OpenDatabaseDialog.into());
            }
            ui.add_space(6.0);
            if ui.button("Open the sample customers").clicked() {
                cmds.push(DataCommand::LoadSample.into());
            }
            ui.add_space(6.0);
            if ui
                .button("Open the sample orders")
                .on_hover_text("The same customers' purchases, one row per order line: for lifetime value, what sells together and what to recommend.")
                .clicked()
            {
                cmds.push(DataCommand::LoadOrdersSample.into());
            }
            ui.add_space(6.0);
            if ui
                .button("Open the sample campaign test")
                .on_hover_text("The sample customers after a randomised offer: who got it (treated) and who bought (converted), for uplift: whom does the offer change?")
                .clicked()
            {
                cmds.push(DataCommand::LoadExperimentSample.into());
            }
            ui.add_space(6.0);
            if ui
                .button("Open the sample posts")
                .on_hover_text("Reviews, survey answers, support tickets and social posts by the sample customers: what are customers saying?")
                .clicked()
            {
                cmds.push(DataCommand::LoadPostsSample.into());
            }
            ui.add_space(10.0);
            ui.weak("CSV, TSV, Excel, Parquet or JSON: or drop a file onto this window");
        });
        return;
    };
    header_ui(ui, ds, state.row_word(), cmds);
    super::orders::data_ui(ui, state, cmds);
    super::uplift::data_ui(ui, state, cmds);
    super::forecast::data_ui(ui, state, cmds);
    super::text::data_ui(ui, state, cmds);
    rfm_ui(ui, ds, view, cmds);
    ui.separator();
    egui::Panel::left("data_columns")
        .resizable(true)
        .default_size(360.0)
        .show(ui, |ui| columns_ui(ui, &ds.profile, view));
    egui::CentralPanel::default().show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut view.tab, DataTab::Table, "Table");
            ui.selectable_value(&mut view.tab, DataTab::Column, "Column details");
            ui.selectable_value(&mut view.tab, DataTab::Drivers, "What drives the target");
            ui.selectable_value(&mut view.tab, DataTab::Correlations, "Correlations");
        });
        ui.separator();
        match view.tab {
            DataTab::Table => table_ui(ui, "data_table", &ds.frame, view.scroll_to.take()),
            DataTab::Column => {
                let selected = view
                    .selected
                    .as_ref()
                    .and_then(|n| ds.profile.columns.iter().find(|c| &c.name == n));
                match selected {
                    Some(c) => column_detail_ui(ui, c, &ds.profile),
                    None => super::waiting_ui(ui, "Click a column in the list to see its details."),
                }
            }
            DataTab::Drivers => match (&state.target_profile, &state.settings.target) {
                (Some(t), _) => drivers_ui(ui, t),
                (None, Some(_)) => {
                    ui.spinner();
                }
                (None, None) => {
                    super::waiting_ui(ui, "Pick a target column in Model to see what drives it.")
                }
            },
            DataTab::Correlations => correlations_ui(ui, &ds.correlations),
        }
    });
}

fn header_ui(ui: &mut egui::Ui, ds: &Dataset, rows: &str, cmds: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.heading(&ds.name);
        ui.label(format!(
            "{} {} × {} columns",
            format::count(ds.frame.height()),
            rows,
            ds.frame.width()
        ));
        if ds.sheets.len() > 1
            && let Some(path) = ds.path()
        {
            ui.label("Sheet");
            let current = ds.sheet().cloned().unwrap_or_default();
            egui::ComboBox::from_id_salt("sheet")
                .selected_text(&current)
                .show_ui(ui, |ui| {
                    for s in &ds.sheets {
                        if ui.selectable_label(*s == current, s).clicked() && *s != current {
                            cmds.push(
                                DataCommand::OpenSheet {
                                    path: path.clone(),
                                    sheet: s.clone(),
                                }
                                .into(),
                            );
                        }
                    }
                });
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button("Open the sample").clicked() {
                cmds.push(DataCommand::LoadSample.into());
            }
            if ui.button("Open database…").clicked() {
                cmds.push(DataCommand::OpenDatabaseDialog.into());
            }
            if ui.button("Open a file…").clicked() {
                cmds.push(DataCommand::OpenFileDialog.into());
            }
        });
    });
}

/// Turning a transaction table (a row per purchase) into one row per customer.
fn rfm_ui(ui: &mut egui::Ui, ds: &Dataset, view: &mut DataView, cmds: &mut Vec<Command>) {
    egui::CollapsingHeader::new("Transactions? Make an RFM table (recency, frequency, monetary)")
        .default_open(false)
        .show(ui, |ui| {
            ui.weak("For a table with one row per purchase: one row per customer with days since the last purchase, purchases, total spent, 1–5 scores and a named segment (Champions, Loyal, At risk, Lost…).");
            let columns: Vec<&str> = ds.profile.columns.iter().map(|c| c.name.as_str()).collect();
            ui.horizontal(|ui| {
                for (i, label) in ["Customer", "Date", "Amount"].iter().enumerate() {
                    ui.label(*label);
                    let value = &mut view.rfm[i];
                    egui::ComboBox::from_id_salt(("rfm", i))
                        .selected_text(if value.is_empty() { "pick" } else { value.as_str() })
                        .height(400.0)
                        .show_ui(ui, |ui| {
                            for c in &columns {
                                ui.selectable_value(value, (*c).to_owned(), *c);
                            }
                        });
                }
                let ready = view.rfm.iter().all(|c| !c.is_empty());
                if ui.add_enabled(ready, egui::Button::new("Make RFM table")).clicked() {
                    let [customer, date, amount] = view.rfm.clone();
                    cmds.push(DataCommand::MakeRfm { customer, date, amount }.into());
                }
            });
        });
}

/// The column list: name, type, missing share and flags; a click shows the column's details.
pub fn columns_ui(ui: &mut egui::Ui, profile: &Profile, view: &mut DataView) {
    ui.strong("Columns");
    // Only the rows on screen are built: a file may have 20,000 columns.
    let row_height = ui.spacing().interact_size.y + ui.spacing().item_spacing.y;
    egui::ScrollArea::vertical()
        .id_salt("columns_list")
        .show_rows(ui, row_height, profile.columns.len() + 1, |ui, rows| {
            egui::Grid::new("columns_grid")
                .striped(true)
                .num_columns(4)
                .min_row_height(row_height - ui.spacing().item_spacing.y)
                .show(ui, |ui| {
                    if rows.start == 0 {
                        ui.weak("name");
                        ui.weak("type");
                        ui.weak("missing");
                        ui.weak("");
                        ui.end_row();
                    }
                    let from = rows.start.saturating_sub(1);
                    let to = rows.end.saturating_sub(1).min(profile.columns.len());
                    for c in &profile.columns[from..to] {
                        let selected = view.selected.as_ref() == Some(&c.name);
                        if ui.selectable_label(selected, &c.name).clicked() {
                            view.selected = Some(c.name.clone());
                            view.tab = DataTab::Column;
                        }
                        ui.weak(&c.dtype);
                        let pct = format!("{:.1}%", 100.0 * c.missing_fraction);
                        if c.missing_fraction > 0.2 {
                            ui.colored_label(ui.visuals().warn_fg_color, pct)
                                .on_hover_text("More than a fifth of the values are missing");
                        } else {
                            ui.label(pct);
                        }
                        ui.horizontal(|ui| {
                            for f in &c.flags {
                                ui.colored_label(ui.visuals().warn_fg_color, f.label())
                                    .on_hover_text(f.help());
                            }
                        });
                        ui.end_row();
                    }
                });
        });
}

fn column_detail_ui(ui: &mut egui::Ui, c: &ColumnProfile, profile: &Profile) {
    let rows = profile.rows;
    // A file too large to load: some numbers are of every row, the rest of the sample.
    let of_sample = |k: &str| match profile.sample_rows {
        Some(_) => format!("{k} (sample)"),
        None => k.to_owned(),
    };
    ui.heading(&c.name);
    if let Some(n) = profile.sample_rows {
        ui.weak(format!(
            "Missing values, min, max, mean, sd and dates are counted over all {} rows of the file; distinct values, quartiles and the chart describe the random sample of {} rows.",
            format::count(rows),
            format::count(n)
        ));
    }
    egui::Grid::new("column_stats")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let mut row = |k: &str, v: String| {
                ui.label(k);
                ui.label(v);
                ui.end_row();
            };
            row("type", c.dtype.clone());
            row(
                "missing",
                format!(
                    "{} of {} ({:.1}%)",
                    format::count(c.missing),
                    format::count(rows),
                    100.0 * c.missing_fraction
                ),
            );
            row(&of_sample("distinct values"), format::count(c.distinct));
            if let (Some(min), Some(max)) = (c.min, c.max) {
                row(
                    "min / max",
                    format!("{} / {}", format::number(min), format::number(max)),
                );
            }
            if let Some([q1, q2, q3]) = c.quartiles {
                row(
                    &of_sample("quartiles"),
                    format!(
                        "{} · {} · {}",
                        format::number(q1),
                        format::number(q2),
                        format::number(q3)
                    ),
                );
            }
            if let (Some(m), Some(s)) = (c.mean, c.std) {
                row(
                    "mean ± sd",
                    format!("{} ± {}", format::number(m), format::number(s)),
                );
            }
            if let Some((a, b)) = &c.date_range {
                row("dates", format!("{a} to {b}"));
            }
            for f in &c.flags {
                row(f.label(), f.help().to_owned());
            }
        });
    ui.add_space(8.0);
    if let Some(h) = &c.histogram {
        let bars = crate::ui::widgets::histogram_bars(h);
        Plot::new("column_histogram")
            .height(240.0)
            .x_axis_label(c.name.as_str())
            .y_axis_label("customers")
            .allow_scroll(false)
            .show(ui, |p| p.bar_chart(BarChart::new("customers", bars)));
    } else if !c.top_values.is_empty() {
        ui.strong("Most frequent values");
        egui::Grid::new("top_values").striped(true).show(ui, |ui| {
            for (v, n) in &c.top_values {
                ui.label(v);
                ui.label(format::count(*n as usize));
                ui.end_row();
            }
        });
    }
}

fn drivers_ui(ui: &mut egui::Ui, t: &TargetProfile) {
    let what = match &t.positive {
        Some(p) => format!("share of '{}' = {p}", t.target),
        None => format!("mean {}", t.target),
    };
    ui.label(format!(
        "Overall {what}: {}. Columns where it varies most come first.",
        rate(t, t.overall)
    ));
    egui::ScrollArea::vertical()
        .id_salt("drivers")
        .show(ui, |ui| {
            for d in t.drivers.iter().take(12) {
                ui.add_space(6.0);
                ui.strong(format!("{} (spread {})", d.column, rate(t, d.spread)));
                let bars: Vec<Bar> = d
                    .groups
                    .iter()
                    .enumerate()
                    .map(|(i, g)| {
                        Bar::new(i as f64, g.value).name(format!(
                            "{}: {} ({} customers)",
                            g.label,
                            rate(t, g.value),
                            format::count(g.count as usize)
                        ))
                    })
                    .collect();
                let labels: Vec<String> = d.groups.iter().map(|g| g.label.clone()).collect();
                Plot::new(("driver", d.column.as_str()))
                    .height(130.0)
                    .allow_scroll(false)
                    .allow_drag(false)
                    .allow_zoom(false)
                    .x_axis_formatter(move |mark, _| {
                        let i = mark.value.round();
                        if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                            labels.get(i as usize).cloned().unwrap_or_default()
                        } else {
                            String::new()
                        }
                    })
                    .show(ui, |p| {
                        p.bar_chart(BarChart::new(d.column.as_str(), bars));
                        p.hline(egui_plot::HLine::new("overall", t.overall));
                    });
            }
        });
}

fn rate(t: &TargetProfile, v: f64) -> String {
    if t.positive.is_some() {
        format!("{:.1}%", 100.0 * v)
    } else {
        format::number(v)
    }
}

fn correlations_ui(ui: &mut egui::Ui, c: &Correlations) {
    let k = c.columns.len();
    if k < 2 {
        super::waiting_ui(ui, "Fewer than two numeric columns.");
        return;
    }
    ui.weak("Pearson correlation of each pair of numeric columns: blue moves together, red moves opposite.");
    egui::ScrollArea::both().id_salt("corr").show(ui, |ui| {
        let cell = 26.0;
        let label_w = 170.0;
        let (rect, response) = ui.allocate_exact_size(
            egui::vec2(label_w + cell * k as f32, label_w + cell * k as f32),
            egui::Sense::hover(),
        );
        let painter = ui.painter_at(rect);
        let text_color = ui.visuals().text_color();
        let font = egui::FontId::proportional(11.0);
        for (i, name) in c.columns.iter().enumerate() {
            let y = rect.top() + label_w + cell * (i as f32 + 0.5);
            painter.text(
                egui::pos2(rect.left() + label_w - 4.0, y),
                egui::Align2::RIGHT_CENTER,
                name,
                font.clone(),
                text_color,
            );
            let x = rect.left() + label_w + cell * (i as f32 + 0.5);
            let galley = painter.layout_no_wrap(name.clone(), font.clone(), text_color);
            painter.add(
                egui::epaint::TextShape::new(
                    egui::pos2(x - galley.size().y / 2.0, rect.top() + label_w - 4.0),
                    galley,
                    text_color,
                )
                .with_angle(-std::f32::consts::FRAC_PI_2),
            );
        }
        let mut hovered = None;
        for i in 0..k {
            for j in 0..k {
                let r = c.matrix[i][j];
                let min = egui::pos2(
                    rect.left() + label_w + cell * j as f32,
                    rect.top() + label_w + cell * i as f32,
                );
                let cell_rect = egui::Rect::from_min_size(min, egui::vec2(cell - 1.0, cell - 1.0));
                let color = if r.is_nan() {
                    egui::Color32::GRAY
                } else if r >= 0.0 {
                    egui::Color32::from_rgb(
                        (255.0 * (1.0 - r)) as u8,
                        (255.0 * (1.0 - 0.6 * r)) as u8,
                        255,
                    )
                } else {
                    egui::Color32::from_rgb(
                        255,
                        (255.0 * (1.0 + 0.6 * r)) as u8,
                        (255.0 * (1.0 + r)) as u8,
                    )
                };
                painter.rect_filled(cell_rect, 2.0, color);
                if response.hover_pos().is_some_and(|p| cell_rect.contains(p)) {
                    hovered = Some((i, j, r));
                }
            }
        }
        if let Some((i, j, r)) = hovered {
            response.on_hover_text(format!("{} and {}: {:.2}", c.columns[i], c.columns[j], r));
        }
    });
}
