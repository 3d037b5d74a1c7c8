//! Model quality numbers, computed the textbook way so tests can check them by hand.

use serde::{Deserialize, Serialize};

/// Counts of a yes/no prediction against the truth.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    pub tp: u64,
    pub fp: u64,
    pub tn: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
}

/// Metrics of a yes/no model on the rows it was evaluated on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassificationMetrics {
    /// Area under the ROC curve: the chance a random responder scores above a random non-responder.
    pub auc: f64,
    pub log_loss: f64,
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub brier: f64,
    /// The score at or above which a customer is predicted positive.
    pub threshold: f64,
    pub confusion: Confusion,
    /// Cumulative share of all positives captured by the top 1..10 deciles.
    pub gains: Vec<f64>,
    /// Response rate in the top decile divided by the overall response rate.
    pub lift_top_decile: f64,
    /// Number of rows evaluated.
    pub rows: usize,
    /// Share of positives among them.
    pub positive_rate: f64,
}

/// Metrics of an amount model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegressionMetrics {
    pub rmse: f64,
    pub mae: f64,
    pub r2: f64,
    /// Mean absolute percentage error over rows whose actual value is not 0 (0.12 = 12%).
    pub mape: f64,
    pub rows: usize,
}

/// Metrics of a segmentation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentMetrics {
    pub k: usize,
    /// Mean squared distance of a customer to its segment's centre (standardised units).
    pub inertia: f64,
    /// Mean silhouette (−1..1) on a seeded sample of at most 2,000 customers.
    pub silhouette: f64,
    /// Customers per segment, segment 0 first.
    pub sizes: Vec<u64>,
}

/// How one class of a several-class target is predicted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassReport {
    pub label: String,
    /// Of the customers predicted this class, the share that are.
    pub precision: f64,
    /// Of the customers of this class, the share predicted so.
    pub recall: f64,
    pub f1: f64,
    /// Customers of this class among the evaluated rows.
    pub support: u64,
}

/// Metrics of a model that picks one of several classes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MulticlassMetrics {
    /// Share of customers whose most likely class is their class.
    pub accuracy: f64,
    /// Mean of the classes' recalls: accuracy that counts every class equally.
    pub balanced_accuracy: f64,
    /// Mean of the classes' F1.
    pub macro_f1: f64,
    /// Mean −ln of the probability given to the true class.
    pub log_loss: f64,
    /// The accuracy of always answering the most frequent class (the bar to beat).
    pub majority_rate: f64,
    pub classes: Vec<ClassReport>,
    /// `confusion[actual][predicted]` counts, classes in the order of `classes`.
    pub confusion: Vec<Vec<u64>>,
    pub rows: usize,
}

/// The metrics of whichever task was trained; serialises flat (the `--metrics` JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Metrics {
    Classification(ClassificationMetrics),
    Multiclass(MulticlassMetrics),
    Regression(RegressionMetrics),
    Segments(SegmentMetrics),
}

impl Metrics {
    /// The number models are ranked by: its name, value, and whether higher is better.
    pub fn headline(&self) -> (&'static str, f64, bool) {
        match self {
            Self::Classification(m) => ("AUC", m.auc, true),
            Self::Multiclass(m) => ("accuracy", m.accuracy, true),
            Self::Regression(m) => ("RMSE", m.rmse, false),
            Self::Segments(m) => ("silhouette", m.silhouette, true),
        }
    }

    /// The summary numbers by their `--metrics` names (what cross-validation averages).
    pub fn numbers(&self) -> Vec<(&'static str, f64)> {
        match self {
            Self::Classification(m) => vec![
                ("auc", m.auc),
                ("log_loss", m.log_loss),
                ("accuracy", m.accuracy),
                ("precision", m.precision),
                ("recall", m.recall),
                ("f1", m.f1),
                ("brier", m.brier),
                ("lift_top_decile", m.lift_top_decile),
            ],
            Self::Multiclass(m) => vec![
                ("accuracy", m.accuracy),
                ("balanced_accuracy", m.balanced_accuracy),
                ("macro_f1", m.macro_f1),
                ("log_loss", m.log_loss),
            ],
            Self::Regression(m) => vec![
                ("rmse", m.rmse),
                ("mae", m.mae),
                ("r2", m.r2),
                ("mape", m.mape),
            ],
            Self::Segments(m) => vec![("inertia", m.inertia), ("silhouette", m.silhouette)],
        }
    }
}

