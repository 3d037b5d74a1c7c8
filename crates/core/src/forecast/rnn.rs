//! A recurrent network for a series: a one-layer GRU (PyTorch's gate equations) on candle,
//! reading a window of the standardised series, and, with calendar inputs, where the next
//! period falls in its season (its sine and cosine), trained to predict the next value by Adam
//! on mini-batches of windows, with the last fifth of the windows held out for early stopping
//! (the best epoch is kept). Forecasts are recursive: each predicted value is fed back in.
//! Prediction intervals come from 1,000 simulated paths with normal errors of the in-sample
//! one-step residuals' spread fed back the same way (as R's `nnetar` does).

use candle_core::{D, DType, Device, Tensor, Var};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use super::Forecast;
use crate::error::{Error, Result};
use crate::jobs::Control;

/// The network's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RnnSettings {
    /// Hidden units of the GRU.
    pub hidden: usize,
    /// Periods the network reads before predicting the next (default: two seasons, at most a
    /// third of the history, at least 4).
    pub window: Option<usize>,
    pub max_epochs: usize,
    /// Epochs without a better validation loss before training stops.
    pub patience: usize,
    pub learning_rate: f64,
    /// Feed the position in the season (sine and cosine) as inputs.
    pub calendar: bool,
}

impl Default for RnnSettings {
    fn default() -> Self {
        Self {
            hidden: 16,
            window: None,
            max_epochs: 200,
            patience: 20,
            learning_rate: 0.01,
            calendar: true,
        }
    }
}

/// A trained network.
#[derive(Clone, Debug)]
pub struct RnnFit {
    params: Vec<Vec<f32>>,
    hidden: usize,
    window: usize,
    calendar: bool,
    m: usize,
    mean: f64,
    sd: f64,
    /// The standardised history, to continue from.
    history: Vec<f32>,
    /// One-step in-sample forecasts (NaN for the first `window` periods).
    pub fitted: Vec<f64>,
    /// Training and validation loss (mean squared error of the standardised series) per epoch.
    pub losses: Vec<(f64, f64)>,
    /// The epoch whose weights were kept.
    pub best_epoch: usize,
    /// Spread of the in-sample one-step residuals (standardised units).
    residual_sd: f64,
}

const BATCH: usize = 32;
const PATHS: usize = 1_000;

fn candle(e: candle_core::Error) -> Error {
    Error::Model(format!("recurrent network: {e}"))
}

fn features(calendar: bool) -> usize {
    if calendar { 3 } else { 1 }
}

/// The inputs of the window that ends just before period `target` (rows of
/// [value, sin, cos]), appended to `out`.
fn window_inputs(
    z: &[f32],
    target: usize,
    window: usize,
    calendar: bool,
    m: usize,
    out: &mut Vec<f32>,
) {
    let first = target - window;
    for (t, &v) in z[first..target]
        .iter()
        .enumerate()
        .map(|(k, v)| (first + k, v))
    {
        out.push(v);
        if calendar {
            // Where the period after this one falls in the season.
            let angle = 2.0 * std::f64::consts::PI * ((t + 1) % m.max(1)) as f64 / m.max(1) as f64;
            out.push(angle.sin() as f32);
            out.push(angle.cos() as f32);
        }
    }
}

/// The network's output for a batch of windows `x` (batch × window × features).
fn forward(p: &[Tensor], x: &Tensor, hidden: usize) -> candle_core::Result<Tensor> {
    let (batch, steps, _) = x.dims3()?;
    let (wi, wh, bi, bh, wo, bo) = (&p[0], &p[1], &p[2], &p[3], &p[4], &p[5]);
    let mut h = Tensor::zeros((batch, hidden), x.dtype(), x.device())?;
    let sigmoid = |t: Tensor| -> candle_core::Result<Tensor> { (t.neg()?.exp()? + 1.0)?.recip() };
    for s in 0..steps {
        let xs = x.narrow(1, s, 1)?.squeeze(1)?;
        let gi = xs.matmul(wi)?.broadcast_add(bi)?;
        let gh = h.matmul(wh)?.broadcast_add(bh)?;
        let r = sigmoid((gi.narrow(1, 0, hidden)? + gh.narrow(1, 0, hidden)?)?)?;
        let u = sigmoid((gi.narrow(1, hidden, hidden)? + gh.narrow(1, hidden, hidden)?)?)?;
        let n = (gi.narrow(1, 2 * hidden, hidden)? + (r * gh.narrow(1, 2 * hidden, hidden)?)?)?
            .tanh()?;
        // h' = (1 − u)·n + u·h = n + u·(h − n)
        h = (&n + (u * (h - &n)?)?)?;
    }
    h.matmul(wo)?.broadcast_add(bo)?.squeeze(D::Minus1)
}

