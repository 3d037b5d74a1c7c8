//! Word vectors trained on the loaded texts: skip-gram with negative sampling (Mikolov et al.
//! 2013), with word2vec's defaults where they apply — a window of up to 5 words each side
//! (its size drawn per word), 5 negative words per pair drawn from the unigram distribution to
//! the power 3/4, sub-sampling of frequent words at 1e-3, a learning rate of 0.025 falling
//! linearly to 0.0001, input vectors started uniform in ±0.5/dim and output vectors at zero.
//! The loss of a mini-batch of pairs and its gradients are computed by candle; the rows a batch
//! touches are then updated by plain SGD, as word2vec updates them pair by pair. One thread, a
//! seeded order: the same seed gives the same vectors on any machine.
//!
//! Words are the tokenizer's words (stop words, numbers and one-letter words already out).

use polars::prelude::PlHashMap as HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use candle_core::{D, Device, Tensor, Var};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How the vectors are trained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmbedSettings {
    /// Numbers per word.
    pub dim: usize,
    /// Context words each side, at most.
    pub window: usize,
    /// Negative words per pair.
    pub negatives: usize,
    /// Passes over the texts.
    pub epochs: usize,
    /// A word must occur this often.
    pub min_count: u64,
    /// At most this many words, the most frequent.
    pub max_words: usize,
}

impl Default for EmbedSettings {
    fn default() -> Self {
        EmbedSettings {
            dim: 50,
            window: 5,
            negatives: 5,
            epochs: 5,
            min_count: 5,
            max_words: 10_000,
        }
    }
}

/// Words on the 2-D map.
pub const MAP_WORDS: usize = 150;
/// Pairs per mini-batch.
const BATCH: usize = 512;
const SAMPLE: f64 = 1e-3;
const RATE: (f32, f32) = (0.025, 0.0001);

/// Trained word vectors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WordVectors {
    pub settings: EmbedSettings,
    /// The words, most frequent first (ties alphabetical).
    pub words: Vec<String>,
    pub counts: Vec<u64>,
    /// Row-major, `words.len() × dim`, each row of unit length.
    pub vectors: Vec<f32>,
    /// Mean loss per pair (its own and its negatives' log-loss), epoch by epoch.
    pub losses: Vec<f64>,
    /// The first [`MAP_WORDS`] words on the plane of the vectors' two principal components.
    pub map: Vec<[f32; 2]>,
    #[serde(skip)]
    index: HashMap<String, usize>,
}

fn candle(e: candle_core::Error) -> Error {
    Error::Model(format!("word vectors: {e}"))
}

/// The softplus log(1 + e^x), written to stay finite for any x.
fn softplus(x: &Tensor) -> candle_core::Result<Tensor> {
    let tail = x.abs()?.neg()?.exp()?.affine(1.0, 1.0)?.log()?;
    x.relu()? + tail
}

