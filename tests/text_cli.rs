//! `text` as other tools drive it, on posts the project never saw: flags, columns, JSON keys,
//! exit codes; and `sample --reviews`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at the first broken expectation"
)]

mod common;

use common::{run, stderr};
use std::path::Path;

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
    assert!(m["sentiment"]["positive"].as_u64().unwrap() >= 30);
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

/// Support tickets, written here from their own phrases: billing disputes and broken orders
/// are escalated most of the time, password resets and thanks rarely. Returns whether each
/// ticket was escalated.
fn write_tickets(path: &Path, rows: usize, seed: u64, with_label: bool) -> Vec<bool> {
    let topics: [(&[&str], f64); 4] = [
        (
            &[
                "I was charged twice and want a refund",
                "Please refund the duplicate charge on my card",
                "Your invoice is wrong and I demand a refund now",
            ],
            0.85,
        ),
        (
            &[
                "The blender arrived broken and nobody answers",
                "Parcel came damaged, the glass is broken",
                "Second broken delivery this month, unacceptable",
            ],
            0.6,
        ),
        (
            &[
                "How do I reset my password on the website",
                "Cannot log in, please send a password reset link",
                "Password reset email never arrived, can you resend it",
            ],
            0.1,
        ),
        (
            &[
                "Thanks for the quick help with my order",
                "Great service from your team, thank you",
                "Just wanted to say thanks, the new app works well",
            ],
            0.05,
        ),
    ];
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut csv = String::from(if with_label {
        "ticket,channel,message,escalated\n"
    } else {
        "ticket,channel,message\n"
    });
    let mut escalated = Vec::with_capacity(rows);
    for i in 0..rows {
        let (phrases, p) = topics[(next() * 4.0) as usize % 4];
        let phrase = phrases[(next() * 3.0) as usize % 3];
        let channel = if next() < 0.5 { "email" } else { "chat" };
        let yes = next() < p;
        escalated.push(yes);
        csv.push_str(&format!("T{i:05},{channel},\"{phrase}, ticket {i}.\""));
        if with_label {
            csv.push_str(if yes { ",yes" } else { ",no" });
        }
        csv.push('\n');
    }
    std::fs::write(path, csv).unwrap();
    escalated
}

#[test]
fn a_text_classifier_trains_and_scores_new_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let (train, new) = (dir.path().join("tickets.csv"), dir.path().join("new.csv"));
    write_tickets(&train, 1_200, 1, true);
    write_tickets(&new, 300, 2, false);
    let (model, metrics, scored) = (
        dir.path().join("m.json"),
        dir.path().join("metrics.json"),
        dir.path().join("scored.csv"),
    );
    // The message column is recognised as text without --text.
    let o = run(&[
        "train",
        train.to_str().unwrap(),
        "--target",
        "escalated",
        "--model",
        "logistic",
        "--save-model",
        model.to_str().unwrap(),
        "--metrics",
        metrics.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&metrics).unwrap()).unwrap();
    // The topic alone sets the chance of escalation (0.85, 0.6, 0.1, 0.05, a quarter each):
    // the best any model can reach is an AUC of about 0.87.
    let auc = m["auc"].as_f64().unwrap();
    assert!(auc > 0.8, "AUC {auc}");

    // The words are the model's features: "refund" pushes toward escalation, "thanks" away.
    let saved = workbench_core::ml::saved::SavedModel::load(&model).unwrap();
    let weights = workbench_core::ml::importance::coefficients(&saved.features, &saved.model);
    let weight = |name: &str| {
        weights
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no feature {name}: {weights:?}"))
            .1
    };
    assert!(weight("message:refund") > 0.0);
    assert!(weight("message:thanks") < 0.0);
    assert!(weight("message:password reset") < 0.0);

    // Scoring new tickets reads their text with the saved vocabulary.
    let o = run(&[
        "score",
        model.to_str().unwrap(),
        new.to_str().unwrap(),
        "--out",
        scored.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut rdr = std::fs::read_to_string(&scored).unwrap();
    rdr = rdr.replace("\r\n", "\n");
    let mut lines = rdr.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let score_at = header.iter().position(|h| *h == "score").unwrap();
    let message_at = header.iter().position(|h| *h == "message").unwrap();
    let (mut refund, mut thanks) = (Vec::new(), Vec::new());
    let mut rows = 0;
    for line in lines {
        rows += 1;
        // The message is the only quoted field and holds commas: split around it.
        let (head, rest) = line.split_once('"').unwrap();
        let (message, tail) = rest.split_once('"').unwrap();
        let mut fields: Vec<&str> = head.trim_end_matches(',').split(',').collect();
        fields.push(message);
        fields.extend(tail.trim_start_matches(',').split(','));
        assert_eq!(fields.len(), header.len(), "{line}");
        let score: f64 = fields[score_at].parse().unwrap();
        if fields[message_at].contains("refund") {
            refund.push(score);
        } else if fields[message_at].contains("hank") {
            thanks.push(score);
        }
    }
    assert_eq!(rows, 300);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        mean(&refund) > mean(&thanks) + 0.5,
        "{} vs {}",
        mean(&refund),
        mean(&thanks)
    );

    // --text names a column that is not there: one line, exit 1.
    let o = run(&[
        "train",
        train.to_str().unwrap(),
        "--target",
        "escalated",
        "--text",
        "body",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert_eq!(e.trim().lines().count(), 1, "{e}");
    assert!(e.contains("'body'"), "{e}");
}
