//! Multi-layer perceptron for yes/no, several-class and amount targets on tabular rows.
//!
//! Training runs on candle (f32, CPU): forward pass and backpropagation through the hidden
//! layers, with an Adam update written out here so that the L2 penalty touches weights only
//! and every step is deterministic. The fitted network is plain data ([`MlpModel`]) and
//! scores rows with its own dense-layer loop rather than candle's matmul: each output then
//! depends only on its own row (never on how many rows share the call, the thread count or
//! the CPU's vector extensions), so a saved model reproduces its training-time scores bit for
//! bit wherever and however it is scored. Training evaluates the holdout through that same
//! [`MlpModel::predict`] path.

use std::num::NonZeroUsize;
use std::thread;

use ndarray::{Array2, ArrayView2, s};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Adam's moment decay rates and denominator guard (the usual defaults, as in scikit-learn).
const BETA1: f32 = 0.9;
const BETA2: f32 = 0.999;
const ADAM_EPS: f32 = 1e-8;
/// Probabilities are clipped to this before taking logs, as `metrics::log_loss` does.
const PROB_EPS: f64 = 1e-15;
/// Values (rows × widest layer) scored per chunk: bounds memory whatever the row count.
const CHUNK_VALUES: usize = 1 << 18;
/// Below this many rows per thread, spawning threads costs more than it saves.
const MIN_ROWS_PER_THREAD: usize = 4096;

/// Settings for [`train`]. Every field has a default, so partial JSON is accepted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MlpParams {
    /// Number of hidden layers (1..=4).
    pub hidden_layers: usize,
    /// Units per hidden layer (4..=1024).
    pub units: usize,
    /// The most passes over the training rows.
    pub epochs: usize,
    /// Adam's step size.
    pub learning_rate: f64,
    /// Rows per gradient step.
    pub batch_size: usize,
    /// Stop after this many epochs without a better validation loss (training loss when there
    /// are no validation rows); 0 = always run all epochs.
    pub patience: usize,
    /// L2 penalty on weights (not biases), scaled as scikit-learn's `alpha`: each step adds
    /// `l2 / 2 · ‖W‖² / batch rows` to the batch's mean loss.
    pub l2: f64,
}

impl Default for MlpParams {
    fn default() -> Self {
        Self {
            hidden_layers: 2,
            units: 64,
            epochs: 100,
            learning_rate: 1e-3,
            batch_size: 256,
            patience: 10,
            l2: 1e-4,
        }
    }
}

/// One dense layer: `out = in · W + b`, W stored row-major as `inputs × outputs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Layer {
    pub(crate) inputs: usize,
    pub(crate) outputs: usize,
    pub(crate) weights: Vec<f32>,
    pub(crate) biases: Vec<f32>,
}

/// What the last layer's outputs mean.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Output {
    /// One logit; P(yes) = sigmoid(logit).
    YesNo,
    /// `classes` logits; probabilities = softmax(logits).
    Classes { classes: usize },
    /// One standardised amount; amount = mean + scale · output.
    Amount { mean: f64, scale: f64 },
}

/// A fitted network: plain data, so it serialises to JSON and scores without candle state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MlpModel {
    /// Hidden layers (each followed by ReLU), then the output layer.
    layers: Vec<Layer>,
    output: Output,
    /// The epoch whose parameters these are (1-based).
    #[serde(default)]
    best_epoch: usize,
}

impl MlpModel {
    /// The layers (hidden ones each followed by ReLU) and what the last one's outputs mean,
    /// for writing the network for another engine ([`crate::onnx`]).
    pub(crate) fn parts(&self) -> (&[Layer], &Output) {
        (&self.layers, &self.output)
    }

    /// Number of input features it takes.
    pub fn inputs(&self) -> usize {
        self.layers.first().map_or(0, |l| l.inputs)
    }

