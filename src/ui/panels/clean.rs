//! Clean: the recipe (each step listed with its effect, switchable, movable and removable),
//! undo / redo, saving and opening recipes, a form to preview and add a step, and the table as
//! the recipe (or the previewed step) leaves it.

use crate::ui::app::{AppState, Command, RecipeCommand};
use crate::ui::format;
use crate::ui::widgets::table::table_ui;
use workbench_core::data::profile::Profile;
use workbench_core::data::recipe::{
    ALL_COLUMNS, ALL_NUMERIC, Arithmetic, ClipMethod, ColumnType, DateParts, FillStrategy,
    FilterOp, Step, StepEffect, StepKind,
};

/// The add-step form's own state.
pub struct CleanForm {
    pub kind: StepKind,
    pub column: String,
    pub other_column: String,
    pub text: String,
    pub strategy: FillStrategy,
    pub add_flag: bool,
    pub to_type: ColumnType,
    pub op: FilterOp,
    pub arithmetic: Arithmetic,
    pub iqr: bool,
    pub low: f64,
    pub high: f64,
    pub bins: usize,
    /// Themes for a themes step.
    pub themes: usize,
    pub parts: DateParts,
}

impl Default for CleanForm {
    fn default() -> Self {
        Self {
            kind: StepKind::default(),
            column: String::new(),
            other_column: String::new(),
            text: String::new(),
            strategy: FillStrategy::Median,
            add_flag: false,
            to_type: ColumnType::Number,
            op: FilterOp::Equals,
            arithmetic: Arithmetic::Divide,
            iqr: true,
            low: 1.0,
            high: 99.0,
            bins: 5,
            themes: 6,
            parts: DateParts::default(),
        }
    }
}

impl CleanForm {
    /// The step the form describes, or what it still needs.
    fn step(&self, profile: &Profile, target: Option<&str>) -> Result<Step, &'static str> {
        if self.column.is_empty() {
            return Err("Pick a column");
        }
        let col = self.column.clone();
        let every = |numeric: bool| -> Vec<String> {
            profile
                .columns
                .iter()
                .filter(|c| (!numeric || c.is_numeric()) && Some(c.name.as_str()) != target)
                .map(|c| c.name.clone())
                .collect()
        };
        let one_or_all = |all_numeric: bool| {
            if col == ALL_NUMERIC {
                every(true)
            } else if col == ALL_COLUMNS {
                if all_numeric {
                    every(false)
                } else {
                    Vec::new()
                }
            } else {
                vec![col.clone()]
            }
        };
        Ok(match self.kind {
            StepKind::Drop => Step::DropColumns { columns: vec![col] },
            StepKind::Rename => {
                if self.text.trim().is_empty() {
                    return Err("Type the new name");
                }
                Step::Rename {
                    from: col,
                    to: self.text.trim().to_owned(),
                }
            }
            StepKind::ChangeType => Step::ChangeType {
                column: col,
                to: self.to_type,
            },
            StepKind::Fill => Step::FillMissing {
                column: col,
                strategy: self.strategy,
                value: (self.strategy == FillStrategy::Constant).then(|| self.text.clone()),
                add_flag: self.add_flag,
            },
            StepKind::DropMissingRows => Step::DropMissingRows {
                columns: one_or_all(false),
            },
            StepKind::Filter => {
                if self.op.takes_value() && self.text.trim().is_empty() {
                    return Err("Type the value to compare with");
                }
                Step::FilterRows {
                    column: col,
                    op: self.op,
                    value: self.text.trim().to_owned(),
                }
            }
            StepKind::Dedupe => Step::RemoveDuplicates {
                columns: one_or_all(false),
            },
            StepKind::Clip => Step::ClipOutliers {
                column: col,
                method: if self.iqr {
                    ClipMethod::Iqr { k: 1.5 }
                } else {
                    ClipMethod::Percentiles {
                        low: self.low,
                        high: self.high,
                    }
                },
            },
            StepKind::Log => Step::LogTransform { column: col },
            StepKind::Sentiment => Step::Sentiment { column: col },
            StepKind::Themes => Step::Themes {
                column: col,
                themes: self.themes,
            },
            StepKind::Standardize => Step::Standardize {
                columns: one_or_all(true),
            },
            StepKind::MinMax => Step::MinMax {
                columns: one_or_all(true),
            },
            StepKind::Bin => Step::Bin {
                column: col,
                bins: self.bins,
            },
            StepKind::OneHot => Step::OneHot {
                column: col,
                max_categories: 20,
            },
            StepKind::DateParts => Step::DateParts {
                column: col,
                parts: self.parts,
            },
            StepKind::Derive => {
                if self.other_column.is_empty() {
                    return Err("Pick the second column");
                }
                let name = if self.text.trim().is_empty() {
                    let word = match self.arithmetic {
                        Arithmetic::Add => "plus",
                        Arithmetic::Subtract => "minus",
                        Arithmetic::Multiply => "times",
                        Arithmetic::Divide => "per",
                    };
                    format!("{col}_{word}_{}", self.other_column)
                } else {
                    self.text.trim().to_owned()
                };
                Step::Derive {
                    name,
                    left: col,
                    op: self.arithmetic,
                    right: self.other_column.clone(),
                }
            }
        })
    }
}

