//! Marketing Workbench: load customer data, clean it, train a model, inspect its predictions and
//! export scored customers — as a desktop app (`ui`) and a command line (`cli`) over one core.
//!
//! The core flows one way — [`data`] → [`ml`] → [`train`] — and never names the UI; [`ui`] sits
//! on top and is the only module that uses egui, eframe, egui_plot or rfd.

pub mod cli;
pub mod data;
pub mod error;
pub mod ml;
pub mod project;
pub mod train;
pub mod ui;

pub use error::{Error, Result};

/// The bundled sample: 20,000 customers made by `marketing-workbench sample --rows 20000 --seed 42`.
pub static SAMPLE_CSV: &[u8] = include_bytes!("../assets/sample_customers.csv");

/// The name the sample is shown under.
pub const SAMPLE_NAME: &str = "sample_customers.csv";
