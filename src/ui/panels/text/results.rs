//! Predictions, for texts: an overview (how many, which language, the sentiment's spread, the
//! words used most), the terms (with each group's log-odds; pick one to see every sentence
//! holding it and its texts month by month), the themes (top words, example texts), and the
//! months. Export writes the table with the added columns, or the terms.

use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints};
use workbench_core::text::themes::{InContext, keyword_in_context};
use workbench_core::text::tokens::{TokenOptions, Tokenizer};
use workbench_core::text::vader::Label;
use workbench_core::text::{Term, TextResult};

use crate::ui::app::{AppState, Command, TextCommand, TextDone};
use crate::ui::format;

const CHART_HEIGHT: f32 = 240.0;
/// Terms listed in the table (the export has them all).
const TERMS_SHOWN: usize = 500;
/// Sentences shown in context.
const IN_CONTEXT: usize = 50;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    #[default]
    Overview,
    Terms,
    Themes,
    Months,
    Words,
}

/// Widget-local state of the text results.
#[derive(Default)]
pub struct TextView {
    pub tab: Tab,
    /// The term picked in Terms.
    pub term: Option<String>,
    /// The group the terms are sorted by (index in the result's groups).
    pub sort_group: Option<usize>,
    /// Keyword in context of the picked term, kept until another is picked.
    in_context: Option<(String, Vec<InContext>)>,
    /// The word picked in Words.
    pub word: Option<String>,
}

pub fn results_ui(
    ui: &mut egui::Ui,
    state: &AppState,
    view: &mut TextView,
    exporting: bool,
    cmds: &mut Vec<Command>,
) {
    let Some(run) = &state.text.run else {
        super::super::waiting_ui(ui, "Press Read in Model first.");
        return;
    };
    let Some(done) = run.done() else {
        super::super::waiting_ui(ui, "Waiting for the run to finish: see Train.");
        return;
    };
    let r = &done.result;
    super::super::heading_ui(
        ui,
        "Predictions",
        &format!(
            "What customers are saying: {} texts in '{}', read as {}{}",
            format::count(r.documents),
            r.settings.column,
            r.language.name(),
            if r.language_detected {
                " (detected)"
            } else {
                ""
            }
        ),
    );
    ui.horizontal(|ui| {
        let tabs = [
            (Tab::Overview, "Overview"),
            (Tab::Terms, "Terms"),
            (Tab::Themes, "Themes"),
            (Tab::Months, "Months"),
            (Tab::Words, "Words"),
        ];
        for (t, name) in tabs {
            let enabled = match t {
                Tab::Themes => r.themes.is_some(),
                Tab::Months => r.over_time.is_some(),
                Tab::Words => r.words.is_some(),
                _ => true,
            };
            ui.add_enabled_ui(enabled, |ui| {
                ui.selectable_value(&mut view.tab, t, name);
            });
        }
        ui.separator();
        if ui
            .add_enabled(!exporting, egui::Button::new("Export texts (CSV)…"))
            .on_hover_text("Every column, plus sentiment, sentiment_label and theme as read: the same file as the command line's --out.")
            .clicked()
        {
            cmds.push(TextCommand::ExportDialog.into());
        }
        if ui
            .add_enabled(!exporting, egui::Button::new("Export terms (CSV)…"))
            .on_hover_text("Every term with its count, its texts and each group's log-odds: the command line's --terms.")
            .clicked()
        {
            cmds.push(TextCommand::ExportTermsDialog.into());
        }
        if r.words.is_some()
            && ui
                .add_enabled(!exporting, egui::Button::new("Export with document vectors (CSV)…"))
                .on_hover_text(format!(
                    "The texts as above plus {c}_vec_1 … {c}_vec_{d}: each text's mean word vector, numbers a model can take as inputs (open the file in Data and train on it).",
                    c = r.settings.column,
                    d = r.words.as_ref().map_or(0, |w| w.dim())
                ))
                .clicked()
        {
            cmds.push(TextCommand::ExportVectorsDialog.into());
        }
        if r.words.is_some()
            && ui
                .add_enabled(!exporting, egui::Button::new("Use as the table"))
                .on_hover_text("Load the texts with sentiment, theme and document vectors as the table, to train a model on them in Model (the text column stays, read as words too).")
                .clicked()
        {
            cmds.push(TextCommand::UseVectorsAsTable.into());
        }
    });
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("text_results")
        .show(ui, |ui| match view.tab {
            Tab::Overview => overview_ui(ui, r),
            Tab::Terms => terms_ui(ui, done, view),
            Tab::Themes => themes_ui(ui, r),
            Tab::Months => months_ui(ui, r, view),
            Tab::Words => words_ui(ui, r, view),
        });
}

