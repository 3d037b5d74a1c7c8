//! Assess: a model trained elsewhere (a LightGBM model read by [`crate::lightgbm::import`], for
//! instance trained on a cluster on every customer) measured on the table at hand as if the app
//! had trained it — every row with a target scored through the model's own recipe and features,
//! the same metrics and insights as a training run, no curve. The classes of the file (LightGBM
//! numbers them 0, 1, …) are matched to the labels of the table's target, and said so.

use std::time::Instant;

use polars::prelude::*;

use super::plan::{Plan, take_rows};
use super::{CurveInfo, Detail, EvaluatedOn, Phase, TrainEvent, TrainOutcome, evaluate, insights};
use crate::error::{Error, Result};
use crate::jobs::RunControl;
use crate::ml::saved::SavedModel;
use crate::ml::{Answer, Task};

/// Measures `saved` on every row of `raw` that has its target, as a finished run.
pub fn assess(
    raw: &DataFrame,
    mut saved: SavedModel,
    detail: Detail,
    on_event: &mut dyn FnMut(TrainEvent) -> bool,
    control: &RunControl,
) -> Result<TrainOutcome> {
    let started = Instant::now();
    let mut settings = saved.settings.clone();
    settings.task = Some(saved.task);
    settings.model = Some(saved.kind);
    settings.target.clone_from(&saved.target);
    settings.holdout = 0.0;
    settings.folds = 0;
    let target = saved.target.clone();
    if saved.task != Task::Segments && target.is_none() {
        return Err(Error::InvalidInput(
            "the model doesn't say which column it predicts: pick the target column first".into(),
        ));
    }
    // Classes of an amount: refused by what the column is, not by its thousands of values.
    if let Some(t) = target.as_deref()
        && saved.task == Task::Classification
        && crate::ml::infer_task(raw, Some(t))? == Task::Regression
    {
        return Err(Error::InvalidInput(format!(
            "the model predicts {} but '{t}' is an amount",
            if saved.labels.is_empty() {
                Answer::YesNo.words()
            } else {
                Answer::SeveralClasses.words()
            }
        )));
    }
    // A yes/no file whose "yes" is not a value of the table's target takes the table's own yes.
    if let (Some(t), Some(p)) = (target.as_deref(), settings.positive.as_deref())
        && raw.get_column_index(t).is_some()
    {
        let labels = crate::ml::labels_of(raw.column(t)?)?;
        if !labels.str()?.iter().any(|l| l == Some(p)) {
            settings.positive = None;
        }
    }
    let mut plan = Plan::new(raw, &settings)?;
    let mut notes = plan.notes.clone();
    let q = &mut plan.question;
    if q.task != saved.task {
        return Err(Error::InvalidInput(format!(
            "the model is for {} but '{}' asks for {}",
            saved.task.label().to_lowercase(),
            target.unwrap_or_default(),
            q.task.label().to_lowercase()
        )));
    }
    let model_answer = if saved.labels.is_empty() {
        Answer::of(saved.task, 2, true)
    } else {
        Answer::SeveralClasses
    };
    match (model_answer, q.answer()) {
        (Answer::YesNo, Answer::YesNo) => {
            if let (Some(file), Some(table)) = (&saved.classes, &q.classes)
                && file.positive != table.positive
            {
                notes.push(format!(
                    "the model's yes ('{}') is read as '{}' of '{}'",
                    file.positive,
                    table.positive,
                    target.as_deref().unwrap_or_default()
                ));
            }
            saved.classes.clone_from(&q.classes);
            settings.positive = q.classes.as_ref().map(|c| c.positive.clone());
        }
        (Answer::SeveralClasses, Answer::SeveralClasses) => {
            if q.labels.len() != saved.labels.len() {
                return Err(Error::InvalidInput(format!(
                    "the model tells {} classes apart but '{}' has {} values",
                    saved.labels.len(),
                    target.unwrap_or_default(),
                    q.labels.len()
                )));
            }
            q.labels = class_order(&q.labels);
            if q.labels != saved.labels {
                notes.push(format!(
                    "the model's classes {} are read as {}",
                    saved.labels.join(", "),
                    q.labels
                        .iter()
                        .map(|l| format!("'{l}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            saved.labels.clone_from(&q.labels);
        }
        (a, b) if a == b => {}
        (a, b) => {
            return Err(Error::InvalidInput(format!(
                "the model gives {} but '{}' has {}",
                a.words(),
                target.unwrap_or_default(),
                b.words()
            )));
        }
    }
    saved.settings = settings;
    let question = plan.question.clone();
    let rows = take_rows(&plan.raw, &plan.usable)?;
    let truth = plan.truth(&rows)?;
    let description = format!(
        "{} trained elsewhere, measured on {} rows",
        saved.kind.label(),
        rows.height()
    );
    let (loss, metric) = question.task.curve_names();
    let mut go_on = on_event(TrainEvent::Started {
        total_steps: 0,
        description,
        curve: CurveInfo {
            task: question.task,
            kind: question.kind,
            unit: saved.kind.step_unit(&saved.settings.params),
            loss,
            metric,
        },
    });
    for n in &notes {
        go_on &= on_event(TrainEvent::Log(n.clone()));
    }
    if !go_on || control.is_cancelled() {
        return Err(Error::Cancelled);
    }
    on_event(TrainEvent::Phase(Phase::Evaluating));
    let seed = saved.settings.seed;
    let evaluation = evaluate::evaluate_all(&saved, &question, rows, truth, seed)?;
    if evaluation.unseen_categories > 0 {
        notes.push(format!(
            "{} category values were not seen in training",
            evaluation.unseen_categories
        ));
    }
    if control.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let insights = match detail {
        Detail::Insights(sizes) => Some(insights::build(
            insights::Inputs {
                question: &question,
                saved: &saved,
                evaluation: &evaluation,
                everyone: &plan.raw,
                sweep: Vec::new(),
                seed,
            },
            sizes,
        )?),
        Detail::Metrics => None,
    };
    let model_bytes = match detail {
        Detail::Insights(_) => super::json_size(&saved),
        Detail::Metrics => 0,
    };
    debug_assert_eq!(evaluation.evaluated_on, EvaluatedOn::AllRows);
    Ok(TrainOutcome {
        model: saved,
        metrics: evaluation.metrics,
        evaluated_on: evaluation.evaluated_on,
        predictions: evaluation.predictions,
        truth: evaluation.truth,
        curve: Vec::new(),
        cv: None,
        insights,
        notes,
        train_rows: 0,
        holdout_rows: plan.usable.len(),
        fit_secs: 0.0,
        model_bytes,
        elapsed_secs: started.elapsed().as_secs_f64(),
    })
}

/// The table's class labels in the order a LightGBM file numbers its classes: by value when
/// every label is the number 0, 1, … (as LightGBM requires of its labels), else alphabetically.
fn class_order(labels: &[String]) -> Vec<String> {
    let mut numbered: Vec<(usize, &String)> = labels
        .iter()
        .filter_map(|l| l.trim().parse::<f64>().ok().map(|v| (v, l)))
        .filter(|(v, _)| v.fract() == 0.0 && *v >= 0.0)
        .map(|(v, l)| (v as usize, l))
        .collect();
    numbered.sort();
    if numbered.len() == labels.len() && numbered.iter().enumerate().all(|(i, (v, _))| i == *v) {
        numbered.into_iter().map(|(_, l)| l.clone()).collect()
    } else {
        labels.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::class_order;

    #[test]
    fn classes_numbered_by_value_when_the_labels_are_0_to_k() {
        let labels: Vec<String> = ["0", "1", "10", "2", "3", "4", "5", "6", "7", "8", "9"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let ordered = class_order(&labels);
        assert_eq!(ordered[2], "2");
        assert_eq!(ordered[10], "10");
        let names: Vec<String> = ["gold", "silver"].iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(class_order(&names), names);
    }
}
