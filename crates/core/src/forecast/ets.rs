//! Exponential smoothing in its state-space form (Hyndman, Koehler, Ord & Snyder, *Forecasting
//! with Exponential Smoothing*, 2008): error additive or multiplicative, trend none, additive or
//! damped, season none, additive or multiplicative. The smoothing parameters and the initial
//! states are estimated together by maximum likelihood; the form is chosen by AICc over the
//! forms R's `forecast::ets` allows by default (no multiplicative trend; no additive error with
//! a multiplicative season; multiplicative parts only for strictly positive data; no season
//! past a period of 24).
//!
//! The states are updated as R's `etscalc.c` does (the error-correction form, the same for both
//! error types): with q = ℓ + φb the one-step trend part and s the season a period ago,
//! ℓ ← q + α(y ⊖ s − q), b ← φb + (β/α)(ℓ' − ℓ − φb), s ← s + γ(y ⊖ q − s), where ⊖ is − for
//! an additive season and ÷ for a multiplicative one. The log-likelihood is the Gaussian one
//! with σ² concentrated out, as statsmodels' `ETSModel` reports it:
//! −n/2·(ln(2π·SSE/n) + 1) − Σ ln|ŷ| (the last term for multiplicative errors only), where the
//! errors are y − ŷ (additive) or (y − ŷ)/ŷ (multiplicative). AICc counts the smoothing
//! parameters, the initial states (m − 1 seasonal ones: the last makes the season sum to 0, or
//! to m when multiplicative) and σ².
//!
//! Bounds, as statsmodels' `ETSModel` sets them ("traditional"): α, β/α and γ/(1 − α) each in
//! [1e-4, 1 − 1e-4] (so β ≤ α and γ ≤ 1 − α, as R requires), 0.8 ≤ φ ≤ 0.98; they are kept by
//! writing each as a logistic function of a free parameter, which L-BFGS (central-difference
//! gradients) minimises on the data divided by their mean absolute value, from several starts
//! (α 0.1 or 0.5, β = α/10, γ/(1 − α) 0.01 or 0.2), each restarted once where it stopped,
//! keeping the best.
//!
//! Prediction intervals: exact normal ones for the linear forms (additive error, no
//! multiplicative season): σ²(1 + Σⱼ₌₁ʰ⁻¹ cⱼ²), cⱼ = α + βφⱼ + γ·[j ≡ 0 mod m] (§6.3 of the
//! book); by simulating 5,000 seeded future paths otherwise.

use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use super::Forecast;
use crate::error::{Error, Result};
use crate::jobs::Control;
use crate::ml::models::optim::{Lbfgs, Progress};

/// The error term.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    Additive,
    Multiplicative,
}

/// The trend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrendKind {
    None,
    Additive,
    Damped,
}

/// The season.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeasonKind {
    None,
    Additive,
    Multiplicative,
}

/// One model form, as ETS(error, trend, season).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form {
    pub error: ErrorKind,
    pub trend: TrendKind,
    pub season: SeasonKind,
}

impl Form {
    /// Reads a code such as `AAdN`, `MAM`, `ANA`.
    pub fn parse(code: &str) -> Option<Form> {
        let b = code.as_bytes();
        let error = match b.first()? {
            b'A' => ErrorKind::Additive,
            b'M' => ErrorKind::Multiplicative,
            _ => return None,
        };
        let (trend, rest) = match (b.get(1)?, b.get(2)) {
            (b'N', _) => (TrendKind::None, 2),
            (b'A', Some(b'd')) => (TrendKind::Damped, 3),
            (b'A', _) => (TrendKind::Additive, 2),
            _ => return None,
        };
        let season = match b.get(rest)? {
            b'N' => SeasonKind::None,
            b'A' => SeasonKind::Additive,
            b'M' => SeasonKind::Multiplicative,
            _ => return None,
        };
        (b.len() == rest + 1).then_some(Form {
            error,
            trend,
            season,
        })
    }