/// Word vectors: the nearest words to a picked word, and the map of the most frequent words.
fn words_ui(ui: &mut egui::Ui, r: &TextResult, view: &mut TextView) {
    let Some(wv) = &r.words else {
        ui.weak("Word vectors were not asked for: tick 'train' in Model.");
        return;
    };
    ui.weak(format!(
        "{} words with vectors of {} numbers, trained on these texts (skip-gram, {} passes, final loss {:.3}). Words used in the same contexts sit near each other.",
        format::count(wv.words.len()),
        wv.dim(),
        wv.losses.len(),
        wv.losses.last().copied().unwrap_or(f64::NAN)
    ));
    let word = view
        .word
        .clone()
        .filter(|w| wv.vector(w).is_some())
        .unwrap_or_else(|| wv.words.first().cloned().unwrap_or_default());
    ui.columns(2, |cols| {
        let ui = &mut cols[0];
        ui.horizontal(|ui| {
            let l = ui.label("Nearest words to").id;
            let mut picked = word.clone();
            egui::ComboBox::from_id_salt("text_word")
                .selected_text(&picked)
                .height(400.0)
                .show_ui(ui, |ui| {
                    for w in wv.words.iter().take(500) {
                        ui.selectable_value(&mut picked, w.clone(), w);
                    }
                })
                .response
                .labelled_by(l);
            if picked != word {
                view.word = Some(picked);
            }
        });
        egui::Grid::new("text_nearest").striped(true).show(ui, |ui| {
            ui.strong("word");
            ui.strong("similarity")
                .on_hover_text("Cosine similarity of the two words' vectors: 1 is the same direction.");
            ui.end_row();
            for (w, sim) in wv.nearest(&word, 15) {
                if ui.selectable_label(false, &w).clicked() {
                    view.word = Some(w.clone());
                }
                ui.label(format!("{sim:.2}"));
                ui.end_row();
            }
        });
        let ui = &mut cols[1];
        ui.strong(format!("Map of the {} most frequent words", wv.map.len()))
            .on_hover_text("The word vectors seen along their two principal components: a flat view of 50 dimensions, so nearness here is rough; the list on the left is exact.");
        Plot::new("text_word_map")
            .height(520.0)
            .data_aspect(1.0)
            .show_axes(false)
            .show_grid(false)
            .allow_scroll(false)
            .show(ui, |p| {
                for (i, xy) in wv.map.iter().enumerate() {
                    let name = &wv.words[i];
                    let at = egui_plot::PlotPoint::new(f64::from(xy[0]), f64::from(xy[1]));
                    let text = if *name == word {
                        egui::RichText::new(name).strong().color(egui::Color32::from_rgb(220, 90, 40))
                    } else {
                        egui::RichText::new(name).size(11.0)
                    };
                    p.text(egui_plot::Text::new(name, at, text));
                }
            });
    });
}

fn card(ui: &mut egui::Ui, value: String, label: &str, help: &str) {
    egui::Frame::group(ui.style())
        .show(ui, |ui| {
            ui.set_min_width(130.0);
            ui.vertical(|ui| {
                ui.heading(value);
                ui.weak(label);
            });
        })
        .response
        .on_hover_text(help);
}

