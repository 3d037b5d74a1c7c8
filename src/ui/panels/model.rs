//! Model: the question (task), the target, which columns are used, the model and its main
//! settings, and how it is validated. Train starts here.

use std::collections::BTreeSet;

use crate::ui::app::{AppState, Command, ModelCommand, SearchRun, SearchStatus, TrainCommand};
use crate::ui::format;
use workbench_core::data::profile::{ColumnProfile, Flag, Profile};
use workbench_core::ml::features::{TEXT_TERMS, WORD_TERMS};
use workbench_core::ml::leaks::Leak;
use workbench_core::ml::models::{Hyperparams, ParamSpec};
use workbench_core::ml::{Answer, ModelKind, ModelSettings, Task};

pub fn model_panel_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    view: &mut ModelView,
    (training, searching): (bool, bool),
    cmds: &mut Vec<Command>,
) {
    let Some(ds) = &state.dataset else {
        super::waiting_ui(ui, "Open a data file in Data first.");
        return;
    };
    let rows = ds.frame.height();
    let profile = state
        .cleaned
        .as_ref()
        .map(|c| &c.profile)
        .unwrap_or(&ds.profile);
    let state_search = state.search.as_ref();
    // Widgets edit a copy; a change goes back as one command, which clears what depends on it.
    let mut edited = state.settings.clone();
    let settings = &mut edited;
    let target_values: &[(String, u64)] = settings
        .target
        .as_ref()
        .and_then(|t| profile.columns.iter().find(|c| &c.name == t))
        .map_or(&[], |c| &c.top_values);
    let answer = Answer::of(
        settings.task.unwrap_or(Task::Classification),
        target_values.len(),
        settings.positive.is_some(),
    );
    egui::ScrollArea::vertical().show(ui, |ui| {
        super::heading_ui(ui, "Model", "What do you want to know about your customers?");
        // The questions wrap when the window is narrow (outside the grid, whose rows would
        // take the wrapped row's full height).
        ui.horizontal_wrapped(|ui| {
            ui.label("Question");
            ui.add_space(8.0);
            for t in Task::ALL {
                let selected = settings.task == Some(t);
                if ui.radio(selected, t.label()).clicked() && !selected {
                    settings.task = Some(t);
                }
            }
            super::orders::question_choice_ui(ui, state, cmds);
        });
        ui.add_space(6.0);
        egui::Grid::new("model_grid")
            .num_columns(2)
            .spacing([16.0, 10.0])
            .show(ui, |ui| {

                let segments = settings.task == Some(Task::Segments);
                ui.label("Target");
                ui.add_enabled_ui(!segments, |ui| {
                    let current = settings.target.clone();
                    let mut picked = current.clone();
                    egui::ComboBox::from_id_salt("target")
                        .selected_text(current.as_deref().unwrap_or("pick the column to predict"))
                        .width(260.0)
                        .height(520.0)
                        .show_ui(ui, |ui| {
                            for c in &profile.columns {
                                ui.selectable_value(&mut picked, Some(c.name.clone()), &c.name);
                            }
                        })
                        .response
                        .on_hover_text("The column the model learns to predict, e.g. whether a customer responded.");
                    if picked != current {
                        cmds.push(ModelCommand::SetTarget(picked).into());
                    }
                });
                ui.end_row();

                let task = settings.task.unwrap_or(Task::Classification);
                if task == Task::Classification && target_values.len() >= 2 {
                    ui.label("Counts as yes");
                    let automatic = if target_values.len() > 2 {
                        "none: each value is a class"
                    } else {
                        "automatic (1, true, yes, or the rarer value)"
                    };
                    let mut picked = settings.positive.clone();
                    egui::ComboBox::from_id_salt("positive")
                        .selected_text(picked.clone().unwrap_or_else(|| automatic.to_owned()))
                        .width(260.0)
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut picked, None, automatic);
                            for (v, n) in target_values {
                                ui.selectable_value(&mut picked, Some(v.clone()), format!("{v} ({})", format::count(*n as usize)));
                            }
                        })
                        .response
                        .on_hover_text("Which value of the target is the \"yes\" the model scores. With more than two values, pick one to predict it against all the others, or let every value be a class of its own.");
                    if picked != settings.positive {
                        cmds.push(ModelCommand::SetPositive(picked).into());
                    }
                    ui.end_row();
                }
                ui.label("Model");
                ui.vertical(|ui| {
                    let current = settings.model.unwrap_or_else(|| task.default_model());
                    egui::ComboBox::from_id_salt("model_kind")
                        .selected_text(current.label())
                        .width(260.0)
                        .show_ui(ui, |ui| {
                            for m in ModelKind::ALL.into_iter().filter(|m| m.supports(task)) {
                                let usable = m.can_answer(answer);
                                ui.add_enabled_ui(usable, |ui| {
                                    let mut value = settings.model;
                                    if ui.selectable_value(&mut value, Some(m), m.label()).clicked() {
                                        settings.model = value;
                                    }
                                })
                                .response
                                .on_disabled_hover_text("Predicts a yes/no only: pick the value that counts as yes above to use it.");
                            }
                        });
                    ui.weak(current.help());
                    if current == ModelKind::Svm && rows > settings.params.svm.max_rows {
                        ui.weak(format!(
                            "Trains on a sample of {} of the {} customers: the kernel compares every pair of rows.",
                            format::count(settings.params.svm.max_rows),
                            format::count(rows)
                        ));
                    }
                });
                ui.end_row();

                let kind = settings.model.unwrap_or_else(|| task.default_model());
                for spec in kind.param_specs() {
                    param_row_ui(ui, &mut settings.params, kind, spec);
                }
                if task == Task::Classification {
                    ui.label("Rare responders");
                    ui.checkbox(&mut settings.balance_classes, "Weigh the classes equally")
                        .on_hover_text("Gives the rows of rare classes more weight so every class counts the same in training (for a yes/no: yes and no). Can help when few customers respond; scores then overstate the chance of a yes (ranking is what matters).");
                    ui.end_row();
                }

                ui.label("Held out");
                let mut pct = settings.holdout * 100.0;
                if ui
                    .add(egui::Slider::new(&mut pct, 0.0..=50.0).suffix(" %").integer())
                    .on_hover_text("Customers kept aside to measure the model honestly. 0 trains on everyone (the measures are then optimistic).")
                    .changed()
                {
                    settings.holdout = pct / 100.0;
                }
                ui.end_row();

                if task != Task::Segments {
                    ui.label("Cross-validation");
                    let name = |k: usize| if k < 2 { "off".to_owned() } else { format!("{k} folds") };
                    egui::ComboBox::from_id_salt("folds")
                        .selected_text(name(settings.folds))
                        .show_ui(ui, |ui| {
                            for k in [0, 3, 5, 10] {
                                ui.selectable_value(&mut settings.folds, k, name(k));
                            }
                        })
                        .response
                        .on_hover_text("After training, also refit the model on k − 1 parts of the training customers and measure it on the part left out, k times: the mean ± sd shows how steady the numbers are. Takes k times longer.");
                    ui.end_row();
                }

                ui.label("Seed");
                ui.add(egui::DragValue::new(&mut settings.seed))
                    .on_hover_text("The same seed gives the same split and the same model, in the app and the command line.");
                ui.end_row();
            });

        if !state.leaks.is_empty() && settings.task != Some(Task::Segments) {
            ui.add_space(8.0);
            leaks_ui(ui, &state.leaks, &mut settings.ignore);
        }
        ui.add_space(8.0);
        egui::CollapsingHeader::new(format!(
            "Columns used ({} ignored)",
            settings.ignore.len()
        ))
        .default_open(false)
        .show(ui, |ui| {
            ui.weak("Untick columns the model must not see: identifiers, or facts known only after the outcome.");
            egui::Grid::new("used_columns").num_columns(3).show(ui, |ui| {
                for (i, c) in profile.columns.iter().enumerate() {
                    if Some(&c.name) == settings.target.as_ref() {
                        continue;
                    }
                    let mut used = !settings.ignore.contains(&c.name);
                    if ui.checkbox(&mut used, &c.name).changed() {
                        if used {
                            settings.ignore.retain(|x| x != &c.name);
                        } else {
                            settings.ignore.push(c.name.clone());
                        }
                    }
                    if i % 3 == 2 {
                        ui.end_row();
                    }
                }
            });
        });
        let task = settings.task.unwrap_or(Task::Classification);
        let kind = settings.model.unwrap_or_else(|| task.default_model());
        free_text_ui(ui, profile, settings, kind);

        ui.add_space(12.0);
        let waiting = if settings.task.is_none() && settings.target.is_none() {
            Some("Pick a target column, or choose Find segments")
        } else if settings.task != Some(Task::Segments) && settings.target.is_none() {
            Some("Pick a target column")
        } else {
            None
        };
        ui.horizontal(|ui| {
            let button = egui::Button::new(egui::RichText::new("Train").strong()).min_size(egui::vec2(120.0, 30.0));
            if ui.add_enabled(waiting.is_none() && !training, button).clicked() {
                cmds.push(TrainCommand::Start.into());
            }
            if let Some(w) = waiting {
                ui.weak(w);
            } else if training {
                ui.weak("A model is training: see Train");
            }
        });
        let task = settings.task.unwrap_or(Task::Classification);
        if waiting.is_none() {
            ui.add_space(10.0);
            compare_ui(ui, answer, view, training, cmds);
            if task != Task::Segments {
                ui.add_space(6.0);
                search_ui(ui, state_search, settings, searching, training, cmds);
                ui.add_space(6.0);
                trained_elsewhere_ui(ui, settings, training, cmds);
            }
        }
    });
    if edited != state.settings {
        cmds.push(ModelCommand::Change(Box::new(edited)).into());
    }
}