fn shapes(f: usize, hidden: usize) -> [(usize, usize); 6] {
    [
        (f, 3 * hidden),
        (hidden, 3 * hidden),
        (1, 3 * hidden),
        (1, 3 * hidden),
        (hidden, 1),
        (1, 1),
    ]
}

fn tensors(
    params: &[Vec<f32>],
    f: usize,
    hidden: usize,
    dev: &Device,
) -> candle_core::Result<Vec<Tensor>> {
    params
        .iter()
        .zip(shapes(f, hidden))
        .map(|(w, shape)| Tensor::from_slice(w, shape, dev))
        .collect()
}

/// Trains a network on `y` with season `m`; `epoch` hears (epoch, train loss, validation
/// loss) and answers Continue, Stop (keep the best so far) or Cancel.
pub fn fit(
    y: &[f64],
    m: usize,
    settings: &RnnSettings,
    seed: u64,
    epoch: &dyn Fn(usize, f64, f64) -> Control,
) -> Result<RnnFit> {
    let n = y.len();
    let calendar = settings.calendar && m > 1;
    let window = settings
        .window
        .unwrap_or_else(|| (2 * m.max(2)).min(n / 3))
        .max(4);
    if n < window + 8 {
        return Err(Error::InvalidInput(format!(
            "{n} periods: the network needs at least {} (a window of {window} and 8 to learn from)",
            window + 8
        )));
    }
    if settings.hidden == 0 || settings.max_epochs == 0 {
        return Err(Error::InvalidInput(
            "the network needs hidden units and epochs".into(),
        ));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(Error::InvalidInput("the series has missing values".into()));
    }
    let mean = y.iter().sum::<f64>() / n as f64;
    let sd = (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    let sd = if sd > 0.0 { sd } else { 1.0 };
    let z: Vec<f32> = y.iter().map(|v| ((v - mean) / sd) as f32).collect();
    let f = features(calendar);
    let hidden = settings.hidden;
    let dev = Device::Cpu;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);

    // Windows: every target from `window` on; the last fifth (at least one) validates.
    let targets: Vec<usize> = (window..n).collect();
    let valid_count = (targets.len() / 5).max(1);
    let (train_t, valid_t) = targets.split_at(targets.len() - valid_count);
    let batch_of = |ts: &[usize]| -> candle_core::Result<(Tensor, Tensor)> {
        let mut x = Vec::with_capacity(ts.len() * window * f);
        for &t in ts {
            window_inputs(&z, t, window, calendar, m, &mut x);
        }
        let target: Vec<f32> = ts.iter().map(|&t| z[t]).collect();
        Ok((
            Tensor::from_slice(&x, (ts.len(), window, f), &dev)?,
            Tensor::from_slice(&target, ts.len(), &dev)?,
        ))
    };

    let bound = 1.0 / (hidden as f32).sqrt();
    let mut params: Vec<Vec<f32>> = shapes(f, hidden)
        .iter()
        .map(|&(r, c)| (0..r * c).map(|_| rng.gen_range(-bound..bound)).collect())
        .collect();
    let mut moments: Vec<(Vec<f32>, Vec<f32>)> = params
        .iter()
        .map(|p| (vec![0.0; p.len()], vec![0.0; p.len()]))
        .collect();
    let (beta1, beta2) = (0.9f64, 0.999f64);
    let mut powers = (1.0f64, 1.0f64);
    let (valid_x, valid_y) = batch_of(valid_t).map_err(candle)?;
    let mut best = (f64::INFINITY, params.clone(), 0usize);
    let mut losses = Vec::new();
    let mut order: Vec<usize> = train_t.to_vec();
    let mut since_best = 0;
    for e in 1..=settings.max_epochs {
        order.shuffle(&mut rng);
        let mut total = 0.0;
        for chunk in order.chunks(BATCH) {
            let (x, target) = batch_of(chunk).map_err(candle)?;
            let vars: Vec<Var> = params
                .iter()
                .zip(shapes(f, hidden))
                .map(|(w, shape)| Var::from_slice(w, shape, &dev))
                .collect::<candle_core::Result<_>>()
                .map_err(candle)?;
            let ts: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
            let out = forward(&ts, &x, hidden).map_err(candle)?;
            let loss = (out - &target)
                .and_then(|d| d.sqr())
                .and_then(|d| d.mean_all())
                .map_err(candle)?;
            total += f64::from(loss.to_scalar::<f32>().map_err(candle)?) * chunk.len() as f64;
            let grads = loss.backward().map_err(candle)?;
            powers = (powers.0 * beta1, powers.1 * beta2);
            let step = (settings.learning_rate * (1.0 - powers.1).sqrt() / (1.0 - powers.0)) as f32;
            for ((w, (mo, ve)), var) in params.iter_mut().zip(&mut moments).zip(&vars) {
                let Some(g) = grads.get(var.as_tensor()) else {
                    continue;
                };
                let g = g
                    .flatten_all()
                    .and_then(|g| g.to_vec1::<f32>())
                    .map_err(candle)?;
                for (((w, mo), ve), g) in w.iter_mut().zip(mo.iter_mut()).zip(ve.iter_mut()).zip(g)
                {
                    *mo = beta1 as f32 * *mo + (1.0 - beta1 as f32) * g;
                    *ve = beta2 as f32 * *ve + (1.0 - beta2 as f32) * g * g;
                    *w -= step * *mo / (ve.sqrt() + 1e-8);
                }
            }
        }
        let train_loss = total / order.len() as f64;
        let ts = tensors(&params, f, hidden, &dev).map_err(candle)?;
        let valid_loss = forward(&ts, &valid_x, hidden)
            .and_then(|o| o - &valid_y)
            .and_then(|d| d.sqr())
            .and_then(|d| d.mean_all())
            .and_then(|d| d.to_scalar::<f32>())
            .map_err(candle)?;
        let valid_loss = f64::from(valid_loss);
        losses.push((train_loss, valid_loss));
        if valid_loss < best.0 {
            best = (valid_loss, params.clone(), e);
            since_best = 0;
        } else {
            since_best += 1;
        }
        match epoch(e, train_loss, valid_loss) {
            Control::Cancel => return Err(Error::Cancelled),
            Control::Stop => break,
            Control::Continue => {}
        }
        if since_best >= settings.patience {
            break;
        }
    }
    let (_, params, best_epoch) = best;
    // In-sample one-step forecasts with the kept weights.
    let ts = tensors(&params, f, hidden, &dev).map_err(candle)?;
    let (all_x, _) = batch_of(&targets).map_err(candle)?;
    let one_step = forward(&ts, &all_x, hidden)
        .and_then(|o| o.to_dtype(DType::F32))
        .and_then(|o| o.to_vec1::<f32>())
        .map_err(candle)?;
    let mut fitted = vec![f64::NAN; window];
    fitted.extend(one_step.iter().map(|v| f64::from(*v) * sd + mean));
    let residuals: Vec<f64> = targets
        .iter()
        .zip(&one_step)
        .map(|(&t, p)| f64::from(z[t] - p))
        .collect();
    let residual_sd =
        (residuals.iter().map(|r| r * r).sum::<f64>() / residuals.len().max(1) as f64).sqrt();
    Ok(RnnFit {
        params,
        hidden,
        window,
        calendar,
        m,
        mean,
        sd,
        history: z,
        fitted,
        losses,
        best_epoch,
        residual_sd,
    })
}

