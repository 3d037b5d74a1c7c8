//! Text: VADER's compound score against the reference implementation, and the text sample's
//! planted sentiment, themes and churn words found again.
//!
//! - VADER: every example sentence of vaderSentiment 3.3.2's own demo, and 400 sentences
//!   generated here from lexicon words, degree words, negations, "but", "least", idioms,
//!   capitals, punctuation, emoticons and emoji, must score as the reference does (to 1e-4).
//!   The reference is run live when `MW_PYTHON` names a Python with vaderSentiment 3.3.2 (as
//!   .ci/run sets up); otherwise its scores stored in tests/data/text/vader_reference.json are
//!   used (written by this test with `MW_WRITE_VADER_REFERENCE=1`).
//! - The sample posts: VADER's label agrees with the planted sentiment; NMF themes recover
//!   the planted themes; "refund" is among the terms that set churned customers' posts apart.
//! - Chinese posts segment into words.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at the first broken expectation"
)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;

use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use workbench_core::data::{sample, sample_reviews};
use workbench_core::text::tokens::Language;
use workbench_core::text::vader::{Label, vader};
use workbench_core::text::{self, TextSettings};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/text")
        .join(name)
}

/// vaderSentiment.py's `__main__` demo: its examples, tricky sentences, the paragraph's
/// sentences and the image tags.
const PACKAGE_EXAMPLES: [&str; 46] = [
    "VADER is smart, handsome, and funny.",
    "VADER is smart, handsome, and funny!",
    "VADER is very smart, handsome, and funny.",
    "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, handsome, and FUNNY!!!",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "The book was good.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today SUX!",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Not bad at all",
    "Sentiment analysis has never been good.",
    "Sentiment analysis has never been this good!",
    "Most automated sentiment analysis tools are shit.",
    "With VADER, sentiment analysis is the shit!",
    "Other sentiment analysis tools can be quite bad.",
    "On the other hand, VADER is quite bad ass",
    "VADER is such a badass!",
    "Without a doubt, excellent idea.",
    "Roger Dodger is one of the most compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Not such a badass after all.",
    "Without a doubt, an excellent idea.",
    "It was one of the worst movies I've seen, despite good reviews.",
    "Unbelievably bad acting!!",
    "Poor direction.",
    "VERY poor production.",
    "The movie was bad.",
    "Very bad movie.",
    "VERY BAD movie!",
    "balloons",
    "cake",
    "candles",
    "happy birthday",
    "friends",
    "laughing",
    "smiling",
    "party",
    "riot",
    "tear gas",
];

/// Sentences that exercise every rule, from a seeded generator.
fn generated(n: usize) -> Vec<String> {
    const SENTIMENT: [&str; 40] = [
        "good",
        "bad",
        "great",
        "horrible",
        "love",
        "hate",
        "happy",
        "sad",
        "excellent",
        "terrible",
        "nice",
        "awful",
        "funny",
        "boring",
        "wonderful",
        "disappointed",
        "amazing",
        "poor",
        "best",
        "worst",
        "fine",
        "ugly",
        "beautiful",
        "angry",
        "glad",
        "lol",
        "sux",
        "compelling",
        "problem",
        "fail",
        "win",
        "kind",
        "no",
        "like",
        "broken",
        "lost",
        "easy",
        "free",
        "killed",
        "sweet",
    ];
    const BOOST: [&str; 16] = [
        "very",
        "really",
        "extremely",
        "so",
        "kind of",
        "sort of",
        "barely",
        "slightly",
        "hardly",
        "totally",
        "friggin",
        "uber",
        "kinda",
        "just enough",
        "most",
        "less",
    ];
    const NEGATE: [&str; 12] = [
        "not", "never", "isn't", "don't", "without", "no", "nor", "didn't", "wasn't", "cant",
        "nothing", "despite",
    ];
    const FILLER: [&str; 22] = [
        "the", "movie", "product", "service", "was", "is", "it", "this", "and", "or", "at",
        "least", "but", "doubt", "a", "delivery", "so", "this", "very", "of", "i", "we",
    ];
    const SPECIAL: [&str; 8] = [
        "the bomb",
        "bad ass",
        "yeah right",
        "kiss of death",
        "to die for",
        "the shit",
        "beating heart",
        "bus stop",
    ];
    const EMOTE: [&str; 10] = [":)", ":(", ":D", "<3", ":-(", "😀", "😡", "💘", "👍", "😢"];
    const END: [&str; 8] = [".", "!", "!!!", "?", "??", "????", "", "!?"];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    (0..n)
        .map(|_| {
            let len = rng.gen_range(2..12);
            let mut words: Vec<String> = Vec::new();
            for _ in 0..len {
                let pool: &[&str] = match rng.gen_range(0..10) {
                    0..=2 => &SENTIMENT,
                    3 => &BOOST,
                    4 => &NEGATE,
                    5 => &SPECIAL,
                    6 => &EMOTE,
                    _ => &FILLER,
                };
                let mut w = pool[rng.gen_range(0..pool.len())].to_owned();
                if rng.gen_bool(0.1) {
                    w = w.to_uppercase();
                }
                if rng.gen_bool(0.1) {
                    w.push(',');
                }
                words.push(w);
            }
            let mut s = words.join(" ");
            s.push_str(END[rng.gen_range(0..END.len())]);
            s
        })
        .collect()
}

