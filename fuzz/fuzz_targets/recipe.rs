//! `Recipe::from_json` on arbitrary text; a recipe that parses is fitted on a small fixed table
//! (numbers, text, dates, yes/no, missing values) and its fitted form replayed on the same table.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use workbench_core::data::load;
use workbench_core::data::recipe::Recipe;

#[path = "common.rs"]
mod common;

/// The table every recipe is fitted on; its column names match the README's recipe example, so
/// the seed corpus reaches every step. tests/fuzz_regressions.rs uses it too.
const TABLE: &str = include_str!("../../tests/data/fuzz/table.csv");

static FRAME: common::Cell = common::Cell::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(recipe) = Recipe::from_json(text) else {
        return;
    };
    let df = common::cached(&FRAME, || {
        load::read_text_bytes(TABLE.as_bytes(), Path::new("fuzz.csv")).expect("the table reads")
    });
    if let Ok((fitted, _)) = recipe.fit_transform(df) {
        let _ = fitted.transform(df);
    }
});
