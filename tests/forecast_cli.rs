//! `forecast` as other tools drive it, on series the project never saw: flags, JSON keys, CSV
//! columns and rows, exit codes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at the first broken expectation"
)]

mod common;

use common::{run, stderr};
use std::collections::BTreeSet;
use std::path::Path;

fn rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

/// Six years of monthly sales in two stores, dates written day-first as the first of each
/// month (01/MM/YYYY): a trend, a December peak and a little noise.
fn write_monthly(path: &Path) {
    let mut text = String::from("month,store,sales\n");
    let mut noise = 12345u64;
    for store in ["Leeds", "York"] {
        for i in 0..72 {
            let (year, month) = (2015 + i / 12, i % 12 + 1);
            noise = noise
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let e = ((noise >> 33) % 1000) as f64 / 100.0 - 5.0;
            let base = if store == "Leeds" { 200.0 } else { 120.0 };
            let peak = if month == 12 {
                80.0
            } else if month == 11 {
                30.0
            } else {
                0.0
            };
            let v = base + 1.5 * i as f64 + peak + e;
            text.push_str(&format!("01/{month:02}/{year},{store},{v:.2}\n"));
        }
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn forecast_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    let data = p("sales.csv");
    write_monthly(&data);
    let (metrics, out) = (p("m.json"), p("f.csv"));
    let o = run(&[
        "forecast",
        data.to_str().unwrap(),
        "--date",
        "month",
        "--value",
        "sales",
        "--by",
        "store",
        "--model",
        "snaive",
        "--model",
        "ets",
        "--model",
        "drift",
        "--model",
        "auto",
        "--horizon",
        "6",
        "--metrics",
        metrics.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&metrics).unwrap()).unwrap();
    // 01/MM/YYYY is monthly, not the first twelve days of January.
    assert_eq!(m["freq"], "month");
    assert_eq!(m["season"], 12);
    assert_eq!(m["periods"], 72);
    // Default test: one season.
    assert_eq!(m["test"], 12);
    let names: BTreeSet<&str> = m["models"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, BTreeSet::from(["snaive", "ets", "drift", "auto"]));
    for (_, v) in m["models"].as_object().unwrap() {
        let keys: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, BTreeSet::from(["rmse", "mae", "mape", "mase"]));
    }
    let best = m["best"].as_str().unwrap();
    assert!(["snaive", "ets", "drift"].contains(&best));
    assert_eq!(m["models"]["auto"], m["models"][best]);
    // The December peak on a trend: seasonal methods beat the drift.
    let mase = |name: &str| m["models"][name]["mase"].as_f64().unwrap();
    assert!(mase("ets") < mase("drift") && mase("snaive") < mase("drift"));
    let groups = m["groups"].as_object().unwrap();
    assert_eq!(groups.keys().collect::<Vec<_>>(), ["Leeds", "York"]);
    for g in groups.values() {
        assert_eq!(g["periods"], 72);
        assert!(g["models"]["ets"]["rmse"].as_f64().unwrap() > 0.0);
        assert!(g["best"].is_string());
    }

    let table = rows(&out);
    assert_eq!(
        table[0],
        [
            "date", "group", "model", "actual", "forecast", "lo80", "hi80", "lo95", "hi95"
        ]
    );
    // Per group and model: 12 test months with actuals, then 6 future months without.
    assert_eq!(table.len() - 1, 2 * 4 * (12 + 6));
    let leeds_ets: Vec<&Vec<String>> = table
        .iter()
        .filter(|r| r[1] == "Leeds" && r[2] == "ets")
        .collect();
    assert_eq!(leeds_ets.len(), 18);
    assert_eq!(leeds_ets[0][0], "2020-01-01");
    assert!(!leeds_ets[0][3].is_empty());
    assert_eq!(leeds_ets[12][0], "2021-01-01");
    assert!(leeds_ets[12][3].is_empty(), "no actual in the future");
    for r in &leeds_ets {
        let v: Vec<f64> = r[4..].iter().map(|x| x.parse().unwrap()).collect();
        let (f, lo80, hi80, lo95, hi95) = (v[0], v[1], v[2], v[3], v[4]);
        assert!(lo95 < lo80 && lo80 < f && f < hi80 && hi80 < hi95, "{r:?}");
    }
}

#[test]
fn forecast_counts_rows_without_a_value_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    // Visits: a row per visit, on ISO dates, a few a day for ten weeks.
    let mut text = String::from("visited,page\n");
    for day in 0..70 {
        for k in 0..(3 + day % 7) {
            text.push_str(&format!(
                "2024-{:02}-{:02},p{k}\n",
                1 + (day / 28),
                1 + day % 28
            ));
        }
    }
    let data = p("visits.csv");
    std::fs::write(&data, text).unwrap();
    let metrics = p("m.json");
    let o = run(&[
        "forecast",
        data.to_str().unwrap(),
        "--date",
        "visited",
        "--freq",
        "day",
        "--test",
        "7",
        "--model",
        "mean",
        "--model",
        "snaive",
        "--metrics",
        metrics.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&metrics).unwrap()).unwrap();
    assert_eq!(m["freq"], "day");
    assert_eq!(m["season"], 7);
    assert_eq!(m["test"], 7);
    assert!(m.get("groups").is_none());

    // A missing column: one line on stderr naming it and the file, exit 1.
    let o = run(&["forecast", data.to_str().unwrap(), "--date", "when"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("when") && e.contains("visits.csv"), "{e}");
    assert_eq!(e.trim().lines().count(), 1, "{e}");
    // A test period as long as the series.
    let o = run(&[
        "forecast",
        data.to_str().unwrap(),
        "--date",
        "visited",
        "--test",
        "500",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("too short"), "{}", stderr(&o));
    // A bad method name is a usage error (clap's own message, exit 2).
    let o = run(&[
        "forecast",
        data.to_str().unwrap(),
        "--date",
        "visited",
        "--model",
        "prophet",
    ]);
    assert_eq!(o.status.code(), Some(2));
}
