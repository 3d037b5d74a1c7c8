//! BG/NBD (Fader, Hardie and Lee 2005, "Counting your customers the easy way"): while active, a
//! customer buys at rate λ (gamma(r, α) across customers); after each purchase they drop out
//! with probability p (beta(a, b) across customers).

use serde::Serialize;

use super::Summary;
use super::special::{hyp2f1, ln_beta, ln_gamma, log_add_exp};

/// Fitted BG/NBD parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

impl BgNbd {
    pub fn from_slice(p: &[f64]) -> Self {
        Self {
            r: p[0],
            alpha: p[1],
            a: p[2],
            b: p[3],
        }
    }

    /// One customer's log-likelihood.
    pub fn log_likelihood(&self, x: f64, t_x: f64, t: f64) -> f64 {
        let Self { r, alpha, a, b } = *self;
        let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln();
        let a2 = ln_gamma(a + b) + ln_gamma(b + x) - ln_gamma(b) - ln_gamma(a + b + x);
        let a3 = -(r + x) * (alpha + t).ln();
        let a4 = if x > 0.0 {
            a.ln() - (b + x - 1.0).ln() - (r + x) * (alpha + t_x).ln()
        } else {
            f64::NEG_INFINITY
        };
        a1 + a2 + log_add_exp(a3, a4)
    }

    /// Mean negative log-likelihood over customers.
    pub fn mean_nll(&self, s: &Summary) -> f64 {
        let n = s.frequency.len().max(1) as f64;
        -(0..s.frequency.len())
            .map(|i| self.log_likelihood(s.frequency[i], s.recency[i], s.t[i]))
            .sum::<f64>()
            / n
    }

    /// The odds that a customer has dropped out, relative to being active (0 for no repeat).
    fn dropout_odds(&self, x: f64, t_x: f64, t: f64) -> f64 {
        if x == 0.0 {
            return 0.0;
        }
        let Self { r, alpha, a, b } = *self;
        (a / (b + x - 1.0)) * ((alpha + t) / (alpha + t_x)).powf(r + x)
    }

    /// P(still active | x, t_x, T).
    pub fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        1.0 / (1.0 + self.dropout_odds(x, t_x, t))
    }

    /// Expected purchases in the next `horizon` units given the history (x, t_x, T).
    pub fn expected_purchases(&self, horizon: f64, x: f64, t_x: f64, t: f64) -> f64 {
        let Self { r, alpha, a, b } = *self;
        if horizon <= 0.0 {
            return 0.0;
        }
        let z = horizon / (alpha + t + horizon);
        // ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z), by Euler's transformation
        // (1−z)^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z): the same number, without a power that
        // underflows and a series that overflows for frequent buyers over long horizons.
        let tail = (1.0 - z).powf(a - 1.0) * hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z);
        let num = (a + b + x - 1.0) / (a - 1.0) * (1.0 - tail);
        num / (1.0 + self.dropout_odds(x, t_x, t))
    }

    /// Expected purchases of a new customer in their first `t` units (repeat purchases).
    pub fn expected_purchases_new(&self, t: f64) -> f64 {
        let Self { r, alpha, a, b } = *self;
        if t <= 0.0 {
            return 0.0;
        }
        (a + b - 1.0) / (a - 1.0)
            * (1.0
                - (alpha / (alpha + t)).powf(a - 1.0)
                    * hyp2f1(a + b - 1.0 - r, a - 1.0, a + b - 1.0, t / (alpha + t)))
    }

    /// P(X(t) = x): the chance a new customer makes `x` repeat purchases in their first `t`
    /// units (Fader, Hardie and Lee 2005, equation 8).
    pub fn pmf(&self, x: u32, t: f64) -> f64 {
        let Self { r, alpha, a, b } = *self;
        if t <= 0.0 {
            return if x == 0 { 1.0 } else { 0.0 };
        }
        let xf = f64::from(x);
        let ln_share = (alpha / (alpha + t)).ln();
        let ln_rest = (t / (alpha + t)).ln();
        // ln of Γ(r + j) / (Γ(r) j!) (α/(α+t))^r (t/(α+t))^j: the NBD count probability.
        let nbd = |j: f64| {
            (ln_gamma(r + j) - ln_gamma(r) - ln_gamma(j + 1.0) + r * ln_share + j * ln_rest).exp()
        };
        let mut p = (ln_beta(a, b + xf) - ln_beta(a, b)).exp() * nbd(xf);
        if x > 0 {
            let below: f64 = (0..x).map(|j| nbd(f64::from(j))).sum();
            p += (ln_beta(a + 1.0, b + xf - 1.0) - ln_beta(a, b)).exp() * (1.0 - below);
        }
        p
    }

    /// Parameter meanings in words, for the marketer.
    pub fn in_words(&self) -> Vec<String> {
        let rate = self.r / self.alpha;
        let dropout = self.a / (self.a + self.b);
        vec![
            format!(
                "While active, a customer buys about {rate:.3} times per unit on average (gamma r = {:.3}, α = {:.3}: the rate varies a lot between customers when r is small).",
                self.r, self.alpha
            ),
            format!(
                "After each purchase, {:.1}% of customers on average stop buying for good (beta a = {:.3}, b = {:.3}).",
                100.0 * dropout,
                self.a,
                self.b
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_distribution_sums_to_one_and_has_the_expected_mean() {
        let m = BgNbd {
            r: 0.243,
            alpha: 4.414,
            a: 0.793,
            b: 2.426,
        };
        for t in [1.0, 38.86, 78.0] {
            let p: Vec<f64> = (0..400).map(|x| m.pmf(x, t)).collect();
            let total: f64 = p.iter().sum();
            let mean: f64 = p.iter().enumerate().map(|(x, p)| x as f64 * p).sum();
            assert!((total - 1.0).abs() < 1e-9, "{t}: {total}");
            assert!(
                (mean - m.expected_purchases_new(t)).abs() < 1e-6,
                "{t}: {mean}"
            );
        }
    }

    #[test]
    fn a_frequent_buyer_over_a_long_horizon_has_a_finite_expectation() {
        let m = BgNbd {
            r: 0.243,
            alpha: 4.414,
            a: 0.793,
            b: 2.426,
        };
        // Daily for two years, asked about five years ahead.
        let e = m.expected_purchases(260.0, 729.0, 104.0, 104.0);
        assert!(e.is_finite() && e > 0.0, "{e}");
        // Equal to the untransformed series where that is well within range (CDNOW customer 1).
        let (x, t_x, t, h) = (2.0, 30.428571428571427, 38.857142857142854, 10.0);
        let z = h / (m.alpha + t + h);
        let direct = (m.a + m.b + x - 1.0) / (m.a - 1.0)
            * (1.0
                - ((m.alpha + t) / (m.alpha + t + h)).powf(m.r + x)
                    * hyp2f1(m.r + x, m.b + x, m.a + m.b + x - 1.0, z))
            / (1.0 + m.dropout_odds(x, t_x, t));
        assert!((m.expected_purchases(h, x, t_x, t) - direct).abs() < 1e-12);
    }
}