fn overview_ui(ui: &mut egui::Ui, r: &TextResult) {
    ui.horizontal(|ui| {
        card(
            ui,
            format::count(r.documents),
            "texts",
            "Rows with a text (empty ones are left out).",
        );
        card(
            ui,
            r.language.name().to_owned(),
            "language",
            "How the words were split and which stop words were dropped.",
        );
        card(
            ui,
            format::count(r.terms.len()),
            "terms",
            "Words and word pairs in enough texts to count (the vocabulary).",
        );
        card(
            ui,
            r.length_words[1].to_string(),
            "words in a typical text",
            &format!(
                "The median, stop words aside; 10% of texts have {} or fewer, 10% have {} or more.",
                r.length_words[0], r.length_words[2]
            ),
        );
        if let Some([p, _, n]) = r.label_counts() {
            let share = |k: usize| format!("{:.0}%", 100.0 * k as f64 / r.documents.max(1) as f64);
            card(
                ui,
                share(p),
                "positive",
                "VADER's compound score 0.05 or more.",
            );
            card(
                ui,
                share(n),
                "negative",
                "VADER's compound score −0.05 or less.",
            );
        }
    });
    ui.add_space(8.0);
    ui.columns(2, |cols| {
        if let Some(s) = &r.sentiment {
            let ui = &mut cols[0];
            ui.strong("Sentiment")
                .on_hover_text("How many texts score how: VADER's compound score, from −1 (most negative) to 1 (most positive); between −0.05 and 0.05 is neutral.");
            let mut counts = [0u64; 20];
            for v in s.iter().flatten() {
                let b = (((v + 1.0) / 2.0 * 20.0).floor() as usize).min(19);
                counts[b] += 1;
            }
            let bars: Vec<Bar> = counts
                .iter()
                .enumerate()
                .map(|(b, &c)| {
                    let x = -1.0 + (b as f64 + 0.5) * 0.1;
                    let label = Label::of(x);
                    let color = match label {
                        Label::Positive => egui::Color32::from_rgb(80, 160, 90),
                        Label::Negative => egui::Color32::from_rgb(200, 80, 70),
                        Label::Neutral => egui::Color32::GRAY,
                    };
                    Bar::new(x, c as f64).width(0.09).fill(color)
                })
                .collect();
            Plot::new("text_sentiment")
                .height(CHART_HEIGHT)
                .allow_scroll(false)
                .x_axis_label("compound score")
                .y_axis_label("texts")
                .show(ui, |p| p.bar_chart(BarChart::new("texts", bars)));
        }
        // Without sentiment the terms take the left column.
        let ui = &mut cols[usize::from(r.sentiment.is_some())];
        ui.strong("Most frequent terms")
            .on_hover_text("How many times each word or word pair occurs, stop words aside.");
        let top: Vec<&Term> = r.terms.iter().take(15).collect();
        let n = top.len();
        let bars: Vec<Bar> = top
            .iter()
            .enumerate()
            .map(|(i, t)| {
                Bar::new((n - i) as f64, t.count as f64)
                    .width(0.7)
                    .name(&t.term)
            })
            .collect();
        // Each bar carries its term inside, at its left end: an axis has room for a few names only.
        let labels: Vec<(f64, String)> = top
            .iter()
            .enumerate()
            .map(|(i, t)| ((n - i) as f64, format!("{} · {}", t.term, format::count(t.count as usize))))
            .collect();
        Plot::new("text_top_terms")
            .height(CHART_HEIGHT.max(18.0 * n as f32))
            .allow_scroll(false)
            .allow_drag(false)
            .allow_zoom(false)
            .show_axes([true, false])
            .show_grid([true, false])
            .show(ui, |p| {
                p.bar_chart(BarChart::new("count", bars).horizontal());
                for (y, text) in labels {
                    p.text(
                        egui_plot::Text::new(
                            "term",
                            egui_plot::PlotPoint::new(0.0, y),
                            egui::RichText::new(format!("  {text}")).strong(),
                        )
                        .anchor(egui::Align2::LEFT_CENTER),
                    );
                }
            });
    });
}

