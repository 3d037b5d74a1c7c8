//! "What are customers saying?" in the real App, driven as a user would: open the sample posts,
//! ask the question from the Data step, read with sentiment, six themes and churn... (here: the
//! source) as groups, look at the overview, pick a term and read it in context, see the themes
//! and the months, export; the themes and scores equal the CLI's for the same seed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at the first broken expectation"
)]

mod common;

use std::process::Command;

use common::step_until;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use marketing_workbench::ui::app::{DataCommand, TextCommand, TextStatus, WorkflowStep};
use marketing_workbench::ui::{App, Startup};

#[test]
fn the_sample_posts_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::builder()
        .with_size([1400.0, 1000.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(DataCommand::LoadPostsSample);
    step_until(&mut h, "the sample posts to load", |a| {
        a.state.dataset.is_some()
    });
    let t = &h.state().state.text;
    assert!(t.possible);
    let s = t.settings.clone().unwrap();
    assert_eq!(s.column, "text");
    assert!(s.sentiment, "the posts read as English");
    assert_eq!(s.themes, Some(6));
    assert_eq!(s.date.as_deref(), Some("post_date"));

    // From the Data step's button to Model; compare by source.
    h.get_by_label("What are customers saying?").click();
    h.run_steps(3);
    assert_eq!(h.state().state.step, WorkflowStep::Model);
    assert!(h.state().state.text.active);
    let mut s = h.state().state.text.settings.clone().unwrap();
    s.by = Some("source".into());
    h.state_mut().push(TextCommand::Change(Box::new(s)));
    h.run_steps(2);
    h.get_by_label("Read").click();
    step_until(&mut h, "the reading", |a| {
        a.state
            .text
            .run
            .as_ref()
            .is_some_and(|r| !matches!(r.status, TextStatus::Running))
    });
    assert_eq!(h.state().state.step, WorkflowStep::Predictions);
    let run = h.state().state.text.run.as_ref().unwrap();
    let done = match &run.status {
        TextStatus::Done(d) => d,
        TextStatus::Failed(e) => panic!("failed: {e}"),
        _ => panic!("not finished"),
    };
    let r = &done.result;
    assert!(r.documents > 5_000);
    assert_eq!(r.themes.as_ref().unwrap().themes.len(), 6);
    assert_eq!(r.groups.len(), 4);
    let metrics = r.metrics_json();
    h.get_by_label("Sentiment");
    h.get_by_label("Most frequent terms");

    // Terms: pick "refund" and read it in context.
    h.get_by_label("Terms").click();
    h.run_steps(3);
    h.get_by_label("refund").click();
    h.run_steps(3);
    h.get_by_label("'refund' in context");
    // The templates repeat, so the same sentence is in context many times.
    assert!(
        h.query_all_by_label_contains("Still waiting for my refund")
            .next()
            .is_some()
    );
    h.get_by_label("Themes").click();
    h.run_steps(3);
    h.get_by_label("Theme 1");
    h.get_by_label("Months").click();
    h.run_steps(3);
    h.get_by_label_contains("The share of each month's texts");

    // Word vectors trained live (a loss per pass, falling) and their words.
    let run = h.state().state.text.run.as_ref().unwrap();
    assert_eq!(run.losses.len(), 5);
    assert!(run.losses[4] < run.losses[0], "{:?}", run.losses);
    let wv = run.done().unwrap().result.words.as_ref().unwrap();
    assert_eq!(wv.map.len(), 150);
    assert_eq!(wv.losses, run.losses);
    h.get_by_label("Words").click();
    h.run_steps(3);
    h.get_by_label("Nearest words to");

    // Export: every post with its sentiment and theme.
    let path = dir.path().join("posts_scored.csv");
    h.state_mut().push(TextCommand::ExportTo(path.clone()));
    step_until(&mut h, "the export", |_| path.exists());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with(
        "post_id,customer_id,post_date,source,rating,text,sentiment,sentiment_label,theme\n"
    ));
    // The same with each text's document vector, as inputs for a model.
    let vectors = dir.path().join("posts_vectors.csv");
    h.state_mut()
        .push(TextCommand::ExportVectorsTo(vectors.clone()));
    step_until(&mut h, "the export with vectors", |_| vectors.exists());
    let written = std::fs::read_to_string(&vectors).unwrap();
    let header: Vec<&str> = written.lines().next().unwrap().split(',').collect();
    assert_eq!(header.len(), 9 + 50);
    assert_eq!(header[9], "text_vec_1");
    assert_eq!(header[58], "text_vec_50");
    assert_eq!(written.lines().count(), text.lines().count());
    // Or as the table itself, for Model.
    h.state_mut().push(TextCommand::UseVectorsAsTable);
    step_until(&mut h, "the table with vectors", |a| {
        a.state
            .dataset
            .as_ref()
            .is_some_and(|d| d.name.ends_with("+ text vectors"))
    });
    let ds = h.state().state.dataset.as_ref().unwrap();
    assert_eq!(ds.frame.width(), 9 + 50);
    assert!(ds.profile.columns.iter().any(|c| c.name == "text_vec_50"));

    // The CLI on the same posts with the same seed finds the same themes and sentiment.
    let (customers, posts, m) = (
        dir.path().join("c.csv"),
        dir.path().join("p.csv"),
        dir.path().join("m.json"),
    );
    let bin = env!("CARGO_BIN_EXE_marketing-workbench");
    let o = Command::new(bin)
        .args(["sample", "--rows", "20000", "--seed", "42", "--out"])
        .arg(&customers)
        .arg("--reviews")
        .arg(&posts)
        .output()
        .unwrap();
    assert!(o.status.success());
    let out = dir.path().join("cli.csv");
    let o = Command::new(bin)
        .arg("text")
        .arg(&posts)
        .args([
            "--text",
            "text",
            "--sentiment",
            "--themes",
            "6",
            "--by",
            "source",
        ])
        .args(["--seed", "42", "--out"])
        .arg(&out)
        .arg("--metrics")
        .arg(&m)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cli: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&m).unwrap()).unwrap();
    for key in ["documents", "vocabulary", "themes", "sentiment", "language"] {
        assert_eq!(cli[key], metrics[key], "{key}");
    }
}

