//! The experiment itself, before any model: group sizes, the response rate of each group, the
//! average effect with its 95% confidence interval, and a balance table (the standardised
//! mean difference of each input between the groups) that says when the groups don't look
//! randomised.

use ndarray::ArrayView2;
use serde::Serialize;

/// |standardised mean difference| above which an input is called unbalanced (the usual rule
/// of thumb in the causal-inference literature).
pub const UNBALANCED_SMD: f64 = 0.1;

/// The average effect of the offer on the response rate.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Effect {
    pub n_treated: usize,
    pub n_control: usize,
    pub treated_rate: f64,
    pub control_rate: f64,
    /// treated rate − control rate.
    pub ate: f64,
    /// The 95% confidence interval of `ate` (normal approximation, unpooled variances).
    pub ate_ci: [f64; 2],
}

impl Effect {
    /// Measures the groups' response rates; `outcome` holds 1/0.
    pub fn of(outcome: &[f64], treated: &[bool]) -> Self {
        let (mut nt, mut yt, mut nc, mut yc) = (0usize, 0.0, 0usize, 0.0);
        for (&y, &t) in outcome.iter().zip(treated) {
            if t {
                nt += 1;
                yt += y;
            } else {
                nc += 1;
                yc += y;
            }
        }
        let pt = yt / nt as f64;
        let pc = yc / nc as f64;
        let se = (pt * (1.0 - pt) / nt as f64 + pc * (1.0 - pc) / nc as f64).sqrt();
        let ate = pt - pc;
        // 1.959964: the normal distribution's 97.5% point.
        let half = 1.959_963_984_540_054 * se;
        Self {
            n_treated: nt,
            n_control: nc,
            treated_rate: pt,
            control_rate: pc,
            ate,
            ate_ci: [ate - half, ate + half],
        }
    }

    /// Whether the interval excludes 0.
    pub fn is_significant(&self) -> bool {
        self.ate_ci[0] > 0.0 || self.ate_ci[1] < 0.0
    }

    /// The effect in a sentence.
    pub fn in_words(&self) -> String {
        let pp = |v: f64| format!("{:+.1} points", 100.0 * v);
        let verdict = if self.is_significant() {
            "the offer changed the response rate"
        } else {
            "no effect can be told from chance"
        };
        format!(
            "Treated {:.1}% vs control {:.1}%: {} (95% interval {} to {}); {verdict}.",
            100.0 * self.treated_rate,
            100.0 * self.control_rate,
            pp(self.ate),
            pp(self.ate_ci[0]),
            pp(self.ate_ci[1]),
        )
    }
}

/// One input's balance between the groups.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Balance {
    pub feature: String,
    pub treated_mean: f64,
    pub control_mean: f64,
    /// (treated mean − control mean) / √((treated variance + control variance) / 2).
    pub smd: f64,
}

/// The balance of each feature of `x` (named `names`) between the groups, largest |SMD| first.
/// Features are compared as the model sees them (a category as its 0/1 column); the SMD does
/// not depend on the features' scale.
pub fn balance(x: ArrayView2<f32>, names: &[String], treated: &[bool]) -> Vec<Balance> {
    let mut out: Vec<Balance> = names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let (mut st, mut sc) = ([0.0f64; 3], [0.0f64; 3]);
            for (&v, &t) in x.column(j).iter().zip(treated) {
                let v = f64::from(v);
                let s = if t { &mut st } else { &mut sc };
                s[0] += 1.0;
                s[1] += v;
                s[2] += v * v;
            }
            let stats = |s: [f64; 3]| {
                let mean = s[1] / s[0];
                let var = if s[0] > 1.0 {
                    ((s[2] - s[0] * mean * mean) / (s[0] - 1.0)).max(0.0)
                } else {
                    0.0
                };
                (mean, var)
            };
            let (mt, vt) = stats(st);
            let (mc, vc) = stats(sc);
            let pooled = ((vt + vc) / 2.0).sqrt();
            Balance {
                feature: name.clone(),
                treated_mean: mt,
                control_mean: mc,
                smd: if pooled > 0.0 {
                    (mt - mc) / pooled
                } else {
                    0.0
                },
            }
        })
        .collect();
    out.sort_by(|a, b| b.smd.abs().total_cmp(&a.smd.abs()));
    out
}

/// The inputs whose |SMD| is above [`UNBALANCED_SMD`].
pub fn unbalanced(table: &[Balance]) -> Vec<&Balance> {
    table
        .iter()
        .filter(|b| b.smd.abs() > UNBALANCED_SMD)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effect_and_interval_by_hand() {
        // Treated: 3 of 4 responded; control: 1 of 4.
        let y = [1.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0];
        let t = [true, true, true, true, false, false, false, false];
        let e = Effect::of(&y, &t);
        assert_eq!((e.n_treated, e.n_control), (4, 4));
        assert_eq!(e.ate, 0.5);
        // se = √(0.75·0.25/4 + 0.25·0.75/4) = √0.09375.
        let half = 1.959_963_984_540_054 * 0.09375f64.sqrt();
        assert!((e.ate_ci[0] - (0.5 - half)).abs() < 1e-12);
        assert!((e.ate_ci[1] - (0.5 + half)).abs() < 1e-12);
    }

    #[test]
    fn balance_by_hand() {
        // Feature 0 differs (treated 1, 3; control 0, 2), feature 1 is the same.
        let x = ndarray::array![[1.0, 5.0], [3.0, 5.0], [0.0, 5.0], [2.0, 5.0]];
        let names = vec!["a".to_owned(), "b".to_owned()];
        let b = balance(x.view(), &names, &[true, true, false, false]);
        assert_eq!(b[0].feature, "a");
        // means 2 and 1, variances 2 and 2: SMD = 1 / √2.
        assert!((b[0].smd - 1.0 / 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(b[1].smd, 0.0);
        assert_eq!(unbalanced(&b).len(), 1);
    }
}