/// Trains word vectors on tokenized texts (one list of words per text). `epoch` hears of each
/// finished epoch (number, of, mean loss).
pub fn train(
    docs: &[Vec<String>],
    settings: &EmbedSettings,
    seed: u64,
    cancel: &AtomicBool,
    epoch: &mut dyn FnMut(usize, usize, f64),
) -> Result<WordVectors> {
    let dim = settings.dim.max(2);
    let mut seen: HashMap<&str, u64> = HashMap::default();
    for d in docs {
        for w in d {
            *seen.entry(w.as_str()).or_default() += 1;
        }
    }
    let mut vocab: Vec<(&str, u64)> = seen
        .into_iter()
        .filter(|(_, c)| *c >= settings.min_count.max(1))
        .collect();
    vocab.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    vocab.truncate(settings.max_words.max(2));
    if vocab.len() < 10 {
        return Err(Error::InvalidInput(format!(
            "only {} words occur {} times or more: too little text for word vectors",
            vocab.len(),
            settings.min_count
        )));
    }
    let index: HashMap<&str, usize> = vocab.iter().enumerate().map(|(i, w)| (w.0, i)).collect();
    let v = vocab.len();
    let total: u64 = vocab.iter().map(|w| w.1).sum();
    // word2vec's chance of keeping a word: (sqrt(f / t) + 1) · t / f.
    let keep: Vec<f64> = vocab
        .iter()
        .map(|w| {
            let f = w.1 as f64 / total as f64;
            ((f / SAMPLE).sqrt() + 1.0) * SAMPLE / f
        })
        .collect();
    // Negatives: the cumulative unigram^0.75 distribution.
    let mut cumulative: Vec<f64> = Vec::with_capacity(v);
    let mut acc = 0.0;
    for w in &vocab {
        acc += (w.1 as f64).powf(0.75);
        cumulative.push(acc);
    }
    let sentences: Vec<Vec<u32>> = docs
        .iter()
        .map(|d| {
            d.iter()
                .filter_map(|w| index.get(w.as_str()).map(|&i| i as u32))
                .collect()
        })
        .filter(|s: &Vec<u32>| s.len() > 1)
        .collect();

    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x005e_ed3b);
    let bound = 0.5 / dim as f32;
    let mut input: Vec<f32> = (0..v * dim).map(|_| rng.gen_range(-bound..bound)).collect();
    let mut output: Vec<f32> = vec![0.0; v * dim];
    let k = settings.negatives.max(1);
    let dev = Device::Cpu;
    let mut signs = vec![-1.0f32; BATCH * (1 + k)];
    for row in signs.chunks_mut(1 + k) {
        row[0] = 1.0;
    }
    let words_per_epoch: usize = sentences.iter().map(Vec::len).sum();
    let planned = (words_per_epoch * settings.epochs.max(1)).max(1) as f32;
    let mut processed = 0usize;
    let mut losses = Vec::new();
    let mut order: Vec<usize> = (0..sentences.len()).collect();
    let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(BATCH);
    for e in 1..=settings.epochs.max(1) {
        order.shuffle(&mut rng);
        let (mut loss_sum, mut pair_count) = (0.0f64, 0usize);
        let draw = |r: &mut Xoshiro256PlusPlus| {
            let x = r.r#gen::<f64>() * acc;
            cumulative.partition_point(|&c| c <= x).min(v - 1) as u32
        };
        for (n, &s) in order.iter().enumerate() {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            let sentence: Vec<u32> = sentences[s]
                .iter()
                .copied()
                .filter(|&w| keep[w as usize] >= 1.0 || rng.r#gen::<f64>() < keep[w as usize])
                .collect();
            processed += sentences[s].len();
            for (i, &centre) in sentence.iter().enumerate() {
                let b = rng.gen_range(1..=settings.window.max(1));
                let lo = i.saturating_sub(b);
                let hi = (i + b).min(sentence.len() - 1);
                for (j, &context) in sentence.iter().enumerate().take(hi + 1).skip(lo) {
                    if j != i {
                        pairs.push((centre, context));
                    }
                }
            }
            if pairs.len() >= BATCH || (n + 1 == order.len() && !pairs.is_empty()) {
                let rate = (RATE.0 * (1.0 - processed as f32 / planned)).max(RATE.1);
                for chunk in pairs.chunks(BATCH) {
                    let mut targets: Vec<u32> = Vec::with_capacity(chunk.len() * (1 + k));
                    for &(_, context) in chunk {
                        targets.push(context);
                        for _ in 0..k {
                            targets.push(draw(&mut rng));
                        }
                    }
                    loss_sum += step(
                        chunk,
                        &targets,
                        (&mut input, &mut output),
                        (dim, k),
                        &signs[..chunk.len() * (1 + k)],
                        rate,
                        &dev,
                    )
                    .map_err(candle)?;
                    pair_count += chunk.len();
                }
                pairs.clear();
            }
        }
        let mean = loss_sum / pair_count.max(1) as f64;
        losses.push(mean);
        epoch(e, settings.epochs.max(1), mean);
    }
    // Unit rows: cosine similarity is then a dot product.
    for row in input.chunks_mut(dim) {
        let n = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        if n > 0.0 {
            row.iter_mut().for_each(|x| *x /= n);
        }
    }
    let map = principal_plane(&input[..v.min(MAP_WORDS) * dim], dim);
    let mut out = WordVectors {
        settings: EmbedSettings {
            dim,
            ..settings.clone()
        },
        words: vocab.iter().map(|w| w.0.to_owned()).collect(),
        counts: vocab.iter().map(|w| w.1).collect(),
        vectors: input,
        losses,
        map,
        index: HashMap::default(),
    };
    out.reindex();
    Ok(out)
}

