//! Targeting by uplift: with a cost per contact and a value per conversion, the expected
//! incremental profit of contacting the top n customers — ranked by predicted uplift, against
//! ranked by their response probability with the offer, against contacting everyone. The
//! incremental conversions of a contacted customer are their predicted uplift, whichever
//! ranking chose them, so the rankings are compared on the same model's estimate.

use serde::Serialize;

/// Cumulative predicted uplift along two rankings.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Targeting {
    /// `by_uplift[n]` = Σ predicted uplift of the n customers with the highest uplift
    /// (length customers + 1).
    pub by_uplift: Vec<f64>,
    /// The same along the ranking by P(yes | treated), when the method gives it.
    pub by_response: Option<Vec<f64>>,
}

/// The profit of one plan.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Plan {
    pub contacted: usize,
    /// Expected extra conversions.
    pub conversions: f64,
    pub profit: f64,
}

fn cumulative(order: &[usize], uplift: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(order.len() + 1);
    let mut acc = 0.0;
    out.push(0.0);
    for &i in order {
        acc += uplift[i];
        out.push(acc);
    }
    out
}

/// Rows by `score`, highest first, ties by row order.
fn ranked(score: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(a.cmp(&b)));
    order
}

impl Targeting {
    /// From each customer's predicted uplift and, when known, P(yes | treated).
    pub fn new(uplift: &[f64], p_treated: Option<&[f64]>) -> Self {
        Self {
            by_uplift: cumulative(&ranked(uplift), uplift),
            by_response: p_treated.map(|p| cumulative(&ranked(p), uplift)),
        }
    }

    pub fn customers(&self) -> usize {
        self.by_uplift.len().saturating_sub(1)
    }

    fn plan(sums: &[f64], n: usize, cost: f64, value: f64) -> Plan {
        let n = n.min(sums.len().saturating_sub(1));
        let conversions = sums.get(n).copied().unwrap_or(0.0);
        Plan {
            contacted: n,
            conversions,
            profit: value * conversions - cost * n as f64,
        }
    }

    /// Contacting the top `n` by uplift.
    pub fn top_by_uplift(&self, n: usize, cost: f64, value: f64) -> Plan {
        Self::plan(&self.by_uplift, n, cost, value)
    }

    /// Contacting the top `n` by response probability (None without it).
    pub fn top_by_response(&self, n: usize, cost: f64, value: f64) -> Option<Plan> {
        self.by_response
            .as_ref()
            .map(|s| Self::plan(s, n, cost, value))
    }

    /// Contacting everyone.
    pub fn everyone(&self, cost: f64, value: f64) -> Plan {
        self.top_by_uplift(self.customers(), cost, value)
    }

    /// The most profitable number to contact by uplift (the first of equals; 0 when no one
    /// is worth it).
    pub fn best_by_uplift(&self, cost: f64, value: f64) -> Plan {
        (0..=self.customers())
            .map(|n| self.top_by_uplift(n, cost, value))
            .fold(self.top_by_uplift(0, cost, value), |best, p| {
                if p.profit > best.profit { p } else { best }
            })
    }

    /// Profit curves for a chart: (contacted, profit) at about `points` places of each ranking.
    pub fn curves(&self, cost: f64, value: f64, points: usize) -> ProfitCurves {
        let n = self.customers();
        let step = (n / points.max(1)).max(1);
        let at = |sums: &[f64]| -> Vec<[f64; 2]> {
            (0..=n)
                .step_by(step)
                .chain(std::iter::once(n))
                .map(|k| [k as f64, Self::plan(sums, k, cost, value).profit])
                .collect()
        };
        ProfitCurves {
            by_uplift: at(&self.by_uplift),
            by_response: self.by_response.as_deref().map(at),
        }
    }
}

/// Profit against customers contacted, per ranking.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProfitCurves {
    pub by_uplift: Vec<[f64; 2]>,
    pub by_response: Option<Vec<[f64; 2]>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profit_by_hand() {
        // Uplift 0.3, −0.1, 0.1, 0.0; P(yes | treated) ranks the do-not-disturb first.
        let uplift = [0.3, -0.1, 0.1, 0.0];
        let p_treated = [0.5, 0.9, 0.2, 0.6];
        let t = Targeting::new(&uplift, Some(&p_treated));
        assert_eq!(t.by_uplift.len(), 5);
        // Cost 1, value 10: top 1 by uplift = 3 − 1 = 2; top 2 = 4 − 2 = 2; everyone 3 − 4.
        let p = t.top_by_uplift(1, 1.0, 10.0);
        assert!((p.profit - 2.0).abs() < 1e-12);
        assert!((t.everyone(1.0, 10.0).profit - (-1.0)).abs() < 1e-12);
        // By response: 0.9 (−0.1), then 0.6 (0.0): −1 − 2 = −3.
        let r = t.top_by_response(2, 1.0, 10.0).unwrap();
        assert!((r.profit - (-3.0)).abs() < 1e-12);
        let best = t.best_by_uplift(1.0, 10.0);
        assert_eq!(best.contacted, 1, "the first of the equal best");
        let c = t.curves(1.0, 10.0, 2);
        assert_eq!(c.by_uplift.first().unwrap()[0], 0.0);
        assert_eq!(c.by_uplift.last().unwrap()[0], 4.0);
    }
}
