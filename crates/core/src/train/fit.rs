//! Fit: say what is about to be trained (the `Started` event: steps, description, what the
//! curve measures), then train the model step by step, each step reported live, and wrap it with
//! the fitted recipe and features into the model file.

use std::time::Instant;

use super::plan::{Plan, Prepared};
use super::{CurveInfo, TrainEvent};
use crate::error::Result;
use crate::jobs::{Control, RunControl};
use crate::ml::models::{self, ModelKind, StepReport};
use crate::ml::saved::SavedModel;
use crate::ml::{Answer, ModelSettings};

/// A fitted model and how it got there.
pub struct Fitted {
    pub model: SavedModel,
    /// The loss curve, one entry per step.
    pub curve: Vec<StepReport>,
    /// Time spent fitting the model itself.
    pub fit_secs: f64,
}

/// Sends `Started` and the notes; false when nobody listens any more.
pub fn announce(
    plan: &Plan,
    prepared: &Prepared,
    settings: &ModelSettings,
    notes: &[String],
    on_event: &mut dyn FnMut(TrainEvent) -> bool,
) -> bool {
    let q = &plan.question;
    let (train, held) = (prepared.x.nrows(), prepared.valid_x.nrows());
    let description = format!(
        "{} on {} rows × {} features{}",
        q.kind.label(),
        train,
        prepared.schema.names.len(),
        if held == 0 {
            String::new()
        } else {
            format!(", {held} held out")
        }
    );
    let (loss, metric) = if q.answer() == Answer::SeveralClasses {
        ("log loss", Some("validation accuracy"))
    } else if q.kind == ModelKind::Gmm {
        ("negative log-likelihood per customer", None)
    } else {
        q.task.curve_names()
    };
    let mut go_on = on_event(TrainEvent::Started {
        total_steps: q.kind.planned_steps(&settings.params),
        description,
        curve: CurveInfo {
            task: q.task,
            kind: q.kind,
            unit: q.kind.step_unit(&settings.params),
            loss,
            metric,
        },
    });
    for n in notes {
        go_on &= on_event(TrainEvent::Log(n.clone()));
    }
    go_on
}

/// Trains the planned model on the prepared training rows, reporting each step.
pub fn fit(
    plan: &Plan,
    prepared: &Prepared,
    settings: &ModelSettings,
    on_event: &mut dyn FnMut(TrainEvent) -> bool,
    control: &RunControl,
) -> Result<Fitted> {
    let started = Instant::now();
    let mut curve = Vec::new();
    let data = prepared.train_data(plan.class_count());
    let model = models::train(
        plan.question.kind,
        &settings.params,
        &data,
        settings.seed,
        &mut |r| {
            curve.push(r);
            if on_event(TrainEvent::Step(r)) {
                control.control()
            } else {
                Control::Cancel
            }
        },
    )?;
    let fit_secs = started.elapsed().as_secs_f64();
    control.consume_stop();
    let model = SavedModel::new(
        &plan.question,
        settings,
        prepared.fitted_recipe.clone(),
        prepared.schema.clone(),
        model,
    );
    Ok(Fitted {
        model,
        curve,
        fit_secs,
    })
}
