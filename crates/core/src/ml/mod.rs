//! Models, features, splits and metrics. Never the UI.

pub mod features;
pub mod importance;
pub mod leaks;
pub mod metrics;
pub mod models;
pub mod question;
pub mod saved;
pub mod segments;
pub mod split;
pub mod targeting;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub use models::{Hyperparams, ModelKind, Task};
pub use question::{Answer, Question};

/// A numeric target with at most this many distinct values is treated as classes.
pub const MAX_CLASS_VALUES: usize = 10;

/// What to train: the same settings drive the GUI's Model panel and the CLI's `train`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelSettings {
    /// The task; `None` follows from the target (see [`infer_task`]).
    pub task: Option<Task>,
    /// The column to predict; `None` finds segments.
    pub target: Option<String>,
    /// Columns not to use as inputs.
    pub ignore: Vec<String>,
    /// Columns to read as free text (TF-IDF features) whatever they look like; a column that
    /// looks like text (see [`crate::text::looks_like_text`]) is read so without being named.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub text: Vec<String>,
    /// The label that counts as "yes"; `None` picks `1`, `true` or `yes`, else the rarer label.
    pub positive: Option<String>,
    /// The model; `None` is the task's default.
    pub model: Option<ModelKind>,
    /// Share of rows held out for validation (0 trains on every row).
    pub holdout: f64,
    /// Seed for the split and every random choice in training.
    pub seed: u64,
    /// Cross-validate on the training rows with this many folds (0: no cross-validation).
    pub folds: usize,
    /// Weigh each class so both count equally (for rare responders).
    pub balance_classes: bool,
    pub params: Hyperparams,
}

impl Default for ModelSettings {
    fn default() -> Self {
        Self {
            task: None,
            target: None,
            ignore: Vec::new(),
            text: Vec::new(),
            positive: None,
            model: None,
            holdout: 0.2,
            seed: 42,
            folds: 0,
            balance_classes: false,
            params: Hyperparams::default(),
        }
    }
}

/// The task a target implies: none → segments; numbers with many distinct values → an amount;
/// anything else (yes/no, a few labels) → classification.
pub fn infer_task(df: &DataFrame, target: Option<&str>) -> Result<Task> {
    let Some(target) = target else {
        return Ok(Task::Segments);
    };
    let c = df
        .column(target)
        .map_err(|_| Error::missing_column(target, "chosen as the target"))?;
    if c.dtype().is_primitive_numeric() && c.n_unique()? > MAX_CLASS_VALUES + 1 {
        Ok(Task::Regression)
    } else {
        Ok(Task::Classification)
    }
}

/// The two labels of a yes/no target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classes {
    pub positive: String,
    pub negative: String,
}

/// A target with several values has at most this many (a channel, a segment, a plan).
pub const MAX_CLASSES: usize = 20;

/// What a classification target's labels make of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Labels {
    /// Two labels (or one chosen label against all the others): a yes/no.
    YesNo(Classes),
    /// Three to [`MAX_CLASSES`] labels, sorted: class `i` is `labels[i]`.
    Several(Vec<String>),
}

/// Target values as text (missing stays missing), to read with `.str()?.iter()`.
pub fn labels_of(c: &Column) -> Result<Column> {
    Ok(c.cast(&DataType::String)?)
}

/// Decides what a classification target is: with two labels, which one is "yes" (`positive`,
/// else `1`, `true` or `yes`, else the rarer one); with more, either `positive` against all the
/// others ("Email" vs "not Email") or every label as a class of its own.
pub fn choose_classes<'a>(
    target: &str,
    labels: impl IntoIterator<Item = Option<&'a str>>,
    positive: Option<&str>,
) -> Result<Labels> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for l in labels.into_iter().flatten() {
        *counts.entry(l).or_default() += 1;
    }
    let names: Vec<&str> = counts.keys().copied().collect();
    match names.len() {
        0 => {
            return Err(Error::InvalidInput(format!(
                "target '{target}' has no values: every row is missing it"
            )));
        }
        1 => {
            return Err(Error::InvalidInput(format!(
                "target '{target}' has only one value ('{}'): a model needs rows of at least two kinds",
                names[0]
            )));
        }
        _ => {}
    }
    if let Some(p) = positive
        && !counts.contains_key(p)
    {
        let shown: Vec<String> = names.iter().take(6).map(|n| format!("'{n}'")).collect();
        return Err(Error::InvalidInput(format!(
            "positive label '{p}' is not a value of target '{target}' (it has {}{})",
            shown.join(", "),
            if names.len() > 6 { ", …" } else { "" }
        )));
    }
    if names.len() > 2 {
        return match positive {
            Some(p) => Ok(Labels::YesNo(Classes {
                positive: p.to_owned(),
                negative: format!("not {p}"),
            })),
            None if names.len() <= MAX_CLASSES => Ok(Labels::Several(
                names.iter().map(|n| (*n).to_owned()).collect(),
            )),
            None => Err(Error::InvalidInput(format!(
                "target '{target}' has {} different values, more than the {MAX_CLASSES} a model can tell apart: pick the value you care about as the yes (--positive), or group the values in Clean",
                names.len()
            ))),
        };
    }
    let pos = positive.unwrap_or_else(|| {
        names
            .iter()
            .copied()
            .find(|n| {
                matches!(
                    n.to_ascii_lowercase().as_str(),
                    "1" | "1.0" | "true" | "yes" | "y"
                )
            })
            .unwrap_or_else(|| {
                // The rarer label; on a tie, the later one alphabetically.
                if counts[names[0]] < counts[names[1]] {
                    names[0]
                } else {
                    names[1]
                }
            })
    });
    let neg = if names[0] == pos { names[1] } else { names[0] };
    Ok(Labels::YesNo(Classes {
        positive: pos.to_owned(),
        negative: neg.to_owned(),
    }))
}

