//! Lifetime value on the standard data set: the CDNOW sample (tests/data/cdnow/README.md),
//! through the app's own pipeline from the raw purchase file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at the first broken expectation"
)]

use std::path::Path;

use workbench_core::clv::{self, Columns, PurchaseModel, Purchases, Settings, Unit};
use workbench_core::data::{dates, load};
use workbench_core::jobs::Control;

fn cdnow() -> polars::prelude::DataFrame {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/cdnow/CDNOW_sample.txt");
    let cancel = std::sync::atomic::AtomicBool::new(false);
    load::load_path(&path, &Default::default(), &mut |_, _| {}, &cancel).unwrap()
}

fn columns() -> Columns {
    Columns {
        customer: "column_2".into(),
        date: "column_3".into(),
        amount: Some("column_5".into()),
        quantity: None,
    }
}

fn settings(model: PurchaseModel) -> Settings {
    Settings {
        unit: Unit::Week,
        calibration_end: dates::parse_one("1997-09-30"),
        model,
        ..Settings::default()
    }
}

#[test]
fn bgnbd_gives_the_published_cdnow_estimates() {
    let mut steps = 0;
    let o = clv::fit(
        &cdnow(),
        &columns(),
        &settings(PurchaseModel::Bgnbd),
        &mut |_| {
            steps += 1;
            Control::Continue
        },
    )
    .unwrap();
    assert_eq!(o.summary.len(), 2_357);
    let Purchases::BgNbd(m) = o.purchases else {
        panic!("BG/NBD asked for")
    };
    // Fader, Hardie and Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4.
    let round3 = |v: f64| (v * 1000.0).round() / 1000.0;
    assert_eq!(
        (round3(m.r), round3(m.alpha), round3(m.a), round3(m.b)),
        (0.243, 4.414, 0.793, 2.426),
        "{m:?}"
    );
    assert_eq!((o.log_likelihood * 10.0).round() / 10.0, -9582.4);
    assert!(steps > 5, "the fit reports its iterations");
    // The holdout (1997-10-01 to 1998-06-30, 39 weeks): 1,882 repeat purchase occasions;
    // the model expects 1,653.4 (lifetimes 0.11.3 with the same parameters gives 1,653.41).
    let (actual, predicted) = o.holdout.unwrap();
    assert_eq!(actual, 1_882.0);
    assert!((predicted - 1_653.41).abs() < 0.5, "{predicted}");
    // Spend: Gamma-Gamma on the 946 repeat customers' mean repeat-day value (lifetimes:
    // p = 6.2496, q = 3.7442, v = 15.4435, LL = −4055.92; frequency–value correlation 0.1139).
    let sp = o.spend.unwrap();
    let round4 = |v: f64| (v * 1e4).round() / 1e4;
    assert_eq!(
        (round4(sp.model.p), round4(sp.model.q), round4(sp.model.v)),
        (6.2496, 3.7442, 15.4435),
        "{sp:?}"
    );
    assert!((sp.log_likelihood + 4_055.92).abs() < 0.01, "{sp:?}");
    assert!((sp.frequency_value_correlation - 0.1139).abs() < 1e-4);
    assert_eq!(
        o.summary.frequency.iter().filter(|&&x| x > 0.0).count(),
        946
    );
    // Customer 1 and customer 1516 as lifetimes scores them: P(alive), purchases in the next
    // 10 weeks, expected value per purchase.
    for (id, alive, ten_weeks, value) in [
        ("0001", 0.72662, 0.35696, 24.6539),
        ("1516", 0.96885, 6.53011, 39.8903),
    ] {
        let i = o.summary.customers.iter().position(|c| c == id).unwrap();
        let (x, t_x, t) = (o.summary.frequency[i], o.summary.recency[i], o.summary.t[i]);
        assert!(
            (o.p_alive[i] - alive).abs() < 1e-4,
            "{id}: {}",
            o.p_alive[i]
        );
        let e = o.purchases.expected_purchases(10.0, x, t_x, t);
        assert!((e - ten_weeks).abs() < 1e-4, "{id}: {e}");
        assert!(
            (o.expected_avg_value[i] - value).abs() < 1e-3,
            "{id}: {}",
            o.expected_avg_value[i]
        );
    }
}

#[test]
fn pareto_nbd_gives_the_reference_cdnow_estimates() {
    let o = clv::fit(
        &cdnow(),
        &columns(),
        &settings(PurchaseModel::ParetoNbd),
        &mut |_| Control::Continue,
    )
    .unwrap();
    let Purchases::ParetoNbd(m) = o.purchases else {
        panic!("Pareto/NBD asked for")
    };
    // Fader and Hardie's note: r = 0.553, α = 10.578, s = 0.606, β = 11.669, LL = −9595.0.
    let round3 = |v: f64| (v * 1000.0).round() / 1000.0;
    assert_eq!(
        (round3(m.r), round3(m.alpha), round3(m.s), round3(m.beta)),
        (0.553, 10.578, 0.606, 11.669),
        "{m:?}"
    );
    assert!(
        (o.log_likelihood + 9_594.98).abs() < 0.01,
        "{}",
        o.log_likelihood
    );
    let (_, predicted) = o.holdout.unwrap();
    assert!((predicted - 1_665.53).abs() < 0.5, "{predicted}");
}