fn terms_ui(ui: &mut egui::Ui, done: &TextDone, view: &mut TextView) {
    let r = &done.result;
    ui.horizontal(|ui| {
        ui.weak("Click a term to see every sentence holding it.");
        if !r.groups.is_empty() {
            let l = ui.label("Sort by").id;
            let text = view
                .sort_group
                .and_then(|g| r.groups.get(g))
                .map(|g| format!("words of {} = {g}", r.settings.by.as_deref().unwrap_or("")))
                .unwrap_or_else(|| "count".into());
            egui::ComboBox::from_id_salt("text_sort")
                .selected_text(text)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut view.sort_group, None, "count");
                    for (i, g) in r.groups.iter().enumerate() {
                        ui.selectable_value(
                            &mut view.sort_group,
                            Some(i),
                            format!("words of {} = {g}", r.settings.by.as_deref().unwrap_or("")),
                        );
                    }
                })
                .response
                .labelled_by(l);
        }
    });
    let mut order: Vec<&Term> = r.terms.iter().collect();
    if let Some(g) = view.sort_group.filter(|g| *g < r.groups.len()) {
        order.sort_by(|a, b| b.log_odds[g].total_cmp(&a.log_odds[g]));
    }
    order.truncate(TERMS_SHOWN);
    ui.columns(2, |cols| {
        egui::ScrollArea::vertical()
            .id_salt("text_terms")
            .max_height(520.0)
            .show(&mut cols[0], |ui| {
                egui::Grid::new("text_terms_grid")
                    .striped(true)
                    .num_columns(3 + r.groups.len())
                    .show(ui, |ui| {
                        ui.strong("term");
                        ui.strong("count");
                        ui.strong("texts");
                        for g in &r.groups {
                            ui.strong(format!("log-odds {g}")).on_hover_text(format!(
                                "How much more texts with {} = {g} use the term than the others: a z-score, beyond ±2 rarely chance.",
                                r.settings.by.as_deref().unwrap_or("")
                            ));
                        }
                        ui.end_row();
                        for t in &order {
                            let picked = view.term.as_deref() == Some(t.term.as_str());
                            if ui.selectable_label(picked, &t.term).clicked() {
                                view.term = Some(t.term.clone());
                            }
                            ui.label(format::count(t.count as usize));
                            ui.label(format::count(t.documents as usize));
                            for v in &t.log_odds {
                                ui.label(format!("{v:+.1}"));
                            }
                            ui.end_row();
                        }
                    });
            });
        in_context_ui(&mut cols[1], done, view);
    });
}

/// Every sentence (of the first texts holding it) with the picked term.
fn in_context_ui(ui: &mut egui::Ui, done: &TextDone, view: &mut TextView) {
    let Some(term) = view.term.clone() else {
        ui.weak("Pick a term on the left.");
        return;
    };
    let r = &done.result;
    let Some(t) = r.terms.iter().find(|t| t.term == term) else {
        return;
    };
    if view.in_context.as_ref().map(|(k, _)| k) != Some(&term) {
        let texts = done.texts.str().ok();
        let rows: Vec<Option<&str>> = t
            .rows
            .iter()
            .map(|&i| texts.and_then(|s| s.get(i as usize)))
            .collect();
        let tokenizer = Tokenizer::new(&TokenOptions {
            stem: r.settings.stem,
            ..TokenOptions::new(r.language)
        });
        let mut found = keyword_in_context(&rows, &term, &tokenizer, IN_CONTEXT);
        for f in &mut found {
            f.row = t.rows[f.row] as usize;
        }
        view.in_context = Some((term.clone(), found));
    }
    let Some((_, found)) = &view.in_context else {
        return;
    };
    ui.strong(format!("'{term}' in context"))
        .on_hover_text(format!(
            "Sentences holding it, from the first {} texts that do ({} in all).",
            t.rows.len(),
            format::count(t.documents as usize)
        ));
    egui::ScrollArea::vertical()
        .id_salt("text_in_context")
        .max_height(500.0)
        .show(ui, |ui| {
            for f in found {
                ui.horizontal_wrapped(|ui| {
                    ui.weak(format!("row {}", f.row + 1));
                    ui.label(&f.sentence);
                });
            }
        });
}

