//! Tables: loading, profiling, cleaning and writing. Polars only; never the UI.

pub mod dates;
pub mod export;
pub mod load;
pub mod profile;
pub mod recipe;
pub mod rfm;
pub mod sample;
pub mod sample_experiment;
pub mod sample_orders;
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
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[m - 1] + values[m]) / 2.0
    } else {
        values[m]
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