/// Columns suspected of leaking the target, with one click to leave them out.
/// Which text columns the model reads as free text: those that look like it always (while
/// used), any other text column when ticked.
fn free_text_ui(
    ui: &mut egui::Ui,
    profile: &Profile,
    settings: &mut ModelSettings,
    kind: ModelKind,
) {
    let candidates: Vec<&ColumnProfile> = profile
        .columns
        .iter()
        .filter(|c| {
            c.dtype == "str"
                && Some(&c.name) != settings.target.as_ref()
                && !settings.ignore.contains(&c.name)
        })
        .collect();
    if candidates.is_empty() {
        return;
    }
    let read = candidates
        .iter()
        .filter(|c| c.flags.contains(&Flag::Text) || settings.text.contains(&c.name))
        .count();
    egui::CollapsingHeader::new(format!("Free text ({read} read as words)"))
        .default_open(read > 0)
        .show(ui, |ui| {
            let terms = if kind.reads_words() {
                format!("every word and word pair in two or more training texts (up to {}), stored sparse: {} trains on them directly", format::count(WORD_TERMS), kind.label().to_lowercase())
            } else {
                format!("its {TEXT_TERMS} most frequent words and word pairs (in two or more training texts); linear models read every term")
            };
            ui.add(
                egui::Label::new(egui::RichText::new(format!(
                    "A free-text column becomes TF-IDF features: {terms}. They are fitted on the training rows and kept in the model file, so new texts score too. Linear models show each word's weight."
                )).weak())
                .wrap(),
            );
            ui.horizontal_wrapped(|ui| {
                for c in candidates {
                    if c.flags.contains(&Flag::Text) {
                        ui.add_enabled(false, egui::Checkbox::new(&mut true, &c.name))
                            .on_disabled_hover_text("Recognised as free text: untick it under Columns used to leave it out.");
                        continue;
                    }
                    let mut forced = settings.text.contains(&c.name);
                    if ui.checkbox(&mut forced, &c.name).changed() {
                        if forced {
                            settings.text.push(c.name.clone());
                        } else {
                            settings.text.retain(|x| x != &c.name);
                        }
                    }
                }
            });
        });
}

