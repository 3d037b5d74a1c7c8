//! Understanding segments: the elbow and silhouette over a range of k, a 2-D map of the
//! customers (the first two principal components of the standardised features), and a card per
//! segment saying in plain words how it differs from the average customer.

use ndarray::{Array2, ArrayView2};
use polars::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use super::metrics;
use super::models::params::KMeansParams;
use super::models::{self, Rows, TrainData};
use crate::data::ROW_ID;
use crate::error::Result;

/// Customers used for the k sweep and the silhouette (a seeded sample beyond this).
pub const SWEEP_ROWS: usize = 20_000;

/// Inertia and silhouette of k-means with `k` segments.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct KPoint {
    pub k: usize,
    pub inertia: f64,
    pub silhouette: f64,
}

/// A plain-words description of one segment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentCard {
    /// 1-based, as in the `segment` column.
    pub segment: usize,
    pub size: usize,
    pub share: f64,
    /// The ways it differs most from the average, as sentences.
    pub traits: Vec<String>,
    /// (column, rate in this segment, overall rate) for every 0/1 column (responded, churned…).
    pub rates: Vec<(String, f64, f64)>,
}

/// Everything the Segments view shows beyond the metrics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SegmentReport {
    pub sweep: Vec<KPoint>,
    /// Map coordinates of a sample of the evaluated customers (for hovering), their segment
    /// (1-based) and row in the table.
    pub map: Vec<[f64; 2]>,
    pub map_segments: Vec<u32>,
    pub map_rows: Vec<u32>,
    /// The projection onto the map: a customer's standardised features · each axis.
    pub axes: [Vec<f64>; 2],
    /// Every customer on the map, binned (set by [`SegmentReport::with_density`]).
    pub density: Option<Density>,
    pub cards: Vec<SegmentCard>,
}

/// Every customer of a segmentation on the customer map, binned into a grid: per cell its
/// most common segment and how many customers fall in it. Drawn as one image, so a million
/// customers cost what a thousand do.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Density {
    pub width: usize,
    pub height: usize,
    /// Map coordinates of the grid's lower-left and upper-right corners.
    pub min: [f64; 2],
    pub max: [f64; 2],
    /// Row after row from the top (highest second coordinate): (segment, customers) per cell;
    /// segment 0 for an empty cell.
    pub cells: Vec<(u32, u32)>,
    /// Customers binned (those outside the 0.5–99.5 % range of either axis are left out).
    pub customers: usize,
}

/// Segments up to which a cell counts every segment exactly (beyond, the last one seen wins).
const DENSITY_SEGMENTS: usize = 64;

/// The `q` quantile of `v` (reordered).
fn quantile_of(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    *v.select_nth_unstable_by(i, f64::total_cmp).1
}

/// Bins the customers `x` (standardised features) with their 1-based `segments` onto the map
/// of `axes`, in a `width` × `height` grid over the 0.5–99.5 % range of each coordinate.
pub fn density(
    x: ArrayView2<f32>,
    segments: &[u32],
    axes: &[Vec<f64>; 2],
    width: usize,
    height: usize,
) -> Density {
    use rayon::prelude::*;
    let points: Vec<[f64; 2]> = (0..x.nrows())
        .into_par_iter()
        .with_min_len(4096)
        .map(|r| {
            let row = Rows::from(x);
            [row.dot(r, &axes[0]), row.dot(r, &axes[1])]
        })
        .collect();
    let (mut min, mut max) = ([0.0; 2], [0.0; 2]);
    for d in 0..2 {
        let mut v: Vec<f64> = points
            .iter()
            .map(|p| p[d])
            .filter(|v| v.is_finite())
            .collect();
        let (lo, hi) = (quantile_of(&mut v, 0.005), quantile_of(&mut v, 0.995));
        let pad = ((hi - lo) * 0.05).max(1e-9);
        (min[d], max[d]) = (lo - pad, hi + pad);
    }
    let k = segments.iter().copied().max().unwrap_or(0) as usize;
    let exact = k <= DENSITY_SEGMENTS;
    let mut counts = vec![0u32; if exact { width * height * k } else { 0 }];
    let mut cells = vec![(0u32, 0u32); width * height];
    let mut customers = 0;
    for (p, &s) in points.iter().zip(segments) {
        let fx = (p[0] - min[0]) / (max[0] - min[0]);
        let fy = (max[1] - p[1]) / (max[1] - min[1]);
        if !(0.0..1.0).contains(&fx) || !(0.0..1.0).contains(&fy) || s == 0 {
            continue;
        }
        let cell = (fy * height as f64) as usize * width + (fx * width as f64) as usize;
        customers += 1;
        cells[cell].1 += 1;
        if exact {
            counts[cell * k + s as usize - 1] += 1;
        } else {
            cells[cell].0 = s;
        }
    }
    if exact {
        for (cell, c) in cells.iter_mut().enumerate() {
            if c.1 > 0 {
                let per = &counts[cell * k..(cell + 1) * k];
                let top = (0..k)
                    .max_by_key(|&s| (per[s], std::cmp::Reverse(s)))
                    .unwrap_or(0);
                c.0 = top as u32 + 1;
            }
        }
    }
    Density {
        width,
        height,
        min,
        max,
        cells,
        customers,
    }
}

