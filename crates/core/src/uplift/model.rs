//! The uplift model file: the fitted recipe, the feature schema and the fitted parts, with the
//! treatment column and labels it was trained on. Scoring adds `uplift`, `p_treated`,
//! `p_control` and `decile` (1 = the tenth with the highest uplift) and needs neither the
//! treatment nor the outcome column.

use std::path::Path;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::Method;
use super::forest::UpliftForest;
use crate::data::ROW_ID;
use crate::data::export::{JsonKind, parse_versioned_json, write_json};
use crate::data::recipe::FittedRecipe;
use crate::error::{Error, Result};
use crate::ml::Classes;
use crate::ml::features::FeatureSchema;
use crate::ml::models::{ModelKind, TrainedModel};
use crate::ml::saved::{FORMAT, FORMAT_VERSION, MAX_MODEL_BYTES, SavedModel, Scored};

/// The `task` an uplift model file says it answers.
pub const TASK: &str = "uplift";

/// Names of the columns uplift scoring adds.
pub const UPLIFT: &str = "uplift";
pub const P_TREATED: &str = "p_treated";
pub const P_CONTROL: &str = "p_control";

/// The fitted parts, by method.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum Parts {
    /// One classifier per group; uplift = P(yes | treated) − P(yes | control).
    TwoModel {
        treated: TrainedModel,
        control: TrainedModel,
    },
    /// One classifier of "the outcome agrees with the group"; uplift = 2·P − 1.
    ClassTransformation {
        model: TrainedModel,
    },
    UpliftForest(UpliftForest),
}

/// A trained uplift model with everything needed to score a new file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpliftModel {
    pub format: String,
    pub format_version: u32,
    /// Always [`TASK`]: tells an uplift model file from the other model files.
    pub task: String,
    pub method: Method,
    /// The learner of the two models or of the class transformation.
    pub kind: Option<ModelKind>,
    pub target: String,
    /// Which outcome label is the response.
    pub classes: Classes,
    pub treatment: String,
    /// Which treatment label is "treated" (positive) and which "control" (negative).
    pub groups: Classes,
    pub recipe: FittedRecipe,
    pub features: FeatureSchema,
    pub parts: Parts,
}

/// Predictions for rows of a feature matrix.
pub struct Predicted {
    pub uplift: Vec<f64>,
    /// None where the method does not estimate them (the class transformation).
    pub p_treated: Option<Vec<f64>>,
    pub p_control: Option<Vec<f64>>,
}

impl UpliftModel {
    /// Predictions for `x` (rows already through the recipe and the schema).
    pub fn predict(&self, x: ndarray::ArrayView2<f32>) -> Result<Predicted> {
        match &self.parts {
            Parts::TwoModel { treated, control } => {
                let pt = treated.predict(x)?;
                let pc = control.predict(x)?;
                Ok(Predicted {
                    uplift: pt.iter().zip(&pc).map(|(a, b)| a - b).collect(),
                    p_treated: Some(pt),
                    p_control: Some(pc),
                })
            }
            Parts::ClassTransformation { model } => Ok(Predicted {
                uplift: model.predict(x)?.iter().map(|p| 2.0 * p - 1.0).collect(),
                p_treated: None,
                p_control: None,
            }),
            Parts::UpliftForest(f) => {
                let (pt, pc) = f.predict(x)?;
                Ok(Predicted {
                    uplift: pt.iter().zip(&pc).map(|(a, b)| a - b).collect(),
                    p_treated: Some(pt),
                    p_control: Some(pc),
                })
            }
        }
    }

    /// Scores the rows of `raw` the recipe keeps: the input columns, then `uplift`,
    /// `p_treated`, `p_control`, `decile`.
    pub fn score(&self, raw: &DataFrame) -> Result<Scored> {
        let base = if raw.get_column_index(ROW_ID).is_some() {
            raw.drop(ROW_ID)?
        } else {
            raw.clone()
        };
        let cleaned = self
            .recipe
            .transform(&base.with_row_index(ROW_ID.into(), None)?)?;
        let m = self.features.matrix(&cleaned)?;
        let removed_rows = base.height() - cleaned.height();
        let kept = if removed_rows == 0 {
            base
        } else {
            base.take(cleaned.column(ROW_ID)?.idx()?)?
        };
        Ok(Scored {
            frame: self.scored(kept, m.x.view())?,
            unseen_categories: m.unseen_categories,
            removed_rows,
        })
    }

    /// `rows` (the input columns of the rows `x` encodes, in the same order) with `uplift`,
    /// `p_treated`, `p_control` and `decile` after them. [`UpliftModel::score`] and the
    /// evaluation of a run share it, so both give the same numbers.
    pub fn scored(&self, mut out: DataFrame, x: ndarray::ArrayView2<f32>) -> Result<DataFrame> {
        let p = self.predict(x)?;
        let n = p.uplift.len();
        if n != out.height() {
            return Err(Error::Model(format!(
                "{n} predictions for {} rows",
                out.height()
            )));
        }
        let optional = |name: &str, v: Option<Vec<f64>>| match v {
            Some(v) => Column::new(name.into(), v),
            None => Column::full_null(name.into(), n, &DataType::Float64),
        };
        let decile: Vec<i32> = super::metrics::deciles(&p.uplift)
            .into_iter()
            .map(i32::from)
            .collect();
        for c in [
            optional(P_TREATED, p.p_treated),
            optional(P_CONTROL, p.p_control),
            Column::new(crate::ml::saved::DECILE.into(), decile),
            Column::new(UPLIFT.into(), p.uplift),
        ] {
            let name = c.name().clone();
            if out.get_column_index(&name).is_some() {
                out = out.drop(&name)?;
            }
            out.with_column(c)?;
        }
        // uplift, p_treated, p_control, decile: in the contract's order, after the inputs.
        let added = [UPLIFT, P_TREATED, P_CONTROL, crate::ml::saved::DECILE];
        let names: Vec<String> = out
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .filter(|n| n != ROW_ID && !added.contains(&n.as_str()))
            .chain(added.iter().map(|s| (*s).to_owned()))
            .collect();
        Ok(out.select(names)?)
    }

    /// Writes the model file atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_json(self, path)
    }
}

/// A model file of either kind.
pub enum AnyModel {
    Predictive(Box<SavedModel>),
    Uplift(Box<UpliftModel>),
}

impl AnyModel {
    /// Reads a model file, refusing other files, newer formats and oversized files.
    pub fn load(path: &Path) -> Result<Self> {
        use std::io::Read;
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut bytes = Vec::new();
        file.take(MAX_MODEL_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        let kind = JsonKind {
            format: FORMAT,
            version: FORMAT_VERSION,
            max_bytes: MAX_MODEL_BYTES,
            noun: "model",
        };
        /// Which kind of model the file holds; the rest is skipped, not kept.
        #[derive(serde::Deserialize)]
        struct Task {
            #[serde(default)]
            task: Option<serde_json::Value>,
        }
        let task: Task = parse_versioned_json(&bytes, &kind, path)?;
        if task.task.as_ref().and_then(|t| t.as_str()) == Some(TASK) {
            Ok(Self::Uplift(Box::new(parse_versioned_json(
                &bytes, &kind, path,
            )?)))
        } else {
            Ok(Self::Predictive(Box::new(parse_versioned_json(
                &bytes, &kind, path,
            )?)))
        }
    }

    pub fn score(&self, raw: &DataFrame) -> Result<Scored> {
        match self {
            Self::Predictive(m) => m.score(raw),
            Self::Uplift(m) => m.score(raw),
        }
    }
}