/// One mini-batch: candle computes the summed log-loss of each pair and its negatives and the
/// gradients of the rows involved; each row then moves by `rate` times its gradient. Returns
/// the batch's summed loss.
fn step(
    pairs: &[(u32, u32)],
    targets: &[u32],
    (input, output): (&mut [f32], &mut [f32]),
    (dim, k): (usize, usize),
    signs: &[f32],
    rate: f32,
    dev: &Device,
) -> candle_core::Result<f64> {
    let b = pairs.len();
    let mut u = Vec::with_capacity(b * dim);
    for &(c, _) in pairs {
        u.extend_from_slice(&input[c as usize * dim..(c as usize + 1) * dim]);
    }
    let mut o = Vec::with_capacity(targets.len() * dim);
    for &t in targets {
        o.extend_from_slice(&output[t as usize * dim..(t as usize + 1) * dim]);
    }
    let u = Var::from_slice(&u, (b, 1, dim), dev)?;
    let o = Var::from_slice(&o, (b, 1 + k, dim), dev)?;
    let signs = Tensor::from_slice(signs, (b, 1 + k), dev)?;
    // -log σ(s · u·o) = softplus(-s · u·o): s = +1 for the true context, -1 for negatives.
    let scores = u.as_tensor().broadcast_mul(o.as_tensor())?.sum(D::Minus1)?;
    let loss = softplus(&(scores * signs.neg()?)?)?.sum_all()?;
    let grads = loss.backward()?;
    let total = f64::from(loss.to_scalar::<f32>()?);
    if let Some(g) = grads.get(u.as_tensor()) {
        let g = g.flatten_all()?.to_vec1::<f32>()?;
        for (i, &(c, _)) in pairs.iter().enumerate() {
            let row = &mut input[c as usize * dim..(c as usize + 1) * dim];
            for (w, d) in row.iter_mut().zip(&g[i * dim..(i + 1) * dim]) {
                *w -= rate * d;
            }
        }
    }
    if let Some(g) = grads.get(o.as_tensor()) {
        let g = g.flatten_all()?.to_vec1::<f32>()?;
        for (i, &t) in targets.iter().enumerate() {
            let row = &mut output[t as usize * dim..(t as usize + 1) * dim];
            for (w, d) in row.iter_mut().zip(&g[i * dim..(i + 1) * dim]) {
                *w -= rate * d;
            }
        }
    }
    Ok(total)
}

/// Rows of `x` (`dim` wide) projected on their two principal components (power iteration on
/// the covariance matrix from a fixed start, the second after deflating the first).
fn principal_plane(x: &[f32], dim: usize) -> Vec<[f32; 2]> {
    let n = x.len() / dim;
    if n == 0 {
        return Vec::new();
    }
    let mut mean = vec![0.0f64; dim];
    for row in x.chunks(dim) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += f64::from(*v) / n as f64;
        }
    }
    let mut cov = vec![0.0f64; dim * dim];
    for row in x.chunks(dim) {
        for a in 0..dim {
            let da = f64::from(row[a]) - mean[a];
            for b in 0..dim {
                cov[a * dim + b] += da * (f64::from(row[b]) - mean[b]);
            }
        }
    }
    let mut axes: Vec<Vec<f64>> = Vec::new();
    for k in 0..2 {
        let mut q: Vec<f64> = (0..dim).map(|i| 1.0 + ((i + k) % 7) as f64 * 0.1).collect();
        for _ in 0..300 {
            let mut next: Vec<f64> = (0..dim)
                .map(|a| (0..dim).map(|b| cov[a * dim + b] * q[b]).sum())
                .collect();
            for prev in &axes {
                let dot: f64 = next.iter().zip(prev).map(|(a, b)| a * b).sum();
                next.iter_mut().zip(prev).for_each(|(a, b)| *a -= dot * b);
            }
            let norm = next.iter().map(|a| a * a).sum::<f64>().sqrt();
            if norm == 0.0 {
                break;
            }
            q = next.into_iter().map(|a| a / norm).collect();
        }
        axes.push(q);
    }
    x.chunks(dim)
        .map(|row| {
            let p = |axis: &[f64]| {
                row.iter()
                    .zip(&mean)
                    .zip(axis)
                    .map(|((v, m), a)| (f64::from(*v) - m) * a)
                    .sum::<f64>() as f32
            };
            [p(&axes[0]), p(&axes[1])]
        })
        .collect()
}

