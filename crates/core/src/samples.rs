//! The bundled samples: every question can be tried in one click before the user's own file is
//! at hand.

/// The sample customers: 20,000 customers made by `marketing-workbench sample --rows 20000 --seed 42`.
pub static CUSTOMERS_CSV: &[u8] = include_bytes!("../../../assets/sample_customers.csv");

/// The name the sample customers are shown under.
pub const CUSTOMERS_NAME: &str = "sample_customers.csv";

/// The name the sample experiment is shown under.
pub const EXPERIMENT_NAME: &str = "sample_experiment.csv";

/// The sample customers with a campaign test: `treated` and `converted` added as
/// `marketing-workbench sample --rows 20000 --seed 42 --experiment` writes them.
pub fn experiment() -> crate::Result<polars::prelude::DataFrame> {
    let customers = crate::data::sample::generate(20_000, 42)?;
    Ok(crate::data::sample_experiment::add(&customers, 42)?.frame)
}

/// The name the sample orders are shown under.
pub const ORDERS_NAME: &str = "sample_orders.csv";

/// The sample orders: the order history of the sample customers, generated as
/// `marketing-workbench sample --rows 20000 --seed 42 --transactions FILE` writes it (the
/// generator is fast and seeded, so it is made, not shipped).
pub fn orders() -> crate::Result<polars::prelude::DataFrame> {
    Ok(crate::data::sample_orders::generate(20_000, 42)?.frame)
}

/// The name the sample posts are shown under.
pub const REVIEWS_NAME: &str = "sample_posts.csv";

/// The sample posts: reviews, survey answers, support tickets and social posts by the sample
/// customers, with planted themes and sentiment, as `marketing-workbench sample --rows 20000
/// --seed 42 --reviews FILE` writes them.
pub fn reviews() -> crate::Result<polars::prelude::DataFrame> {
    Ok(crate::data::sample_reviews::generate(20_000, 42)?.frame)
}