fn effect_text(e: &StepEffect) -> String {
    let mut parts = Vec::new();
    if e.rows_before != e.rows_after {
        parts.push(format!(
            "rows {} to {}",
            format::count(e.rows_before),
            format::count(e.rows_after)
        ));
    }
    if e.columns_before != e.columns_after {
        parts.push(format!(
            "columns {} to {}",
            e.columns_before, e.columns_after
        ));
    }
    if e.missing_before != e.missing_after {
        parts.push(format!(
            "missing {} to {}",
            format::count(e.missing_before),
            format::count(e.missing_after)
        ));
    }
    if parts.is_empty() {
        "no change in rows, columns or missing values".to_owned()
    } else {
        parts.join(" · ")
    }
}

pub fn clean_panel_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    form: &mut CleanForm,
    applying: bool,
    cmds: &mut Vec<Command>,
) {
    let Some(ds) = &state.dataset else {
        super::waiting_ui(ui, "Open a data file in Data first.");
        return;
    };
    egui::Panel::left("recipe")
        .resizable(true)
        .default_size(390.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("recipe_scroll")
                .show(ui, |ui| {
                    recipe_ui(ui, state, cmds);
                    ui.separator();
                    add_step_ui(ui, state, form, cmds);
                });
        });
    egui::CentralPanel::default().show(ui, |ui| {
        let previewing = state.preview.as_ref();
        let shown = match previewing {
            Some(p) => p.result.as_ref(),
            None => state.cleaned.as_ref(),
        };
        ui.horizontal(|ui| {
            if let Some(p) = previewing {
                ui.strong("Preview:");
                ui.label(p.step.describe());
                if ui.button("Add this step").clicked() {
                    cmds.push(RecipeCommand::AddStep(p.step.clone()).into());
                }
                if ui.button("Discard").clicked() {
                    cmds.push(RecipeCommand::DiscardPreview.into());
                }
            } else {
                ui.strong("Result");
            }
            if let Some(c) = shown {
                ui.label(format!(
                    "{} rows × {} columns (loaded: {} × {})",
                    format::count(c.frame.height()),
                    c.profile.columns.len(),
                    format::count(ds.frame.height()),
                    ds.frame.width()
                ));
            }
            if applying {
                ui.spinner();
            }
        });
        match shown {
            Some(c) => table_ui(ui, "clean_table", &c.frame, None),
            None => {
                ui.spinner();
            }
        }
    });
}

