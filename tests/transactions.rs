//! `clv`, `basket` and `recommend` as other tools drive them: flags, JSON keys, CSV columns,
//! exit codes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at the first broken expectation"
)]

mod common;

use common::{run, stderr};
use std::path::Path;

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn header(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned()
}

const CDNOW: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/cdnow/CDNOW_sample.txt"
);

/// The published BG/NBD estimates on the CDNOW sample come out of `clv`, from the raw file.
#[test]
fn clv_gives_the_published_cdnow_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = dir.path().join("clv.json");
    let out = dir.path().join("clv.csv");
    let o = run(&[
        "clv",
        CDNOW,
        "--customer",
        "column_2",
        "--date",
        "column_3",
        "--amount",
        "column_5",
        "--calibration-end",
        "1997-09-30",
        "--unit",
        "week",
        "--horizon",
        "39",
        "--metrics",
        metrics.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = json(&metrics);
    assert_eq!(m["model"], "bgnbd");
    let p = &m["params"];
    let round3 = |v: &serde_json::Value| (v.as_f64().unwrap() * 1000.0).round() / 1000.0;
    assert_eq!(
        (
            round3(&p["r"]),
            round3(&p["alpha"]),
            round3(&p["a"]),
            round3(&p["b"])
        ),
        (0.243, 4.414, 0.793, 2.426)
    );
    assert_eq!(
        (m["log_likelihood"].as_f64().unwrap() * 10.0).round() / 10.0,
        -9582.4
    );
    assert_eq!(m["customers"], 2357);
    assert_eq!(m["repeat_customers"], 946);
    assert_eq!(m["calibration_end"], "1997-09-30");
    assert_eq!(m["holdout"]["actual_purchases"], 1882.0);
    assert!((m["holdout"]["predicted_purchases"].as_f64().unwrap() - 1653.41).abs() < 0.5);
    for key in ["p", "q", "v", "log_likelihood"] {
        assert!(m["spend"][key].is_number(), "spend.{key}");
    }
    assert_eq!(
        header(&out),
        "customer,frequency,recency,T,monetary_value,p_alive,expected_purchases,expected_avg_value,clv"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 2358);

    // Pareto/NBD names its own parameters; without --amount there is no spend.
    let o = run(&[
        "clv",
        CDNOW,
        "--customer",
        "column_2",
        "--date",
        "column_3",
        "--calibration-end",
        "1997-09-30",
        "--model",
        "pareto-nbd",
        "--metrics",
        metrics.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = json(&metrics);
    assert_eq!(m["model"], "pareto-nbd");
    assert!(m["params"]["s"].is_number() && m["params"]["beta"].is_number());
    assert!(m.get("spend").is_none());
}

#[test]
fn clv_names_a_missing_column_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("clv.csv");
    let o = run(&[
        "clv",
        CDNOW,
        "--customer",
        "customer",
        "--date",
        "column_3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("CDNOW_sample.txt") && err.contains("'customer'"),
        "{err}"
    );
    assert!(!out.exists());
    let o = run(&[
        "clv",
        CDNOW,
        "--customer",
        "column_2",
        "--date",
        "column_3",
        "--calibration-end",
        "someday",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn basket_and_recommend_on_the_order_sample() {
    let dir = tempfile::tempdir().unwrap();
    let customers = dir.path().join("customers.csv");
    let orders = dir.path().join("orders.csv");
    let o = run(&[
        "sample",
        "--rows",
        "3000",
        "--seed",
        "5",
        "--out",
        customers.to_str().unwrap(),
        "--transactions",
        orders.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        header(&orders),
        "order_id,customer_id,order_date,product,category,quantity,amount,region"
    );

    let rules = dir.path().join("rules.csv");
    let metrics = dir.path().join("basket.json");
    let o = run(&[
        "basket",
        orders.to_str().unwrap(),
        "--order",
        "order_id",
        "--item",
        "product",
        "--min-support",
        "0.005",
        "--min-confidence",
        "0.3",
        "--rules",
        rules.to_str().unwrap(),
        "--metrics",
        metrics.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        header(&rules),
        "antecedents,consequents,support,confidence,lift,leverage,conviction,count"
    );
    let m = json(&metrics);
    for key in ["orders", "items", "itemsets", "rules"] {
        assert!(m[key].as_u64().unwrap() > 0, "{key}");
    }
    assert_eq!(
        m["rules"].as_u64().unwrap() as usize,
        std::fs::read_to_string(&rules).unwrap().lines().count() - 1
    );
    assert!(
        std::fs::read_to_string(&rules)
            .unwrap()
            .contains("\nprinter,ink cartridges,")
    );

    let recs = dir.path().join("recs.csv");
    let metrics = dir.path().join("recommend.json");
    let o = run(&[
        "recommend",
        orders.to_str().unwrap(),
        "--customer",
        "customer_id",
        "--item",
        "product",
        "--date",
        "order_date",
        "--order",
        "order_id",
        "--top",
        "3",
        "--out",
        recs.to_str().unwrap(),
        "--metrics",
        metrics.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(header(&recs), "customer,rank,item,score,reason");
    assert_eq!(
        std::fs::read_to_string(&recs).unwrap().lines().count(),
        1 + 3 * 3000
    );
    let m = json(&metrics);
    assert_eq!(m["top"], 3);
    assert!(m["hit_rate"].as_f64().unwrap() > m["baseline_hit_rate"].as_f64().unwrap());
    for key in ["customers_evaluated", "recall", "baseline_recall"] {
        assert!(m[key].is_number(), "{key}");
    }
}

/// Bad data names the file, the column and the row; bad settings are refused before reading.
#[test]
fn bad_purchases_are_named_where_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("purchases.csv");
    std::fs::write(
        &file,
        "customer,date,amount\na,2020-01-01,5\na,notadate,3\nb,2020-02-01,4\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let o = run(&[
        "clv",
        f,
        "--customer",
        "customer",
        "--date",
        "date",
        "--amount",
        "amount",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    for part in ["purchases.csv", "'date'", "row 2", "'notadate'"] {
        assert!(err.contains(part), "{part}: {err}");
    }
    let o = run(&[
        "clv",
        f,
        "--customer",
        "customer",
        "--date",
        "date",
        "--margin",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("margin"), "{}", stderr(&o));
    let rules = dir.path().join("rules.csv");
    let o = run(&[
        "basket",
        f,
        "--order",
        "customer",
        "--item",
        "nope",
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("purchases.csv: column 'nope' is missing (named as the item)"),
        "{}",
        stderr(&o)
    );
    assert!(!rules.exists());
    let o = run(&[
        "basket",
        f,
        "--order",
        "customer",
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "--order without --item is bad usage"
    );
}