    /// The code, e.g. `AAdN`.
    pub fn code(&self) -> String {
        let e = match self.error {
            ErrorKind::Additive => "A",
            ErrorKind::Multiplicative => "M",
        };
        let t = match self.trend {
            TrendKind::None => "N",
            TrendKind::Additive => "A",
            TrendKind::Damped => "Ad",
        };
        let s = match self.season {
            SeasonKind::None => "N",
            SeasonKind::Additive => "A",
            SeasonKind::Multiplicative => "M",
        };
        format!("{e}{t}{s}")
    }

    /// The name as the literature writes it, e.g. `ETS(A,Ad,N)`.
    pub fn name(&self) -> String {
        let c = self.code();
        let (e, rest) = c.split_at(1);
        let (t, s) = rest.split_at(rest.len() - 1);
        format!("ETS({e},{t},{s})")
    }

    fn has_trend(&self) -> bool {
        self.trend != TrendKind::None
    }

    fn has_season(&self) -> bool {
        self.season != SeasonKind::None
    }

    /// Forms with exact (normal) prediction intervals.
    fn is_linear(&self) -> bool {
        self.error == ErrorKind::Additive && self.season != SeasonKind::Multiplicative
    }

    /// Free parameters besides σ²: smoothing parameters and initial states.
    pub fn parameters(&self, m: usize) -> usize {
        let mut k = 2; // α, ℓ₀
        if self.has_trend() {
            k += 2; // β, b₀
        }
        if self.trend == TrendKind::Damped {
            k += 1;
        }
        if self.has_season() {
            k += 1 + m - 1; // γ, m − 1 initial seasons
        }
        k
    }

    /// The forms tried by automatic selection for data with season `m` that are (or are not)
    /// strictly positive, as R's `ets()` restricts them by default.
    pub fn candidates(m: usize, positive: bool) -> Vec<Form> {
        let errors: &[ErrorKind] = if positive {
            &[ErrorKind::Additive, ErrorKind::Multiplicative]
        } else {
            &[ErrorKind::Additive]
        };
        let seasons: Vec<SeasonKind> = if (2..=24).contains(&m) {
            if positive {
                vec![
                    SeasonKind::None,
                    SeasonKind::Additive,
                    SeasonKind::Multiplicative,
                ]
            } else {
                vec![SeasonKind::None, SeasonKind::Additive]
            }
        } else {
            vec![SeasonKind::None]
        };
        let mut out = Vec::new();
        for &error in errors {
            for trend in [TrendKind::None, TrendKind::Additive, TrendKind::Damped] {
                for &season in &seasons {
                    if error == ErrorKind::Additive && season == SeasonKind::Multiplicative {
                        continue;
                    }
                    out.push(Form {
                        error,
                        trend,
                        season,
                    });
                }
            }
        }
        out
    }
}

/// A fitted model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EtsFit {
    pub form: Form,
    /// The seasonal period (1 without a season).
    pub m: usize,
    pub alpha: f64,
    pub beta: f64,
    pub gamma: f64,
    pub phi: f64,
    pub initial_level: f64,
    pub initial_trend: f64,
    /// The m seasonal states before the first observation, oldest first: the first value is the
    /// season of the first period.
    pub initial_season: Vec<f64>,
    pub loglik: f64,
    pub aic: f64,
    pub aicc: f64,
    pub bic: f64,
    /// Sum of squared errors (relative errors for multiplicative error).
    pub sse: f64,
    /// Variance of the errors: SSE / (n − parameters).
    pub sigma2: f64,
    /// One-step in-sample forecasts.
    pub fitted: Vec<f64>,
    /// The states after the last observation: level, trend, and the season ring (position t mod
    /// m holds the season used for period t).
    state: State,
    n: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct State {
    level: f64,
    trend: f64,
    season: Vec<f64>,
}

