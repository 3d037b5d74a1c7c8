//! "What are customers saying?", step by step: the question beside the others (Model's
//! "Question" row), the text column and what to read in it (Model), the run (Train) and the
//! results (Predictions, `results.rs`).

mod results;

use workbench_core::data::profile::{Flag, Profile};
use workbench_core::text::TextSettings;
use workbench_core::text::tokens::Language;

use crate::ui::app::{AppState, Command, TextCommand, TextStatus};
use crate::ui::format;
pub use results::{TextView, results_ui};

/// The question in Model's "Question" row (only for a table with a text column).
pub fn question_choice_ui(ui: &mut egui::Ui, state: &AppState, cmds: &mut Vec<Command>) {
    if !state.text.possible {
        return;
    }
    let selected = state.text.active;
    if ui
        .radio(selected, "What customers are saying")
        .on_hover_text("Read a column of posts, reviews or tickets: the words used most, sentiment, the words that set groups apart, themes, and every sentence holding a word.")
        .clicked()
        && !selected
    {
        cmds.push(TextCommand::SetActive(true).into());
    }
}

/// Data: a table with a text column, and the question it can answer.
pub fn data_ui(ui: &mut egui::Ui, state: &AppState, cmds: &mut Vec<Command>) {
    let Some(s) = state.text.settings.as_ref().filter(|_| state.text.possible) else {
        return;
    };
    ui.horizontal(|ui| {
        ui.label(format!("'{}' holds what people wrote.", s.column));
        if ui
            .button("What are customers saying?")
            .on_hover_text("Read this column: Model shows what to read in it.")
            .clicked()
        {
            cmds.push(TextCommand::SetActive(true).into());
            cmds.push(Command::SelectStep(crate::ui::app::WorkflowStep::Model));
        }
    });
}

fn settings_grid_ui(ui: &mut egui::Ui, profile: &Profile, s: &mut TextSettings) {
    egui::Grid::new("text_settings_grid")
        .num_columns(2)
        .spacing([16.0, 8.0])
        .show(ui, |ui| {
            let l = ui
                .label("Text")
                .on_hover_text("The column of what people wrote.")
                .id;
            let columns: Vec<(String, String)> = profile
                .columns
                .iter()
                .filter(|c| c.dtype == "str")
                .map(|c| {
                    let tag = if c.flags.contains(&Flag::Text) {
                        " · text"
                    } else {
                        ""
                    };
                    (c.name.clone(), format!("{}{tag}", c.name))
                })
                .collect();
            super::labelled_combo(ui, ("text", "column"), 260.0, l, &mut s.column, columns);
            ui.end_row();

            let l = ui.label("Language").on_hover_text("English: stop words, stems if asked, VADER sentiment. Chinese: split into words with jieba's dictionary. Other: split at word boundaries only.").id;
            let detected = profile
                .columns
                .iter()
                .find(|c| c.name == s.column)
                .and_then(|c| c.text.as_ref())
                .map(|t| t.language.clone())
                .unwrap_or_default();
            let mut choices = vec![(None, format!("detect ({detected})"))];
            choices.extend(Language::ALL.into_iter().map(|l| (Some(l), l.name().to_owned())));
            super::labelled_combo(ui, ("text", "language"), 260.0, l, &mut s.language, choices);
            ui.end_row();

            let english = match s.language {
                Some(l) => l == Language::English,
                None => detected == "en",
            };
            ui.label("Sentiment").on_hover_text("VADER: a score from −1 (negative) to 1 (positive) per text, from a lexicon of 7,500 words and emoji with rules for negation, degree words, capitals, punctuation and \"but\". English only: for other languages, train a model on a labelled column.");
            ui.add_enabled_ui(english, |ui| {
                let mut on = s.sentiment && english;
                ui.checkbox(&mut on, "score each text (English)");
                s.sentiment = on;
            });
            ui.end_row();

            ui.label("Themes").on_hover_text("Groups the texts into themes by the words they share (non-negative matrix factorisation of the TF-IDF weights): each theme's top words and example texts.");
            ui.horizontal(|ui| {
                let mut on = s.themes.is_some();
                if ui.checkbox(&mut on, "find").changed() {
                    s.themes = on.then_some(s.themes.unwrap_or(6));
                }
                if let Some(k) = &mut s.themes {
                    ui.add(egui::DragValue::new(k).range(2..=30).suffix(" themes"));
                }
            });
            ui.end_row();

            let l = ui.label("Compare by").on_hover_text("A column whose groups (churned or not, a region, a product) are compared: the words each group uses more than the others, by log-odds with an informative prior (z-scores; beyond ±2 is rarely chance).").id;
            let mut groups = vec![(None, "no groups".to_owned())];
            groups.extend(
                profile
                    .columns
                    .iter()
                    .filter(|c| c.name != s.column && (2..=50).contains(&c.distinct))
                    .map(|c| {
                        (
                            Some(c.name.clone()),
                            format!("{} ({} values)", c.name, format::count(c.distinct)),
                        )
                    }),
            );
            super::labelled_combo(ui, ("text", "by"), 260.0, l, &mut s.by, groups);
            ui.end_row();

            let l = ui.label("Dates").on_hover_text("A date column: texts, sentiment and the frequent words month by month.").id;
            let mut dates = vec![(None, "none".to_owned())];
            dates.extend(
                profile
                    .columns
                    .iter()
                    .filter(|c| c.date_range.is_some())
                    .map(|c| (Some(c.name.clone()), c.name.clone())),
            );
            super::labelled_combo(ui, ("text", "date"), 260.0, l, &mut s.date, dates);
            ui.end_row();

            ui.label("Words").on_hover_text("A word (or word pair) must appear in this many texts to count; stemming folds 'refunds' and 'refunded' into 'refund' (English).");
            ui.horizontal(|ui| {
                ui.add(egui::DragValue::new(&mut s.min_df).range(1..=1_000).prefix("in ≥ ").suffix(" texts"));
                ui.checkbox(&mut s.stem, "stem");
            });
            ui.end_row();

            ui.label("Word vectors").on_hover_text("Skip-gram with negative sampling (word2vec) trained on these texts, on candle: 50 numbers per word, so words used in the same contexts sit near each other. Predictions shows each word's nearest words and a map of the most frequent words.");
            ui.checkbox(&mut s.embeddings, "train (5 passes, live loss in Train)");
            ui.end_row();

            ui.label("Seed").on_hover_text("The same seed gives the same themes and word vectors, here and on the command line.");
            ui.add(egui::DragValue::new(&mut s.seed));
            ui.end_row();
        });
}

