//! A training run as a [`Job`]: the pipeline on a thread named `train:<model>`, streaming
//! [`TrainEvent`]s, joined when dropped (models check the control after every step).

use polars::prelude::DataFrame;

use std::path::PathBuf;

use super::{Detail, Sizes, TrainEvent, assess, run};
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

/// Reads the LightGBM model at `path` as predicting `target` (a yes/no file's class 1 read as
/// `positive` when given) and measures it on every row of `raw` with a target ([`assess`]), on
/// a thread named `import:lightgbm`, with the events of a training run that has no steps.
pub fn spawn_import(
    raw: DataFrame,
    path: PathBuf,
    (target, positive): (Option<String>, Option<String>),
    sizes: Sizes,
    waker: Waker,
) -> Result<TrainJob> {
    spawn_assess(
        raw,
        ("import:lightgbm", "Reading a LightGBM model"),
        move || {
            let mut saved = crate::lightgbm::import(&path, target.as_deref())?;
            if saved.classes.is_some() && positive.is_some() {
                saved.settings.positive = positive;
            }
            Ok(saved)
        },
        sizes,
        waker,
    )
}

/// Measures the model `model` gives (read on the thread: a file may be large) on every row of
/// `raw` with a target ([`assess`]), on a thread named `thread` (with `title` for people): a
/// model trained elsewhere, newly read or reopened with a project.
pub fn spawn_assess(
    raw: DataFrame,
    (thread, title): (&str, &str),
    model: impl FnOnce() -> Result<crate::ml::saved::SavedModel> + Send + 'static,
    sizes: Sizes,
    waker: Waker,
) -> Result<TrainJob> {
    Job::start(
        thread.to_owned(),
        title.to_owned(),
        OnDrop::CancelAndJoin,
        waker,
        move |ctx| {
            let result = catch_panic(|| {
                assess(
                    &raw,
                    model()?,
                    Detail::Insights(sizes),
                    &mut |e| ctx.send(e),
                    ctx.control(),
                )
            });
            ctx.send(TrainEvent::Finished(result.map(Box::new)));
        },
    )
}
