//! Our side of the export benchmark in bench/run.sh: read a scored-customers CSV and write it
//! out again as CSV with the app's exporter (atomic: a temporary file renamed over the target).
//!
//!     cargo run --release --example bench_export SCORED.csv OUT.csv
//!
//! Prints one JSON line: rows, columns, and the seconds of the read and of the write.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::let_underscore_must_use,
    reason = "a test or benchmark stops at the first broken expectation"
)]

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use workbench_core::data::{export, load};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, out] = args.as_slice() else {
        return Err("usage: bench_export SCORED.csv OUT.csv".into());
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
    let t = Instant::now();
    export::write_csv(&df, &out)?;
    let write_secs = t.elapsed().as_secs_f64();
    println!(
        "{{\"rows\": {}, \"columns\": {}, \"load_secs\": {load_secs:.4}, \"write_secs\": {write_secs:.4}}}",
        df.height(),
        df.width()
    );
    Ok(())
}
