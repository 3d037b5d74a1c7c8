//! Our side of the recipe benchmark in bench/run.sh: load a file, fit and apply a recipe (JSON,
//! as the Clean step saves it) on every row, write the result as CSV.
//!
//!     cargo run --release --example bench_recipe FILE RECIPE.json OUT.csv
//!
//! Prints one JSON line: rows, columns and the seconds of each phase.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::let_underscore_must_use,
    reason = "a test or benchmark stops at the first broken expectation"
)]

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use workbench_core::data::recipe::Recipe;
use workbench_core::data::{export, load};

mod common;
use common::peak_mb;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, recipe, out] = args.as_slice() else {
        return Err("usage: bench_recipe FILE RECIPE.json OUT.csv".into());
    };
    let (file, out) = (PathBuf::from(file), PathBuf::from(out));
    let t = Instant::now();
    let df = load::load_path(
        &file,
        &load::LoadOptions::default(),
        &mut |_, _| {},
        &AtomicBool::new(false),
    )?;
    let load_secs = t.elapsed().as_secs_f64();
    let load_peak = peak_mb();
    let recipe = Recipe::from_json(&std::fs::read_to_string(recipe)?)?;
    let t = Instant::now();
    // The loaded table is given up to the recipe, which frees what its steps replace.
    let (_, cleaned) = recipe.fit_transform_owned(df)?;
    let transform_secs = t.elapsed().as_secs_f64();
    let transform_peak = peak_mb();
    let t = Instant::now();
    export::write_csv(&cleaned, &out)?;
    let write_secs = t.elapsed().as_secs_f64();
    eprintln!(
        "peak MB: after load {load_peak:.0}, after the steps {transform_peak:.0}, after writing {:.0}",
        peak_mb()
    );
    println!(
        "{{\"rows\": {}, \"columns\": {}, \"steps\": {}, \"load_secs\": {load_secs:.4}, \"transform_secs\": {transform_secs:.4}, \"write_secs\": {write_secs:.4}}}",
        cleaned.height(),
        cleaned.width(),
        recipe.steps.len()
    );
    Ok(())
}
