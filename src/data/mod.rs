//! Tables: loading, profiling, cleaning and writing. Polars only; never the UI.

pub mod dates;
pub mod export;
pub mod load;
pub mod profile;
pub mod recipe;
pub mod rfm;
pub mod sample;

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
