//! Gamma-Gamma (Fader, Hardie and Lee 2005, "RFM and CLV"): a customer's order values vary
//! around their own mean, which varies across customers; fitted on repeat customers' mean
//! repeat-order value, assuming it is independent of how often they buy (checked: the
//! correlation between frequency and value is reported).

use serde::Serialize;

use super::special::ln_gamma;

/// Fitted Gamma-Gamma parameters (p, q, v as `lifetimes` names them; v is Fader–Hardie's γ).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub v: f64,
}

impl GammaGamma {
    pub fn from_slice(p: &[f64]) -> Self {
        Self {
            p: p[0],
            q: p[1],
            v: p[2],
        }
    }

    /// One repeat customer's log-likelihood: `x` repeat purchases of mean value `m`.
    pub fn log_likelihood(&self, x: f64, m: f64) -> f64 {
        let Self { p, q, v } = *self;
        ln_gamma(p * x + q) - ln_gamma(q) + q * v.ln() - ln_gamma(p * x)
            + (p * x - 1.0) * m.ln()
            + (p * x) * x.ln()
            - (p * x + q) * (x * m + v).ln()
    }

    /// Mean negative log-likelihood over the (frequency, mean value) pairs.
    pub fn mean_nll(&self, pairs: &[(f64, f64)]) -> f64 {
        -pairs
            .iter()
            .map(|&(x, m)| self.log_likelihood(x, m))
            .sum::<f64>()
            / pairs.len().max(1) as f64
    }

    /// Expected value of a customer's next orders given `x` repeat purchases of mean `m`
    /// (the population mean for a customer with none).
    pub fn expected_value(&self, x: f64, m: f64) -> f64 {
        let Self { p, q, v } = *self;
        p * (v + x * m) / (p * x + q - 1.0)
    }

    /// Parameter meanings in words.
    pub fn in_words(&self) -> String {
        if self.q > 1.0 {
            format!(
                "An order is worth {:.2} on average across customers (Gamma-Gamma p = {:.3}, q = {:.3}, v = {:.3}); a customer's own past orders pull their estimate toward their average.",
                self.p * self.v / (self.q - 1.0),
                self.p,
                self.q,
                self.v
            )
        } else {
            format!(
                "Order values have no finite average across customers (q = {:.3} ≤ 1): a few customers spend very much more.",
                self.q
            )
        }
    }
}