    /// Number of fitted parameters (weights and biases).
    pub fn parameter_count(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.weights.len() + l.biases.len())
            .sum()
    }

    /// The training epoch (1-based) whose parameters this model holds.
    pub fn best_epoch(&self) -> usize {
        self.best_epoch
    }

    /// One number per row: P(yes) for yes/no, the amount for regression, and for several
    /// classes the probability of the most likely class.
    pub fn predict(&self, x: ArrayView2<f32>) -> Result<Vec<f64>> {
        let width = self.check(x)?;
        let logits = self.logits(x, width)?;
        Ok(match self.output {
            Output::YesNo => logits.iter().map(|&z| sigmoid(z)).collect(),
            Output::Classes { .. } => {
                let mut p = vec![0.0; width];
                logits
                    .chunks_exact(width)
                    .map(|z| {
                        softmax(z, &mut p);
                        p.iter().copied().fold(0.0, f64::max)
                    })
                    .collect()
            }
            Output::Amount { mean, scale } => logits
                .iter()
                .map(|&z| mean + scale * f64::from(z))
                .collect(),
        })
    }

    /// Class probabilities, one row per input row: n × K for several classes, n × 2
    /// (`[1 − p, p]`) for yes/no. Rows sum to 1. An amount model has none: `Err`.
    pub fn predict_proba(&self, x: ArrayView2<f32>) -> Result<Array2<f64>> {
        let width = self.check(x)?;
        let n = x.nrows();
        match self.output {
            Output::Amount { .. } => Err(Error::Model(
                "this network predicts an amount, so it has no class probabilities".into(),
            )),
            Output::YesNo => {
                let logits = self.logits(x, width)?;
                let mut out = Array2::zeros((n, 2));
                for (mut row, &z) in out.rows_mut().into_iter().zip(&logits) {
                    let p = sigmoid(z);
                    row[0] = 1.0 - p;
                    row[1] = p;
                }
                Ok(out)
            }
            Output::Classes { .. } => {
                let logits = self.logits(x, width)?;
                let mut out = Array2::zeros((n, width));
                let mut p = vec![0.0; width];
                for (mut row, z) in out.rows_mut().into_iter().zip(logits.chunks_exact(width)) {
                    softmax(z, &mut p);
                    row.iter_mut().zip(&p).for_each(|(o, &v)| *o = v);
                }
                Ok(out)
            }
        }
    }

    /// Checks the network's shapes (a hand-edited or corrupted file must give `Err`, not a
    /// panic) and the column count of `x`; returns the output width.
    fn check(&self, x: ArrayView2<f32>) -> Result<usize> {
        let bad =
            |what: &str| Error::Model(format!("the saved neural network is inconsistent: {what}"));
        let first = self.layers.first().ok_or_else(|| bad("it has no layers"))?;
        let mut width = first.inputs;
        if width == 0 {
            return Err(bad("it takes no inputs"));
        }
        for layer in &self.layers {
            if layer.inputs != width || layer.outputs == 0 {
                return Err(bad("layer sizes do not chain"));
            }
            if Some(layer.weights.len()) != layer.inputs.checked_mul(layer.outputs)
                || layer.biases.len() != layer.outputs
            {
                return Err(bad("a layer's weights do not match its size"));
            }
            width = layer.outputs;
        }
        let expected = match self.output {
            Output::YesNo => 1,
            Output::Amount { mean, scale } => {
                if !mean.is_finite() || !scale.is_finite() {
                    return Err(bad("the amount's mean or scale is not finite"));
                }
                1
            }
            Output::Classes { classes } => classes.max(2),
        };
        if width != expected {
            return Err(bad("the output layer's width does not match the target"));
        }
        if x.ncols() != first.inputs {
            return Err(Error::Model(format!(
                "the neural network takes {} input columns but the data has {}",
                first.inputs,
                x.ncols()
            )));
        }
        Ok(width)
    }

    /// Raw outputs (n × width, row-major), split over threads for large inputs. Rows are
    /// independent, so the split does not change any value.
    fn logits(&self, x: ArrayView2<f32>, width: usize) -> Result<Vec<f32>> {
        let n = x.nrows();
        let mut out = vec![0.0f32; n * width];
        let threads = thread::available_parallelism()
            .map_or(1, NonZeroUsize::get)
            .min(n / MIN_ROWS_PER_THREAD)
            .max(1);
        if threads == 1 {
            self.logits_into(x, 0, &mut out)?;
            return Ok(out);
        }
        let rows_per_thread = n.div_ceil(threads);
        thread::scope(|scope| {
            let handles: Vec<_> = out
                .chunks_mut(rows_per_thread * width)
                .enumerate()
                .map(|(t, part)| {
                    let start = t * rows_per_thread;
                    let rows = x.slice(s![start..start + part.len() / width, ..]);
                    scope.spawn(move || self.logits_into(rows, start, part))
                })
                .collect();
            handles.into_iter().try_for_each(|h| {
                h.join()
                    .map_err(|_| Error::Model("a neural network scoring thread failed".into()))?
            })
        })?;
        Ok(out)
    }

    /// Scores `x` chunk by chunk into `out`; `first_row` numbers rows in error messages.
    fn logits_into(&self, x: ArrayView2<f32>, first_row: usize, out: &mut [f32]) -> Result<()> {
        let cols = x.ncols();
        let width = self.layers.last().map_or(1, |l| l.outputs);
        let widest = self.layers.iter().map(|l| l.outputs).fold(cols, usize::max);
        let chunk_rows = (CHUNK_VALUES / widest).clamp(1, 4096);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (c, out_chunk) in out.chunks_mut(chunk_rows * width).enumerate() {
            let start = c * chunk_rows;
            let rows = out_chunk.len() / width;
            a.clear();
            for (i, row) in x
                .slice(s![start..start + rows, ..])
                .rows()
                .into_iter()
                .enumerate()
            {
                for (j, &v) in row.iter().enumerate() {
                    if !v.is_finite() {
                        return Err(Error::InvalidInput(format!(
                            "feature values must be finite numbers, but row {} column {} is {v}",
                            first_row + start + i + 1,
                            j + 1
                        )));
                    }
                    a.push(v);
                }
            }
            let last = self.layers.len() - 1;
            for (l, layer) in self.layers.iter().enumerate() {
                dense(&a, layer, l < last, &mut b);
                std::mem::swap(&mut a, &mut b);
            }
            out_chunk.copy_from_slice(&a);
        }
        Ok(())
    }
}

