//! How well a ranking by predicted uplift finds the customers the offer changes, as
//! scikit-uplift (0.5) defines it, so the numbers can be compared with the literature: the Qini
//! and uplift curves (with scikit-uplift's ordering and tie handling: a stable ascending sort,
//! reversed; one point per distinct score), their areas normalised between the random and the
//! perfect curves (`qini_auc_score`, `uplift_auc_score`), `uplift_at_k` with the "overall"
//! strategy, and the response rates per decile of predicted uplift.

use serde::Serialize;

/// One experiment's held-out rows: outcome (1/0), group (treated or not), predicted uplift.
#[derive(Clone, Copy, Debug)]
pub struct Rows<'a> {
    pub outcome: &'a [f64],
    pub treated: &'a [bool],
    pub uplift: &'a [f64],
}

/// A curve: customers targeted (x) and the incremental responders found (y).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Curve {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl Curve {
    /// The area under the curve by the trapezoid rule (scikit-learn's `auc`).
    pub fn area(&self) -> f64 {
        self.x
            .windows(2)
            .zip(self.y.windows(2))
            .map(|(x, y)| (x[1] - x[0]) * (y[0] + y[1]) / 2.0)
            .sum()
    }
}

/// Rows by predicted uplift, highest first, as numpy's `argsort(kind="mergesort")[::-1]`:
/// ties end up in reverse row order.
/// As numpy compares: −0 equals 0, NaN sorts last.
pub fn descending(scores: &[f64]) -> Vec<usize> {
    use rayon::prelude::*;
    let compare = |a: f64, b: f64| match (a.is_nan(), b.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Greater,
        (false, true) => std::cmp::Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal),
    };
    let mut order: Vec<usize> = (0..scores.len()).collect();
    // The stable ascending sort reversed: by score, highest first; equal scores by row,
    // last row first (a total order, so the parallel unstable sort gives the same answer).
    order.par_sort_unstable_by(|&a, &b| compare(scores[b], scores[a]).then(b.cmp(&a)));
    order
}

/// Per distinct-score threshold (in descending order): rows so far, treated rows so far,
/// treated responders and control responders so far.
struct Cumulative {
    all: Vec<f64>,
    treated: Vec<f64>,
    treated_responders: Vec<f64>,
    control_responders: Vec<f64>,
}

