//! The model file parser on arbitrary bytes (the checks `SavedModel::load` makes, without the
//! file); a model that parses scores a small table with the sample's columns, which exercises
//! the recipe, the feature schema and prediction on whatever parameters the file holds
//! (mismatched lengths, NaN, huge numbers) whatever the model family.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use workbench_core::data::export::{JsonKind, parse_versioned_json};
use workbench_core::data::load;
use workbench_core::ml::saved::{FORMAT, FORMAT_VERSION, MAX_MODEL_BYTES, SavedModel};

#[path = "common.rs"]
mod common;

/// Customers scored: the first rows of the bundled sample (the seed model was trained on its
/// columns).
const ROWS: usize = 40;

static FRAME: common::Cell = common::Cell::new();

fuzz_target!(|data: &[u8]| {
    let kind = JsonKind {
        format: FORMAT,
        version: FORMAT_VERSION,
        max_bytes: MAX_MODEL_BYTES,
        noun: "model",
    };
    let Ok(model) = parse_versioned_json::<SavedModel>(data, &kind, Path::new("fuzz.model.json"))
    else {
        return;
    };
    let df = common::cached(&FRAME, || {
        let sample = workbench_core::samples::CUSTOMERS_CSV;
        let end = sample
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(ROWS)
            .map_or(sample.len(), |(i, _)| i + 1);
        load::read_text_bytes(&sample[..end], Path::new("fuzz.csv")).expect("the sample reads")
    });
    let _ = model.score(df);
});