/// Outputs computed together per row: 16 f32 accumulators stay in registers (4 SSE lanes each).
const BLOCK: usize = 16;

/// `out = input · W + b` (then ReLU if asked), one row at a time. Each output starts at its
/// bias and adds `input[i] · W[i][o]` for the row's nonzero inputs in increasing `i`: vector
/// lanes run across outputs, never across that sum, so every output depends only on its own
/// row and the result is the same on any machine. Zero inputs (half of all after ReLU) are
/// skipped.
fn dense(input: &[f32], layer: &Layer, relu: bool, out: &mut Vec<f32>) {
    let (ni, no) = (layer.inputs, layer.outputs);
    let rows = input.len() / ni;
    out.clear();
    out.resize(rows * no, 0.0);
    let mut nonzero: Vec<(f32, usize)> = vec![(0.0, 0); ni];
    for (a_row, o_row) in input.chunks_exact(ni).zip(out.chunks_exact_mut(no)) {
        // Branch-free compaction: ReLU zeros fall at random, so a branch would mispredict.
        let mut count = 0;
        for (i, &a) in a_row.iter().enumerate() {
            nonzero[count] = (a, i);
            count += usize::from(a != 0.0);
        }
        let nonzero = &nonzero[..count];
        let mut start = 0;
        while start < no {
            let len = BLOCK.min(no - start);
            let mut acc = [0.0f32; BLOCK];
            acc[..len].copy_from_slice(&layer.biases[start..start + len]);
            if len == BLOCK {
                for &(a, i) in nonzero {
                    let w = &layer.weights[i * no + start..i * no + start + BLOCK];
                    for (acc, &w) in acc.iter_mut().zip(w) {
                        *acc += a * w;
                    }
                }
            } else {
                for &(a, i) in nonzero {
                    let w = &layer.weights[i * no + start..i * no + start + len];
                    for (acc, &w) in acc.iter_mut().zip(w) {
                        *acc += a * w;
                    }
                }
            }
            o_row[start..start + len].copy_from_slice(&acc[..len]);
            start += len;
        }
        if relu {
            o_row.iter_mut().for_each(|o| *o = o.max(0.0));
        }
    }
}

fn sigmoid(z: f32) -> f64 {
    1.0 / (1.0 + (-f64::from(z)).exp())
}

/// Softmax of one row of logits into `p` (same length), in f64.
fn softmax(z: &[f32], p: &mut [f64]) {
    let m = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let m = f64::from(m);
    let mut sum = 0.0;
    for (pk, &zk) in p.iter_mut().zip(z) {
        *pk = (f64::from(zk) - m).exp();
        sum += *pk;
    }
    p.iter_mut().for_each(|pk| *pk /= sum);
}

mod train;
pub use train::train;

#[cfg(test)]
mod tests;