fn leaks_ui(ui: &mut egui::Ui, leaks: &[Leak], ignore: &mut Vec<String>) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            "Likely leaks: these inputs may not be known when the model is used",
        )
        .on_hover_text("A model that sees the outcome (or something known only after it) looks excellent in testing and fails in the campaign.");
        for l in leaks {
            ui.label(format!("• {}", l.describe()));
        }
        if ui
            .button(format!("Leave {} out", if leaks.len() == 1 { "it" } else { "them" }))
            .clicked()
        {
            for l in leaks {
                if !ignore.contains(&l.column) {
                    ignore.push(l.column.clone());
                }
            }
        }
    });
}

/// Widget-local state of the Model panel.
#[derive(Default)]
pub struct ModelView {
    /// Models left out of Compare (all the task's models are in by default).
    pub compare_skip: BTreeSet<ModelKind>,
}

/// "Compare models": train several on the same split, for the leaderboard in Train.
fn compare_ui(
    ui: &mut egui::Ui,
    answer: Answer,
    view: &mut ModelView,
    training: bool,
    cmds: &mut Vec<Command>,
) {
    egui::CollapsingHeader::new("Compare models")
        .default_open(false)
        .show(ui, |ui| {
            ui.weak("Train each ticked model in turn on the same customers and the same held-out rows; Train shows them ranked, and any can be inspected and exported.");
            let models: Vec<ModelKind> = answer.models().collect();
            ui.horizontal_wrapped(|ui| {
                for &m in &models {
                    let mut on = !view.compare_skip.contains(&m);
                    if ui.checkbox(&mut on, m.label()).on_hover_text(m.help()).changed() {
                        if on {
                            view.compare_skip.remove(&m);
                        } else {
                            view.compare_skip.insert(m);
                        }
                    }
                }
            });
            let chosen: Vec<ModelKind> = models.into_iter().filter(|m| !view.compare_skip.contains(m)).collect();
            let label = format!("Train {} models", chosen.len());
            if ui.add_enabled(!training && !chosen.is_empty(), egui::Button::new(label)).clicked() {
                cmds.push(TrainCommand::Compare(chosen).into());
            }
        });
}