fn recipe_ui(ui: &mut egui::Ui, state: &AppState, cmds: &mut Vec<Command>) {
    super::heading_ui(
        ui,
        "Recipe",
        "Steps run in order, on every file this model scores.",
    );
    ui.horizontal(|ui| {
        if ui
            .add_enabled(state.history.can_undo(), egui::Button::new("Undo"))
            .on_hover_text("Undo the last change to the recipe (Ctrl+Z)")
            .clicked()
        {
            cmds.push(RecipeCommand::Undo.into());
        }
        if ui
            .add_enabled(state.history.can_redo(), egui::Button::new("Redo"))
            .on_hover_text("Redo (Ctrl+Shift+Z)")
            .clicked()
        {
            cmds.push(RecipeCommand::Redo.into());
        }
        if ui
            .button("Open…")
            .on_hover_text("Replace this recipe by one saved as JSON")
            .clicked()
        {
            cmds.push(RecipeCommand::OpenDialog.into());
        }
        if ui
            .add_enabled(!state.recipe.steps.is_empty(), egui::Button::new("Save…"))
            .on_hover_text("Save the recipe as JSON (the file `train --recipe` takes)")
            .clicked()
        {
            cmds.push(RecipeCommand::SaveDialog.into());
        }
    });
    ui.add_space(4.0);
    if state.recipe.steps.is_empty() {
        ui.weak("No steps yet: the data is used as loaded.");
    }
    let effects = state
        .cleaned
        .as_ref()
        .map(|c| c.effects.as_slice())
        .unwrap_or(&[]);
    let n = state.recipe.steps.len();
    for (i, rs) in state.recipe.steps.iter().enumerate() {
        ui.horizontal(|ui| {
            let mut enabled = rs.enabled;
            if ui
                .checkbox(&mut enabled, "")
                .on_hover_text("Switch this step off without removing it")
                .changed()
            {
                cmds.push(RecipeCommand::ToggleStep(i).into());
            }
            let text = format!("{}. {}", i + 1, rs.step.describe());
            if rs.enabled {
                ui.add(egui::Label::new(text).truncate());
            } else {
                ui.add(
                    egui::Label::new(egui::RichText::new(text).weak().strikethrough()).truncate(),
                );
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .small_button("✖")
                    .on_hover_text("Remove this step")
                    .clicked()
                {
                    cmds.push(RecipeCommand::RemoveStep(i).into());
                }
                if ui
                    .add_enabled(i + 1 < n, egui::Button::new("down").small())
                    .on_hover_text("Move down")
                    .clicked()
                {
                    cmds.push(RecipeCommand::MoveStep { from: i, to: i + 1 }.into());
                }
                if ui
                    .add_enabled(i > 0, egui::Button::new("up").small())
                    .on_hover_text("Move up")
                    .clicked()
                {
                    cmds.push(RecipeCommand::MoveStep { from: i, to: i - 1 }.into());
                }
            });
        });
        if let Some(Some(e)) = effects.get(i) {
            ui.horizontal(|ui| {
                ui.add_space(28.0);
                ui.add(egui::Label::new(egui::RichText::new(effect_text(e)).small().weak()).wrap());
            });
        }
    }
}

fn column_combo(
    ui: &mut egui::Ui,
    id: &str,
    value: &mut String,
    all: Option<&str>,
    columns: &[&str],
) {
    egui::ComboBox::from_id_salt(id)
        .selected_text(if value.is_empty() {
            "pick one"
        } else {
            value.as_str()
        })
        .width(200.0)
        .height(420.0)
        .show_ui(ui, |ui| {
            if let Some(all) = all {
                ui.selectable_value(value, all.to_owned(), all);
            }
            for c in columns {
                ui.selectable_value(value, (*c).to_owned(), *c);
            }
        });
}

