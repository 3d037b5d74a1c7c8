//! Special functions the purchase models need: log-gamma (libm's), log-beta, and Gauss's
//! hypergeometric function 2F1 by its series.

/// ln Γ(x) for x > 0.
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// ln B(a, b).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// 2F1(a, b; c; z) for 0 ≤ z < 1, summed until a term no longer changes the sum; NaN when
/// 100,000 terms do not get there (z very close to 1, as Pareto/NBD's α ≫ β makes it), so a
/// likelihood that cannot be computed is never a wrong finite number: the optimiser steps
/// away from it, and a fit that ends on it fails with a message.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 0..100_000u32 {
        let n = f64::from(n);
        term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
        sum += term;
        if term.abs() <= 1e-16 * sum.abs() {
            return sum;
        }
    }
    f64::NAN
}

/// ln(e^a + e^b) without overflow.
pub fn log_add_exp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + ((a - m).exp() + (b - m).exp()).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn against_known_values() {
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
        // 2F1(1, 1; 2; z) = -ln(1 - z) / z.
        let z = 0.7;
        assert!((hyp2f1(1.0, 1.0, 2.0, z) - (-(1.0f64 - z).ln() / z)).abs() < 1e-12);
        assert!(
            hyp2f1(1.0, 1.0, 2.0, 1.0 - 1e-9).is_nan(),
            "too slow a series says so"
        );
        assert!((log_add_exp(1.0, 2.0) - (1f64.exp() + 2f64.exp()).ln()).abs() < 1e-12);
    }
}
