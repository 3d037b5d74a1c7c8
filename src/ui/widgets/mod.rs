//! Reusable widgets.

pub mod notifications;
pub mod png;
pub mod table;