/// The smoothing parameters of one evaluation.
#[derive(Clone, Copy, Debug)]
struct Smoothing {
    alpha: f64,
    beta: f64,
    gamma: f64,
    phi: f64,
}

const LOWER: f64 = 1e-4;
const UPPER: f64 = 0.9999;
const PHI: (f64, f64) = (0.8, 0.98);

fn logistic(u: f64) -> f64 {
    1.0 / (1.0 + (-u).exp())
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    (p / (1.0 - p)).ln()
}

impl Form {
    /// Parameters and initial states from a free vector.
    fn unpack(&self, u: &[f64], m: usize) -> (Smoothing, State) {
        let mut i = 0;
        let mut next = || {
            let v = u[i];
            i += 1;
            v
        };
        let share = |u: f64| LOWER + (UPPER - LOWER) * logistic(u);
        let alpha = share(next());
        let beta = if self.has_trend() {
            alpha * share(next())
        } else {
            0.0
        };
        let gamma = if self.has_season() {
            (1.0 - alpha) * share(next())
        } else {
            0.0
        };
        let phi = match self.trend {
            TrendKind::Damped => PHI.0 + (PHI.1 - PHI.0) * logistic(next()),
            TrendKind::Additive => 1.0,
            TrendKind::None => 0.0,
        };
        let level = next();
        let trend = if self.has_trend() { next() } else { 0.0 };
        let season = if self.has_season() {
            let mut s: Vec<f64> = (0..m - 1).map(|_| next()).collect();
            let sum: f64 = s.iter().sum();
            s.push(match self.season {
                SeasonKind::Multiplicative => m as f64 - sum,
                _ => -sum,
            });
            s
        } else {
            Vec::new()
        };
        (
            Smoothing {
                alpha,
                beta,
                gamma,
                phi,
            },
            State {
                level,
                trend,
                season,
            },
        )
    }

    /// The free vector of given parameters and states (the inverse of `unpack`).
    fn pack(&self, p: Smoothing, s: &State) -> Vec<f64> {
        let share = |v: f64, lo: f64, hi: f64| logit((v - lo) / (hi - lo));
        let mut u = vec![share(p.alpha, LOWER, UPPER)];
        if self.has_trend() {
            u.push(share(p.beta / p.alpha, LOWER, UPPER));
        }
        if self.has_season() {
            u.push(share(p.gamma / (1.0 - p.alpha), LOWER, UPPER));
        }
        if self.trend == TrendKind::Damped {
            u.push(share(p.phi, PHI.0, PHI.1));
        }
        u.push(s.level);
        if self.has_trend() {
            u.push(s.trend);
        }
        if self.has_season() {
            u.extend(&s.season[..s.season.len() - 1]);
        }
        u
    }
}

/// The one-step forecast from a state at period `t` (0-based), and the trend part q.
fn one_step(form: &Form, p: Smoothing, s: &State, t: usize) -> (f64, f64) {
    let q = s.level + p.phi * s.trend;
    let f = match form.season {
        SeasonKind::None => q,
        SeasonKind::Additive => q + s.season[t % s.season.len()],
        SeasonKind::Multiplicative => q * s.season[t % s.season.len()],
    };
    (f, q)
}

/// Moves the state past an observation `y` at period `t`.
fn update(form: &Form, p: Smoothing, s: &mut State, t: usize, y: f64, q: f64) {
    let m = s.season.len();
    let season = if m > 0 { s.season[t % m] } else { 0.0 };
    let deseasoned = match form.season {
        SeasonKind::None => y,
        SeasonKind::Additive => y - season,
        SeasonKind::Multiplicative => y / season,
    };
    let level = q + p.alpha * (deseasoned - q);
    if form.has_trend() {
        let phib = p.phi * s.trend;
        s.trend = phib + (p.beta / p.alpha) * (level - s.level - phib);
    }
    if m > 0 {
        let detrended = match form.season {
            SeasonKind::Multiplicative => y / q,
            _ => y - q,
        };
        s.season[t % m] = season + p.gamma * (detrended - season);
    }
    s.level = level;
}

