//! Who to contact: the ranking of customers by score, what any cut-off means (confusion,
//! precision, recall, customers contacted), the decile table behind gains and lift charts,
//! calibration, and the targeting calculator's expected profit.

use serde::{Deserialize, Serialize};

use super::metrics::Confusion;

/// Scores sorted from highest to lowest with the running count of positives, so any cut-off
/// is answered by a binary search.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    /// Scores, highest first.
    pub scores: Vec<f64>,
    /// `positives[k]` = positives among the first `k` customers (length `scores.len() + 1`).
    pub positives: Vec<u32>,
}

/// One tenth of the customers, by score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecileRow {
    pub decile: u8,
    pub customers: usize,
    pub responders: usize,
    /// Responders / customers in this decile.
    pub response_rate: f64,
    /// This decile's rate over the overall rate.
    pub lift: f64,
    /// Share of all responders in deciles 1..=this one.
    pub cumulative_gain: f64,
}

impl Ranking {
    /// Ranks `scores` (ties broken by row order, as [`super::metrics::deciles`] does).
    pub fn new(scores: &[f64], labels: &[bool]) -> Self {
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        let mut positives = Vec::with_capacity(scores.len() + 1);
        positives.push(0);
        let mut acc = 0u32;
        for &i in &order {
            acc += u32::from(labels.get(i).copied().unwrap_or(false));
            positives.push(acc);
        }
        Self {
            scores: order.iter().map(|&i| scores[i]).collect(),
            positives,
        }
    }

    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    pub fn total_positives(&self) -> u32 {
        self.positives.last().copied().unwrap_or(0)
    }

    /// How many customers score at or above `threshold`.
    pub fn count_at_or_above(&self, threshold: f64) -> usize {
        self.scores.partition_point(|&s| s >= threshold)
    }

    /// The confusion matrix when everyone at or above `threshold` is predicted positive.
    pub fn confusion_at(&self, threshold: f64) -> Confusion {
        self.confusion_top(self.count_at_or_above(threshold))
    }

    /// The confusion matrix when the top `k` customers are predicted positive.
    pub fn confusion_top(&self, k: usize) -> Confusion {
        let k = k.min(self.len());
        let tp = u64::from(self.positives[k]);
        let all_pos = u64::from(self.total_positives());
        let fp = k as u64 - tp;
        let fn_ = all_pos - tp;
        let tn = (self.len() - k) as u64 - fn_;
        Confusion { tp, fp, tn, fn_ }
    }

    /// The decile table: customers 1..n split in ten as evenly as possible, best first.
    pub fn deciles(&self) -> Vec<DecileRow> {
        let n = self.len();
        let total = f64::from(self.total_positives());
        let overall = if n > 0 { total / n as f64 } else { 0.0 };
        (0..10)
            .map(|d| {
                // Same split as metrics::deciles: rank r is in decile r * 10 / n + 1.
                let start = (d * n).div_ceil(10);
                let end = ((d + 1) * n).div_ceil(10);
                let customers = end - start;
                let responders = (self.positives[end] - self.positives[start]) as usize;
                let rate = if customers > 0 {
                    responders as f64 / customers as f64
                } else {
                    0.0
                };
                DecileRow {
                    decile: d as u8 + 1,
                    customers,
                    responders,
                    response_rate: rate,
                    lift: if overall > 0.0 {
                        rate / overall
                    } else {
                        f64::NAN
                    },
                    cumulative_gain: if total > 0.0 {
                        f64::from(self.positives[end]) / total
                    } else {
                        f64::NAN
                    },
                }
            })
            .collect()
    }

    /// Precision–recall points (recall, precision), one per distinct score, thinned to about
    /// `max_points`.
    pub fn precision_recall(&self, max_points: usize) -> Vec<[f64; 2]> {
        let total = f64::from(self.total_positives()).max(1.0);
        let stride = self.len().div_ceil(max_points.max(1)).max(1);
        (1..=self.len())
            .filter(|&k| {
                k == self.len() || (k % stride == 0 && self.scores[k] != self.scores[k - 1])
            })
            .map(|k| {
                let tp = f64::from(self.positives[k]);
                [tp / total, tp / k as f64]
            })
            .collect()
    }

    /// Calibration: customers in `bins` equal-count groups by score, (mean score, observed rate).
    pub fn calibration(&self, bins: usize) -> Vec<[f64; 2]> {
        let n = self.len();
        let bins = bins.clamp(1, n.max(1));
        (0..bins)
            .filter_map(|b| {
                let (start, end) = (b * n / bins, (b + 1) * n / bins);
                if end <= start {
                    return None;
                }
                let mean = self.scores[start..end].iter().sum::<f64>() / (end - start) as f64;
                let rate =
                    f64::from(self.positives[end] - self.positives[start]) / (end - start) as f64;
                Some([mean, rate])
            })
            .collect()
    }
}

/// The targeting calculator's inputs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    /// What contacting one customer costs.
    pub cost_per_contact: f64,
    /// What one conversion is worth.
    pub value_per_conversion: f64,
    /// Most money to spend on contacts, if limited.
    pub budget: Option<f64>,
    /// Most customers to contact, if limited.
    pub max_contacts: Option<usize>,
}

/// The best plan for a campaign and the profit curve behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Contact the top `contacts` customers by score.
    pub contacts: usize,
    /// Expected conversions among them (the sum of their probabilities).
    pub expected_conversions: f64,
    pub expected_profit: f64,
    /// The lowest score contacted (the cut-off), if anyone is.
    pub cutoff: Option<f64>,
    /// (share of customers contacted, expected profit) along the ranking.
    pub curve: Vec<[f64; 2]>,
    /// The most customers the budget and cap allow.
    pub allowed: usize,
}

