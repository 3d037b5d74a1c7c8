//! `text` as other tools drive it, on posts the project never saw: flags, columns, JSON keys,
//! exit codes; and `sample --reviews`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at the first broken expectation"
)]

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_marketing-workbench"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Hotel guests' comments: rooms praised, breakfast complained about, parking neutral-ish;
/// two hotels.
fn write_comments(path: &Path) {
    let rooms = [
        "The room was spotless and the bed was wonderfully comfortable",
        "Lovely quiet room with a great view of the harbour",
        "Our room was clean, bright and very comfortable",
    ];
    let breakfast = [
        "Breakfast was cold and the coffee tasted awful",
        "The breakfast buffet was a disappointing mess, stale bread again",
        "Terrible breakfast, cold eggs and rude staff in the dining room",
    ];
    let parking = [
        "Parking is behind the building, the gate code is at reception",
        "The car park fills up by six, parking permits cost extra",
        "Parking available on the street, permits from reception",
    ];
    let mut text = String::from("guest,hotel,stay_date,comment\n");
    for i in 0..90 {
        let (pool, hotel) = match i % 3 {
            0 => (&rooms, "Harbour View"),
            1 => (&breakfast, "Station Inn"),
            _ => (
                &parking,
                if i % 2 == 0 {
                    "Harbour View"
                } else {
                    "Station Inn"
                },
            ),
        };
        let sentence = pool[(i / 3) % 3];
        text.push_str(&format!(
            "G{i:03},{hotel},2026-0{}-1{},\"{sentence}, stay {i}.\"\n",
            1 + i % 9,
            i % 10
        ));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn text_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("comments.csv");
    write_comments(&input);
    let (out, terms, metrics) = (
        dir.path().join("out.csv"),
        dir.path().join("terms.csv"),
        dir.path().join("metrics.json"),
    );
    let o = run(&[
        "text",
        input.to_str().unwrap(),
        "--text",
        "comment",
        "--sentiment",
        "--themes",
        "3",
        "--by",
        "hotel",
        "--seed",
        "7",
        "--out",
        out.to_str().unwrap(),
        "--terms",
        terms.to_str().unwrap(),
        "--metrics",
        metrics.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));

    // Every input column, then sentiment, sentiment_label and theme; one row per comment.
    let written = std::fs::read_to_string(&out).unwrap();
    let mut lines = written.lines();
    assert_eq!(
        lines.next(),
        Some("guest,hotel,stay_date,comment,sentiment,sentiment_label,theme")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.rsplitn(4, ',').collect()).collect();
    assert_eq!(rows.len(), 90);
    for (i, r) in rows.iter().enumerate() {
        let (theme, label, score) = (r[0], r[1], r[2]);
        let score: f64 = score.parse().unwrap();
        assert!((-1.0..=1.0).contains(&score));
        let theme: usize = theme.parse().unwrap();
        assert!((1..=3).contains(&theme));
        // Rooms are praised, breakfasts are not.
        match i % 3 {
            0 => assert_eq!(label, "positive", "row {i}: {score}"),
            1 => assert_eq!(label, "negative", "row {i}: {score}"),
            _ => {}
        }
    }
    // The three kinds of comment land in three themes.
    let theme_of = |i: usize| rows[i][0];
    for k in 0..3 {
        for i in (k..90).step_by(3) {
            assert_eq!(theme_of(i), theme_of(k), "row {i}");
        }
    }
    assert_ne!(theme_of(0), theme_of(1));
    assert_ne!(theme_of(1), theme_of(2));
    assert_ne!(theme_of(0), theme_of(2));

    // Terms: term, count, documents, and a log-odds column per hotel; breakfast belongs to
    // the Station Inn.
    let t = std::fs::read_to_string(&terms).unwrap();
    let mut t = t.lines();
    let header: Vec<&str> = t.next().unwrap().split(',').collect();
    assert_eq!(&header[..3], &["term", "count", "documents"]);
    let inn = header
        .iter()
        .position(|h| *h == "log_odds_Station Inn")
        .unwrap();
    assert!(header.contains(&"log_odds_Harbour View"));
    let breakfast: Vec<&str> = t
        .find(|l| l.starts_with("breakfast,"))
        .unwrap()
        .split(',')
        .collect();
    assert_eq!(breakfast[1], "30");
    assert!(breakfast[inn].parse::<f64>().unwrap() > 2.0);

    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&metrics).unwrap()).unwrap();
    assert_eq!(m["documents"], 90);
    assert_eq!(m["language"], "en");
    assert!(m["vocabulary"].as_u64().unwrap() > 20);
    assert_eq!(m["themes"].as_array().unwrap().len(), 3);
    assert!(!m["themes"][0]["terms"].as_array().unwrap().is_empty());
    assert_eq!(m["sentiment"]["positive"].as_u64().unwrap() >= 30, true);
    assert!(m["sentiment"]["negative"].as_u64().unwrap() >= 30);
}

#[test]
fn text_says_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("comments.csv");
    write_comments(&input);
    let out = dir.path().join("out.csv");
    let o = run(&[
        "text",
        input.to_str().unwrap(),
        "--text",
        "review",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert_eq!(e.trim().lines().count(), 1, "{e}");
    assert!(e.contains("comments.csv") && e.contains("'review'"), "{e}");
    assert!(!out.exists());
}

#[test]
fn the_sample_writes_posts_by_its_customers() {
    let dir = tempfile::tempdir().unwrap();
    let (customers, posts) = (dir.path().join("c.csv"), dir.path().join("p.csv"));
    let o = run(&[
        "sample",
        "--rows",
        "500",
        "--out",
        customers.to_str().unwrap(),
        "--reviews",
        posts.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = std::fs::read_to_string(&posts).unwrap();
    assert!(p.starts_with("post_id,customer_id,post_date,source,rating,text\n"));
    let c = std::fs::read_to_string(&customers).unwrap();
    for line in p.lines().skip(1).take(20) {
        let id = line.split(',').nth(1).unwrap();
        assert!(c.contains(&format!("\n{id},")), "{id}");
    }
}