/// The normal Model → Train path with a text column among the inputs: the stars a post gives
/// are predicted from its words, and the linear model's weights are words.
#[test]
fn a_model_learns_the_stars_from_the_words() {
    use marketing_workbench::ui::app::{ModelCommand, TrainCommand};
    use workbench_core::ml::metrics::Metrics;
    use workbench_core::ml::{ModelKind, Task};
    let mut h = Harness::builder()
        .with_size([1400.0, 900.0])
        .build_eframe(|cc| App::new(cc, Startup::Empty));
    h.state_mut().push(DataCommand::LoadPostsSample);
    step_until(&mut h, "the sample posts to load", |a| {
        a.state.cleaned.is_some() || a.state.dataset.is_some()
    });
    let mut s = h.state().state.settings.clone();
    s.target = Some("rating".into());
    s.task = Some(Task::Regression);
    s.model = Some(ModelKind::Linear);
    // Thousands of words and word pairs, many in a handful of posts: a little ridge keeps their
    // weights steady (without one, the plan's note says they are not).
    s.params.linear.penalty = 0.01;
    s.ignore = vec!["post_id".into(), "customer_id".into()];
    h.state_mut().push(ModelCommand::Change(Box::new(s)));
    h.run_steps(2);
    // The Model step says the text column is read as words.
    h.state_mut()
        .push(marketing_workbench::ui::Command::SelectStep(
            WorkflowStep::Model,
        ));
    h.run_steps(2);
    h.get_by_label_contains("Free text (1 read as words)");
    h.state_mut().push(TrainCommand::Start);
    step_until(&mut h, "training", |a| {
        !a.is_training()
            && a.state
                .training
                .as_ref()
                .is_some_and(|r| r.outcome().is_some())
    });
    let outcome = h
        .state()
        .state
        .training
        .as_ref()
        .unwrap()
        .outcome()
        .unwrap();
    let Metrics::Regression(m) = &outcome.metrics else {
        panic!("an amount's metrics")
    };
    // Positive posts give 4 or 5 stars, negative ones 1 to 3: the words tell which, so most of
    // the spread of the stars is explained (the rest is the draw within each side).
    assert!(m.r2 > 0.6, "R² {}", m.r2);
    let explanation = outcome.insights.as_ref().unwrap().explanation().unwrap();
    // Word by word: shuffling a common word's weight costs quality.
    assert_eq!(explanation.words.len(), 40);
    assert!(explanation.words[0].drop > 0.0);
    assert!(
        explanation
            .words
            .iter()
            .all(|w| w.column.starts_with("text:"))
    );
    let weights = &explanation.coefficients;
    let weight = |name: &str| weights.iter().find(|(n, _)| n == name).map(|w| w.1);
    assert!(weight("text:love").unwrap() > 0.0, "{weights:?}");
    assert!(weight("text:worst").unwrap() < 0.0, "{weights:?}");
}