impl SegmentReport {
    /// Adds every customer (`x`, their 1-based `segments`) to the map as a density grid.
    /// Adds the density grid of every customer (`width` × `height` cells: the caller's size
    /// for the map on its screen).
    pub fn with_density(
        mut self,
        x: ArrayView2<f32>,
        segments: &[u32],
        (width, height): (usize, usize),
    ) -> Self {
        self.density = Some(density(x, segments, &self.axes, width, height));
        self
    }
}

fn sample(n: usize, max: usize, rng: &mut Xoshiro256PlusPlus) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    if n > max {
        idx.shuffle(rng);
        idx.truncate(max);
        idx.sort_unstable();
    }
    idx
}

fn rows_of(x: ArrayView2<f32>, rows: &[usize]) -> Array2<f32> {
    let mut out = Array2::zeros((rows.len(), x.ncols()));
    for (i, &r) in rows.iter().enumerate() {
        out.row_mut(i).assign(&x.row(r));
    }
    out
}

/// The k values the sweep tries.
pub const SWEEP_KS: std::ops::RangeInclusive<usize> = 2..=10;

/// k-means with `k` segments on a seeded sample of `x` (the same sample for every k), with its
/// inertia and silhouette; `None` when the sample is too small for `k`.
pub fn sweep_point(x: ArrayView2<f32>, k: usize, seed: u64) -> Result<Option<KPoint>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5eed);
    let rows = sample(x.nrows(), SWEEP_ROWS, &mut rng);
    let xs = rows_of(x, &rows);
    let sil_rows = sample(xs.nrows(), 2_000, &mut rng);
    if k >= xs.nrows() {
        return Ok(None);
    }
    let flat: Vec<f64> = xs.iter().map(|&v| f64::from(v)).collect();
    let empty = models::empty_matrix(xs.ncols());
    let params = KMeansParams {
        k,
        max_iterations: 50,
        ..KMeansParams::default()
    };
    let data = TrainData {
        words: None,
        valid_words: None,
        x: xs.view(),
        y: &[],
        weights: None,
        valid_x: empty.view(),
        valid_y: &[],
        classes: 0,
    };
    let model = models::kmeans::train(&params, &data, seed, &mut |_| models::Control::Continue)?;
    let models::TrainedModel::KMeans { centroids } = &model else {
        return Ok(None);
    };
    let labels: Vec<usize> = models::kmeans::assign(xs.view(), centroids)
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    Ok(Some(KPoint {
        k,
        inertia: models::kmeans::inertia(xs.view(), centroids),
        silhouette: metrics::silhouette(&flat, xs.ncols(), &labels, &sil_rows),
    }))
}

/// The top two principal axes of `x` (columns already centred and scaled), by power iteration
/// on XᵀX without forming it: O(rows × columns) per iteration, so 5,000 columns are fine.
pub fn principal_axes(x: ArrayView2<f32>) -> [Vec<f64>; 2] {
    let p = x.ncols();
    let mut axes: [Vec<f64>; 2] = [vec![0.0; p], vec![0.0; p]];
    for a in 0..2 {
        let mut v: Vec<f64> = (0..p).map(|i| 1.0 + (i + a) as f64 * 0.01).collect();
        for _ in 0..100 {
            // w = Xᵀ (X v)
            let xv: Vec<f64> = x
                .rows()
                .into_iter()
                .map(|r| r.iter().zip(&v).map(|(&a, b)| f64::from(a) * b).sum())
                .collect();
            let mut w = vec![0.0; p];
            for (r, s) in x.rows().into_iter().zip(&xv) {
                for (wi, &xi) in w.iter_mut().zip(r.iter()) {
                    *wi += f64::from(xi) * s;
                }
            }
            if a == 1 {
                // Keep the second axis orthogonal to the first.
                let d: f64 = w.iter().zip(&axes[0]).map(|(a, b)| a * b).sum();
                w.iter_mut()
                    .zip(&axes[0])
                    .for_each(|(wi, ui)| *wi -= d * ui);
            }
            let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm == 0.0 {
                break;
            }
            w.iter_mut().for_each(|x| *x /= norm);
            let change: f64 = w.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
            v = w;
            if change < 1e-9 {
                break;
            }
        }
        axes[a] = v;
    }
    axes
}