/// Area under the ROC curve; tied scores count half (the Mann–Whitney statistic).
/// Returns NaN when either class is absent.
pub fn auc(scores: &[f64], labels: &[bool]) -> f64 {
    let n = scores.len().min(labels.len());
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    auc_in_order(n, |i| scores[order[i]], |i| labels[order[i]])
}

/// [`auc`] of the scores of the positives and of the negatives, each sorted in place (one
/// number per row, no labels, no index list, no sort buffer): the share of (positive,
/// negative) pairs the positive wins, ties counting half. The counts are exact in double
/// precision (below 2⁵³), as [`auc`]'s rank sums are, so the two give the same number.
pub fn auc_of_groups(positives: &mut [f64], negatives: &mut [f64]) -> f64 {
    positives.sort_unstable_by(f64::total_cmp);
    negatives.sort_unstable_by(f64::total_cmp);
    let (n_pos, n_neg) = (positives.len(), negatives.len());
    if n_pos == 0 || n_neg == 0 {
        return f64::NAN;
    }
    // Twice the wins, so a tie (half a win) stays a whole number.
    let (mut twice_wins, mut below) = (0u64, 0usize);
    let mut i = 0;
    while i < n_pos {
        let p = positives[i];
        let mut same = i + 1;
        while same < n_pos && positives[same] == p {
            same += 1;
        }
        while below < n_neg && negatives[below] < p {
            below += 1;
        }
        let mut tied = below;
        while tied < n_neg && negatives[tied] == p {
            tied += 1;
        }
        twice_wins += ((same - i) * (2 * below + (tied - below))) as u64;
        i = same;
    }
    twice_wins as f64 / 2.0 / (n_pos as f64 * n_neg as f64)
}

/// AUC of `n` rows whose i-th lowest score is `score(i)`, with label `label(i)`: the
/// Mann-Whitney statistic over tie-averaged ranks.
fn auc_in_order(n: usize, score: impl Fn(usize) -> f64, label: impl Fn(usize) -> bool) -> f64 {
    let n_pos = (0..n).filter(|&i| label(i)).count() as f64;
    let n_neg = n as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return f64::NAN;
    }
    // Sum of (1-based, tie-averaged) ranks of the positives.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && score(j + 1) == score(i) {
            j += 1;
        }
        let mean_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += mean_rank * (i..=j).filter(|&k| label(k)).count() as f64;
        i = j + 1;
    }
    (rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}

/// Points (false positive rate, true positive rate) of the ROC curve, one per distinct score,
/// from (0, 0) to (1, 1).
pub fn roc_points(scores: &[f64], labels: &[bool]) -> Vec<[f64; 2]> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let n_pos = labels.iter().filter(|l| **l).count().max(1) as f64;
    let n_neg = (labels.len() as f64 - labels.iter().filter(|l| **l).count() as f64).max(1.0);
    let mut points = vec![[0.0, 0.0]];
    let (mut tp, mut fp) = (0.0, 0.0);
    for (idx, &k) in order.iter().enumerate() {
        if labels[k] {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        let last_of_tie = order
            .get(idx + 1)
            .is_none_or(|&next| scores[next] != scores[k]);
        if last_of_tie {
            points.push([fp / n_neg, tp / n_pos]);
        }
    }
    points
}

/// Decile of each score, 1 = the tenth with the highest scores. Ties are broken by row order, so
/// every decile holds ⌊n/10⌋ or ⌈n/10⌉ rows.
pub fn deciles(scores: &[f64]) -> Vec<u8> {
    use rayon::slice::ParallelSliceMut as _;
    let n = scores.len();
    // Highest score first (in `f64::total_cmp`'s order), then the earlier row: as keys that
    // are all different, so an unstable parallel sort gives the one order there is.
    let mut order: Vec<(u64, usize)> = scores
        .iter()
        .enumerate()
        .map(|(i, s)| (!total_order_key(*s), i))
        .collect();
    order.par_sort_unstable();
    let mut out = vec![0u8; n];
    for (rank, &(_, row)) in order.iter().enumerate() {
        // rank * 10 / n < 10 for every rank < n, so the decile is 1..=10.
        out[row] = (rank * 10 / n.max(1)) as u8 + 1;
    }
    out
}

/// `x` as a number whose unsigned order is `f64::total_cmp`'s order of the doubles.
fn total_order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// Cumulative share of all positives found in deciles 1..=k, for k = 1..=10.
pub fn gains(deciles: &[u8], labels: &[bool]) -> Vec<f64> {
    let mut per_decile = [0.0f64; 10];
    for (&d, &l) in deciles.iter().zip(labels) {
        if l && (1..=10).contains(&d) {
            per_decile[usize::from(d - 1)] += 1.0;
        }
    }
    let total: f64 = per_decile.iter().sum();
    let mut acc = 0.0;
    per_decile
        .iter()
        .map(|c| {
            acc += c;
            if total > 0.0 { acc / total } else { f64::NAN }
        })
        .collect()
}