impl RnnFit {
    /// What was trained, for a results table.
    pub fn describe(&self) -> String {
        format!(
            "GRU({} units, window {}{}), epoch {}",
            self.hidden,
            self.window,
            if self.calendar { ", calendar" } else { "" },
            self.best_epoch
        )
    }

    /// Runs `paths` copies of the series forward `h` periods; `noise` adds an error to each
    /// step (standardised units). Returns values per step per path.
    fn paths(
        &self,
        h: usize,
        paths: usize,
        noise: &mut dyn FnMut() -> f32,
    ) -> Result<Vec<Vec<f32>>> {
        let f = features(self.calendar);
        let dev = Device::Cpu;
        let ts = tensors(&self.params, f, self.hidden, &dev).map_err(candle)?;
        let mut series: Vec<Vec<f32>> = vec![self.history.clone(); paths];
        let mut out = Vec::with_capacity(h);
        for _ in 0..h {
            let mut x = Vec::with_capacity(paths * self.window * f);
            for s in &series {
                window_inputs(s, s.len(), self.window, self.calendar, self.m, &mut x);
            }
            let x = Tensor::from_slice(&x, (paths, self.window, f), &dev).map_err(candle)?;
            let next = forward(&ts, &x, self.hidden)
                .and_then(|o| o.to_vec1::<f32>())
                .map_err(candle)?;
            let mut step = Vec::with_capacity(paths);
            for (s, v) in series.iter_mut().zip(next) {
                let v = v + noise();
                s.push(v);
                step.push(v);
            }
            out.push(step);
        }
        Ok(out)
    }

