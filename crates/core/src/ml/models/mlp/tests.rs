//! Tests of the parent module, which declares this file under #[cfg(test)].

use std::time::Instant;

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::*;
use crate::ml::metrics::{auc, log_loss};
use crate::ml::models::{Control, StepReport, TrainData};

fn normal(rng: &mut Xoshiro256PlusPlus, rows: usize, cols: usize) -> Array2<f32> {
    Array2::from_shape_simple_fn((rows, cols), || rng.sample::<f64, _>(StandardNormal) as f32)
}

fn data<'a>(
    x: &'a Array2<f32>,
    y: &'a [f64],
    vx: &'a Array2<f32>,
    vy: &'a [f64],
    classes: usize,
) -> TrainData<'a> {
    TrainData {
        words: None,
        valid_words: None,
        x: x.view(),
        y,
        weights: None,
        valid_x: vx.view(),
        valid_y: vy,
        classes,
    }
}

/// Trains, collecting every report; the reporter always continues.
fn fit(params: &MlpParams, d: &TrainData, seed: u64) -> (MlpModel, Vec<StepReport>) {
    let mut reports = Vec::new();
    let model = train(params, d, seed, &mut |r| {
        reports.push(r);
        Control::Continue
    })
    .unwrap();
    (model, reports)
}

