//! Clean: the recipe (each step listed and removable), a form to add a step, and the table as
//! the recipe leaves it.

use crate::data::recipe::{FillStrategy, Step};
use crate::ui::app::{AppState, Command};
use crate::ui::format;
use crate::ui::widgets::table::table_ui;

/// The kinds of step the form can add.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StepKind {
    #[default]
    Drop,
    Fill,
    OneHot,
    Standardize,
}

impl StepKind {
    const ALL: [Self; 4] = [Self::Drop, Self::Fill, Self::OneHot, Self::Standardize];

    fn label(self) -> &'static str {
        match self {
            Self::Drop => "Drop a column",
            Self::Fill => "Fill missing values",
            Self::OneHot => "One-hot encode",
            Self::Standardize => "Standardise",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Self::Drop => {
                "Remove a column the model should never see (an ID, a leak from the future)."
            }
            Self::Fill => {
                "Replace missing values with the column's mean, median or most frequent value."
            }
            Self::OneHot => "Turn a text column into one yes/no column per category.",
            Self::Standardize => {
                "Rescale numbers to mean 0 and spread 1, so no column dominates by its units."
            }
        }
    }
}

/// The label of the "every numeric column" choice when standardising.
const ALL_NUMERIC: &str = "All numeric columns";

/// The add-step form's own state.
#[derive(Default)]
pub struct CleanForm {
    pub kind: StepKind,
    pub column: String,
    pub strategy: Option<FillStrategy>,
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
    let current = state.cleaned.as_ref();
    egui::Panel::left("recipe")
        .resizable(true)
        .default_size(340.0)
        .show(ui, |ui| {
            super::heading_ui(
                ui,
                "Recipe",
                "Steps run in order, on every file this model scores.",
            );
            if state.recipe.steps.is_empty() {
                ui.weak("No steps yet: the data is used as loaded.");
            }
            let mut remove = None;
            for (i, step) in state.recipe.steps.iter().enumerate() {
                ui.horizontal(|ui| {
                    ui.label(format!("{}.", i + 1));
                    ui.add(egui::Label::new(step.describe()).wrap());
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui
                            .small_button("✖")
                            .on_hover_text("Remove this step")
                            .clicked()
                        {
                            remove = Some(i);
                        }
                    });
                });
            }
            if let Some(i) = remove {
                cmds.push(Command::RemoveStep(i));
            }
            ui.separator();
            add_step_ui(ui, state, form, cmds);
        });
    egui::CentralPanel::default().show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.strong("Result");
            match current {
                Some(c) => {
                    ui.label(format!(
                        "{} rows × {} columns (was {} × {})",
                        format::count(c.frame.height()),
                        c.frame.width(),
                        format::count(ds.frame.height()),
                        ds.frame.width()
                    ));
                }
                None => {
                    ui.label("");
                }
            }
            if applying {
                ui.spinner();
            }
        });
        match current {
            Some(c) => table_ui(ui, "clean_table", &c.frame),
            None => {
                ui.spinner();
            }
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
        .width(220.0)
        .show_ui(ui, |ui| {
            for k in StepKind::ALL {
                ui.selectable_value(&mut form.kind, k, k.label())
                    .on_hover_text(k.help());
            }
        });
    ui.weak(form.kind.help());

    let columns: Vec<&str> = profile
        .columns
        .iter()
        .filter(|c| match form.kind {
            StepKind::Standardize => c.is_numeric(),
            StepKind::OneHot => !c.is_numeric(),
            StepKind::Fill => c.missing > 0,
            StepKind::Drop => true,
        })
        .map(|c| c.name.as_str())
        .collect();
    if form.kind == StepKind::Standardize && form.column.is_empty() {
        form.column = ALL_NUMERIC.to_owned();
    }
    if !columns.contains(&form.column.as_str()) && form.column != ALL_NUMERIC {
        form.column.clear();
    }
    ui.horizontal(|ui| {
        ui.label("Column");
        egui::ComboBox::from_id_salt("step_column")
            .selected_text(if form.column.is_empty() {
                "pick one"
            } else {
                &form.column
            })
            .width(180.0)
            .show_ui(ui, |ui| {
                if form.kind == StepKind::Standardize {
                    ui.selectable_value(&mut form.column, ALL_NUMERIC.to_owned(), ALL_NUMERIC);
                }
                for c in &columns {
                    ui.selectable_value(&mut form.column, (*c).to_owned(), *c);
                }
            });
    });
    if columns.is_empty() {
        ui.weak(match form.kind {
            StepKind::Fill => "No column has missing values.",
            StepKind::OneHot => "No text columns left to encode.",
            _ => "No columns to choose from.",
        });
    }
    if form.kind == StepKind::Fill {
        let column_is_numeric = profile
            .columns
            .iter()
            .any(|c| c.name == form.column && c.is_numeric());
        let strategy = form.strategy.get_or_insert(FillStrategy::Median);
        if !column_is_numeric {
            *strategy = FillStrategy::MostFrequent;
        }
        ui.horizontal(|ui| {
            ui.label("With the");
            for s in FillStrategy::ALL {
                let allowed = column_is_numeric || s == FillStrategy::MostFrequent;
                ui.add_enabled_ui(allowed, |ui| ui.radio_value(strategy, s, s.label()));
            }
        });
    }
    let step = (!form.column.is_empty()).then(|| {
        let col = form.column.clone();
        match form.kind {
            StepKind::Drop => Step::DropColumns { columns: vec![col] },
            StepKind::Fill => Step::FillMissing {
                column: col,
                strategy: form.strategy.unwrap_or(FillStrategy::Median),
            },
            StepKind::OneHot => Step::OneHot {
                column: col,
                max_categories: 20,
            },
            StepKind::Standardize => Step::Standardize {
                columns: if col == ALL_NUMERIC {
                    profile
                        .columns
                        .iter()
                        .filter(|c| {
                            c.is_numeric() && Some(&c.name) != state.settings.target.as_ref()
                        })
                        .map(|c| c.name.clone())
                        .collect()
                } else {
                    vec![col]
                },
            },
        }
    });
    if ui
        .add_enabled(step.is_some(), egui::Button::new("Add step"))
        .clicked()
        && let Some(step) = step
    {
        cmds.push(Command::AddStep(step));
        form.column.clear();
    }
}
