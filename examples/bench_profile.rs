//! Times loading and profiling a file, separately: `cargo run --release --example bench_profile FILE`.
//! Used by bench/run.sh; prints one JSON line.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::let_underscore_must_use,
    reason = "a test or benchmark stops at the first broken expectation"
)]

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use workbench_core::data::{load, profile};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path: PathBuf = std::env::args().nth(1).ok_or("give a file")?.into();
    let t = Instant::now();
    let df = load::load_path(
        &path,
        &Default::default(),
        &mut |_, _| {},
        &AtomicBool::new(false),
    )?;
    let load_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let p = profile::profile(&df)?;
    let profile_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let c = profile::correlations(&df, 40)?;
    let correlation_secs = t.elapsed().as_secs_f64();
    println!(
        "{{\"rows\": {}, \"columns\": {}, \"load_secs\": {load_secs:.3}, \"profile_secs\": {profile_secs:.3}, \"correlation_secs\": {correlation_secs:.3}, \"correlated_columns\": {}}}",
        p.rows,
        p.columns.len(),
        c.columns.len()
    );
    Ok(())
}