/// Model: the question, the text column and what to read, Read.
pub fn model_ui(ui: &mut egui::Ui, state: &AppState, busy: bool, cmds: &mut Vec<Command>) {
    let (Some(profile), Some(settings)) = (state.current_profile(), &state.text.settings) else {
        super::waiting_ui(
            ui,
            "This table has no text column: open posts, reviews or tickets in Data.",
        );
        return;
    };
    let mut edited = settings.clone();
    egui::ScrollArea::vertical().show(ui, |ui| {
        super::heading_ui(
            ui,
            "Model",
            "What do you want to know about your customers?",
        );
        super::question_row_ui(ui, state, TextCommand::SetActive(false).into(), cmds);
        ui.add_space(8.0);
        settings_grid_ui(ui, profile, &mut edited);
        ui.add_space(10.0);
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!busy, egui::Button::new("Read"))
                .on_disabled_hover_text("Wait for the run")
                .clicked()
            {
                cmds.push(TextCommand::Start.into());
            }
            ui.weak(
                "The words, then sentiment and themes as chosen; Predictions shows what was found.",
            );
        });
    });
    if edited != *settings {
        cmds.push(TextCommand::Change(Box::new(edited)).into());
    }
}

/// Train: the stage, Cancel.
pub fn train_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    busy: bool,
    progress: f64,
    cmds: &mut Vec<Command>,
) {
    super::heading_ui(ui, "Train", "What customers are saying");
    let Some(run) = &state.text.run else {
        super::waiting_ui(ui, "Press Read in Model.");
        return;
    };
    let text = match &run.status {
        TextStatus::Running => {
            let (stage, done, of) = &run.stage;
            let step = if *of > 1 {
                format!(" {done} of {of}")
            } else {
                String::new()
            };
            format!("{stage}…{step} · {}", format::seconds(run.elapsed_secs))
        }
        TextStatus::Done(_) => format!("Done in {}", format::seconds(run.elapsed_secs)),
        TextStatus::Failed(e) => format!("Failed: {e}"),
        TextStatus::Cancelled => "Cancelled".to_owned(),
    };
    let running = matches!(run.status, TextStatus::Running);
    if super::run_progress_ui(ui, text, running, progress, busy) {
        cmds.push(TextCommand::Cancel.into());
    }
    if run.settings.embeddings {
        ui.add_space(10.0);
        ui.strong("Word vectors: loss per pass")
            .on_hover_text("The mean log-loss of each word pair and its 5 negative words: it falls as words that share contexts move together.");
        let points: Vec<[f64; 2]> = run
            .losses
            .iter()
            .enumerate()
            .map(|(i, l)| [(i + 1) as f64, *l])
            .collect();
        egui_plot::Plot::new("text_vectors_loss")
            .height(240.0)
            .x_axis_label("pass")
            .y_axis_label("loss")
            .allow_scroll(false)
            .show(ui, |p| {
                p.line(egui_plot::Line::new(
                    "loss",
                    egui_plot::PlotPoints::from(points),
                ));
            });
    }
}
