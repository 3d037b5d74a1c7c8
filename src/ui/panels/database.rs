//! "Open database…": a PostgreSQL URL and password, the database's tables or a query, an
//! optional random sample of a table, the first 100 rows, then Open. The password stays in
//! this window and in memory: the URL the app keeps (and saves in projects) has none.

use polars::prelude::DataFrame;
use workbench_core::data::postgres::{Location, What};

use crate::ui::app::{Command, DataCommand};
use crate::ui::widgets::table::table_ui;

/// Read a table, or the rows of a query.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reading {
    #[default]
    Table,
    Query,
}

/// The dialog's settings and what the database answered.
#[derive(Debug)]
pub struct DatabaseView {
    pub open: bool,
    /// `postgresql://user@host:port/database` (a password typed here moves to `password`).
    pub url: String,
    pub password: String,
    pub reading: Reading,
    pub table: Option<String>,
    pub query: String,
    /// Read a random share of the table (in percent) instead of all of it.
    pub sampled: bool,
    pub percent: f64,
    /// The database's tables, once listed.
    pub tables: Vec<String>,
    /// The first rows of the table or query.
    pub preview: Option<DataFrame>,
}

impl Default for DatabaseView {
    fn default() -> Self {
        Self {
            open: false,
            url: default_url(),
            password: String::new(),
            reading: Reading::Table,
            table: None,
            query: "SELECT * FROM customers".into(),
            sampled: false,
            percent: 10.0,
            tables: Vec::new(),
            preview: None,
        }
    }
}

/// The URL the dialog starts with: the server libpq's environment names (`PGHOST`…, as psql
/// reads it), else a local server's default database.
pub fn default_url() -> String {
    match std::env::var("PGHOST") {
        Ok(_) => format!(
            "postgresql:///{}",
            std::env::var("PGDATABASE").unwrap_or_else(|_| "postgres".into())
        ),
        Err(_) => "postgresql://localhost:5432/postgres".into(),
    }
}

impl DatabaseView {
    /// The tables listed; the first is chosen unless one already is.
    pub fn set_tables(&mut self, tables: Vec<String>) {
        if self.table.as_ref().is_none_or(|t| !tables.contains(t)) {
            self.table = tables.first().cloned();
        }
        self.tables = tables;
    }

    /// The location the settings name (URL without password), or why there is none.
    fn location(&self) -> Result<Location, String> {
        let base = Location::parse(self.url.trim()).map_err(|e| e.one_line())?;
        match self.reading {
            Reading::Table => {
                let table = self.table.clone().ok_or("List the tables and pick one")?;
                Ok(base.with(What::Table(table), self.sampled.then_some(self.percent)))
            }
            Reading::Query if self.query.trim().is_empty() => Err("Write a query".into()),
            Reading::Query => Ok(base.with(What::Query(self.query.trim().to_owned()), None)),
        }
    }

    /// The password to use: the one typed, else the URL's own.
    fn password(&self) -> String {
        if !self.password.is_empty() {
            return self.password.clone();
        }
        Location::parse(self.url.trim())
            .ok()
            .and_then(|l| l.password())
            .unwrap_or_default()
    }
}

pub fn database_window_ui(ctx: &egui::Context, view: &mut DatabaseView, cmds: &mut Vec<Command>) {
    if !view.open {
        return;
    }
    let mut open = view.open;
    egui::Window::new("Open database")
        .open(&mut open)
        .collapsible(false)
        .resizable(true)
        .default_width(760.0)
        .default_height(560.0)
        .show(ctx, |ui| {
            ui.weak("Read customers straight from PostgreSQL: a table, or the rows of a query. The password is used for this session only and is never saved.");
            ui.add_space(4.0);
            egui::Grid::new("db_connection").num_columns(2).show(ui, |ui| {
                ui.label("Database");
                ui.add(
                    egui::TextEdit::singleline(&mut view.url)
                        .desired_width(460.0)
                        .hint_text("postgresql://user@host:5432/database"),
                )
                .on_hover_text("postgresql://user@host:port/database. Left out: PGHOST, PGPORT, PGUSER and PGDATABASE, as psql does.");
                ui.end_row();
                ui.label("Password");
                ui.horizontal(|ui| {
                    ui.add(
                        egui::TextEdit::singleline(&mut view.password)
                            .password(true)
                            .desired_width(200.0),
                    )
                    .on_hover_text("Empty: PGPASSWORD or ~/.pgpass, as psql does.");
                    if ui.button("List tables").clicked() {
                        match Location::parse(view.url.trim()) {
                            Ok(l) => cmds.push(
                                DataCommand::ListTables {
                                    url: l.database_url(),
                                    password: view.password(),
                                }
                                .into(),
                            ),
                            Err(e) => cmds.push(Command::Notify {
                                message: e.one_line(),
                                error: true,
                            }),
                        }
                    }
                });
                ui.end_row();
            });
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                ui.selectable_value(&mut view.reading, Reading::Table, "A table");
                ui.selectable_value(&mut view.reading, Reading::Query, "A query");
            });
            match view.reading {
                Reading::Table => table_choice_ui(ui, view),
                Reading::Query => {
                    ui.add(
                        egui::TextEdit::multiline(&mut view.query)
                            .code_editor()
                            .desired_rows(4)
                            .desired_width(f32::INFINITY),
                    );
                }
            }
            ui.add_space(6.0);
            let location = view.location();
            ui.horizontal(|ui| {
                let ready = location.is_ok();
                if ui
                    .add_enabled(ready, egui::Button::new("Preview"))
                    .on_hover_text("The first 100 rows")
                    .clicked()
                    && let Ok(l) = &location
                {
                    cmds.push(
                        DataCommand::PreviewDatabase {
                            url: l.shown.clone(),
                            password: view.password(),
                        }
                        .into(),
                    );
                }
                if ui
                    .add_enabled(ready, egui::Button::new("Open"))
                    .clicked()
                    && let Ok(l) = &location
                {
                    cmds.push(
                        DataCommand::OpenDatabase {
                            url: l.shown.clone(),
                            password: view.password(),
                        }
                        .into(),
                    );
                }
                match &location {
                    Ok(l) => ui.weak(format!("Reads {}", l.sampling())),
                    Err(why) => ui.weak(why),
                };
            });
            if let Some(df) = &view.preview {
                ui.separator();
                ui.label(format!(
                    "First {} rows, {} columns",
                    df.height(),
                    df.width()
                ));
                table_ui(ui, "db_preview", df, None);
            }
        });
    view.open = open;
}

/// The table list and the sampling of the chosen table.
fn table_choice_ui(ui: &mut egui::Ui, view: &mut DatabaseView) {
    ui.horizontal(|ui| {
        ui.label("Table");
        let shown = view.table.as_deref().unwrap_or("List the tables first");
        egui::ComboBox::from_id_salt("db_table")
            .selected_text(shown)
            .width(260.0)
            .show_ui(ui, |ui| {
                for t in &view.tables {
                    ui.selectable_value(&mut view.table, Some(t.clone()), t);
                }
            });
    });
    ui.horizontal(|ui| {
        ui.checkbox(&mut view.sampled, "Read a random sample of")
            .on_hover_text("For training on a big table: each row is kept with this chance (PostgreSQL's TABLESAMPLE BERNOULLI, with a fixed seed, so the same rows every time).");
        ui.add_enabled(
            view.sampled,
            egui::DragValue::new(&mut view.percent)
                .range(0.01..=100.0)
                .speed(0.5)
                .suffix("%"),
        );
        ui.label("of its rows");
    });
}
