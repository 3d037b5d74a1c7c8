//! For bench/sql.sh: what a model's LightGBM file reads, for every row of a table — the
//! recipe-applied, unscaled features (missing values NaN) — as little-endian doubles, row
//! after row, so LightGBM's own scorer can be timed on them.
//!
//!     cargo run --release --example bench_lightgbm_features MODEL.json DATA.csv OUT.f64
//!
//! Prints one JSON line: rows, columns, and the seconds it took.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test or benchmark stops at the first broken expectation"
)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use workbench_core::data::load;
use workbench_core::ml::saved::SavedModel;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, data, out] = args.as_slice() else {
        return Err("usage: bench_lightgbm_features MODEL.json DATA.csv OUT.f64".into());
    };
    let t = Instant::now();
    let model = SavedModel::load(&PathBuf::from(model))?;
    let df = load::load_path(
        &PathBuf::from(data),
        &load::LoadOptions::default(),
        &mut |_, _| {},
        &AtomicBool::new(false),
    )?;
    let x = model
        .features
        .unscaled_matrix(&model.recipe.transform(&df)?)?;
    let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
    for v in x.iter() {
        w.write_all(&v.to_le_bytes())?;
    }
    w.flush()?;
    println!(
        "{{\"rows\": {}, \"columns\": {}, \"seconds\": {:.3}}}",
        x.nrows(),
        x.ncols(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