/// Runs the model over `y`: (SSE, Σ ln|ŷ|, fitted), or `None` where a multiplicative part
/// leaves the positive numbers or a value stops being finite.
fn run(form: &Form, p: Smoothing, mut s: State, y: &[f64]) -> Option<(f64, f64, Vec<f64>, State)> {
    let mut sse = 0.0;
    let mut log_f = 0.0;
    let mut fitted = Vec::with_capacity(y.len());
    let multiplicative =
        form.error == ErrorKind::Multiplicative || form.season == SeasonKind::Multiplicative;
    for (t, &v) in y.iter().enumerate() {
        let (f, q) = one_step(form, p, &s, t);
        if !f.is_finite() || (multiplicative && (f <= 0.0 || q <= 0.0)) {
            return None;
        }
        let e = match form.error {
            ErrorKind::Additive => v - f,
            ErrorKind::Multiplicative => (v - f) / f,
        };
        sse += e * e;
        log_f += f.abs().ln();
        fitted.push(f);
        update(form, p, &mut s, t, v, q);
    }
    sse.is_finite().then_some((sse, log_f, fitted, s))
}

/// The concentrated negative log-likelihood (without constants that don't move with the
/// parameters): n/2·ln(SSE) + Σ ln|ŷ| for multiplicative errors.
fn objective(form: &Form, u: &[f64], m: usize, y: &[f64]) -> f64 {
    let (p, s) = form.unpack(u, m);
    match run(form, p, s, y) {
        Some((sse, log_f, ..)) if sse > 0.0 => {
            let n = y.len() as f64;
            let mut v = 0.5 * n * sse.ln();
            if form.error == ErrorKind::Multiplicative {
                v += log_f;
            }
            v
        }
        _ => f64::INFINITY,
    }
}

/// Starting states from the first seasons of the data (as R's `initstate`): seasonal indices
/// by classical decomposition of up to four seasons, then a straight line through the first
/// observations without their season.
fn initial_states(form: &Form, y: &[f64], m: usize) -> State {
    let n = y.len();
    let mut season = Vec::new();
    let mut adjusted = y.to_vec();
    if form.has_season() {
        let seasons = (n / m).clamp(2, 4);
        let window = &y[..(seasons * m).min(n)];
        // Centred moving average of order m (2×m for even m).
        let half = m / 2;
        let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); m];
        for t in half..window.len().saturating_sub(half) {
            let trend = if m.is_multiple_of(2) {
                let a: f64 = window[t - half..t + half].iter().sum();
                let b: f64 = window[t - half + 1..=t + half].iter().sum();
                (a + b) / (2.0 * m as f64)
            } else {
                window[t - half..=t + half].iter().sum::<f64>() / m as f64
            };
            ratios[t % m].push(match form.season {
                SeasonKind::Multiplicative => window[t] / trend,
                _ => window[t] - trend,
            });
        }
        season = ratios
            .iter()
            .map(|r| {
                if r.is_empty() {
                    0.0
                } else {
                    r.iter().sum::<f64>() / r.len() as f64
                }
            })
            .collect();
        match form.season {
            SeasonKind::Multiplicative => {
                let mean = season.iter().sum::<f64>() / m as f64;
                season.iter_mut().for_each(|s| {
                    *s = if mean > 0.0 && *s > 0.0 {
                        *s / mean
                    } else {
                        1.0
                    }
                });
                for (t, v) in adjusted.iter_mut().enumerate() {
                    *v /= season[t % m];
                }
            }
            _ => {
                let mean = season.iter().sum::<f64>() / m as f64;
                season.iter_mut().for_each(|s| *s -= mean);
                for (t, v) in adjusted.iter_mut().enumerate() {
                    *v -= season[t % m];
                }
            }
        }
    }
    let k = n.min(10.max(2 * m));
    let xs: Vec<f64> = (1..=k).map(|t| t as f64).collect();
    let mx = xs.iter().sum::<f64>() / k as f64;
    let my = adjusted[..k].iter().sum::<f64>() / k as f64;
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let sxy: f64 = xs
        .iter()
        .zip(&adjusted[..k])
        .map(|(x, v)| (x - mx) * (v - my))
        .sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let (level, trend) = if form.has_trend() {
        (my - slope * mx, slope)
    } else {
        (my, 0.0)
    };
    State {
        level,
        trend,
        season,
    }
}

