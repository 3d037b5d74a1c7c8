//! Tables: loading, profiling, cleaning and writing. Polars only; never the UI.

pub mod dates;
pub mod export;
pub mod load;
pub mod postgres;
pub mod profile;
pub mod recipe;
pub mod rfm;
pub mod sample;
pub mod sample_experiment;
pub mod sample_orders;
pub mod sample_reviews;
pub mod transactions;
pub mod view;

/// The name of the hidden column that carries each row's position in the loaded table through
/// cleaning and splitting, so scored rows can be matched back to the customer's original values.
pub const ROW_ID: &str = "__row";

/// The median of `values` (the mean of the middle two for an even count); `None` when empty.
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    // The middle value by selection, O(n) (a full sort was most of fitting the feature schema
    // on a million rows); the same values as sorting, so the same median.
    let m = values.len() / 2;
    let even = values.len().is_multiple_of(2);
    let (lower, &mut middle, _) = values.select_nth_unstable_by(m, f64::total_cmp);
    Some(if even {
        let below = lower
            .iter()
            .copied()
            .max_by(f64::total_cmp)
            .unwrap_or(middle);
        (below + middle) / 2.0
    } else {
        middle
    })
}

/// Runs `work` on polars' own thread pool. Work spread over columns with rayon calls polars in
/// every column, and polars runs its own parallel parts (a sort in `n_unique`, say) on its pool.
/// A thread of another pool that waits for them steals more columns meanwhile — one nested wait
/// per column, until its stack overflows (a 5,000-column file aborted the process). On polars'
/// pool those parts run in place instead.
pub fn on_polars_pool<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    polars_core::runtime::THREAD_POOL.install(work)
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    /// The selection gives what sorting gives, duplicates and even counts included.
    #[test]
    fn median_equals_the_sorted_middle() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        for n in 1..200 {
            let v: Vec<f64> = (0..n)
                .map(|_| f64::from(rng.gen_range(-20i32..20)) / 4.0)
                .collect();
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            let m = n / 2;
            let want = if n % 2 == 0 {
                (sorted[m - 1] + sorted[m]) / 2.0
            } else {
                sorted[m]
            };
            assert_eq!(super::median(v), Some(want), "n = {n}");
        }
        assert_eq!(super::median(Vec::new()), None);
    }
}
