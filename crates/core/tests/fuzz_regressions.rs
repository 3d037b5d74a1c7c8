//! Every input a fuzz target (fuzz/fuzz_targets/) crashed or hung on, kept under
//! tests/data/fuzz/<target>/ and run through the same functions as the target: each must end
//! in a clean `Ok` or `Err`, quickly. A new crasher is added by copying its file there.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::let_underscore_must_use,
    reason = "a test or benchmark stops at the first broken expectation"
)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use workbench_core::data::export::{JsonKind, parse_versioned_json};
use workbench_core::data::load;
use workbench_core::data::recipe::Recipe;
use workbench_core::ml::saved::{FORMAT, FORMAT_VERSION, MAX_MODEL_BYTES, SavedModel};

/// The fuzz targets' time limit: slower than this is a finding too.
const LIMIT: Duration = Duration::from_secs(10);

fn fuzz_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/fuzz")
}

/// Runs `check` on every input kept for `target`, reporting all that panic or take too long.
fn each_input(target: &str, check: impl Fn(&Path, &[u8])) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fuzz_data().join(target))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let mut failures = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let started = Instant::now();
        if catch_unwind(AssertUnwindSafe(|| check(file, &bytes))).is_err() {
            failures.push(format!("{} panicked", file.display()));
        } else if started.elapsed() > LIMIT {
            failures.push(format!("{} took {:?}", file.display(), started.elapsed()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn load_inputs_end_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    each_input("load", |_, bytes| {
        let _ = load::read_text_bytes(bytes, Path::new("fuzz.csv"));
        // As the target does, but with every extension it picks from.
        for ext in ["csv", "xlsx", "parquet", "json", "ndjson"] {
            let path = dir.path().join(format!("fuzz.{ext}"));
            std::fs::write(&path, bytes).unwrap();
            let _ = load::load_path(
                &path,
                &Default::default(),
                &mut |_, _| {},
                &AtomicBool::new(false),
            );
        }
    });
}

#[test]
fn recipe_inputs_end_cleanly() {
    let table = std::fs::read(fuzz_data().join("table.csv")).unwrap();
    let df = load::read_text_bytes(&table, Path::new("fuzz.csv")).unwrap();
    each_input("recipe", |_, bytes| {
        let Ok(recipe) = Recipe::from_json(&String::from_utf8_lossy(bytes)) else {
            return;
        };
        if let Ok((fitted, _)) = recipe.fit_transform(&df) {
            let _ = fitted.transform(&df);
        }
    });
}

/// `SavedModel::score` on every kept model file in `dir`.
fn score_each(dir: &str) {
    let kind = JsonKind {
        format: FORMAT,
        version: FORMAT_VERSION,
        max_bytes: MAX_MODEL_BYTES,
        noun: "model",
    };
    // The model target's table: the sample's header and first 40 customers.
    let sample = workbench_core::samples::CUSTOMERS_CSV;
    let end = sample
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(40)
        .map_or(sample.len(), |(i, _)| i + 1);
    let df = load::read_text_bytes(&sample[..end], Path::new("fuzz.csv")).unwrap();
    each_input(dir, |file, bytes| {
        if let Ok(model) = parse_versioned_json::<SavedModel>(bytes, &kind, file) {
            let _ = model.score(&df);
        }
    });
}

#[test]
fn model_inputs_end_cleanly() {
    score_each("model");
}
