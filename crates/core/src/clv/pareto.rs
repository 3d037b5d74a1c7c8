//! Pareto/NBD (Schmittlein, Morrison and Colombo 1987; likelihood as in Fader and Hardie's 2005
//! note): while active, purchases at rate λ (gamma(r, α)); the customer's lifetime is
//! exponential with rate μ (gamma(s, β)) — dropping out can happen at any time, not only after
//! a purchase.

use serde::Serialize;

use super::Summary;
use super::special::{hyp2f1, ln_gamma};

/// Fitted Pareto/NBD parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ParetoNbd {
    pub r: f64,
    pub alpha: f64,
    pub s: f64,
    pub beta: f64,
}

impl ParetoNbd {
    pub fn from_slice(p: &[f64]) -> Self {
        Self {
            r: p[0],
            alpha: p[1],
            s: p[2],
            beta: p[3],
        }
    }

    /// ln A0 parts: (ln of the first term, ln of the term at t_x, ln of the term at T), as in
    /// the note (A0 = term(t_x) − term(T)).
    fn log_parts(&self, x: f64, t_x: f64, t: f64) -> (f64, f64, f64) {
        let Self { r, alpha, s, beta } = *self;
        let rsx = r + s + x;
        let first = -(r + x) * (alpha + t).ln() - s * (beta + t).ln();
        let (at_tx, at_t) = if alpha >= beta {
            let f = |y: f64| {
                hyp2f1(rsx, s + 1.0, rsx + 1.0, (alpha - beta) / (alpha + y)).ln()
                    - rsx * (alpha + y).ln()
            };
            (f(t_x), f(t))
        } else {
            let f = |y: f64| {
                hyp2f1(rsx, r + x, rsx + 1.0, (beta - alpha) / (beta + y)).ln()
                    - rsx * (beta + y).ln()
            };
            (f(t_x), f(t))
        };
        (first, at_tx, at_t)
    }

    /// One customer's log-likelihood.
    pub fn log_likelihood(&self, x: f64, t_x: f64, t: f64) -> f64 {
        let Self { r, alpha, s, beta } = *self;
        let (first, at_tx, at_t) = self.log_parts(x, t_x, t);
        let m = first.max(at_tx);
        let weight = s / (r + s + x);
        let value = (first - m).exp() + weight * ((at_tx - m).exp() - (at_t - m).exp());
        ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln() + m + value.ln()
    }

    /// Mean negative log-likelihood over customers.
    pub fn mean_nll(&self, sm: &Summary) -> f64 {
        let n = sm.frequency.len().max(1) as f64;
        -(0..sm.frequency.len())
            .map(|i| self.log_likelihood(sm.frequency[i], sm.recency[i], sm.t[i]))
            .sum::<f64>()
            / n
    }

    /// P(still active | x, t_x, T).
    pub fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        let (first, at_tx, at_t) = self.log_parts(x, t_x, t);
        let weight = self.s / (self.r + self.s + x);
        // A0 relative to the first term: (term(t_x) − term(T)) / first.
        let a0 = (at_tx - first).exp() - (at_t - first).exp();
        1.0 / (1.0 + weight * a0)
    }

    /// Expected purchases in the next `horizon` units given the history (needs s > 1).
    pub fn expected_purchases(&self, horizon: f64, x: f64, t_x: f64, t: f64) -> f64 {
        let Self { r, alpha, s, beta } = *self;
        if horizon <= 0.0 {
            return 0.0;
        }
        let rate = (r + x) * (beta + t) / ((alpha + t) * (s - 1.0));
        rate * (1.0 - ((beta + t) / (beta + t + horizon)).powf(s - 1.0)) * self.p_alive(x, t_x, t)
    }

    /// Expected purchases of a new customer in their first `t` units.
    pub fn expected_purchases_new(&self, t: f64) -> f64 {
        let Self { r, alpha, s, beta } = *self;
        r * beta / (alpha * (s - 1.0)) * (1.0 - (beta / (beta + t)).powf(s - 1.0))
    }

    /// Parameter meanings in words.
    pub fn in_words(&self) -> Vec<String> {
        vec![
            format!(
                "While active, a customer buys about {:.3} times per unit on average (gamma r = {:.3}, α = {:.3}).",
                self.r / self.alpha,
                self.r,
                self.alpha
            ),
            format!(
                "Customers drop out at about {:.4} per unit on average, at any time (gamma s = {:.3}, β = {:.3}).",
                self.s / self.beta,
                self.s,
                self.beta
            ),
        ]
    }
}
