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

mod common;
use common::peak_mb;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path: PathBuf = std::env::args().nth(1).ok_or("give a file")?.into();
    let t = Instant::now();
    let df = if std::env::args().nth(2).as_deref() == Some("whole") {
        load::read_text(std::fs::read(&path)?, &path)?
    } else {
        load::load_path(
            &path,
            &Default::default(),
            &mut |_, _| {},
            &AtomicBool::new(false),
        )?
    };
    let load_secs = t.elapsed().as_secs_f64();
    let load_peak_mb = peak_mb();
    if std::env::var_os("MW_COLUMN_PEAKS").is_some() {
        for c in df.columns() {
            std::fs::write("/proc/self/clear_refs", "5")?;
            let before = peak_mb();
            profile::profile_column(c, df.height())?;
            eprintln!("{}: {before:.0} -> {:.0}", c.name(), peak_mb());
        }
    }
    let t = Instant::now();
    let p = profile::profile(&df)?;
    let profile_secs = t.elapsed().as_secs_f64();
    eprintln!(
        "peak MB: after load {load_peak_mb:.0}, after profile {:.0}; table {:.0} MB in {} chunks",
        peak_mb(),
        df.estimated_size() as f64 / (1 << 20) as f64,
        df.first_col_n_chunks()
    );
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