/// The label whose share the target profile follows: the "yes" of a yes/no target, or the most
/// frequent label of a target with several (ties go to the label first alphabetically); none
/// for amounts and segments.
pub fn profiled_label(
    df: &DataFrame,
    target: &str,
    task: Task,
    positive: Option<&str>,
) -> Result<Option<String>> {
    if task != Task::Classification {
        return Ok(None);
    }
    let column = df
        .column(target)
        .map_err(|_| Error::missing_column(target, "chosen as the target"))?;
    let labels = labels_of(column)?;
    let labels = labels.str()?;
    Ok(match choose_classes(target, labels.iter(), positive)? {
        Labels::YesNo(c) => Some(c.positive),
        Labels::Several(_) => {
            let mut counts = std::collections::HashMap::<&str, usize>::new();
            for l in labels.iter().flatten() {
                *counts.entry(l).or_default() += 1;
            }
            counts
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                .map(|(l, _)| l.to_owned())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some<'a>(v: &'a [&'a str]) -> impl Iterator<Item = Option<&'a str>> {
        v.iter().map(|s| Some(*s))
    }

    fn yes_no(l: Labels) -> Classes {
        match l {
            Labels::YesNo(c) => c,
            Labels::Several(v) => panic!("several: {v:?}"),
        }
    }

    #[test]
    fn positive_label_rules() {
        let c = yes_no(choose_classes("t", some(&["0", "1", "0"]), None).unwrap());
        assert_eq!((c.positive.as_str(), c.negative.as_str()), ("1", "0"));
        let c = yes_no(choose_classes("t", some(&["No", "Yes"]), None).unwrap());
        assert_eq!(c.positive, "Yes");
        let c = yes_no(choose_classes("t", some(&["stay", "leave", "stay"]), None).unwrap());
        assert_eq!(c.positive, "leave");
        let c = yes_no(choose_classes("t", some(&["a", "b"]), Some("a")).unwrap());
        assert_eq!(c.positive, "a");
        assert!(choose_classes("t", some(&["a", "a"]), None).is_err());
        assert!(choose_classes("t", some(&["a", "b"]), Some("z")).is_err());
    }

    #[test]
    fn several_labels_are_classes_or_one_against_the_rest() {
        let v = ["Email", "Search", "Email", "Social"];
        assert_eq!(
            choose_classes("t", some(&v), None).unwrap(),
            Labels::Several(vec!["Email".into(), "Search".into(), "Social".into()])
        );
        let c = yes_no(choose_classes("t", some(&v), Some("Email")).unwrap());
        assert_eq!(
            (c.positive.as_str(), c.negative.as_str()),
            ("Email", "not Email")
        );
        let many: Vec<String> = (0..25).map(|i| format!("v{i}")).collect();
        let err = choose_classes("t", many.iter().map(|s| Some(s.as_str())), None).unwrap_err();
        assert!(err.to_string().contains("more than the 20"), "{err}");
    }

    #[test]
    fn task_follows_the_target() {
        let df = df!("yn" => [0, 1, 0], "amount" => (0..20).map(f64::from).collect::<Vec<_>>().get(..3).unwrap().to_vec()).unwrap();
        assert_eq!(infer_task(&df, None).unwrap(), Task::Segments);
        assert_eq!(infer_task(&df, Some("yn")).unwrap(), Task::Classification);
        let many = df!("amount" => (0..20).map(f64::from).collect::<Vec<_>>()).unwrap();
        assert_eq!(infer_task(&many, Some("amount")).unwrap(), Task::Regression);
        assert!(infer_task(&df, Some("nope")).is_err());
    }
}