fn add_step_ui(ui: &mut egui::Ui, state: &AppState, form: &mut CleanForm, cmds: &mut Vec<Command>) {
    let Some(profile) = state
        .cleaned
        .as_ref()
        .map(|c| &c.profile)
        .or(state.dataset.as_ref().map(|d| &d.profile))
    else {
        return;
    };
    ui.strong("Add a step");
    egui::ComboBox::from_id_salt("step_kind")
        .selected_text(form.kind.label())
        .width(260.0)
        .height(420.0)
        .show_ui(ui, |ui| {
            for k in StepKind::ALL {
                ui.selectable_value(&mut form.kind, k, k.label())
                    .on_hover_text(k.help());
            }
        });
    ui.add(egui::Label::new(egui::RichText::new(form.kind.help()).weak()).wrap());

    let columns: Vec<&str> = profile
        .columns
        .iter()
        .filter(|c| form.kind.accepts(c))
        .map(|c| c.name.as_str())
        .collect();
    let all = form.kind.all_entry();
    if !columns.contains(&form.column.as_str()) && Some(form.column.as_str()) != all {
        form.column = all.map(str::to_owned).unwrap_or_default();
    }
    egui::Grid::new("step_form")
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            ui.label(if form.kind == StepKind::Derive {
                "First"
            } else {
                "Column"
            });
            column_combo(ui, "step_column", &mut form.column, all, &columns);
            ui.end_row();
            let column_is_numeric = profile
                .columns
                .iter()
                .any(|c| c.name == form.column && c.is_numeric());
            match form.kind {
                StepKind::Rename => {
                    ui.label("New name");
                    ui.text_edit_singleline(&mut form.text);
                    ui.end_row();
                }
                StepKind::ChangeType => {
                    ui.label("To");
                    egui::ComboBox::from_id_salt("to_type")
                        .selected_text(form.to_type.label())
                        .show_ui(ui, |ui| {
                            for t in ColumnType::ALL {
                                ui.selectable_value(&mut form.to_type, t, t.label());
                            }
                        });
                    ui.end_row();
                }
                StepKind::Fill => {
                    if !column_is_numeric && form.strategy.numeric_only() {
                        form.strategy = FillStrategy::MostFrequent;
                    }
                    ui.label("With the");
                    egui::ComboBox::from_id_salt("fill_strategy")
                        .selected_text(form.strategy.label())
                        .show_ui(ui, |ui| {
                            for s in FillStrategy::ALL {
                                let allowed = if column_is_numeric {
                                    s != FillStrategy::MissingCategory
                                } else {
                                    !s.numeric_only()
                                };
                                ui.add_enabled_ui(allowed, |ui| {
                                    ui.selectable_value(&mut form.strategy, s, s.label());
                                });
                            }
                        });
                    ui.end_row();
                    if form.strategy == FillStrategy::Constant {
                        ui.label("Value");
                        ui.text_edit_singleline(&mut form.text);
                        ui.end_row();
                    }
                    ui.label("");
                    ui.checkbox(&mut form.add_flag, "Add a was-missing column first")
                        .on_hover_text(
                            "Missingness itself often predicts behaviour: keep it as a 0/1 column.",
                        );
                    ui.end_row();
                }
                StepKind::Filter => {
                    ui.label("Where");
                    egui::ComboBox::from_id_salt("filter_op")
                        .selected_text(form.op.label())
                        .show_ui(ui, |ui| {
                            for op in FilterOp::ALL {
                                ui.selectable_value(&mut form.op, op, op.label());
                            }
                        });
                    ui.end_row();
                    if form.op.takes_value() {
                        ui.label("Value");
                        ui.text_edit_singleline(&mut form.text);
                        ui.end_row();
                    }
                }
                StepKind::Clip => {
                    ui.label("Limits");
                    ui.horizontal(|ui| {
                        ui.radio_value(&mut form.iqr, true, "1.5 IQR");
                        ui.radio_value(&mut form.iqr, false, "percentiles");
                    });
                    ui.end_row();
                    if !form.iqr {
                        ui.label("From / to");
                        ui.horizontal(|ui| {
                            ui.add(
                                egui::DragValue::new(&mut form.low)
                                    .range(0.0..=50.0)
                                    .suffix(" %"),
                            );
                            ui.add(
                                egui::DragValue::new(&mut form.high)
                                    .range(50.0..=100.0)
                                    .suffix(" %"),
                            );
                        });
                        ui.end_row();
                    }
                }
                StepKind::Bin => {
                    ui.label("Groups");
                    ui.add(egui::DragValue::new(&mut form.bins).range(2..=20));
                    ui.end_row();
                }
                StepKind::Themes => {
                    ui.label("Themes");
                    ui.add(egui::DragValue::new(&mut form.themes).range(2..=30));
                    ui.end_row();
                }
                StepKind::DateParts => {
                    ui.label("Add");
                    ui.vertical(|ui| {
                        ui.checkbox(&mut form.parts.days_since, "days since");
                        ui.checkbox(&mut form.parts.month, "month");
                        ui.checkbox(&mut form.parts.weekday, "weekday");
                    });
                    ui.end_row();
                }
                StepKind::Derive => {
                    ui.label("Operation");
                    ui.horizontal(|ui| {
                        for a in Arithmetic::ALL {
                            ui.radio_value(&mut form.arithmetic, a, a.symbol());
                        }
                    });
                    ui.end_row();
                    ui.label("Second");
                    column_combo(
                        ui,
                        "step_other_column",
                        &mut form.other_column,
                        None,
                        &columns,
                    );
                    ui.end_row();
                    ui.label("Name");
                    ui.add(egui::TextEdit::singleline(&mut form.text).hint_text("automatic"));
                    ui.end_row();
                }
                _ => {}
            }
        });
    let step = form.step(profile, state.settings.target.as_deref());
    ui.horizontal(|ui| match &step {
        Ok(s) => {
            if ui
                .button("Preview")
                .on_hover_text("See the table with this step, before adding it")
                .clicked()
            {
                cmds.push(RecipeCommand::PreviewStep(s.clone()).into());
            }
            if ui.button("Add step").clicked() {
                cmds.push(RecipeCommand::AddStep(s.clone()).into());
                form.text.clear();
            }
        }
        Err(why) => {
            ui.add_enabled(false, egui::Button::new("Add step"));
            ui.weak(*why);
        }
    });
    if columns.is_empty() && all.is_none() {
        ui.weak(match form.kind {
            StepKind::Fill => "No column has missing values.",
            StepKind::OneHot => "No text columns left to encode.",
            StepKind::DateParts => "No date columns.",
            _ => "No columns to choose from.",
        });
    }
}
