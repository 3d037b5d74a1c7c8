//! The charts analysts check a purchase model with, as numbers: the repeat-purchase frequency
//! histogram (actual and model), repeat purchases per period across calibration and holdout
//! (actual and model), holdout purchases by calibration frequency (actual and model), and
//! P(alive) over frequency and recency. Sizes (cells, buckets) come from the caller.

use super::{Outcome, Purchases};

/// One bar group of the frequency histogram.
#[derive(Clone, Debug, PartialEq)]
pub struct FrequencyBar {
    /// "0", "1", …, "7+".
    pub label: String,
    pub actual: f64,
    /// Customers the model expects with this many repeat purchases by their own T (BG/NBD
    /// only: Pareto/NBD's distribution is not computed).
    pub model: Option<f64>,
}

/// Repeat purchases in one period (calibration and holdout).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Period {
    /// First day of the period (day number).
    pub start: i32,
    pub actual: f64,
    pub predicted: f64,
}

/// Holdout purchases of the customers with one calibration frequency.
#[derive(Clone, Debug, PartialEq)]
pub struct HoldoutBar {
    pub label: String,
    pub customers: usize,
    /// Mean holdout purchases per customer.
    pub actual: f64,
    pub predicted: f64,
}

/// P(alive) on a grid of frequency (rows) and recency (columns) at the longest T.
#[derive(Clone, Debug, PartialEq)]
pub struct AliveMatrix {
    pub frequencies: Vec<f64>,
    pub recencies: Vec<f64>,
    pub t: f64,
    /// `p[i][j]`: frequency i, recency j (`None` where recency is impossible: 0 < x with
    /// recency 0 is allowed, but a recency above T is not).
    pub p: Vec<Vec<Option<f64>>>,
}

/// Everything the diagnostic charts draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostics {
    pub frequency: Vec<FrequencyBar>,
    /// Length of a tracking period in days.
    pub period_days: f64,
    pub periods: Vec<Period>,
    pub holdout: Vec<HoldoutBar>,
    pub alive: AliveMatrix,
}

fn bucket_label(x: usize, last: usize) -> String {
    if x == last {
        format!("{x}+")
    } else {
        x.to_string()
    }
}

impl Outcome {
    /// The diagnostics with `buckets` frequency bars (the last is "buckets−1 or more") and a
    /// `cells` × `cells` P(alive) grid.
    pub fn diagnostics(&self, buckets: usize, cells: usize) -> Diagnostics {
        let s = &self.summary;
        let buckets = buckets.max(2);
        let last = buckets - 1;
        let bucket = |x: f64| (x.max(0.0) as usize).min(last);
        // Frequency histogram.
        let mut actual = vec![0.0; buckets];
        for &x in &s.frequency {
            actual[bucket(x)] += 1.0;
        }
        let model = match self.purchases {
            Purchases::BgNbd(m) => {
                let mut expected = vec![0.0; buckets];
                for &t in &s.t {
                    let mut below = 0.0;
                    for (x, e) in expected.iter_mut().enumerate().take(last) {
                        let p = m.pmf(x as u32, t);
                        *e += p;
                        below += p;
                    }
                    expected[last] += (1.0 - below).max(0.0);
                }
                Some(expected)
            }
            Purchases::ParetoNbd(_) => None,
        };
        let frequency = (0..buckets)
            .map(|x| FrequencyBar {
                label: bucket_label(x, last),
                actual: actual[x],
                model: model.as_ref().map(|m| m[x]),
            })
            .collect();

        // Tracking: periods of the unit (a week at least) from the first purchase to the end.
        let period_days = self.settings.unit.days().max(7.0);
        let start = s
            .first_day
            .iter()
            .copied()
            .min()
            .unwrap_or(s.calibration_end);
        let end = s.observation_end;
        let n_periods = ((f64::from(end - start) + 1.0) / period_days)
            .ceil()
            .max(1.0) as usize;
        let mut periods: Vec<Period> = (0..n_periods)
            .map(|k| Period {
                start: start + (k as f64 * period_days).round() as i32,
                actual: 0.0,
                predicted: 0.0,
            })
            .collect();
        for &d in &s.repeat_days {
            let k = ((f64::from(d - start)) / period_days) as usize;
            if let Some(p) = periods.get_mut(k) {
                p.actual += 1.0;
            }
        }
        // Customers by first day, so each cohort day is computed once.
        let mut cohorts: std::collections::BTreeMap<i32, f64> = Default::default();
        for &f in &s.first_day {
            *cohorts.entry(f).or_insert(0.0) += 1.0;
        }
        let unit = self.settings.unit.days();
        let by_time = |t: f64| match self.purchases {
            Purchases::BgNbd(m) => m.expected_purchases_new(t),
            Purchases::ParetoNbd(m) => m.expected_purchases_new(t),
        };
        for (&first, &count) in &cohorts {
            let mut before = 0.0;
            for p in periods.iter_mut() {
                let period_end = f64::from(p.start) + period_days;
                let t = ((period_end - f64::from(first)) / unit).max(0.0);
                let now = by_time(t);
                p.predicted += count * (now - before);
                before = now;
            }
        }

        // Holdout by calibration frequency.
        let holdout_length = s.holdout_length(self.settings.unit);
        let mut holdout: Vec<HoldoutBar> = (0..buckets)
            .map(|x| HoldoutBar {
                label: bucket_label(x, last),
                customers: 0,
                actual: 0.0,
                predicted: 0.0,
            })
            .collect();
        if holdout_length > 0.0 {
            for i in 0..s.len() {
                let b = &mut holdout[bucket(s.frequency[i])];
                b.customers += 1;
                b.actual += s.holdout[i];
                b.predicted += self.purchases.expected_purchases(
                    holdout_length,
                    s.frequency[i],
                    s.recency[i],
                    s.t[i],
                );
            }
            for b in &mut holdout {
                if b.customers > 0 {
                    b.actual /= b.customers as f64;
                    b.predicted /= b.customers as f64;
                }
            }
        } else {
            holdout.clear();
        }

        // P(alive) grid.
        let cells = cells.max(2);
        let t = s.t.iter().copied().fold(0.0, f64::max);
        // Frequencies up to the 99th percentile (a few very frequent buyers would squeeze the
        // rest into one row): whole numbers, spaced out when there are more than `cells`.
        let mut sorted = s.frequency.clone();
        sorted.sort_by(f64::total_cmp);
        let p99 = sorted
            .get((sorted.len() as f64 * 0.99) as usize)
            .or(sorted.last())
            .copied()
            .unwrap_or(1.0)
            .max(1.0);
        let mut frequencies: Vec<f64> = (0..cells)
            .map(|i| (p99 * i as f64 / (cells - 1) as f64).round())
            .collect();
        frequencies.dedup();
        let recencies: Vec<f64> = (0..cells)
            .map(|j| t * j as f64 / (cells - 1) as f64)
            .collect();
        let p = frequencies
            .iter()
            .map(|&x| {
                recencies
                    .iter()
                    .map(|&r| {
                        (x > 0.0 || r == 0.0)
                            .then(|| self.purchases.p_alive(x, if x > 0.0 { r } else { 0.0 }, t))
                    })
                    .collect()
            })
            .collect();
        Diagnostics {
            frequency,
            period_days,
            periods,
            holdout,
            alive: AliveMatrix {
                frequencies,
                recencies,
                t,
                p,
            },
        }
    }
}
