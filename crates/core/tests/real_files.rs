//! Files shaped like the ones a new user brought (issue "Found by trying it on real files"):
//! each shape exact, generated here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at the first broken expectation"
)]

use std::path::Path;

use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use workbench_core::data::{load, profile};
use workbench_core::jobs::RunControl;
use workbench_core::ml::ModelSettings;
use workbench_core::train::{self, Detail};

/// A purchase log as old systems write it: CRLF, a leading space on every line, columns
/// separated by runs of one to four spaces whose widths vary from line to line, ids with
/// leading zeros, 8-digit dates; 69,659 lines with the header.
fn purchase_log(header: bool) -> Vec<u8> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1997);
    let mut out = String::new();
    if header {
        out.push_str(" customer_id  date number_of_cds dollar_value\r\n");
    }
    let gap = |rng: &mut Xoshiro256PlusPlus| " ".repeat(rng.gen_range(1..=4));
    let lines = if header { 69_658 } else { 69_659 };
    for i in 0..lines {
        let id = 17 + i / 3;
        let day = 1 + rng.gen_range(0..28);
        let month = 1 + rng.gen_range(0..12);
        out.push_str(&format!(
            " {id:05}{}1997{month:02}{day:02}{}{}{}{:.2}\r\n",
            gap(&mut rng),
            gap(&mut rng),
            rng.gen_range(1..6),
            gap(&mut rng),
            rng.gen_range(5.0..120.0)
        ));
    }
    out.into_bytes()
}

#[test]
fn a_whitespace_aligned_export_with_a_header_loads() {
    let df = load::read_text_bytes(&purchase_log(true), Path::new("purchases.txt")).unwrap();
    assert_eq!(df.height(), 69_658);
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    assert_eq!(
        names,
        ["customer_id", "date", "number_of_cds", "dollar_value"]
    );
    // The leading-zero id stays text, the 8-digit date is a date.
    let ids = df.column("customer_id").unwrap();
    assert_eq!(ids.dtype(), &DataType::String);
    assert_eq!(ids.str().unwrap().get(0), Some("00017"));
    assert_eq!(df.column("date").unwrap().dtype(), &DataType::Date);
    assert!(df.column("number_of_cds").unwrap().dtype().is_integer());
    assert_eq!(
        df.column("dollar_value").unwrap().dtype(),
        &DataType::Float64
    );
    let p = profile::profile(&df).unwrap();
    assert_eq!(
        p.columns.iter().find(|c| c.name == "date").unwrap().dtype,
        "date"
    );
}

#[test]
fn the_same_export_without_a_header_gets_column_names() {
    let df = load::read_text_bytes(&purchase_log(false), Path::new("purchases.txt")).unwrap();
    assert_eq!(df.height(), 69_659);
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    assert_eq!(names, ["column_1", "column_2", "column_3", "column_4"]);
    assert_eq!(df.column("column_1").unwrap().dtype(), &DataType::String);
    assert_eq!(df.column("column_2").unwrap().dtype(), &DataType::Date);
}

/// 50 rows of `columns` numbers, and a yes/no target that follows the first one.
fn wide(columns: usize) -> Vec<u8> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let mut out = String::from("target");
    for j in 0..columns {
        out.push_str(&format!(",x{j}"));
    }
    out.push('\n');
    for _ in 0..50 {
        let xs: Vec<f64> = (0..columns).map(|_| rng.r#gen::<f64>()).collect();
        out.push_str(if xs[0] > 0.5 { "1" } else { "0" });
        for x in xs {
            out.push_str(&format!(",{x:.4}"));
        }
        out.push('\n');
    }
    out.into_bytes()
}

#[test]
fn twenty_thousand_columns_profile_and_train() {
    let df = load::read_text_bytes(&wide(20_000), Path::new("wide.csv")).unwrap();
    assert_eq!(df.width(), 20_001);
    // Profiling ran every column's polars work from another thread pool, one nested wait per
    // column, until the stack overflowed (5,000 columns aborted the process).
    let p = std::thread::Builder::new()
        .name("small stack".into())
        .stack_size(2 << 20)
        .spawn(move || profile::profile(&df).map(|p| (p, df)))
        .unwrap()
        .join()
        .unwrap();
    let (p, df) = p.unwrap();
    assert_eq!(p.columns.len(), 20_001);
    let settings = ModelSettings {
        target: Some("target".into()),
        ..ModelSettings::default()
    };
    let o = train::run(
        &df,
        &Default::default(),
        &settings,
        Detail::Metrics,
        &mut |_| true,
        &RunControl::default(),
    )
    .unwrap();
    assert_eq!(o.holdout_rows, 10);
    assert!(
        o.notes
            .iter()
            .any(|n| n.contains("20000 features for 40 training rows"))
    );
}

#[test]
fn the_cdnow_sample_loads_as_written() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/cdnow/CDNOW_sample.txt");
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let df = load::load_path(&path, &Default::default(), &mut |_, _| {}, &cancel).unwrap();
    assert_eq!((df.height(), df.width()), (6_919, 5));
    assert_eq!(
        df.column("column_1").unwrap().str().unwrap().get(0),
        Some("00004")
    );
    assert_eq!(df.column("column_3").unwrap().dtype(), &DataType::Date);
    let customers = df.column("column_2").unwrap().n_unique().unwrap();
    assert_eq!(customers, 2_357);
}