/// How many iterations a fit may take.
const MAX_ITERATIONS: usize = 400;

/// L-BFGS on the free parameters from `u0`: the loss and parameters reached, `None` when the
/// start can't be evaluated.
fn minimise(
    form: &Form,
    u0: Vec<f64>,
    m: usize,
    ys: &[f64],
    control: &mut dyn FnMut() -> Control,
) -> Result<Option<(f64, Vec<f64>)>> {
    let mut f = |u: &[f64], grad: &mut [f64]| -> f64 {
        let v = objective(form, u, m, ys);
        let mut q = u.to_vec();
        for j in 0..u.len() {
            let h = 1e-6 * u[j].abs().max(1.0);
            q[j] = u[j] + h;
            let up = objective(form, &q, m, ys);
            q[j] = u[j] - h;
            let down = objective(form, &q, m, ys);
            q[j] = u[j];
            grad[j] = (up - down) / (2.0 * h);
        }
        if v.is_finite() && grad.iter().all(|g| g.is_finite()) {
            v
        } else {
            f64::INFINITY
        }
    };
    let mut opt = Lbfgs::new(u0, 10, &mut f);
    if !opt.loss.is_finite() {
        return Ok(None);
    }
    for _ in 0..MAX_ITERATIONS {
        let progress = opt.iterate(&mut f, 1e-8);
        match control() {
            Control::Cancel => return Err(Error::Cancelled),
            Control::Stop => break,
            Control::Continue => {}
        }
        if progress == Progress::Converged {
            break;
        }
    }
    Ok(Some((opt.loss, opt.w)))
}

/// Fits one form to `y` with season `m` (ignored without a season).
pub fn fit(form: Form, y: &[f64], m: usize) -> Result<EtsFit> {
    fit_with(form, y, m, &mut || Control::Continue)
}

