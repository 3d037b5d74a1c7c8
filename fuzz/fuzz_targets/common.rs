//! Shared by the targets: a value built once and kept, whatever its type (the fuzz crate
//! doesn't depend on polars itself, so it never has to track the main crate's polars version).

use std::any::Any;
use std::sync::OnceLock;

pub type Cell = OnceLock<Box<dyn Any + Send + Sync>>;

/// The value in `cell`, made by `make` the first time.
pub fn cached<T: Any + Send + Sync>(cell: &'static Cell, make: impl FnOnce() -> T) -> &'static T {
    cell.get_or_init(|| Box::new(make()))
        .downcast_ref::<T>()
        .expect("one type per cell")
}
