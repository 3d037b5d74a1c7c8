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

/// Trains the planned model on the prepared training rows, reporting each step. With
/// `features_needed_after` false and held-out rows (the evaluation then measures those only,
/// and explains nothing), a learner that keeps the features in another form lets go of them
/// (`models::train_letting_go`): `prepared.x` and `prepared.valid_x` may be empty after.
pub fn fit(
    plan: &Plan,
    prepared: &mut Prepared,
    settings: &ModelSettings,
    on_event: &mut dyn FnMut(TrainEvent) -> bool,
    control: &RunControl,
    features_needed_after: bool,
) -> Result<Fitted> {
    let started = Instant::now();
    let mut curve = Vec::new();
    let classes = plan.class_count();
    let (kind, params, seed) = (plan.question.kind, &settings.params, settings.seed);
    let mut report = |r| {
        curve.push(r);
        if on_event(TrainEvent::Step(r)) {
            control.control()
        } else {
            Control::Cancel
        }
    };
    let model = if !features_needed_after && prepared.hold_clean.is_some() {
        let mut features = models::Features {
            x: std::mem::take(&mut prepared.x),
            valid_x: std::mem::take(&mut prepared.valid_x),
            // The evaluation measures a yes/no or an amount from the held-out rows' scores.
            valid_x_may_go: matches!(plan.question.answer(), Answer::YesNo | Answer::Amount),
        };
        let model = models::train_letting_go(
            kind,
            params,
            &mut features,
            &prepared.train_data(classes),
            seed,
            &mut report,
        );
        prepared.x = features.x;
        prepared.valid_x = features.valid_x;
        model?
    } else {
        models::train(
            kind,
            params,
            &prepared.train_data(classes),
            seed,
            &mut report,
        )?
    };
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