impl WordVectors {
    /// Rebuilds the word look-up (after reading from a file).
    pub fn reindex(&mut self) {
        self.index = self
            .words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), i))
            .collect();
    }

    pub fn dim(&self) -> usize {
        self.settings.dim
    }

    pub fn vector(&self, word: &str) -> Option<&[f32]> {
        let d = self.dim();
        self.index
            .get(word)
            .map(|&i| &self.vectors[i * d..(i + 1) * d])
    }

    /// The `n` words nearest `word` by cosine similarity, nearest first.
    pub fn nearest(&self, word: &str, n: usize) -> Vec<(String, f32)> {
        let Some(q) = self.vector(word) else {
            return Vec::new();
        };
        let mut all: Vec<(usize, f32)> = self
            .vectors
            .chunks(self.dim())
            .enumerate()
            .filter(|(i, _)| self.words[*i] != word)
            .map(|(i, row)| (i, row.iter().zip(q).map(|(a, b)| a * b).sum()))
            .collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.into_iter()
            .take(n)
            .map(|(i, s)| (self.words[i].clone(), s))
            .collect()
    }

    /// A text's vector: the mean of its known words' vectors (`None` without any).
    pub fn document(&self, words: &[String]) -> Option<Vec<f32>> {
        let mut sum = vec![0.0f32; self.dim()];
        let mut n = 0;
        for w in words {
            if let Some(v) = self.vector(w) {
                sum.iter_mut().zip(v).for_each(|(s, x)| *s += x);
                n += 1;
            }
        }
        (n > 0).then(|| sum.into_iter().map(|s| s / n as f32).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two topics that never share a text: words of one topic end up nearer each other than
    /// the other topic's words.
    #[test]
    fn words_used_together_end_up_near() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let food = ["pizza", "pasta", "cheese", "tomato", "basil", "oven"];
        let sport = ["football", "goal", "referee", "stadium", "match", "striker"];
        let docs: Vec<Vec<String>> = (0..600)
            .map(|i| {
                let pool = if i % 2 == 0 { &food } else { &sport };
                (0..8)
                    .map(|_| pool[rng.gen_range(0..pool.len())].to_owned())
                    .collect()
            })
            .collect();
        let mut losses = Vec::new();
        let settings = EmbedSettings {
            epochs: 10,
            ..EmbedSettings::default()
        };
        let wv = train(
            &docs,
            &settings,
            1,
            &AtomicBool::new(false),
            &mut |_, _, l| losses.push(l),
        )
        .unwrap();
        assert_eq!(losses.len(), 10);
        assert!(losses[9] < losses[0], "{losses:?}");
        for w in food {
            let near = wv.nearest(w, 5);
            assert!(
                near.iter().all(|(n, _)| food.contains(&n.as_str())),
                "{w}: {near:?}"
            );
        }
        assert_eq!(wv.map.len(), 12);
        let again = train(
            &docs,
            &settings,
            1,
            &AtomicBool::new(false),
            &mut |_, _, _| {},
        )
        .unwrap();
        assert_eq!(again.vectors, wv.vectors);
        let doc = wv
            .document(&["pizza".to_owned(), "nothing".to_owned()])
            .unwrap();
        assert_eq!(doc, wv.vector("pizza").unwrap());
    }
}