    /// Forecasts `h` periods with simulated 80% and 95% intervals.
    pub fn forecast(&self, h: usize, seed: u64) -> Forecast {
        let unscale = |v: f32| f64::from(v) * self.sd + self.mean;
        let mean = match self.paths(h, 1, &mut || 0.0) {
            Ok(p) => p.iter().map(|s| unscale(s[0])).collect(),
            Err(_) => vec![f64::NAN; h],
        };
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x0072_6e6e);
        let spread = Normal::new(0.0, self.residual_sd.max(1e-9)).ok();
        let mut noise = || spread.map_or(0.0, |d| d.sample(&mut rng) as f32);
        let Ok(mut sims) = self.paths(h, PATHS, &mut noise) else {
            return Forecast::normal(mean, &vec![f64::NAN; h]);
        };
        let mut out = Forecast {
            mean,
            ..Forecast::default()
        };
        for step in &mut sims {
            step.sort_unstable_by(f32::total_cmp);
            let q =
                |p: f64| unscale(step[((p * (PATHS - 1) as f64).round() as usize).min(PATHS - 1)]);
            out.lo80.push(q(0.1));
            out.hi80.push(q(0.9));
            out.lo95.push(q(0.025));
            out.hi95.push(q(0.975));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_seasonal_pattern() {
        // A clean season of 4 on a slow trend: the network must beat the mean by far.
        let y: Vec<f64> = (0..80)
            .map(|t| 100.0 + 0.5 * t as f64 + [10.0, -5.0, 20.0, -25.0][t % 4])
            .collect();
        let settings = RnnSettings::default();
        let fit = fit(&y[..72], 4, &settings, 7, &|_, _, _| Control::Continue);
        let fit = fit.map_err(|e| e.to_string());
        assert!(fit.is_ok(), "{fit:?}");
        let Ok(fit) = fit else { return };
        let f = fit.forecast(8, 1);
        let mae: f64 = f
            .mean
            .iter()
            .zip(&y[72..])
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / 8.0;
        assert!(mae < 6.0, "MAE {mae}, forecast {:?}", f.mean);
        assert!(f.lo95[0] < f.mean[0] && f.mean[0] < f.hi95[0]);
        assert!(!fit.losses.is_empty());
    }
}