/// The reference's compound scores, live (`MW_PYTHON`) or stored.
fn reference(sentences: &[String]) -> BTreeMap<String, f64> {
    let stored = data("vader_reference.json");
    let Ok(python) = std::env::var("MW_PYTHON") else {
        let text = std::fs::read_to_string(&stored).unwrap();
        return serde_json::from_str(&text).unwrap();
    };
    let mut child = Command::new(python)
        .arg(data("vader_reference.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = String::new();
    for s in sentences {
        input.push_str(&serde_json::to_string(s).unwrap());
        input.push('\n');
    }
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the reference failed: is vaderSentiment 3.3.2 installed?"
    );
    let scores: Vec<f64> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(scores.len(), sentences.len());
    let map: BTreeMap<String, f64> = sentences.iter().cloned().zip(scores).collect();
    if std::env::var("MW_WRITE_VADER_REFERENCE").is_ok() {
        std::fs::write(&stored, serde_json::to_string_pretty(&map).unwrap()).unwrap();
    }
    map
}

#[test]
fn vader_compound_equals_vader_sentiment_3_3_2() {
    let mut sentences: Vec<String> = PACKAGE_EXAMPLES.iter().map(|s| (*s).to_owned()).collect();
    let generated = generated(400);
    sentences.extend(generated.iter().cloned());
    let reference = reference(&sentences);
    let v = vader();
    let mut differ = Vec::new();
    for s in &sentences {
        let expected = *reference
            .get(s)
            .unwrap_or_else(|| panic!("no reference for {s:?}: run with MW_PYTHON"));
        let ours = v.polarity(s).compound;
        if (ours - expected).abs() > 1e-4 + 1e-12 {
            differ.push(format!("{s:?}: ours {ours}, reference {expected}"));
        }
    }
    assert!(
        differ.is_empty(),
        "{} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
    // The generator reaches the rules: both signs, neutral ones, and strong scores.
    let scores: Vec<f64> = generated.iter().map(|s| v.polarity(s).compound).collect();
    for label in Label::ALL {
        assert!(scores.iter().any(|c| Label::of(*c) == label));
    }
    assert!(scores.iter().any(|c| c.abs() > 0.9));
}

fn posts_with_churn() -> (DataFrame, sample_reviews::ReviewSample) {
    let posts = sample_reviews::generate(20_000, 42).unwrap();
    let customers = sample::generate(20_000, 42).unwrap().frame;
    let joined = posts
        .frame
        .clone()
        .lazy()
        .join(
            customers
                .lazy()
                .select([col("customer_id"), col("churned")]),
            [col("customer_id")],
            [col("customer_id")],
            JoinArgs {
                maintain_order: MaintainOrderJoin::Left,
                ..JoinArgs::new(JoinType::Left)
            },
        )
        .collect()
        .unwrap();
    (joined, posts)
}

#[test]
fn the_sample_posts_give_back_their_sentiment_themes_and_churn_words() {
    let (df, truth) = posts_with_churn();
    assert!(df.height() > 5_000, "{}", df.height());
    assert!(text::looks_like_text(df.column("text").unwrap()));
    assert!(!text::looks_like_text(df.column("source").unwrap()));
    assert!(!text::looks_like_text(df.column("post_id").unwrap()));
    let settings = TextSettings {
        sentiment: true,
        themes: Some(6),
        by: Some("churned".into()),
        ..TextSettings::new("text")
    };
    let result = text::analyse(&df, &settings, &AtomicBool::new(false), &mut |_, _, _| {}).unwrap();
    assert_eq!(result.language, Language::English);
    assert!(result.language_detected);
    assert_eq!(result.documents, df.height());

    // Sentiment: VADER's label against the planted one (neutral counts as a miss).
    let scores = result.sentiment.as_ref().unwrap();
    let agree = scores
        .iter()
        .zip(&truth.positive)
        .filter(|(s, p)| {
            let l = Label::of(s.unwrap());
            (l == Label::Positive) == **p && l != Label::Neutral
        })
        .count();
    let share = agree as f64 / scores.len() as f64;
    assert!(share > 0.85, "VADER agrees on {share:.3}");

    // Themes: each found theme is mostly one planted theme, and every planted theme is found.
    let themes = result.themes.as_ref().unwrap();
    let mut table = vec![[0usize; 6]; 6];
    for (a, t) in themes.assignment.iter().zip(&truth.theme) {
        table[a.unwrap() - 1][*t] += 1;
    }
    let purity =
        table.iter().map(|r| r.iter().max().unwrap()).sum::<usize>() as f64 / df.height() as f64;
    assert!(purity > 0.7, "purity {purity:.3}: {table:?}");
    let mut planted: Vec<usize> = table
        .iter()
        .map(|r| (0..6).max_by_key(|&t| r[t]).unwrap())
        .collect();
    planted.sort_unstable();
    planted.dedup();
    assert!(planted.len() >= 5, "{table:?}");

    // Churn words: "refund" sets churned customers' posts apart.
    let g = result.groups.iter().position(|g| g == "1").unwrap();
    let mut by_churn: Vec<(&str, f64)> = result
        .terms
        .iter()
        .map(|t| (t.term.as_str(), t.log_odds[g]))
        .collect();
    by_churn.sort_by(|a, b| b.1.total_cmp(&a.1));
    let top: Vec<&str> = by_churn.iter().take(15).map(|t| t.0).collect();
    assert!(top.contains(&"refund"), "{top:?}");
    assert!(by_churn.iter().find(|t| t.0 == "refund").unwrap().1 > 3.0);

    // The added columns and the term table.
    let out = result.with_columns(&df).unwrap();
    assert_eq!(out.height(), df.height());
    for c in ["sentiment", "sentiment_label", "theme"] {
        assert_eq!(out.column(c).unwrap().null_count(), 0, "{c}");
    }
    let terms = result.terms_frame().unwrap();
    let names: Vec<&str> = terms
        .get_column_names()
        .iter()
        .map(|s| s.as_str())
        .collect();
    assert_eq!(&names[..3], &["term", "count", "documents"]);
    assert!(names.contains(&"log_odds_1") && names.contains(&"log_odds_0"));

    // Same seed, same themes.
    let again = text::analyse(&df, &settings, &AtomicBool::new(false), &mut |_, _, _| {}).unwrap();
    assert_eq!(again.themes, result.themes);
}

#[test]
fn chinese_posts_are_read_in_words() {
    let posts = [
        "快递太慢了，等了两个星期才到，包装也破了",
        "客服态度很差，打电话没人接，退款一直没有到账",
        "价格便宜，质量很好，下次还会购买 👍",
        "这款iPhone手机壳质量不错，物流也很快",
        "退款申请被拒绝了，非常失望，再也不买了",
        "客服很耐心，帮我解决了问题，点赞",
        "物流很快，第二天就到了，包装完好",
        "质量太差了，用了两天就坏了，要求退款",
    ];
    let df = DataFrame::new_infer_height(vec![Column::new("post".into(), posts.to_vec())]).unwrap();
    assert!(text::looks_like_text(df.column("post").unwrap()));
    let result = text::analyse(
        &df,
        &TextSettings::new("post"),
        &AtomicBool::new(false),
        &mut |_, _, _| {},
    )
    .unwrap();
    assert_eq!(result.language, Language::Chinese);
    let terms: Vec<&str> = result.terms.iter().map(|t| t.term.as_str()).collect();
    for word in ["客服", "退款", "质量", "物流", "包装"] {
        assert!(terms.contains(&word), "{word} not in {terms:?}");
    }
    // Words, not characters: most terms are two characters or more.
    let single = terms.iter().filter(|t| t.chars().count() == 1).count();
    assert!(single * 4 < terms.len(), "{terms:?}");
    // Sentiment out of the box is English only, and says so.
    let err = text::analyse(
        &df,
        &TextSettings {
            sentiment: true,
            ..TextSettings::new("post")
        },
        &AtomicBool::new(false),
        &mut |_, _, _| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("English"), "{err}");
}