#[test]
fn lifetime_value_discounts_and_takes_the_margin() {
    let base = clv::fit(
        &cdnow(),
        &columns(),
        &settings(PurchaseModel::Bgnbd),
        &mut |_| Control::Continue,
    )
    .unwrap();
    let mut s = settings(PurchaseModel::Bgnbd);
    s.margin = 0.5;
    s.horizon = Some(52.0);
    let half = clv::fit(&cdnow(), &columns(), &s, &mut |_| Control::Continue).unwrap();
    // Undiscounted value over the horizon = expected purchases × expected value × margin.
    for i in [0, 100, 1_515] {
        let full = base.expected_purchases[i] * base.expected_avg_value[i];
        assert!((base.clv[i] - full).abs() < 1e-9 * full.max(1.0), "{i}");
        assert!(
            (half.clv[i] - 0.5 * full).abs() < 1e-9 * full.max(1.0),
            "{i}"
        );
    }
    s.discount = 0.01;
    let discounted = clv::fit(&cdnow(), &columns(), &s, &mut |_| Control::Continue).unwrap();
    assert!(
        discounted
            .clv
            .iter()
            .zip(&half.clv)
            .all(|(d, h)| *d <= *h + 1e-12)
    );
    assert!(discounted.clv[1_515] < 0.9 * half.clv[1_515]);
}

#[test]
fn the_diagnostics_add_up_on_cdnow() {
    let o = clv::fit(
        &cdnow(),
        &columns(),
        &settings(PurchaseModel::Bgnbd),
        &mut |_| Control::Continue,
    )
    .unwrap();
    let d = o.diagnostics(8, 20);
    let customers: f64 = d.frequency.iter().map(|b| b.actual).sum();
    let expected: f64 = d.frequency.iter().map(|b| b.model.unwrap()).sum();
    assert_eq!(customers, 2_357.0);
    assert!((expected - 2_357.0).abs() < 1e-6);
    // Fader, Hardie and Lee's figure 3: 1,411 customers without a repeat purchase; the model
    // expects about 1,400.
    assert_eq!(d.frequency[0].actual, 1_411.0);
    assert!((d.frequency[0].model.unwrap() - 1_411.0).abs() < 30.0);
    // Repeat purchases in the calibration periods add up to the frequencies (2,457), and
    // every holdout purchase is counted.
    let end = o.summary.calibration_end;
    let calibration: f64 = d
        .periods
        .iter()
        .filter(|p| p.start <= end - 7)
        .map(|p| p.actual)
        .sum();
    let all: f64 = d.periods.iter().map(|p| p.actual).sum();
    assert_eq!(all, 2_457.0 + 1_882.0);
    assert!(
        calibration <= 2_457.0 && calibration > 2_350.0,
        "{calibration}"
    );
    // The model tracks the cumulative total within 5% at the calibration end.
    let predicted: f64 = d
        .periods
        .iter()
        .filter(|p| p.start <= end - 7)
        .map(|p| p.predicted)
        .sum();
    assert!(
        (predicted - calibration).abs() / calibration < 0.05,
        "{predicted} vs {calibration}"
    );
    let holdout: f64 = d
        .holdout
        .iter()
        .map(|b| b.actual * b.customers as f64)
        .sum();
    assert!((holdout - 1_882.0).abs() < 1e-6);
    assert!(
        d.alive
            .p
            .iter()
            .flatten()
            .flatten()
            .all(|p| (0.0..=1.0).contains(p))
    );
}

/// A day whose lines only refund (sum below 0) is not a purchase occasion.
#[test]
fn a_refund_day_is_not_a_purchase() {
    let df = polars::prelude::df!(
        "c" => ["a", "a", "a", "b", "b"],
        "d" => ["2020-01-01", "2020-02-01", "2020-03-01", "2020-01-05", "2020-01-20"],
        "v" => [10.0, -10.0, 5.0, 3.0, 4.0],
    )
    .unwrap();
    let columns = Columns {
        customer: "c".into(),
        date: "d".into(),
        amount: Some("v".into()),
        quantity: None,
    };
    let s = clv::summarise(&df, &columns, None, Unit::Day).unwrap();
    assert_eq!(s.customers, ["a", "b"]);
    assert_eq!(s.frequency, [1.0, 1.0]);
    assert_eq!(s.recency[0], 60.0, "1 January to 1 March");
    assert_eq!(s.monetary[0], 5.0);
}
