//! The core of Marketing Workbench: load customer data, clean it, train a model, score and
//! save it. The app (`marketing-workbench`) and its command line sit on top; nothing here names
//! a screen, and no GUI crate is in this crate's dependency tree (a test checks it).
//!
//! Inside, arrows point one way: [`train`] → [`ml`] → [`data`]; [`jobs`] is the worker pattern
//! every background computation uses.

pub mod basket;
pub mod clv;
pub mod data;
pub mod error;
pub mod export_sql;
pub mod forecast;
pub mod jobs;
pub mod lightgbm;
pub mod memory;
pub mod ml;
pub mod onnx;
pub mod project;
pub mod recommend;
pub mod samples;
pub mod text;
pub mod train;
pub mod uplift;

pub use error::{Error, Result};