/// [`fit`] that asks `control` after every iteration.
pub fn fit_with(
    form: Form,
    y: &[f64],
    m: usize,
    control: &mut dyn FnMut() -> Control,
) -> Result<EtsFit> {
    let m = if form.has_season() { m } else { 1 };
    let n = y.len();
    let k = form.parameters(m);
    if form.has_season() && (m < 2 || n < 2 * m) {
        return Err(Error::InvalidInput(format!(
            "{} needs two seasons of history ({} periods); there are {n}",
            form.name(),
            2 * m
        )));
    }
    if n <= k + 1 {
        return Err(Error::InvalidInput(format!(
            "{} has {k} parameters to estimate from {n} periods: too few",
            form.name()
        )));
    }
    let positive = y.iter().all(|v| *v > 0.0);
    if (form.error == ErrorKind::Multiplicative || form.season == SeasonKind::Multiplicative)
        && !positive
    {
        return Err(Error::InvalidInput(format!(
            "{} needs values above zero",
            form.name()
        )));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(Error::InvalidInput("the series has missing values".into()));
    }
    // Fit on the data over their mean absolute value; states are scaled back at the end.
    let scale = {
        let s = y.iter().map(|v| v.abs()).sum::<f64>() / n as f64;
        if s > 0.0 { s } else { 1.0 }
    };
    let ys: Vec<f64> = y.iter().map(|v| v / scale).collect();
    let start_state = initial_states(&form, &ys, m);
    let mut best: Option<(f64, Vec<f64>)> = None;
    let gammas: &[f64] = if form.has_season() {
        &[0.01, 0.2]
    } else {
        &[0.01]
    };
    for alpha in [0.1, 0.5] {
        for &gamma in gammas {
            let start = Smoothing {
                alpha,
                beta: 0.1 * alpha,
                gamma: gamma * (1.0 - alpha),
                phi: 0.95,
            };
            let u0 = form.pack(start, &start_state);
            // Twice: the second run starts afresh (no curvature memory) where the first stopped.
            let Some((_, u)) = minimise(&form, u0, m, &ys, control)? else {
                continue;
            };
            match minimise(&form, u, m, &ys, control)? {
                Some((loss, u)) if best.as_ref().is_none_or(|b| loss < b.0) => {
                    best = Some((loss, u))
                }
                _ => {}
            }
        }
    }
    let Some((_, u)) = best else {
        return Err(Error::InvalidInput(format!(
            "{} can't be fitted to this series from its starting values",
            form.name()
        )));
    };
    let (p, mut s0) = form.unpack(&u, m);
    s0.level *= scale;
    s0.trend *= scale;
    if form.season == SeasonKind::Additive {
        s0.season.iter_mut().for_each(|v| *v *= scale);
    }
    let Some((sse, log_f, fitted, end)) = run(&form, p, s0.clone(), y) else {
        return Err(Error::InvalidInput(format!(
            "{} did not converge on this series",
            form.name()
        )));
    };
    let nf = n as f64;
    let mut loglik = -0.5 * nf * ((2.0 * std::f64::consts::PI * sse / nf).ln() + 1.0);
    if form.error == ErrorKind::Multiplicative {
        loglik -= log_f;
    }
    let kk = (k + 1) as f64;
    let aic = -2.0 * loglik + 2.0 * kk;
    let aicc = aic + 2.0 * kk * (kk + 1.0) / (nf - kk - 1.0);
    let bic = aic + kk * (nf.ln() - 2.0);
    Ok(EtsFit {
        form,
        m,
        alpha: p.alpha,
        beta: p.beta,
        gamma: p.gamma,
        phi: p.phi,
        initial_level: s0.level,
        initial_trend: s0.trend,
        initial_season: s0.season,
        loglik,
        aic,
        aicc,
        bic,
        sse,
        sigma2: sse / (n - k) as f64,
        fitted,
        state: end,
        n,
    })
}

/// Fits every allowed form and keeps the one with the lowest AICc.
pub fn auto(y: &[f64], m: usize, control: &mut dyn FnMut() -> Control) -> Result<EtsFit> {
    let positive = y.iter().all(|v| *v > 0.0);
    let mut best: Option<EtsFit> = None;
    let mut last_error = None;
    for form in Form::candidates(m, positive) {
        match fit_with(form, y, m, control) {
            Ok(fit) => {
                if fit.aicc.is_finite() && best.as_ref().is_none_or(|b| fit.aicc < b.aicc) {
                    best = Some(fit);
                }
            }
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => last_error = Some(e),
        }
    }
    best.ok_or_else(|| {
        last_error
            .unwrap_or_else(|| Error::InvalidInput("no exponential smoothing form fits".into()))
    })
}

impl EtsFit {
    fn smoothing(&self) -> Smoothing {
        Smoothing {
            alpha: self.alpha,
            beta: self.beta,
            gamma: self.gamma,
            phi: self.phi,
        }
    }

    /// Point forecasts h periods ahead (the recursion with zero errors).
    pub fn point(&self, h: usize) -> Vec<f64> {
        let p = self.smoothing();
        let mut s = self.state.clone();
        (0..h)
            .map(|j| {
                let t = self.n + j;
                let (f, q) = one_step(&self.form, p, &s, t);
                update(&self.form, p, &mut s, t, f, q);
                f
            })
            .collect()
    }

