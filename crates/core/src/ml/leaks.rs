//! Likely leaks: inputs that would not be known when the model is used. A column that alone
//! predicts the target almost perfectly (single-column AUC within 0.02 of 1 or of 0 for a yes/no;
//! R² of at least 0.98 for an amount), or a column named like another outcome (`*_next_*`,
//! `churn*`, `target*`, `responded*`, …). Checked before training; the user decides.

use polars::prelude::*;
use serde::Serialize;

use super::metrics::auc_of_groups;
use crate::error::Result;

/// How close to perfect a single column must predict to be suspected.
pub const NEAR_PERFECT: f64 = 0.98;

/// Why a column is suspected.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum LeakReason {
    /// Alone it separates yes from no with this AUC (or 1 − AUC, when reversed).
    PredictsAlone { auc: f64 },
    /// Alone it explains this share of the amount's variation.
    ExplainsAlone { r2: f64 },
    /// Its name is that of an outcome, known only after the fact.
    LooksLikeAnOutcome,
}

/// A column suspected of leaking the answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Leak {
    pub column: String,
    pub reason: LeakReason,
}

impl Leak {
    /// One line for the user.
    pub fn describe(&self) -> String {
        match &self.reason {
            LeakReason::PredictsAlone { auc } => format!(
                "'{}' alone predicts the target almost perfectly (AUC {auc:.3}): is it known before the outcome?",
                self.column
            ),
            LeakReason::ExplainsAlone { r2 } => format!(
                "'{}' alone explains the target almost perfectly (R² {r2:.3}): is it known before the outcome?",
                self.column
            ),
            LeakReason::LooksLikeAnOutcome => format!(
                "'{}' looks like another outcome (known only afterwards)",
                self.column
            ),
        }
    }
}

/// Whether a column's name is that of an outcome.
pub fn named_like_an_outcome(name: &str) -> bool {
    let n = name.to_lowercase();
    let parts: Vec<&str> = n.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    parts.contains(&"next")
        || [
            "churn",
            "target",
            "responded",
            "response",
            "converted",
            "outcome",
            "label",
        ]
        .iter()
        .any(|p| n.starts_with(p))
}

/// The columns of `df` (other than `target` and `ignored`) that are likely leaks for predicting
/// `target`: `yes` is per row whether it is the "yes" (a yes/no target), else the target is an
/// amount. Rows without a target value are left out.
pub fn suspects(
    df: &DataFrame,
    target: &str,
    positive: Option<&str>,
    ignored: &[String],
) -> Result<Vec<Leak>> {
    // Per row: the truth, NaN where there is none (the table may be millions of rows: one
    // number per row, and one per row of the column at hand, is all this holds).
    let t = df.column(target)?;
    let truth: Vec<f64> = match positive {
        Some(p) => t
            .cast(&DataType::String)?
            .str()?
            .iter()
            .map(|v| v.map_or(f64::NAN, |v| f64::from(u8::from(v == p))))
            .collect(),
        None => t
            .cast(&DataType::Float64)?
            .f64()?
            .iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect(),
    };
    let mut out = Vec::new();
    for c in df.columns() {
        let name = c.name().as_str();
        if name == target || name == crate::data::ROW_ID || ignored.iter().any(|i| i == name) {
            continue;
        }
        if named_like_an_outcome(name) {
            out.push(Leak {
                column: name.to_owned(),
                reason: LeakReason::LooksLikeAnOutcome,
            });
            continue;
        }
        if !c.dtype().is_primitive_numeric() && !c.dtype().is_bool() {
            continue;
        }
        let values = c.cast(&DataType::Float64)?;
        // The rows with both a finite value and a truth.
        let pairs = values
            .f64()?
            .iter()
            .zip(&truth)
            .filter_map(|(v, &t)| Some((v.filter(|v| v.is_finite())?, t)))
            .filter(|(_, t)| !t.is_nan());
        let reason = if positive.is_some() {
            // Each group's values, sized at once (grown by doubling, a list and its next copy
            // would be held together): a million rows take 8 MB.
            let yes = truth.iter().filter(|&&t| t > 0.5).count();
            let (mut pos, mut neg) = (
                Vec::with_capacity(yes),
                Vec::with_capacity(truth.len() - yes),
            );
            for (v, t) in pairs {
                if t > 0.5 {
                    pos.push(v);
                } else {
                    neg.push(v);
                }
            }
            if pos.len() + neg.len() < 10 {
                continue;
            }
            let a = auc_of_groups(&mut pos, &mut neg);
            (a.max(1.0 - a) >= NEAR_PERFECT).then_some(LeakReason::PredictsAlone {
                auc: a.max(1.0 - a),
            })
        } else {
            let (mut x, mut y) = (
                Vec::with_capacity(truth.len()),
                Vec::with_capacity(truth.len()),
            );
            for (v, t) in pairs {
                x.push(v);
                y.push(t);
            }
            if x.len() < 10 {
                continue;
            }
            let r2 = pearson(&x, &y).powi(2);
            (r2 >= NEAR_PERFECT).then_some(LeakReason::ExplainsAlone { r2 })
        };
        if let Some(reason) = reason {
            out.push(Leak {
                column: name.to_owned(),
                reason,
            });
        }
    }
    Ok(out)
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_samples_other_outcomes_and_a_copy_of_the_target_are_suspected() {
        let s = crate::data::sample::generate(2_000, 3).unwrap().frame;
        let mut s = s;
        let copy = s
            .column("responded")
            .unwrap()
            .clone()
            .with_name("resp_flag".into());
        s.with_column(copy).unwrap();
        let leaks = suspects(&s, "responded", Some("1"), &[]).unwrap();
        let names: Vec<&str> = leaks.iter().map(|l| l.column.as_str()).collect();
        assert!(names.contains(&"churned"), "{names:?}");
        assert!(names.contains(&"spend_next_90d"), "{names:?}");
        assert!(names.contains(&"resp_flag"), "{names:?}");
        assert!(
            matches!(leaks.iter().find(|l| l.column == "resp_flag").unwrap().reason, LeakReason::PredictsAlone { auc } if auc > 0.999)
        );
        // Ordinary inputs are not suspected.
        for ok in ["age", "total_spend", "tenure_months", "visits_30d"] {
            assert!(!names.contains(&ok), "{ok} suspected: {names:?}");
        }
        // Ignored columns are not checked.
        let leaks = suspects(&s, "responded", Some("1"), &["churned".into()]).unwrap();
        assert!(leaks.iter().all(|l| l.column != "churned"));
    }
}