fn cumulative(rows: Rows, order: &[usize]) -> Cumulative {
    let mut c = Cumulative {
        all: Vec::new(),
        treated: Vec::new(),
        treated_responders: Vec::new(),
        control_responders: Vec::new(),
    };
    let (mut t, mut yt, mut yc) = (0.0, 0.0, 0.0);
    for (rank, &i) in order.iter().enumerate() {
        if rows.treated[i] {
            t += 1.0;
            yt += rows.outcome[i];
        } else {
            yc += rows.outcome[i];
        }
        let last_of_value = order
            .get(rank + 1)
            .is_none_or(|&next| rows.uplift[next] != rows.uplift[i]);
        if last_of_value {
            c.all.push((rank + 1) as f64);
            c.treated.push(t);
            c.treated_responders.push(yt);
            c.control_responders.push(yc);
        }
    }
    c
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

/// A curve starting at (0, 0), as scikit-uplift prepends it.
fn from_origin(x: Vec<f64>, y: Vec<f64>) -> Curve {
    let mut curve = Curve { x, y };
    if curve.x.first().is_none_or(|&x0| x0 != 0.0) || curve.y.first().is_some_and(|&y0| y0 != 0.0) {
        curve.x.insert(0, 0.0);
        curve.y.insert(0, 0.0);
    }
    curve
}

/// The Qini curve: treated responders among the top n minus control responders scaled by the
/// treated/control ratio among them.
pub fn qini_curve(rows: Rows) -> Curve {
    qini_curve_in(rows, &descending(rows.uplift))
}

/// [`qini_curve`] along `order` (the rows by descending uplift, [`descending`]).
pub fn qini_curve_in(rows: Rows, order: &[usize]) -> Curve {
    let c = cumulative(rows, order);
    let y = (0..c.all.len())
        .map(|i| {
            let control = c.all[i] - c.treated[i];
            c.treated_responders[i] - c.control_responders[i] * ratio(c.treated[i], control)
        })
        .collect();
    from_origin(c.all, y)
}

/// The uplift curve: (treated response rate − control response rate) among the top n, × n.
pub fn uplift_curve(rows: Rows) -> Curve {
    uplift_curve_in(rows, &descending(rows.uplift))
}

/// [`uplift_curve`] along `order`.
pub fn uplift_curve_in(rows: Rows, order: &[usize]) -> Curve {
    let c = cumulative(rows, order);
    let y = (0..c.all.len())
        .map(|i| {
            let control = c.all[i] - c.treated[i];
            (ratio(c.treated_responders[i], c.treated[i]) - ratio(c.control_responders[i], control))
                * c.all[i]
        })
        .collect();
    from_origin(c.all, y)
}

/// The best Qini curve these outcomes allow (responders among the treated first, responders
/// among the control last: scikit-uplift's `negative_effect=True`).
pub fn perfect_qini_curve(outcome: &[f64], treated: &[bool]) -> Curve {
    let perfect: Vec<f64> = outcome
        .iter()
        .zip(treated)
        .map(|(&y, &t)| if t { y } else { -y })
        .collect();
    qini_curve(Rows {
        outcome,
        treated,
        uplift: &perfect,
    })
}

/// The best uplift curve these outcomes allow (scikit-uplift's `perfect_uplift_curve`).
pub fn perfect_uplift_curve(outcome: &[f64], treated: &[bool]) -> Curve {
    let control_responders = outcome
        .iter()
        .zip(treated)
        .filter(|&(&y, &t)| y == 1.0 && !t)
        .count();
    let treated_non_responders = outcome
        .iter()
        .zip(treated)
        .filter(|&(&y, &t)| y == 0.0 && t)
        .count();
    let perfect: Vec<f64> = outcome
        .iter()
        .zip(treated)
        .map(|(&y, &t)| {
            let w = f64::from(u8::from(t));
            let summand = if control_responders > treated_non_responders {
                y
            } else {
                w
            };
            2.0 * f64::from(u8::from(y == w)) + summand
        })
        .collect();
    uplift_curve(Rows {
        outcome,
        treated,
        uplift: &perfect,
    })
}

/// The area between `actual` and the straight line to the perfect curve's end, over the same
/// for the perfect curve: 1 is perfect, 0 is random, below 0 worse than random.
fn normalised(actual: &Curve, perfect: &Curve) -> f64 {
    let end = Curve {
        x: vec![0.0, perfect.x.last().copied().unwrap_or(0.0)],
        y: vec![0.0, perfect.y.last().copied().unwrap_or(0.0)],
    };
    let baseline = end.area();
    (actual.area() - baseline) / (perfect.area() - baseline)
}

/// scikit-uplift's `qini_auc_score` (the Qini coefficient, normalised).
pub fn qini_auc(rows: Rows) -> f64 {
    normalised(
        &qini_curve(rows),
        &perfect_qini_curve(rows.outcome, rows.treated),
    )
}

/// scikit-uplift's `uplift_auc_score` (the area under the uplift curve, normalised).
pub fn uplift_auc(rows: Rows) -> f64 {
    normalised(
        &uplift_curve(rows),
        &perfect_uplift_curve(rows.outcome, rows.treated),
    )
}

/// The normalised area of `actual` against `perfect` (what [`qini_auc`] and [`uplift_auc`]
/// compute from their curves).
pub fn normalised_area(actual: &Curve, perfect: &Curve) -> f64 {
    normalised(actual, perfect)
}

/// scikit-uplift's `uplift_at_k` with `strategy="overall"`: among the top `k` (a fraction) of
/// all rows by predicted uplift, the treated response rate minus the control response rate.
/// NaN when the top rows hold no treated or no control customer.
pub fn uplift_at_k(rows: Rows, k: f64) -> f64 {
    uplift_at_k_in(rows, &descending(rows.uplift), k)
}

/// [`uplift_at_k`] along `order`.
pub fn uplift_at_k_in(rows: Rows, order: &[usize], k: f64) -> f64 {
    let n = (rows.uplift.len() as f64 * k) as usize;
    let (mut t, mut yt, mut c, mut yc) = (0.0, 0.0, 0.0, 0.0);
    for &i in order.iter().take(n) {
        if rows.treated[i] {
            t += 1.0;
            yt += rows.outcome[i];
        } else {
            c += 1.0;
            yc += rows.outcome[i];
        }
    }
    yt / t - yc / c
}

/// One tenth of the rows by predicted uplift.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Decile {
    pub treated: usize,
    pub control: usize,
    /// Response rates (NaN for an empty group).
    pub treated_rate: f64,
    pub control_rate: f64,
    /// The mean predicted uplift.
    pub predicted: f64,
}