/// Response rate of decile 1 over the overall rate.
pub fn lift_top_decile(deciles: &[u8], labels: &[bool]) -> f64 {
    let (mut top_n, mut top_pos) = (0.0, 0.0);
    for (&d, &l) in deciles.iter().zip(labels) {
        if d == 1 {
            top_n += 1.0;
            top_pos += f64::from(u8::from(l));
        }
    }
    let overall = labels.iter().filter(|l| **l).count() as f64 / labels.len().max(1) as f64;
    if top_n == 0.0 || overall == 0.0 {
        return f64::NAN;
    }
    (top_pos / top_n) / overall
}

/// All yes/no metrics at `threshold`.
pub fn classification(scores: &[f64], labels: &[bool], threshold: f64) -> ClassificationMetrics {
    let n = scores.len().max(1) as f64;
    let mut c = Confusion::default();
    let (mut log_loss, mut brier) = (0.0, 0.0);
    for (&s, &l) in scores.iter().zip(labels) {
        match (s >= threshold, l) {
            (true, true) => c.tp += 1,
            (true, false) => c.fp += 1,
            (false, false) => c.tn += 1,
            (false, true) => c.fn_ += 1,
        }
        let p = s.clamp(1e-15, 1.0 - 1e-15);
        let y = f64::from(u8::from(l));
        log_loss -= y * p.ln() + (1.0 - y) * (1.0 - p).ln();
        brier += (s - y).powi(2);
    }
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = ratio(c.tp, c.tp + c.fp);
    let recall = ratio(c.tp, c.tp + c.fn_);
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    let d = deciles(scores);
    ClassificationMetrics {
        auc: auc(scores, labels),
        log_loss: log_loss / n,
        accuracy: ratio(c.tp + c.tn, scores.len() as u64),
        precision,
        recall,
        f1,
        brier: brier / n,
        threshold,
        confusion: c,
        gains: gains(&d, labels),
        lift_top_decile: lift_top_decile(&d, labels),
        rows: scores.len(),
        positive_rate: ratio(
            labels.iter().filter(|l| **l).count() as u64,
            labels.len() as u64,
        ),
    }
}

/// The metrics of class probabilities `probs` (rows × `labels.len()`, row-major) against the
/// true class index of each row.
pub fn multiclass(probs: &[f64], truth: &[usize], labels: &[String]) -> MulticlassMetrics {
    let k = labels.len();
    let n = truth.len();
    let mut confusion = vec![vec![0u64; k]; k];
    let mut log_loss = 0.0;
    for (row, &actual) in probs.chunks_exact(k.max(1)).zip(truth) {
        let predicted = argmax(row);
        if actual < k {
            confusion[actual][predicted] += 1;
            log_loss -= row[actual].clamp(1e-15, 1.0).ln();
        }
    }
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let classes: Vec<ClassReport> = (0..k)
        .map(|c| {
            let tp = confusion[c][c];
            let support: u64 = confusion[c].iter().sum();
            let predicted: u64 = confusion.iter().map(|r| r[c]).sum();
            let (precision, recall) = (ratio(tp, predicted), ratio(tp, support));
            ClassReport {
                label: labels[c].clone(),
                precision,
                recall,
                f1: if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                },
                support,
            }
        })
        .collect();
    let correct: u64 = (0..k).map(|c| confusion[c][c]).sum();
    let present: Vec<&ClassReport> = classes.iter().filter(|c| c.support > 0).collect();
    let mean = |f: &dyn Fn(&ClassReport) -> f64| {
        present.iter().map(|c| f(c)).sum::<f64>() / present.len().max(1) as f64
    };
    MulticlassMetrics {
        accuracy: ratio(correct, n as u64),
        balanced_accuracy: mean(&|c| c.recall),
        macro_f1: mean(&|c| c.f1),
        log_loss: log_loss / n.max(1) as f64,
        majority_rate: ratio(
            classes.iter().map(|c| c.support).max().unwrap_or(0),
            n as u64,
        ),
        classes,
        confusion,
        rows: n,
    }
}

/// Index of the largest value (the first on a tie).
pub fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best
}

