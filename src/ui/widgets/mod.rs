//! Reusable widgets.

pub mod notifications;
pub mod table;
