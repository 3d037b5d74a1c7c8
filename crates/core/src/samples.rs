//! The bundled samples: every question can be tried in one click before the user's own file is
//! at hand.

/// The sample customers: 20,000 customers made by `marketing-workbench sample --rows 20000 --seed 42`.
pub static CUSTOMERS_CSV: &[u8] = include_bytes!("../../../assets/sample_customers.csv");

/// The name the sample customers are shown under.
pub const CUSTOMERS_NAME: &str = "sample_customers.csv";