fn sigmoid64(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Rows with P(yes) = sigmoid(x0 − 0.8·x1 + 0.5·x2·x3 + 0.3·x4² − 1.5); returns
/// (x, labels, true probabilities).
fn logistic_rows(rng: &mut Xoshiro256PlusPlus, rows: usize) -> (Array2<f32>, Vec<f64>, Vec<f64>) {
    let x = normal(rng, rows, 8);
    let p: Vec<f64> = x
        .rows()
        .into_iter()
        .map(|r| r.mapv(f64::from))
        .map(|r| sigmoid64(r[0] - 0.8 * r[1] + 0.5 * r[2] * r[3] + 0.3 * r[4] * r[4] - 1.5))
        .collect();
    let y = p
        .iter()
        .map(|&p| f64::from(u8::from(rng.r#gen::<f64>() < p)))
        .collect();
    (x, y, p)
}

fn labels(y: &[f64]) -> Vec<bool> {
    y.iter().map(|&v| v == 1.0).collect()
}

fn small_yes_no(seed: u64, rows: usize) -> (Array2<f32>, Vec<f64>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (x, y, _) = logistic_rows(&mut rng, rows);
    (x, y)
}

#[test]
fn yes_no_auc_is_close_to_the_true_probabilities() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let (x, y, _) = logistic_rows(&mut rng, 16_000);
    let (vx, vy, vp) = logistic_rows(&mut rng, 4_000);
    let (tx, ty, tp) = logistic_rows(&mut rng, 10_000);
    let (model, reports) = fit(&MlpParams::default(), &data(&x, &y, &vx, &vy, 2), 42);

    let (vl, tl) = (labels(&vy), labels(&ty));
    let valid_auc = auc(&model.predict(vx.view()).unwrap(), &vl);
    let test_auc = auc(&model.predict(tx.view()).unwrap(), &tl);
    let (oracle_valid, oracle_test) = (auc(&vp, &vl), auc(&tp, &tl));
    println!(
        "AUC valid {valid_auc:.4} (true p {oracle_valid:.4}), fresh rows {test_auc:.4} (true p {oracle_test:.4})"
    );
    // Margin 0.01 of AUC: the true probabilities are the best any model can rank by, and
    // a well-fitted network should come within 0.01 of them on the same rows. Checked on
    // the validation rows (which chose the epoch) and on fresh rows (which did not).
    assert!(
        valid_auc > oracle_valid - 0.01,
        "{valid_auc} vs {oracle_valid}"
    );
    assert!(test_auc > oracle_test - 0.01, "{test_auc} vs {oracle_test}");
    // A constant model has AUC 0.5 and the log loss of the base rate.
    assert!(test_auc > 0.7);
    let rate = ty.iter().sum::<f64>() / ty.len() as f64;
    let constant = log_loss(&vec![rate; ty.len()], &tl);
    let mlp = log_loss(&model.predict(tx.view()).unwrap(), &tl);
    assert!(mlp < constant - 0.05, "{mlp} vs constant {constant}");

    // The reported metric of the kept epoch is exactly what predict gives now.
    let kept = reports[model.best_epoch() - 1];
    assert_eq!(kept.valid_metric.unwrap().to_bits(), valid_auc.to_bits());
    let best_loss = reports
        .iter()
        .filter_map(|r| r.valid_loss)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(kept.valid_loss.unwrap().to_bits(), best_loss.to_bits());
    assert!(
        reports
            .iter()
            .enumerate()
            .all(|(i, r)| r.step == i + 1 && r.total_steps == 100)
    );
}

#[test]
fn regression_rmse_is_close_to_the_noise() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
    let mut rows = |n: usize| {
        let x = normal(&mut rng, n, 4);
        let y: Vec<f64> = x
            .rows()
            .into_iter()
            .map(|r| r.mapv(f64::from))
            .map(|r| 3.0 * r[0] + (2.0 * r[1]).sin() + 0.5 * rng.sample::<f64, _>(StandardNormal))
            .collect();
        (x, y)
    };
    let (x, y) = rows(16_000);
    let (vx, vy) = rows(4_000);
    let (tx, ty) = rows(10_000);
    let (model, reports) = fit(&MlpParams::default(), &data(&x, &y, &vx, &vy, 0), 7);
    let rmse = |x: &Array2<f32>, y: &[f64]| {
        let p = model.predict(x.view()).unwrap();
        (p.iter().zip(y).map(|(p, t)| (p - t).powi(2)).sum::<f64>() / y.len() as f64).sqrt()
    };
    let (valid, test) = (rmse(&vx, &vy), rmse(&tx, &ty));
    println!("RMSE valid {valid:.4}, fresh rows {test:.4} (noise sd 0.5)");
    // Within 10% of the noise sd, the best any model can do.
    assert!((0.45..0.55).contains(&valid), "{valid}");
    assert!((0.45..0.55).contains(&test), "{test}");
    let kept = reports[model.best_epoch() - 1];
    assert_eq!(kept.valid_metric.unwrap().to_bits(), valid.to_bits());
    // Losses are in the target's own units: MSE near 0.25, not near 0.25 / var(y) ≈ 0.03.
    assert!(
        (0.15..0.4).contains(&kept.train_loss),
        "{}",
        kept.train_loss
    );
    assert!((0.2..0.3025).contains(&kept.valid_loss.unwrap()));
    assert!(model.predict_proba(vx.view()).is_err());
}

#[test]
fn several_classes_beat_the_majority_and_probabilities_sum_to_one() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let mut rows = |n: usize| {
        let x = normal(&mut rng, n, 5);
        let mut y = Vec::with_capacity(n);
        let mut bayes = Vec::with_capacity(n);
        for r in x.rows() {
            let r = r.mapv(f64::from);
            let z = [0.0, 1.5 * r[0] - r[1] + 0.3, -r[0] + 1.2 * r[2] - 0.2];
            let e: Vec<f64> = z.iter().map(|v| v.exp()).collect();
            let s: f64 = e.iter().sum();
            let u: f64 = rng.r#gen::<f64>() * s;
            y.push(if u < e[0] {
                0.0
            } else if u < e[0] + e[1] {
                1.0
            } else {
                2.0
            });
            let argmax = (0..3).fold(0, |b, k| if z[k] > z[b] { k } else { b });
            bayes.push(argmax as f64);
        }
        (x, y, bayes)
    };
    let (x, y, _) = rows(16_000);
    let (vx, vy, vbayes) = rows(4_000);
    let (model, reports) = fit(&MlpParams::default(), &data(&x, &y, &vx, &vy, 3), 11);

    let proba = model.predict_proba(vx.view()).unwrap();
    assert_eq!(proba.dim(), (4_000, 3));
    for row in proba.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-12);
        assert!(row.iter().all(|&p| (0.0..=1.0).contains(&p)));
    }
    let top = model.predict(vx.view()).unwrap();
    let mut hits = 0;
    for ((row, &t), &y) in proba.rows().into_iter().zip(&top).zip(&vy) {
        let max = row.iter().copied().fold(0.0, f64::max);
        assert_eq!(max.to_bits(), t.to_bits());
        hits += usize::from(row[y as usize] == max);
    }
    let accuracy = hits as f64 / vy.len() as f64;
    let bayes = vy.iter().zip(&vbayes).filter(|(a, b)| a == b).count() as f64 / vy.len() as f64;
    let majority = (0..3)
        .map(|k| vy.iter().filter(|&&v| v == k as f64).count())
        .max()
        .unwrap() as f64
        / vy.len() as f64;
    println!("accuracy {accuracy:.4}, best possible {bayes:.4}, majority {majority:.4}");
    assert!(
        accuracy > majority + 0.15,
        "{accuracy} vs majority {majority}"
    );
    assert!(
        accuracy > bayes - 0.03,
        "{accuracy} vs best possible {bayes}"
    );
    assert_eq!(
        reports[model.best_epoch() - 1]
            .valid_metric
            .unwrap()
            .to_bits(),
        accuracy.to_bits()
    );
}