/// Chinese posts the project never saw: the language is detected, the Text view reads words
/// (jieba's segmentation), not characters, and sentiment is not offered (VADER reads English).
#[test]
fn chinese_posts_are_read_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let phrases = [
        "快递很快，包装完好，非常满意",
        "质量太差了，用了两天就坏了，我要退款",
        "客服态度很好，耐心解答问题",
        "价格便宜，性价比高，推荐购买",
        "退款申请一直没有处理，客服也不回复",
        "物流太慢了，等了一个星期才到",
    ];
    let mut csv = String::from("post_id,posted,comment\n");
    for i in 0..120 {
        csv.push_str(&format!(
            "Z{i:04},2026-0{}-1{},{} 第{}次购买\n",
            1 + i % 9,
            i % 10,
            phrases[i % phrases.len()],
            i
        ));
    }
    let path = dir.path().join("zh_posts.csv");
    std::fs::write(&path, csv).unwrap();
    // The app draws Chinese with a CJK font of the system (.ci/run installs one); without one
    // the characters are boxes, which this test then allows.
    use marketing_workbench::ui::fonts;
    let builder = Harness::builder().with_size([1400.0, 1000.0]);
    let builder = if fonts::system_cjk().is_some() {
        builder
    } else {
        builder.allow_missing_glyphs()
    };
    let mut h = builder.build_eframe(|cc| {
        fonts::add_system_cjk(&cc.egui_ctx);
        App::new(cc, Startup::Empty)
    });
    h.state_mut().push(DataCommand::OpenPath(path));
    step_until(&mut h, "the posts to load", |a| a.state.dataset.is_some());
    let t = &h.state().state.text;
    assert!(t.possible);
    let s = t.settings.clone().unwrap();
    assert_eq!(s.column, "comment");
    assert!(!s.sentiment, "VADER is English only");
    h.get_by_label("What are customers saying?").click();
    h.run_steps(3);
    h.get_by_label("Read").click();
    step_until(&mut h, "the reading", |a| {
        a.state
            .text
            .run
            .as_ref()
            .is_some_and(|r| !matches!(r.status, TextStatus::Running))
    });
    let run = h.state().state.text.run.as_ref().unwrap();
    let done = match &run.status {
        TextStatus::Done(d) => d,
        TextStatus::Failed(e) => panic!("failed: {e}"),
        _ => panic!("not finished"),
    };
    let r = &done.result;
    assert_eq!(r.language, workbench_core::text::tokens::Language::Chinese);
    let terms: Vec<&str> = r.terms.iter().map(|t| t.term.as_str()).collect();
    for word in ["退款", "客服", "快递"] {
        assert!(terms.contains(&word), "{word}: {terms:?}");
    }
    // Words, not characters: the single characters of those words are not terms on their own.
    for ch in ["退", "款", "客", "递"] {
        assert!(!terms.contains(&ch), "{ch}: {terms:?}");
    }
    h.get_by_label("Terms").click();
    h.run_steps(3);
    h.get_by_label("退款");
}
