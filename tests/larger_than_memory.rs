//! Files larger than memory (`MW_MEMORY_LIMIT` plays the small machine): scoring in pieces
//! (what `score` does with such a file, or one of 256 MB or more) writes the very file scoring
//! it whole writes, deciles ranked over every row; `train` takes a sample and says so; `profile`
//! counts every row and describes the rest from a sample.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at the first broken expectation"
)]

mod common;

use std::sync::atomic::AtomicBool;

use common::{run, stderr};
use workbench_core::data::export::write_csv;
use workbench_core::data::load::stream::TextPieces;
use workbench_core::ml::saved::SavedModel;

#[test]
fn a_file_scored_in_pieces_is_the_file_scored_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = common::sample_customers(d, 6000, 3);
    let data_s = data.to_str().unwrap();
    // A note with commas, quotes and line ends inside quotes, passed through to the output.
    let text = std::fs::read_to_string(&data).unwrap();
    let mut noted = String::new();
    for (i, line) in text.lines().enumerate() {
        let note = match i {
            0 => "note",
            _ if i % 7 == 0 => "\"said \"\"hi\"\", then\nleft\"",
            _ => "plain",
        };
        noted.push_str(&format!("{line},{note}\n"));
    }
    std::fs::write(&data, noted).unwrap();
    let recipe = d.join("recipe.json");
    std::fs::write(
        &recipe,
        r#"{"steps": [
  {"step": "fill_missing", "column": "age", "strategy": "median", "add_flag": true},
  {"step": "log_transform", "column": "total_spend"},
  {"step": "one_hot", "column": "region", "max_categories": 3},
  {"step": "filter_rows", "column": "tenure_months", "op": "greater_or_equal", "value": "6"}
]}"#,
    )
    .unwrap();
    let models = [
        (
            "boosting",
            "responded",
            &["--param", "rounds=20", "--ignore", "note"][..],
        ),
        ("linear", "spend_next_90d", &["--ignore", "note"][..]),
        // Several classes: a probability column per class after the decile.
        ("logistic", "channel", &["--ignore", "note"][..]),
    ];
    let mut saved = Vec::new();
    for (kind, target, params) in models {
        let model = d.join(format!("{kind}.json"));
        common::train_sample_model(data_s, kind, target, &recipe, params, &model);
        saved.push(model);
    }
    let segments = d.join("kmeans.json");
    let o = run(&[
        "train",
        data_s,
        "--task",
        "segments",
        "--model",
        "kmeans",
        "--k",
        "4",
        "--ignore",
        "customer_id",
        "--ignore",
        "note",
        "--save-model",
        segments.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    saved.push(segments);

    // Decided from the first 64 KB (some 500 rows), read in pieces of 32 KB.
    let pieces = TextPieces::open_with_head(&data, 64 << 10)
        .unwrap()
        .expect("a text table");
    for model_path in &saved {
        let model = SavedModel::load(model_path).unwrap();
        let whole = d.join("whole.csv");
        let table = workbench_core::data::load::load_path(
            &data,
            &Default::default(),
            &mut |_, _| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        write_csv(&model.score(&table).unwrap().frame, &whole).unwrap();
        let in_pieces = d.join("pieces.csv");
        let done = model
            .score_pieces(
                &pieces,
                &in_pieces,
                32 << 10,
                &mut |_, _| {},
                &AtomicBool::new(false),
            )
            .unwrap();
        assert!(done.pieces > 10, "{} pieces", done.pieces);
        let (a, b) = (
            std::fs::read_to_string(&whole).unwrap(),
            std::fs::read_to_string(&in_pieces).unwrap(),
        );
        let notes = a.matches("said \"\"hi\"\", then\nleft\"").count();
        assert!(notes > 100, "notes kept: {notes}");
        assert_eq!(a.lines().count(), done.rows + 1 + notes);
        assert!(a == b, "{}: the files differ", model_path.display());
        // Nothing left beside the output.
        let left: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".mw-"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}

/// The binary with `args`, its memory limited to `limit` by `MW_MEMORY_LIMIT`.
fn run_limited(limit: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_marketing-workbench"))
        .args(args)
        .env("MW_MEMORY_LIMIT", limit)
        .output()
        .unwrap()
}

#[test]
fn a_file_larger_than_memory_trains_on_a_sample_and_scores_in_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = common::sample_customers(d, 20000, 4);
    let data_s = data.to_str().unwrap();
    let size = std::fs::metadata(&data).unwrap().len();
    // Room for about a third of the file: it can't load whole.
    let limit = format!("{}", size);
    let model = d.join("model.json");
    let metrics = d.join("metrics.json");
    let o = run_limited(
        &limit,
        &[
            "train",
            data_s,
            "--target",
            "responded",
            "--model",
            "boosting",
            "--param",
            "rounds=20",
            "--ignore",
            "customer_id",
            "--ignore",
            "churned",
            "--ignore",
            "spend_next_90d",
            "--save-model",
            model.to_str().unwrap(),
            "--metrics",
            metrics.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("uniform random sample of"), "{e}");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&metrics).unwrap()).unwrap();
    assert_eq!(m["total_rows"], 20000);
    let sample_rows = m["sample_rows"].as_u64().unwrap();
    assert!((1000..20000).contains(&sample_rows), "{sample_rows}");
    assert_eq!(
        m["train_rows"].as_u64().unwrap() + m["holdout_rows"].as_u64().unwrap(),
        sample_rows
    );
    // The boosting model still finds the sample's signal.
    assert!(m["auc"].as_f64().unwrap() > 0.7, "{m}");

    // Scored under the limit (in pieces) and without it (whole): the same file.
    let (limited, whole) = (d.join("limited.csv"), d.join("whole.csv"));
    let o = run_limited(
        &limit,
        &[
            "score",
            model.to_str().unwrap(),
            data_s,
            "--out",
            limited.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("in 1 pieces") || stderr(&o).contains("pieces"));
    let o = run(&[
        "score",
        model.to_str().unwrap(),
        data_s,
        "--out",
        whole.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("pieces"));
    let (a, b) = (
        std::fs::read_to_string(&limited).unwrap(),
        std::fs::read_to_string(&whole).unwrap(),
    );
    assert_eq!(a.lines().count(), 20001);
    assert!(a == b, "scored in pieces, the file differs");
}

#[test]
fn a_file_read_in_pieces_whole_has_the_profile_of_the_file_loaded_whole() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::sample_customers(dir.path(), 20000, 8);
    // Decided from the first 64 KB (some 500 rows), every row kept.
    let pieces = TextPieces::open_with_head(&data, 64 << 10)
        .unwrap()
        .expect("a text table");
    let read = workbench_core::data::profile::profile_pieces(
        &pieces,
        usize::MAX,
        42,
        &AtomicBool::new(false),
    )
    .unwrap();
    let table = workbench_core::data::load::load_path(
        &data,
        &Default::default(),
        &mut |_, _| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let whole = workbench_core::data::profile::profile(&table).unwrap();
    assert_eq!(read.sample_rows, None);
    assert!(read == whole, "the profiles differ");
}

#[test]
fn a_file_larger_than_memory_is_profiled_in_pieces_with_exact_counts() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::sample_customers(dir.path(), 20000, 5);
    let data_s = data.to_str().unwrap();
    let limit = std::fs::metadata(&data).unwrap().len().to_string();
    let o = run_limited(&limit, &["profile", data_s, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("too large to load whole"),
        "{}",
        stderr(&o)
    );
    let pieces: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let o = run(&["profile", data_s, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let whole: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(whole.get("sample_rows").is_none());
    assert_eq!(pieces["rows"], 20000);
    let sample = pieces["sample_rows"].as_u64().unwrap();
    assert!((1000..20000).contains(&sample), "{sample}");
    let (a, b) = (
        pieces["columns"].as_array().unwrap(),
        whole["columns"].as_array().unwrap(),
    );
    assert_eq!(a.len(), b.len());
    let mut numbers = 0;
    for (p, w) in a.iter().zip(b) {
        assert_eq!(p["name"], w["name"]);
        assert_eq!(p["dtype"], w["dtype"]);
        // Counts, extremes and date ranges: every row's.
        for key in ["missing", "missing_fraction", "min", "max", "date_range"] {
            assert_eq!(p[key], w[key], "{} {key}", p["name"]);
        }
        // Mean and spread: every row's, summed in pieces.
        for key in ["mean", "std"] {
            if let (Some(x), Some(y)) = (p[key].as_f64(), w[key].as_f64()) {
                assert!(
                    (x - y).abs() <= 1e-9 * y.abs().max(1.0),
                    "{} {key}",
                    p["name"]
                );
                numbers += 1;
            }
        }
    }
    assert!(numbers > 10, "{numbers} numbers compared");
}

#[test]
fn a_large_text_file_loads_piece_by_piece_into_the_table_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::sample_customers(dir.path(), 220_000, 5);
    // Missing-value texts the first rows don't use, far down the file: "NA" in a text column
    // (made missing), "-" in a number column (its piece is read again with every such text).
    let text = std::fs::read_to_string(&data).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let n = lines.len();
    for (at, field, value) in [(n - 10, 2, "NA"), (n / 2, 1, "-"), (n - 3, 1, "N/A")] {
        let mut fields: Vec<&str> = lines[at].split(',').collect();
        fields[field] = value;
        lines[at] = fields.join(",");
    }
    std::fs::write(&data, lines.join("\n") + "\n").unwrap();
    let size = std::fs::metadata(&data).unwrap().len();
    assert!(
        size >= workbench_core::data::load::stream::LOAD_IN_PIECES_FROM,
        "{size} bytes: too small to be read in pieces"
    );
    // What `load_path` does with a text table this large.
    let pieces =
        workbench_core::data::load::read_in_pieces(&data, &mut |_, _| {}, &AtomicBool::new(false))
            .unwrap()
            .expect("read in pieces");
    let whole =
        workbench_core::data::load::read_text(std::fs::read(&data).unwrap(), &data).unwrap();
    assert_eq!(pieces.height(), n - 1);
    assert_eq!(
        pieces.column("region").unwrap().null_count(),
        whole.column("region").unwrap().null_count()
    );
    assert!(whole.column("region").unwrap().null_count() >= 1);
    assert!(pieces.equals_missing(&whole), "the tables differ");
}