fn short(x: f64) -> String {
    crate::data::profile::short_number(x)
}

/// Cards for segments 1..=k of `frame` (the customers' own columns), labelled by `segments`.
pub fn cards(frame: &DataFrame, segments: &[u32], k: usize) -> Result<Vec<SegmentCard>> {
    let n = segments.len().max(1);
    let mut cards: Vec<SegmentCard> = (1..=k)
        .map(|s| {
            let size = segments.iter().filter(|&&g| g as usize == s).count();
            SegmentCard {
                segment: s,
                size,
                share: size as f64 / n as f64,
                traits: Vec::new(),
                rates: Vec::new(),
            }
        })
        .collect();
    // (segment, strength, sentence)
    let mut traits: Vec<(usize, f64, String)> = Vec::new();
    for c in frame.columns() {
        let name = c.name().as_str();
        if name == ROW_ID || matches!(name, "score" | "prediction" | "decile" | "segment") {
            continue;
        }
        if c.dtype().is_primitive_numeric() {
            let f = c.cast(&DataType::Float64)?;
            let v: Vec<Option<f64>> = f
                .f64()?
                .iter()
                .map(|x| x.filter(|x| x.is_finite()))
                .collect();
            let known: Vec<f64> = v.iter().flatten().copied().collect();
            if known.is_empty() {
                continue;
            }
            let mean = known.iter().sum::<f64>() / known.len() as f64;
            let sd =
                (known.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / known.len() as f64).sqrt();
            let binary = known.iter().all(|&x| x == 0.0 || x == 1.0);
            let mut sums = vec![(0.0, 0usize); k + 1];
            for (x, &g) in v.iter().zip(segments) {
                if let Some(x) = x
                    && (g as usize) <= k
                {
                    sums[g as usize].0 += x;
                    sums[g as usize].1 += 1;
                }
            }
            for s in 1..=k {
                let (sum, cnt) = sums[s];
                if cnt == 0 {
                    continue;
                }
                let m = sum / cnt as f64;
                if binary {
                    cards[s - 1].rates.push((name.to_owned(), m, mean));
                    continue;
                }
                if sd <= 0.0 {
                    continue;
                }
                let z = (m - mean) / sd;
                let sentence = if mean > 0.0 && m >= 0.0 {
                    format!(
                        "{name} {:.1}× the average ({} vs {})",
                        m / mean,
                        short(m),
                        short(mean)
                    )
                } else {
                    let word = if m > mean { "higher" } else { "lower" };
                    format!(
                        "{name} {word} than average ({} vs {})",
                        short(m),
                        short(mean)
                    )
                };
                traits.push((s, z.abs(), sentence));
            }
        } else if c.dtype().is_string() || c.dtype().is_bool() {
            let s = c.cast(&DataType::String)?;
            let values: Vec<Option<&str>> = s.str()?.iter().collect();
            let mut overall: std::collections::HashMap<&str, usize> = Default::default();
            for v in values.iter().flatten() {
                *overall.entry(v).or_default() += 1;
            }
            if overall.len() > 30 || overall.len() < 2 {
                continue;
            }
            for seg in 1..=k {
                let mut counts: std::collections::HashMap<&str, usize> = Default::default();
                let mut total = 0usize;
                for (v, &g) in values.iter().zip(segments) {
                    if g as usize == seg
                        && let Some(v) = v
                    {
                        *counts.entry(v).or_default() += 1;
                        total += 1;
                    }
                }
                if total == 0 {
                    continue;
                }
                let all: usize = overall.values().sum();
                let best = counts
                    .iter()
                    .map(|(v, &c)| {
                        let here = c as f64 / total as f64;
                        let there = overall[v] as f64 / all as f64;
                        (*v, here, there)
                    })
                    .max_by(|a, b| (a.1 - a.2).total_cmp(&(b.1 - b.2)));
                if let Some((v, here, there)) = best
                    && here >= 0.4
                    && here - there >= 0.1
                {
                    traits.push((
                        seg,
                        (here - there) * 4.0,
                        format!(
                            "mostly {name} {v} ({:.0}% vs {:.0}% overall)",
                            100.0 * here,
                            100.0 * there
                        ),
                    ));
                }
            }
        }
    }
    traits.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (s, strength, sentence) in traits {
        let card = &mut cards[s - 1];
        if card.traits.len() < 4 && strength >= 0.25 {
            card.traits.push(sentence);
        }
    }
    Ok(cards)
}