/// "Use a model trained elsewhere": a LightGBM model (say, trained on every customer on a
/// cluster) read as predicting the chosen target, measured on this table as a run of its own.
fn trained_elsewhere_ui(
    ui: &mut egui::Ui,
    settings: &ModelSettings,
    training: bool,
    cmds: &mut Vec<Command>,
) {
    egui::CollapsingHeader::new("Use a model trained elsewhere")
        .default_open(false)
        .show(ui, |ui| {
            ui.weak(format!(
                "Open a LightGBM text model (LightGBM's model.txt, for instance trained on every customer with LightGBM on Spark) that predicts {}. It is measured on every customer of this table with a target and then shown, explained, exported and scored like a model trained here. Its features are the table's columns of the same names, as they are (this app's cleaning steps are not applied).",
                settings.target.as_deref().map_or("the target".to_owned(), |t| format!("'{t}'"))
            ));
            if ui
                .add_enabled(!training, egui::Button::new("Open a LightGBM model…"))
                .clicked()
            {
                cmds.push(TrainCommand::ImportDialog.into());
            }
        });
}

/// "Search settings": a small cross-validated grid search over the chosen model's settings.
fn search_ui(
    ui: &mut egui::Ui,
    search: Option<&SearchRun>,
    settings: &ModelSettings,
    searching: bool,
    training: bool,
    cmds: &mut Vec<Command>,
) {
    let kind = settings.model.unwrap_or_else(|| {
        settings
            .task
            .unwrap_or(Task::Classification)
            .default_model()
    });
    let grid = workbench_core::train::search::grid(kind);
    egui::CollapsingHeader::new("Search settings")
        .default_open(search.is_some())
        .show(ui, |ui| {
            if grid.is_empty() {
                ui.weak(format!("{} has no settings to search.", kind.label()));
                return;
            }
            let keys: Vec<&str> = grid[0].iter().map(|(k, _)| *k).collect();
            ui.weak(format!(
                "Tries {} combinations of {} with {}-fold cross-validation on the training customers (the held-out ones stay untouched), then offers the best.",
                grid.len(),
                keys.join(" and "),
                crate::ui::app::SEARCH_FOLDS
            ));
            ui.horizontal(|ui| {
                if ui.add_enabled(!searching && !training, egui::Button::new("Search")).clicked() {
                    cmds.push(TrainCommand::StartSearch.into());
                }
                if searching {
                    if ui.button("Stop").on_hover_text("Finish with the combinations tried so far.").clicked() {
                        cmds.push(TrainCommand::StopSearch.into());
                    }
                    if ui.button("Cancel").clicked() {
                        cmds.push(TrainCommand::CancelSearch.into());
                    }
                    ui.spinner();
                }
            });
            let Some(run) = search else { return };
            let done = run.candidates.len();
            let fraction = done as f32 / run.points.max(1) as f32;
            let left = if done > 0 && searching {
                let per = run.started.elapsed().as_secs_f64() / done as f64;
                format!(" · about {} left", format::seconds(per * (run.points - done.min(run.points)) as f64))
            } else {
                String::new()
            };
            ui.add(egui::ProgressBar::new(fraction).desired_width(420.0).text(format!("{done} of {} combinations{left}", run.points)));
            ui.weak(&run.description);
            let (metric, higher, best) = match &run.status {
                SearchStatus::Done(out) => (out.metric, out.higher_is_better, Some(out.best)),
                _ => ("score", true, None),
            };
            if run.candidates.is_empty() {
                return;
            }
            let mut order: Vec<usize> = (0..run.candidates.len()).collect();
            order.sort_by(|&a, &b| {
                let o = run.candidates[a].mean.total_cmp(&run.candidates[b].mean);
                if higher { o.reverse() } else { o }
            });
            egui::Grid::new("search_results").striped(true).show(ui, |ui| {
                for k in run.candidates[0].values.iter().map(|(k, _)| *k) {
                    ui.strong(kind.param_spec(k).map_or(k, |s| s.label));
                }
                ui.strong(format!("{metric} (mean ± sd)"));
                ui.strong("time");
                ui.end_row();
                for i in order {
                    let c = &run.candidates[i];
                    for (key, v) in &c.values {
                        let zero = kind.param_spec(key).and_then(|s| s.zero);
                        let text = match zero {
                            Some(meaning) if *v == 0.0 => meaning.to_owned(),
                            _ => format::setting(*v),
                        };
                        if Some(i) == best { ui.strong(text) } else { ui.label(text) };
                    }
                    ui.label(format!("{} ± {}", format::number(c.mean), format::number(c.sd)));
                    ui.label(format::seconds(c.secs));
                    ui.end_row();
                }
            });
            match &run.status {
                SearchStatus::Done(_) => {
                    if ui.add_enabled(!training, egui::Button::new("Use the best settings")).clicked() {
                        cmds.push(TrainCommand::UseSearchBest.into());
                    }
                }
                SearchStatus::Failed(e) => {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                SearchStatus::Cancelled => {
                    ui.weak("Cancelled.");
                }
                SearchStatus::Running => {}
            }
        });
}

/// One setting of the chosen model: its label with the help on hover, and a drag value within
/// its range (dragging goes by factors for settings spread over orders of magnitude).
fn param_row_ui(ui: &mut egui::Ui, params: &mut Hyperparams, kind: ModelKind, spec: &ParamSpec) {
    let Some(mut value) = params.get(kind, spec.key) else {
        return;
    };
    ui.label(spec.label).on_hover_text(spec.help);
    let speed = if spec.log_scale {
        (value.abs() * 0.02).max(if spec.integer { 0.2 } else { 1e-4 })
    } else if spec.integer {
        0.2
    } else {
        (spec.max - spec.min) / 200.0
    };
    let mut drag = egui::DragValue::new(&mut value)
        .range(spec.min..=spec.max)
        .speed(speed);
    let zero = spec.zero;
    let integer = spec.integer;
    drag = drag.custom_formatter(move |v, _| match zero {
        Some(meaning) if v == 0.0 => meaning.to_owned(),
        _ if integer => format!("{v:.0}"),
        _ => format::setting(v),
    });
    if zero.is_some() {
        // Typing the word back must read as 0, not fail to parse.
        drag = drag.custom_parser(move |text| {
            let t = text.trim();
            if Some(t) == zero {
                Some(0.0)
            } else {
                t.parse().ok()
            }
        });
    }
    // The drag value keeps `value` within the spec's range, which is all `set` checks.
    if ui.add(drag).on_hover_text(spec.help).changed()
        && let Err(e) = params.set(kind, spec.key, value)
    {
        ui.colored_label(ui.visuals().error_fg_color, e.one_line());
    }
    ui.end_row();
}