#[test]
fn same_seed_same_model_and_json_round_trip_scores_identically() {
    let (x, y) = small_yes_no(4, 2_000);
    let (vx, vy) = small_yes_no(5, 500);
    let params = MlpParams {
        epochs: 5,
        patience: 0,
        batch_size: 64,
        ..MlpParams::default()
    };
    let d = data(&x, &y, &vx, &vy, 2);
    let (a, _) = fit(&params, &d, 9);
    let (b, _) = fit(&params, &d, 9);
    assert_eq!(a, b);
    let (c, _) = fit(&params, &d, 10);
    assert_ne!(a, c);
    assert_eq!(a.parameter_count(), 8 * 64 + 64 + 64 * 64 + 64 + 64 + 1);
    assert_eq!(a.inputs(), 8);

    let json = serde_json::to_string(&a).unwrap();
    let back: MlpModel = serde_json::from_str(&json).unwrap();
    assert_eq!(a, back);
    let bits = |v: &[f64]| v.iter().map(|p| p.to_bits()).collect::<Vec<_>>();
    let before = a.predict(vx.view()).unwrap();
    assert_eq!(bits(&before), bits(&back.predict(vx.view()).unwrap()));
    assert_eq!(
        a.predict_proba(vx.view()).unwrap(),
        back.predict_proba(vx.view()).unwrap()
    );

    // A row scores the same alone, in any slice, and inside a large multi-threaded call.
    let one_by_one: Vec<f64> = (0..vx.nrows())
        .map(|i| a.predict(vx.slice(s![i..i + 1, ..])).unwrap()[0])
        .collect();
    assert_eq!(bits(&before), bits(&one_by_one));
    let mut tail = a.predict(vx.slice(s![7..130, ..])).unwrap();
    tail.extend(a.predict(vx.slice(s![130.., ..])).unwrap());
    assert_eq!(bits(&before[7..]), bits(&tail));
    let big = Array2::from_shape_fn((20 * vx.nrows(), 8), |(i, j)| vx[[i % vx.nrows(), j]]);
    let big_pred = a.predict(big.view()).unwrap();
    assert_eq!(
        bits(&before),
        bits(&big_pred[big_pred.len() - vx.nrows()..])
    );

    let params_json = serde_json::to_string(&params).unwrap();
    assert_eq!(
        serde_json::from_str::<MlpParams>(&params_json).unwrap(),
        params
    );
    assert_eq!(
        serde_json::from_str::<MlpParams>("{\"units\": 32}")
            .unwrap()
            .units,
        32
    );
    assert_eq!(
        serde_json::from_str::<MlpParams>("{}").unwrap(),
        MlpParams::default()
    );
}

#[test]
fn stop_returns_the_best_so_far_and_cancel_cancels() {
    let (x, y) = small_yes_no(6, 2_000);
    let (vx, vy) = small_yes_no(7, 500);
    let d = data(&x, &y, &vx, &vy, 2);
    let params = MlpParams {
        learning_rate: 0.05,
        batch_size: 32,
        ..MlpParams::default()
    };
    let mut reports = Vec::new();
    let model = train(&params, &d, 1, &mut |r| {
        reports.push(r);
        if r.step == 3 {
            Control::Stop
        } else {
            Control::Continue
        }
    })
    .unwrap();
    assert_eq!(reports.len(), 3);
    assert!((1..=3).contains(&model.best_epoch()));
    let best = reports
        .iter()
        .map(|r| r.valid_loss.unwrap())
        .fold(f64::INFINITY, f64::min);
    let now = log_loss(&model.predict(vx.view()).unwrap(), &labels(&vy));
    assert_eq!(now.to_bits(), best.to_bits());

    let mut calls = 0;
    let cancelled = train(&params, &d, 1, &mut |_| {
        calls += 1;
        Control::Cancel
    });
    assert!(matches!(cancelled, Err(Error::Cancelled)));
    assert_eq!(calls, 1);
}