/// Expected profit of contacting the top k customers for every k, from their probabilities
/// (`scores` sorted highest first); the best k within the budget and the cap.
pub fn plan(scores_desc: &[f64], campaign: &Campaign, curve_points: usize) -> Plan {
    let n = scores_desc.len();
    let mut allowed = n;
    if let Some(b) = campaign.budget
        && campaign.cost_per_contact > 0.0
    {
        allowed = allowed.min((b / campaign.cost_per_contact).floor().max(0.0) as usize);
    }
    if let Some(cap) = campaign.max_contacts {
        allowed = allowed.min(cap);
    }
    let stride = n.div_ceil(curve_points.max(1)).max(1);
    let (mut conversions, mut best) = (0.0, (0usize, 0.0f64, 0.0f64));
    let mut curve = vec![[0.0, 0.0]];
    for (i, &p) in scores_desc.iter().enumerate() {
        let k = i + 1;
        conversions += p;
        let profit =
            campaign.value_per_conversion * conversions - campaign.cost_per_contact * k as f64;
        if k <= allowed && profit > best.1 {
            best = (k, profit, conversions);
        }
        if k % stride == 0 || k == n {
            curve.push([k as f64 / n as f64, profit]);
        }
    }
    Plan {
        contacts: best.0,
        expected_conversions: best.2,
        expected_profit: best.1,
        cutoff: best.0.checked_sub(1).map(|i| scores_desc[i]),
        curve,
        allowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranking() -> Ranking {
        // 10 customers; scores 1.0, 0.9, …, 0.1 for rows 0..9; positives at rows 0, 1, 3, 7.
        let scores: Vec<f64> = (0..10).map(|i| 1.0 - i as f64 / 10.0).collect();
        let mut y = vec![false; 10];
        for i in [0, 1, 3, 7] {
            y[i] = true;
        }
        Ranking::new(&scores, &y)
    }

    #[test]
    fn cutoffs_by_hand() {
        let r = ranking();
        // Scores ≥ 0.65: rows 0..3 (1.0, 0.9, 0.8, 0.7), with positives 0, 1, 3.
        let c = r.confusion_at(0.65);
        assert_eq!((c.tp, c.fp, c.tn, c.fn_), (3, 1, 5, 1));
        assert_eq!(r.count_at_or_above(0.65), 4);
        assert_eq!(r.confusion_top(0).tp, 0);
        assert_eq!(r.confusion_top(10).fn_, 0);
    }

    #[test]
    fn decile_table_matches_brute_force() {
        let scores: Vec<f64> = (0..37).map(|i| ((i * 7919) % 37) as f64 / 37.0).collect();
        let y: Vec<bool> = (0..37).map(|i| i % 3 == 0).collect();
        let r = Ranking::new(&scores, &y);
        let table = r.deciles();
        let d = crate::ml::metrics::deciles(&scores);
        let gains = crate::ml::metrics::gains(&d, &y);
        for row in &table {
            let members: Vec<usize> = (0..37).filter(|&i| d[i] == row.decile).collect();
            assert_eq!(row.customers, members.len(), "decile {}", row.decile);
            assert_eq!(row.responders, members.iter().filter(|&&i| y[i]).count());
            assert!((row.cumulative_gain - gains[usize::from(row.decile) - 1]).abs() < 1e-12);
        }
        assert_eq!(table.iter().map(|r| r.customers).sum::<usize>(), 37);
    }

    #[test]
    fn profit_by_hand() {
        // Probabilities 0.5, 0.3, 0.1; cost 1, value 4: profits 1, 1.2 + 1 − 1 = 1.2, then 1.2 + 0.4 − 1 = 0.6.
        let campaign = Campaign {
            cost_per_contact: 1.0,
            value_per_conversion: 4.0,
            budget: None,
            max_contacts: None,
        };
        let p = plan(&[0.5, 0.3, 0.1], &campaign, 10);
        assert_eq!(p.contacts, 2);
        assert!((p.expected_profit - 1.2).abs() < 1e-12);
        assert!((p.expected_conversions - 0.8).abs() < 1e-12);
        assert_eq!(p.cutoff, Some(0.3));
        // A budget of 1.5 allows one contact.
        let p = plan(
            &[0.5, 0.3, 0.1],
            &Campaign {
                budget: Some(1.5),
                ..campaign
            },
            10,
        );
        assert_eq!(p.contacts, 1);
        assert!((p.expected_profit - 1.0).abs() < 1e-12);
        // Contacts that cost more than they bring: contact nobody.
        let p = plan(
            &[0.1],
            &Campaign {
                value_per_conversion: 5.0,
                ..campaign
            },
            10,
        );
        assert_eq!(p.contacts, 0);
        assert_eq!(p.cutoff, None);
    }

    #[test]
    fn calibration_and_pr() {
        let r = ranking();
        let cal = r.calibration(2);
        // Top half: scores 1.0..0.6 (mean 0.8), 3 positives of 5; bottom: mean 0.3, 1 of 5.
        assert!((cal[0][0] - 0.8).abs() < 1e-12 && (cal[0][1] - 0.6).abs() < 1e-12);
        assert!((cal[1][0] - 0.3).abs() < 1e-12 && (cal[1][1] - 0.2).abs() < 1e-12);
        let pr = r.precision_recall(100);
        assert_eq!(pr.first(), Some(&[0.25, 1.0]));
        assert_eq!(pr.last(), Some(&[1.0, 0.4]));
    }
}