    /// Forecasts h periods ahead with 80% and 95% intervals; `seed` drives the simulated
    /// intervals of the non-linear forms.
    pub fn forecast(&self, h: usize, seed: u64) -> Forecast {
        let mean = self.point(h);
        if self.form.is_linear() {
            let p = self.smoothing();
            let mut var = self.sigma2;
            let mut spread = Vec::with_capacity(h);
            let mut damp = 0.0;
            for j in 1..=h {
                spread.push(var.sqrt());
                // c_j for the next step.
                damp = match self.form.trend {
                    TrendKind::None => 0.0,
                    TrendKind::Additive => j as f64,
                    TrendKind::Damped => damp + p.phi.powi(j as i32),
                };
                let seasonal = if self.form.has_season() && j % self.m == 0 {
                    p.gamma
                } else {
                    0.0
                };
                let c = p.alpha + p.beta * damp + seasonal;
                var += self.sigma2 * c * c;
            }
            return Forecast::normal(mean, &spread);
        }
        self.simulate(mean, h, seed)
    }

    /// Intervals from simulated future paths.
    fn simulate(&self, mean: Vec<f64>, h: usize, seed: u64) -> Forecast {
        const PATHS: usize = 5_000;
        let p = self.smoothing();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let Ok(noise) = Normal::new(0.0, self.sigma2.max(0.0).sqrt()) else {
            return Forecast::normal(mean, &vec![f64::NAN; h]);
        };
        let mut paths = vec![vec![0.0; PATHS]; h];
        for k in 0..PATHS {
            let mut s = self.state.clone();
            for (j, step) in paths.iter_mut().enumerate() {
                let t = self.n + j;
                let (f, q) = one_step(&self.form, p, &s, t);
                let e = noise.sample(&mut rng);
                let y = match self.form.error {
                    ErrorKind::Additive => f + e,
                    ErrorKind::Multiplicative => f * (1.0 + e),
                };
                step[k] = y;
                update(&self.form, p, &mut s, t, y, q);
            }
        }
        let mut out = Forecast {
            mean,
            lo80: Vec::with_capacity(h),
            hi80: Vec::with_capacity(h),
            lo95: Vec::with_capacity(h),
            hi95: Vec::with_capacity(h),
        };
        for step in &mut paths {
            step.sort_unstable_by(f64::total_cmp);
            out.lo80.push(quantile(step, 0.1));
            out.hi80.push(quantile(step, 0.9));
            out.lo95.push(quantile(step, 0.025));
            out.hi95.push(quantile(step, 0.975));
        }
        out
    }
}

/// The q-quantile of sorted values (linear between order statistics, R's type 7).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for m in [1, 4, 12, 52] {
            for form in Form::candidates(m, true) {
                assert_eq!(Form::parse(&form.code()), Some(form));
            }
        }
        assert_eq!(Form::candidates(4, true).len(), 15);
        assert_eq!(Form::candidates(4, false).len(), 6);
        assert_eq!(Form::candidates(52, true).len(), 6);
        assert_eq!(
            Form::parse("AAdN").map(|f| f.name()),
            Some("ETS(A,Ad,N)".into())
        );
    }

    #[test]
    fn simple_smoothing_finds_a_level_and_its_interval_widens() {
        let y: Vec<f64> = (0..60)
            .map(|t| 100.0 + 5.0 * ((t * 7919 % 13) as f64 - 6.0) / 6.0)
            .collect();
        let form = Form::parse("ANN").unwrap_or(Form {
            error: ErrorKind::Additive,
            trend: TrendKind::None,
            season: SeasonKind::None,
        });
        let fit = fit(form, &y, 1).map_err(|e| e.to_string());
        assert!(fit.is_ok(), "{fit:?}");
        let Ok(fit) = fit else { return };
        let f = fit.forecast(4, 1);
        assert!((f.mean[0] - 100.0).abs() < 3.0, "{:?}", f.mean);
        assert!(f.hi95[3] - f.lo95[3] > f.hi95[0] - f.lo95[0]);
    }
}