#[test]
fn early_stopping_keeps_the_best_epoch() {
    // Pure noise with few rows: the validation loss soon rises as the network memorises.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(8);
    let x = normal(&mut rng, 300, 10);
    let y: Vec<f64> = (0..300)
        .map(|_| f64::from(u8::from(rng.r#gen::<bool>())))
        .collect();
    let vx = normal(&mut rng, 300, 10);
    let vy: Vec<f64> = (0..300)
        .map(|_| f64::from(u8::from(rng.r#gen::<bool>())))
        .collect();
    let params = MlpParams {
        epochs: 200,
        patience: 5,
        batch_size: 32,
        learning_rate: 0.01,
        ..MlpParams::default()
    };
    let (model, reports) = fit(&params, &data(&x, &y, &vx, &vy, 2), 3);
    assert!(reports.len() < 200);
    assert_eq!(reports.len(), model.best_epoch() + 5);
    let losses: Vec<f64> = reports.iter().map(|r| r.valid_loss.unwrap()).collect();
    let best = losses.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(losses[model.best_epoch() - 1], best);
    let now = log_loss(&model.predict(vx.view()).unwrap(), &labels(&vy));
    assert_eq!(now.to_bits(), best.to_bits());

    // Patience 0 runs every epoch.
    let params = MlpParams {
        epochs: 30,
        patience: 0,
        ..params
    };
    let (_, reports) = fit(&params, &data(&x, &y, &vx, &vy, 2), 3);
    assert_eq!(reports.len(), 30);
}

#[test]
fn row_weights_shift_the_fitted_rate_and_no_holdout_reports_none() {
    // Features carry no signal; 20% say yes.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(12);
    let x = normal(&mut rng, 4_000, 3);
    let y: Vec<f64> = (0..4_000)
        .map(|_| f64::from(u8::from(rng.r#gen::<f64>() < 0.2)))
        .collect();
    let none = Array2::zeros((0, 3));
    let params = MlpParams {
        epochs: 15,
        patience: 0,
        ..MlpParams::default()
    };
    let plain = data(&x, &y, &none, &[], 2);
    let (model, reports) = fit(&params, &plain, 1);
    assert!(
        reports
            .iter()
            .all(|r| r.valid_loss.is_none() && r.valid_metric.is_none())
    );
    let mean = |m: &MlpModel| m.predict(x.view()).unwrap().iter().sum::<f64>() / 4_000.0;
    let unweighted = mean(&model);

    // Weight 4 on each yes: the weighted rate is 0.8 / (0.8 + 0.8) = 0.5.
    let w: Vec<f64> = y
        .iter()
        .map(|&v| if v == 1.0 { 4.0 } else { 1.0 })
        .collect();
    let weighted = TrainData {
        weights: Some(&w),
        ..data(&x, &y, &none, &[], 2)
    };
    let (model, _) = fit(&params, &weighted, 1);
    let shifted = mean(&model);
    println!("mean P(yes): unweighted {unweighted:.3}, yes rows weighted 4× {shifted:.3}");
    assert!((0.15..0.25).contains(&unweighted), "{unweighted}");
    assert!((0.4..0.6).contains(&shifted), "{shifted}");
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let (x, y) = small_yes_no(13, 300);
    let none = Array2::zeros((0, 8));
    let params = MlpParams {
        epochs: 2,
        ..MlpParams::default()
    };
    let (model, _) = fit(&params, &data(&x, &y, &none, &[], 2), 1);

    match model.predict(x.slice(s![.., ..5])) {
        Err(Error::Model(msg)) => assert!(msg.contains('8') && msg.contains('5'), "{msg}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        model.predict_proba(Array2::zeros((3, 9)).view()),
        Err(Error::Model(_))
    ));
    assert!(
        model
            .predict(Array2::zeros((0, 8)).view())
            .unwrap()
            .is_empty()
    );
    let mut nan = x.clone();
    nan[[5, 2]] = f32::NAN;
    assert!(matches!(
        model.predict(nan.view()),
        Err(Error::InvalidInput(_))
    ));

    let is_invalid = |r: Result<MlpModel>| matches!(r, Err(Error::InvalidInput(_)));
    let go = |p: &MlpParams, d: &TrainData| train(p, d, 1, &mut |_| Control::Continue);
    let empty = Array2::zeros((0, 8));
    assert!(is_invalid(go(&params, &data(&empty, &[], &none, &[], 2))));
    assert!(is_invalid(go(&params, &data(&x, &y, &none, &[], 1))));
    assert!(is_invalid(go(
        &MlpParams {
            batch_size: 0,
            ..params.clone()
        },
        &data(&x, &y, &none, &[], 2)
    )));
    assert!(is_invalid(go(
        &MlpParams {
            hidden_layers: 0,
            ..params.clone()
        },
        &data(&x, &y, &none, &[], 2)
    )));
    assert!(is_invalid(go(
        &MlpParams {
            learning_rate: f64::NAN,
            ..params.clone()
        },
        &data(&x, &y, &none, &[], 2)
    )));
    assert!(is_invalid(go(&params, &data(&x, &y[1..], &none, &[], 2))));
    let threes: Vec<f64> = y.iter().map(|v| v * 3.0).collect();
    assert!(is_invalid(go(&params, &data(&x, &threes, &none, &[], 2))));
    assert!(is_invalid(go(&params, &data(&x, &threes, &none, &[], 3))));
    let bad_valid = Array2::zeros((2, 7));
    assert!(is_invalid(go(
        &params,
        &data(&x, &y, &bad_valid, &[0.0, 1.0], 2)
    )));
    let negative = vec![-1.0; 300];
    assert!(is_invalid(go(
        &params,
        &TrainData {
            weights: Some(&negative),
            ..data(&x, &y, &none, &[], 2)
        }
    )));
    let zero = vec![0.0; 300];
    assert!(is_invalid(go(
        &params,
        &TrainData {
            weights: Some(&zero),
            ..data(&x, &y, &none, &[], 2)
        }
    )));

    // A damaged file gives Err from predict, not a panic.
    let mut damaged = model.clone();
    damaged.layers[1].weights.pop();
    assert!(matches!(damaged.predict(x.view()), Err(Error::Model(_))));
    let mut damaged = model.clone();
    damaged.output = Output::Classes { classes: 3 };
    assert!(matches!(
        damaged.predict_proba(x.view()),
        Err(Error::Model(_))
    ));
    let empty_net = MlpModel {
        layers: Vec::new(),
        output: Output::YesNo,
        best_epoch: 0,
    };
    assert!(empty_net.predict(x.view()).is_err());
    assert_eq!(empty_net.inputs(), 0);
}

/// Timing, not correctness: `cargo test --release -- --ignored --nocapture speed`.
#[test]
#[ignore]
fn speed_200k_rows_20_features() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20);
    let mut rows = |n: usize| {
        let x = normal(&mut rng, n, 20);
        let y: Vec<f64> = x
            .rows()
            .into_iter()
            .map(|r| {
                let r = r.mapv(f64::from);
                let p = sigmoid64(r[0] - 0.8 * r[1] + 0.5 * r[2] * r[3] + 0.3 * r[4] * r[4] - 1.5);
                f64::from(u8::from(rng.r#gen::<f64>() < p))
            })
            .collect();
        (x, y)
    };
    let (x, y) = rows(200_000);
    let (vx, vy) = rows(50_000);
    let d = data(&x, &y, &vx, &vy, 2);
    let start = Instant::now();
    let mut last = start;
    let mut epoch_secs = Vec::new();
    let model = train(&MlpParams::default(), &d, 1, &mut |r| {
        let now = Instant::now();
        epoch_secs.push(now.duration_since(last).as_secs_f64());
        last = now;
        if r.step <= 3 || r.step % 10 == 0 {
            println!(
                "epoch {} train {:.4} valid {:.4} auc {:.4}",
                r.step,
                r.train_loss,
                r.valid_loss.unwrap(),
                r.valid_metric.unwrap()
            );
        }
        Control::Continue
    })
    .unwrap();
    let total = start.elapsed().as_secs_f64();
    let mut sorted = epoch_secs.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "{} epochs (best {}), total {total:.1} s, per epoch median {:.3} s, min {:.3} s, max {:.3} s",
        epoch_secs.len(),
        model.best_epoch(),
        sorted[sorted.len() / 2],
        sorted[0],
        sorted[sorted.len() - 1]
    );
    // scikit-learn's MLPClassifier default shape, for comparison: one layer of 100.
    let one_layer = MlpParams {
        hidden_layers: 1,
        units: 100,
        epochs: 3,
        patience: 0,
        ..MlpParams::default()
    };
    let start = Instant::now();
    train(&one_layer, &d, 1, &mut |_| Control::Continue).unwrap();
    println!(
        "one hidden layer of 100: {:.3} s per epoch",
        start.elapsed().as_secs_f64() / 3.0
    );
    let big = normal(&mut rng, 1_000_000, 20);
    let start = Instant::now();
    let p = model.predict(big.view()).unwrap();
    println!(
        "predict 1M rows: {:.3} s ({} scores)",
        start.elapsed().as_secs_f64(),
        p.len()
    );
}
