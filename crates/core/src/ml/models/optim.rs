//! L-BFGS for smooth convex losses (logistic regression), one iteration at a time so every
//! iteration is a point on the live curve while the curvature memory is kept between them.

use std::collections::VecDeque;

/// A loss and its gradient at `w` (the gradient is written into the second argument).
pub trait Objective {
    fn eval(&mut self, w: &[f64], grad: &mut [f64]) -> f64;
}

impl<F: FnMut(&[f64], &mut [f64]) -> f64> Objective for F {
    fn eval(&mut self, w: &[f64], grad: &mut [f64]) -> f64 {
        self(w, grad)
    }
}

/// The optimiser's state between iterations.
pub struct Lbfgs {
    pub w: Vec<f64>,
    pub loss: f64,
    grad: Vec<f64>,
    memory: usize,
    s: VecDeque<Vec<f64>>,
    y: VecDeque<Vec<f64>>,
}

/// How an iteration ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Moved; more iterations may help.
    Moved,
    /// The gradient is below the tolerance, or no step lowers the loss: done.
    Converged,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl Lbfgs {
    /// Starts at `w0` with a memory of `memory` steps (10 is scipy's and linfa's choice).
    pub fn new(w0: Vec<f64>, memory: usize, f: &mut impl Objective) -> Self {
        let mut grad = vec![0.0; w0.len()];
        let loss = f.eval(&w0, &mut grad);
        Self {
            w: w0,
            loss,
            grad,
            memory,
            s: VecDeque::new(),
            y: VecDeque::new(),
        }
    }

    /// The largest gradient component (what `gtol` is compared with).
    pub fn gradient_norm(&self) -> f64 {
        self.grad.iter().fold(0.0, |m, g| m.max(g.abs()))
    }

    /// One iteration: a quasi-Newton direction and a backtracking (Armijo) line search.
    /// Converged when the gradient is below `gtol` or the loss moves less than 1e-12 of itself.
    pub fn iterate(&mut self, f: &mut impl Objective, gtol: f64) -> Progress {
        self.iterate_to(f, gtol, 1e-12)
    }

    /// [`Lbfgs::iterate`] with the loss's relative tolerance `ftol` (0: only the gradient
    /// and a failed line search end it).
    pub fn iterate_to(&mut self, f: &mut impl Objective, gtol: f64, ftol: f64) -> Progress {
        if !self.loss.is_finite() || self.gradient_norm() <= gtol {
            return Progress::Converged;
        }
        let mut d = self.direction();
        let mut slope = dot(&d, &self.grad);
        if slope >= 0.0 || !slope.is_finite() {
            // Not a descent direction (numerical trouble): forget the memory, go downhill.
            self.s.clear();
            self.y.clear();
            d = self.grad.iter().map(|g| -g).collect();
            slope = dot(&d, &self.grad);
        }
        // The first step has no curvature yet: scale it to a unit move.
        let mut t = if self.s.is_empty() {
            1.0 / self.gradient_norm().max(1.0)
        } else {
            1.0
        };
        let mut new_grad = vec![0.0; self.w.len()];
        let mut new_w = vec![0.0; self.w.len()];
        for _ in 0..40 {
            for ((n, w), d) in new_w.iter_mut().zip(&self.w).zip(&d) {
                *n = w + t * d;
            }
            let new_loss = f.eval(&new_w, &mut new_grad);
            if new_loss.is_finite() && new_loss <= self.loss + 1e-4 * t * slope {
                let s: Vec<f64> = new_w.iter().zip(&self.w).map(|(a, b)| a - b).collect();
                let y: Vec<f64> = new_grad
                    .iter()
                    .zip(&self.grad)
                    .map(|(a, b)| a - b)
                    .collect();
                if dot(&s, &y) > 1e-12 * dot(&y, &y).sqrt() * dot(&s, &s).sqrt() {
                    if self.s.len() == self.memory {
                        self.s.pop_front();
                        self.y.pop_front();
                    }
                    self.s.push_back(s);
                    self.y.push_back(y);
                }
                let improved = self.loss - new_loss;
                std::mem::swap(&mut self.w, &mut new_w);
                std::mem::swap(&mut self.grad, &mut new_grad);
                self.loss = new_loss;
                // scipy's factr-style test: the loss barely moves relative to its size.
                return if improved <= ftol * self.loss.abs().max(1.0) {
                    Progress::Converged
                } else {
                    Progress::Moved
                };
            }
            t *= 0.5;
        }
        Progress::Converged
    }

    /// −H·g by the two-loop recursion.
    fn direction(&self) -> Vec<f64> {
        let mut q = self.grad.clone();
        let k = self.s.len();
        let mut alpha = vec![0.0; k];
        for i in (0..k).rev() {
            let rho = 1.0 / dot(&self.y[i], &self.s[i]);
            alpha[i] = rho * dot(&self.s[i], &q);
            for (q, y) in q.iter_mut().zip(&self.y[i]) {
                *q -= alpha[i] * y;
            }
        }
        if let (Some(s), Some(y)) = (self.s.back(), self.y.back()) {
            let gamma = dot(s, y) / dot(y, y);
            for v in &mut q {
                *v *= gamma;
            }
        }
        for ((s, y), a) in self.s.iter().zip(&self.y).zip(&alpha) {
            let rho = 1.0 / dot(y, s);
            let beta = rho * dot(y, &q);
            for (q, s) in q.iter_mut().zip(s) {
                *q += (a - beta) * s;
            }
        }
        q.iter().map(|v| -v).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_a_badly_scaled_quadratic() {
        // f = Σ c_i (w_i − i)², condition number 1e4.
        let c = [1.0, 10.0, 100.0, 1e4];
        let mut f = |w: &[f64], g: &mut [f64]| {
            let mut v = 0.0;
            for i in 0..4 {
                let d = w[i] - i as f64;
                v += c[i] * d * d;
                g[i] = 2.0 * c[i] * d;
            }
            v
        };
        let mut opt = Lbfgs::new(vec![0.0; 4], 10, &mut f);
        let mut iterations = 0;
        while opt.iterate(&mut f, 1e-9) == Progress::Moved && iterations < 200 {
            iterations += 1;
        }
        for (i, w) in opt.w.iter().enumerate() {
            assert!((w - i as f64).abs() < 1e-6, "{:?}", opt.w);
        }
        assert!(iterations < 60, "{iterations}");
    }
}