/// Mean log loss of probabilities `scores` (used for live curves).
pub fn log_loss(scores: &[f64], labels: &[bool]) -> f64 {
    let n = scores.len().max(1) as f64;
    scores
        .iter()
        .zip(labels)
        .map(|(&s, &l)| {
            let p = s.clamp(1e-15, 1.0 - 1e-15);
            if l { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum::<f64>()
        / n
}

/// Root mean squared error, mean absolute error and R².
pub fn regression(predicted: &[f64], actual: &[f64]) -> RegressionMetrics {
    let n = predicted.len().max(1) as f64;
    let mean = actual.iter().sum::<f64>() / n;
    let (mut sse, mut sae, mut sst, mut sape, mut nonzero) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (&p, &a) in predicted.iter().zip(actual) {
        sse += (p - a).powi(2);
        sae += (p - a).abs();
        sst += (a - mean).powi(2);
        if a != 0.0 {
            sape += ((p - a) / a).abs();
            nonzero += 1.0;
        }
    }
    RegressionMetrics {
        rmse: (sse / n).sqrt(),
        mae: sae / n,
        r2: if sst > 0.0 { 1.0 - sse / sst } else { f64::NAN },
        mape: if nonzero > 0.0 {
            sape / nonzero
        } else {
            f64::NAN
        },
        rows: predicted.len(),
    }
}

/// Mean silhouette of the rows of `x` (row-major, `dims` columns) labelled `labels`, over the
/// rows listed in `sample` (distances are to every sampled row, O(s²)).
pub fn silhouette(x: &[f64], dims: usize, labels: &[usize], sample: &[usize]) -> f64 {
    let k = labels.iter().copied().max().map_or(0, |m| m + 1);
    if k < 2 || sample.len() < 2 || dims == 0 {
        return f64::NAN;
    }
    let row = |i: usize| &x[i * dims..(i + 1) * dims];
    let mut total = 0.0;
    let mut counted = 0usize;
    for &i in sample {
        let mut sum = vec![0.0; k];
        let mut count = vec![0usize; k];
        for &j in sample {
            if i == j {
                continue;
            }
            let d: f64 = row(i)
                .iter()
                .zip(row(j))
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>()
                .sqrt();
            sum[labels[j]] += d;
            count[labels[j]] += 1;
        }
        let own = labels[i];
        if count[own] == 0 {
            continue; // a singleton's silhouette is defined as 0
        }
        let a = sum[own] / count[own] as f64;
        let b = (0..k)
            .filter(|&c| c != own && count[c] > 0)
            .map(|c| sum[c] / count[c] as f64)
            .fold(f64::INFINITY, f64::min);
        if b.is_finite() {
            total += (b - a) / a.max(b);
        }
        counted += 1;
    }
    if counted == 0 {
        f64::NAN
    } else {
        total / sample.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_by_hand() {
        // Positives scored 0.9, 0.4; negatives 0.8, 0.3, 0.1.
        // Pairs (pos > neg): 0.9 beats all 3; 0.4 beats 0.3 and 0.1 → 5 of 6.
        let s = [0.9, 0.8, 0.4, 0.3, 0.1];
        let y = [true, false, true, false, false];
        assert!((auc(&s, &y) - 5.0 / 6.0).abs() < 1e-12);
        // A tie between a positive and a negative counts half.
        assert!((auc(&[0.5, 0.5], &[true, false]) - 0.5).abs() < 1e-12);
        assert!(auc(&[0.1, 0.2], &[true, true]).is_nan());
        // The same from the two groups' scores, ties and all: 5 of the 6 pairs (ties count
        // half).
        let (s, y) = ([0.5, 0.2, 0.5, 0.7, 0.5], [true, false, false, true, true]);
        let (mut pos, mut neg) = (vec![0.5, 0.7, 0.5], vec![0.2, 0.5]);
        assert_eq!(auc_of_groups(&mut pos, &mut neg), auc(&s, &y));
        assert!(auc_of_groups(&mut [0.1], &mut []).is_nan());
        assert!((auc(&s, &y) - 5.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn roc_runs_corner_to_corner() {
        let p = roc_points(&[0.9, 0.8, 0.4, 0.3], &[true, false, true, false]);
        assert_eq!(p.first(), Some(&[0.0, 0.0]));
        assert_eq!(p.last(), Some(&[1.0, 1.0]));
        assert_eq!(p[1], [0.0, 0.5]);
    }

    #[test]
    fn deciles_rank_as_a_stable_sort_by_score_then_row() {
        let mut values = vec![
            0.5,
            -0.0,
            0.0,
            f64::NAN,
            -1.0,
            0.5,
            f64::INFINITY,
            1e-300,
            -f64::NAN,
        ];
        for i in 0..1000u32 {
            values.push(f64::from(i % 37) / 7.0 - 2.0);
        }
        let n = values.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
        let mut expected = vec![0u8; n];
        for (rank, &row) in order.iter().enumerate() {
            expected[row] = (rank * 10 / n) as u8 + 1;
        }
        assert_eq!(deciles(&values), expected);
    }

    #[test]
    fn deciles_gains_and_lift_by_hand() {
        // 20 rows, scores descending with the row number; positives in rows 0, 1, 5 and 19.
        let scores: Vec<f64> = (0..20).map(|i| 1.0 - i as f64 / 20.0).collect();
        let mut y = vec![false; 20];
        for i in [0, 1, 5, 19] {
            y[i] = true;
        }
        let d = deciles(&scores);
        assert_eq!(&d[..4], &[1, 1, 2, 2]);
        assert_eq!(d[19], 10);
        let g = gains(&d, &y);
        // Decile 1 (rows 0,1) holds 2 of 4 positives, decile 3 (rows 4,5) one more, decile 10 the last.
        assert_eq!(g[0], 0.5);
        assert_eq!(g[1], 0.5);
        assert_eq!(g[2], 0.75);
        assert_eq!(g[8], 0.75);
        assert_eq!(g[9], 1.0);
        // Top decile rate 2/2 = 1.0 over the overall 4/20 = 0.2.
        assert!((lift_top_decile(&d, &y) - 5.0).abs() < 1e-12);
    }

    #[test]
    fn classification_by_hand() {
        let s = [0.9, 0.6, 0.4, 0.2];
        let y = [true, false, true, false];
        let m = classification(&s, &y, 0.5);
        assert_eq!(
            m.confusion,
            Confusion {
                tp: 1,
                fp: 1,
                tn: 1,
                fn_: 1
            }
        );
        assert_eq!(m.accuracy, 0.5);
        assert_eq!(m.precision, 0.5);
        assert_eq!(m.recall, 0.5);
        assert_eq!(m.f1, 0.5);
        let brier = (0.01 + 0.36 + 0.36 + 0.04) / 4.0;
        assert!((m.brier - brier).abs() < 1e-12);
        let ll = -(0.9f64.ln() + 0.4f64.ln() + 0.4f64.ln() + 0.8f64.ln()) / 4.0;
        assert!((m.log_loss - ll).abs() < 1e-12);
    }

    #[test]
    fn multiclass_by_hand() {
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        // Rows: true a → a, true a → b, true b → b, true c → c.
        let probs = [
            0.6, 0.3, 0.1, //
            0.2, 0.7, 0.1, //
            0.1, 0.8, 0.1, //
            0.25, 0.25, 0.5,
        ];
        let m = multiclass(&probs, &[0, 0, 1, 2], &labels);
        assert_eq!(
            m.confusion,
            vec![vec![1, 1, 0], vec![0, 1, 0], vec![0, 0, 1]]
        );
        assert_eq!(m.accuracy, 0.75);
        // Recalls 1/2, 1, 1; precisions 1, 1/2, 1.
        assert!((m.balanced_accuracy - 2.5 / 3.0).abs() < 1e-12);
        let f1_ab = 2.0 * 0.5 / 1.5;
        assert!((m.macro_f1 - (f1_ab + f1_ab + 1.0) / 3.0).abs() < 1e-12);
        let ll = -(0.6f64.ln() + 0.2f64.ln() + 0.8f64.ln() + 0.5f64.ln()) / 4.0;
        assert!((m.log_loss - ll).abs() < 1e-12);
        assert_eq!(m.majority_rate, 0.5);
        assert_eq!(m.classes[1].support, 1);
    }

    #[test]
    fn regression_by_hand() {
        let m = regression(&[2.0, 4.0, 6.0], &[1.0, 4.0, 7.0]);
        assert!((m.rmse - (2.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((m.mae - 2.0 / 3.0).abs() < 1e-12);
        // SST = 9 + 0 + 9 = 18; SSE = 2 → R² = 1 − 2/18.
        assert!((m.r2 - (1.0 - 2.0 / 18.0)).abs() < 1e-12);
        // |1/1| + 0 + |1/7| over 3.
        assert!((m.mape - (1.0 + 1.0 / 7.0) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn silhouette_of_two_far_clusters_is_near_one() {
        let x = [0.0, 0.0, 0.1, 0.0, 10.0, 10.0, 10.1, 10.0];
        let s = silhouette(&x, 2, &[0, 0, 1, 1], &[0, 1, 2, 3]);
        assert!(s > 0.98, "{s}");
    }
}