/// The whole report for a segmentation of `frame` whose standardised features are `x`.
pub fn report(
    frame: &DataFrame,
    x: ArrayView2<f32>,
    segments: &[u32],
    k: usize,
    sweep: Vec<KPoint>,
    (seed, map_points): (u64, usize),
) -> Result<SegmentReport> {
    let axes = principal_axes(x);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x3a9);
    let rows = sample(x.nrows(), map_points, &mut rng);
    let map = rows
        .iter()
        .map(|&r| {
            let row = Rows::from(x);
            [row.dot(r, &axes[0]), row.dot(r, &axes[1])]
        })
        .collect();
    Ok(SegmentReport {
        sweep,
        map,
        map_segments: rows.iter().map(|&r| segments[r]).collect(),
        map_rows: rows.iter().map(|&r| r as u32).collect(),
        axes,
        density: None,
        cards: cards(frame, segments, k)?,
    })
}

/// The column of segment names an export adds beside `segment`.
pub const SEGMENT_NAME: &str = "segment_name";

/// The name of segment `s` (1-based): the user's, else "Segment s".
pub fn segment_name(names: &[String], s: usize) -> String {
    names
        .get(s.wrapping_sub(1))
        .filter(|n| !n.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| format!("Segment {s}"))
}

/// `frame` with a `segment_name` column beside its `segment` column, when the user named any
/// segment (unchanged otherwise, or when it has no segments).
pub fn with_segment_names(mut frame: DataFrame, names: &[String]) -> Result<DataFrame> {
    if names.iter().all(|n| n.trim().is_empty()) {
        return Ok(frame);
    }
    let Ok(segments) = frame
        .column(crate::ml::saved::SEGMENT)
        .and_then(|c| c.i32().cloned())
    else {
        return Ok(frame);
    };
    let named: Vec<String> = segments
        .iter()
        .map(|s| segment_name(names, s.unwrap_or(1).max(1) as usize))
        .collect();
    frame.with_column(Column::new(SEGMENT_NAME.into(), named))?;
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_say_how_a_segment_differs() {
        let df = df!(
            "spend" => [100.0, 110.0, 90.0, 10.0, 12.0, 8.0],
            "channel" => ["Email", "Email", "Email", "Search", "Search", "Email"],
            "responded" => [1, 1, 0, 0, 0, 0],
        )
        .unwrap();
        let cards = cards(&df, &[1, 1, 1, 2, 2, 2], 2).unwrap();
        assert_eq!(cards[0].size, 3);
        assert_eq!(cards[0].share, 0.5);
        // Mean spend 55; segment 1 spends 100: 1.8× the average.
        assert!(
            cards[0]
                .traits
                .iter()
                .any(|t| t == "spend 1.8× the average (100 vs 55)"),
            "{:?}",
            cards[0].traits
        );
        assert!(
            cards[1]
                .traits
                .iter()
                .any(|t| t.starts_with("mostly channel Search")),
            "{:?}",
            cards[1].traits
        );
        assert_eq!(
            cards[0].rates,
            [("responded".to_owned(), 2.0 / 3.0, 1.0 / 3.0)]
        );
    }

    #[test]
    fn density_bins_every_customer_by_segment() {
        // Two groups of 500 at x = −1 and x = +1 on the first axis.
        let x = Array2::from_shape_fn((1_000, 2), |(i, j)| {
            if j == 0 {
                if i < 500 { -1.0 } else { 1.0 }
            } else {
                (i % 10) as f32 * 0.01
            }
        });
        let segments: Vec<u32> = (0..1_000).map(|i| if i < 500 { 1 } else { 2 }).collect();
        let axes = [vec![1.0, 0.0], vec![0.0, 1.0]];
        let d = density(x.view(), &segments, &axes, 20, 10);
        assert_eq!(d.customers, 1_000);
        let total: u32 = d.cells.iter().map(|c| c.1).sum();
        assert_eq!(total, 1_000);
        // Left half of the grid is segment 1, right half segment 2.
        for (i, c) in d.cells.iter().enumerate().filter(|(_, c)| c.1 > 0) {
            let expected = if i % 20 < 10 { 1 } else { 2 };
            assert_eq!(c.0, expected, "cell {i}");
        }
    }

    #[test]
    fn principal_axis_of_a_line() {
        let x = ndarray::array![[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0]];
        let a = principal_axes(x.view());
        let s = std::f64::consts::FRAC_1_SQRT_2;
        assert!((a[0][0].abs() - s).abs() < 1e-6 && (a[0][1].abs() - s).abs() < 1e-6);
    }
}
