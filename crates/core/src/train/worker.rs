//! A training run as a [`Job`]: the pipeline on a thread named `train:<model>`, streaming
//! [`TrainEvent`]s, joined when dropped (models check the control after every step).

use polars::prelude::DataFrame;

use super::{Detail, Sizes, TrainEvent, run};
use crate::data::recipe::Recipe;
use crate::error::Result;
use crate::jobs::{Job, OnDrop, Waker, catch_panic};
use crate::ml::ModelSettings;

/// A training run on its own thread.
pub type TrainJob = Job<TrainEvent>;

/// Starts training on a thread named `train:<model>`, with the insights of the caller's
/// `sizes`; `waker` is called after each event.
pub fn spawn(
    raw: DataFrame,
    recipe: Recipe,
    settings: ModelSettings,
    sizes: Sizes,
    waker: Waker,
) -> Result<TrainJob> {
    let model = settings.model.map_or("auto", |m| m.cli_name());
    Job::start(
        format!("train:{model}"),
        format!("Training {model}"),
        OnDrop::CancelAndJoin,
        waker,
        move |ctx| {
            let result = catch_panic(|| {
                run(
                    &raw,
                    &recipe,
                    &settings,
                    Detail::Insights(sizes),
                    &mut |e| ctx.send(e),
                    ctx.control(),
                )
            });
            // A failed send means the app dropped the job: nobody is left to tell.
            ctx.send(TrainEvent::Finished(result.map(Box::new)));
        },
    )
}