fn themes_ui(ui: &mut egui::Ui, r: &TextResult) {
    let Some(t) = &r.themes else {
        ui.weak("Themes were not asked for: tick 'find' in Model.");
        return;
    };
    ui.weak(format!(
        "{} themes from the words texts share (NMF of the TF-IDF weights, {} iterations, {:.0}% of the weights left unexplained). A text's theme is the one it leans on most.",
        t.themes.len(),
        t.iterations,
        100.0 * t.relative_error
    ));
    ui.add_space(6.0);
    for th in &t.themes {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.heading(format!("Theme {}", th.number));
                ui.weak(format!(
                    "{} texts ({:.0}%)",
                    format::count(th.documents),
                    100.0 * th.documents as f64 / r.documents.max(1) as f64
                ));
            });
            let words: Vec<&str> = th.terms.iter().map(|(w, _)| w.as_str()).collect();
            ui.label(egui::RichText::new(words.join(" · ")).strong());
            for e in th.example_texts.iter().take(3) {
                ui.weak(format!("“{e}”"));
            }
        });
        ui.add_space(4.0);
    }
}

fn months_ui(ui: &mut egui::Ui, r: &TextResult, view: &mut TextView) {
    let Some(o) = &r.over_time else {
        ui.weak("Pick a date column in Model to see the months.");
        return;
    };
    let months = o.months.clone();
    let axis = move |mark: egui_plot::GridMark, _: &std::ops::RangeInclusive<f64>| {
        let i = mark.value.round();
        if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
            months.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    ui.horizontal(|ui| {
        let l = ui.label("Term").id;
        egui::ComboBox::from_id_salt("text_month_term")
            .selected_text(view.term.clone().unwrap_or_else(|| "none".into()))
            .height(400.0)
            .show_ui(ui, |ui| {
                for (t, _) in &o.terms {
                    ui.selectable_value(&mut view.term, Some(t.clone()), t);
                }
            })
            .response
            .labelled_by(l);
        ui.weak("The share of each month's texts that hold it (the 50 most frequent terms).");
    });
    let share: Option<Vec<[f64; 2]>> = view.term.as_ref().and_then(|term| {
        let (_, counts) = o.terms.iter().find(|(t, _)| t == term)?;
        Some(
            counts
                .iter()
                .zip(&o.documents)
                .enumerate()
                .filter(|(_, (_, d))| **d > 0)
                .map(|(i, (c, d))| [i as f64, 100.0 * *c as f64 / *d as f64])
                .collect(),
        )
    });
    Plot::new("text_months")
        .height(CHART_HEIGHT)
        .allow_scroll(false)
        .legend(Legend::default())
        .x_axis_formatter(axis.clone())
        .y_axis_label("texts")
        .show(ui, |p| {
            let bars: Vec<Bar> = o
                .documents
                .iter()
                .enumerate()
                .map(|(i, &d)| Bar::new(i as f64, d as f64).width(0.8))
                .collect();
            p.bar_chart(BarChart::new("texts per month", bars));
        });
    if let Some(points) = share {
        Plot::new("text_months_term")
            .height(CHART_HEIGHT)
            .allow_scroll(false)
            .legend(Legend::default())
            .x_axis_formatter(axis.clone())
            .y_axis_label("% of texts")
            .show(ui, |p| {
                let name = format!("texts holding '{}'", view.term.as_deref().unwrap_or(""));
                p.line(Line::new(name, PlotPoints::from(points)));
            });
    }
    if o.sentiment.iter().any(Option::is_some) {
        let points: Vec<[f64; 2]> = o
            .sentiment
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.map(|s| [i as f64, s]))
            .collect();
        Plot::new("text_months_sentiment")
            .height(CHART_HEIGHT)
            .allow_scroll(false)
            .legend(Legend::default())
            .x_axis_formatter(axis)
            .y_axis_label("mean compound score")
            .show(ui, |p| {
                p.line(Line::new("mean sentiment", PlotPoints::from(points)))
            });
    }
}