impl Decile {
    /// The observed uplift: treated rate − control rate.
    pub fn uplift(&self) -> f64 {
        self.treated_rate - self.control_rate
    }
}

/// Each row's decile of predicted uplift (1 = the highest), the groups of [`by_decile`]: the
/// `decile` column of scored files, so it and the decile table agree row for row.
pub fn deciles(uplift: &[f64]) -> Vec<u8> {
    let order = descending(uplift);
    let n = order.len();
    let mut out = vec![0u8; n];
    let mut start = 0;
    for d in 0..10u8 {
        let size = n / 10 + usize::from(usize::from(d) < n % 10);
        for &i in &order[start..start + size] {
            out[i] = d + 1;
        }
        start += size;
    }
    out
}

/// The rows split into ten groups by predicted uplift, highest first, as numpy's
/// `array_split` splits them (scikit-uplift's `uplift_by_percentile`, `bins=10`): the first
/// n mod 10 groups hold one row more.
pub fn by_decile(rows: Rows) -> Vec<Decile> {
    by_decile_in(rows, &descending(rows.uplift))
}

/// [`by_decile`] along `order`.
pub fn by_decile_in(rows: Rows, order: &[usize]) -> Vec<Decile> {
    let n = order.len();
    let mut out = Vec::with_capacity(10);
    let mut start = 0;
    for d in 0..10 {
        let size = n / 10 + usize::from(d < n % 10);
        let part = &order[start..start + size];
        start += size;
        let (mut t, mut yt, mut c, mut yc, mut u) = (0usize, 0.0, 0usize, 0.0, 0.0);
        for &i in part {
            u += rows.uplift[i];
            if rows.treated[i] {
                t += 1;
                yt += rows.outcome[i];
            } else {
                c += 1;
                yc += rows.outcome[i];
            }
        }
        out.push(Decile {
            treated: t,
            control: c,
            treated_rate: yt / t as f64,
            control_rate: yc / c as f64,
            predicted: u / size.max(1) as f64,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-worked example: four rows, scores 0.9 > 0.5 = 0.5 > 0.1.
    #[test]
    fn curves_by_hand() {
        let outcome = [1.0, 0.0, 1.0, 0.0];
        let treated = [true, false, false, true];
        let uplift = [0.9, 0.5, 0.5, 0.1];
        let rows = Rows {
            outcome: &outcome,
            treated: &treated,
            uplift: &uplift,
        };
        // Thresholds after rows 1, 3 (the tie) and 4.
        // n=1: T=1 yT=1 C=0 yC=0 → qini 1; n=3: T=1 yT=1, C=2 yC=1 → 1 − 1·½ = 0.5;
        // n=4: T=2 yT=1, C=2 yC=1 → 1 − 1 = 0.
        let q = qini_curve(rows);
        assert_eq!(q.x, [0.0, 1.0, 3.0, 4.0]);
        assert_eq!(q.y, [0.0, 1.0, 0.5, 0.0]);
        // uplift: n=1: (1 − 0)·1 = 1; n=3: (1 − ½)·3 = 1.5; n=4: (½ − ½)·4 = 0.
        let u = uplift_curve(rows);
        assert_eq!(u.y, [0.0, 1.0, 1.5, 0.0]);
        assert_eq!(q.area(), 0.5 + 1.5 + 0.25);
        // Top half: row 0 (treated, bought) and, of the tie, the later row 2 first (control,
        // bought): 1 − 1.
        assert_eq!(uplift_at_k(rows, 0.5), 0.0);
        let d = by_decile(rows);
        assert_eq!(d.iter().map(|d| d.treated + d.control).sum::<usize>(), 4);
        assert_eq!(d[0].treated + d[0].control, 1);
    }
}
