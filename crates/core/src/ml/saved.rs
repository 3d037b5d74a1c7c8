//! The model file: the fitted recipe, the feature schema, the fitted model and a format
//! version, as JSON (data only). Scoring a table replays the recipe and the schema by column
//! name, so `score` reproduces the holdout predictions of `train` exactly.

use std::path::Path;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::features::FeatureSchema;
use super::metrics::deciles;
use super::models::{ModelKind, Task, TrainedModel};
use super::{Classes, ModelSettings, Question};
use crate::data::ROW_ID;
use crate::data::export::{JsonKind, read_versioned_json, write_json};
use crate::data::recipe::FittedRecipe;
use crate::error::{Error, Result};

mod pieces;
pub use pieces::ScoredFile;

/// Written into every model file so other files are recognised as such.
pub const FORMAT: &str = "marketing-workbench-model";
/// The format this build writes and reads; newer files are refused with a message. Version 2
/// added the tree, forest, boosting, SVM, naive Bayes and MLP models and per-family settings;
/// version 1 files read as before.
pub const FORMAT_VERSION: u32 = 2;
/// Model files larger than this are refused rather than read into memory.
pub const MAX_MODEL_BYTES: u64 = 512 << 20;

/// Names of the columns scoring adds.
pub const SCORE: &str = "score";
pub const PREDICTION: &str = "prediction";
pub const DECILE: &str = "decile";
pub const SEGMENT: &str = "segment";

/// A trained model with everything needed to score a new file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedModel {
    pub format: String,
    pub format_version: u32,
    pub task: Task,
    pub kind: ModelKind,
    pub target: Option<String>,
    /// For yes/no models: which label is "yes".
    pub classes: Option<Classes>,
    /// For several classes: the label of each class.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Score at or above which `prediction` is the positive label.
    pub threshold: f64,
    /// The settings it was trained with.
    pub settings: ModelSettings,
    pub recipe: FittedRecipe,
    pub features: FeatureSchema,
    pub model: TrainedModel,
}

/// A scored table and what scoring noticed.
pub struct Scored {
    /// The input columns, then `score`, `prediction`, `decile` (or `segment`).
    pub frame: DataFrame,
    /// Category values the model had not seen in training (treated as none of its categories).
    pub unseen_categories: usize,
    /// Rows the recipe filtered out (not scored).
    pub removed_rows: usize,
}

impl SavedModel {
    /// A freshly trained model with what scoring needs.
    pub fn new(
        question: &Question,
        settings: &ModelSettings,
        recipe: FittedRecipe,
        features: FeatureSchema,
        model: TrainedModel,
    ) -> Self {
        Self {
            format: FORMAT.to_owned(),
            format_version: FORMAT_VERSION,
            task: question.task,
            kind: question.kind,
            target: question.target.clone(),
            classes: question.classes.clone(),
            labels: question.labels.clone(),
            threshold: 0.5,
            settings: settings.clone(),
            recipe,
            features,
            model,
        }
    }

    /// Reads a model file, refusing other files, newer formats and oversized files.
    pub fn load(path: &Path) -> Result<Self> {
        read_versioned_json(
            path,
            &JsonKind {
                format: FORMAT,
                version: FORMAT_VERSION,
                max_bytes: MAX_MODEL_BYTES,
                noun: "model",
            },
        )
    }

    /// Writes the model file atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_json(self, path)
    }

    /// Scores the rows of `raw` (a table with the training file's columns) that the recipe
    /// keeps; rows a recipe step filters out are counted in [`Scored::removed_rows`].
    pub fn score(&self, raw: &DataFrame) -> Result<Scored> {
        self.score_ranked(raw, true)
    }

    /// [`Self::score`], with the deciles computed when `rank` (else the `decile` column holds
    /// zeros, for a caller that ranks rows of several tables together).
    fn score_ranked(&self, raw: &DataFrame, rank: bool) -> Result<Scored> {
        let ranked = |s: &[f64]| {
            if rank {
                as_i32(&deciles(s))
            } else {
                vec![0; s.len()]
            }
        };
        let base = if raw.get_column_index(ROW_ID).is_some() {
            raw.drop(ROW_ID)?
        } else {
            raw.clone()
        };
        // A fresh position index, carried through the recipe, says which rows survive it.
        let cleaned = self
            .recipe
            .transform(&base.with_row_index(ROW_ID.into(), None)?)?;
        let m = self.features.matrix(&cleaned)?;
        if !self.labels.is_empty() {
            let probs = self.model.predict_proba(m.rows())?;
            if probs.ncols() != self.labels.len() {
                return Err(Error::Model(format!(
                    "the model gives {} class probabilities for {} labels",
                    probs.ncols(),
                    self.labels.len()
                )));
            }
            let removed_rows = base.height() - cleaned.height();
            let out = if removed_rows == 0 {
                base
            } else {
                base.take(cleaned.column(ROW_ID)?.idx()?)?
            };
            return Ok(Scored {
                frame: self.several_classes_frame(out, &probs, &ranked)?,
                unseen_categories: m.unseen_categories,
                removed_rows,
            });
        }
        let scores = self.model.predict(m.rows())?;
        let removed_rows = base.height() - cleaned.height();
        let mut out = if removed_rows == 0 {
            base
        } else {
            base.take(cleaned.column(ROW_ID)?.idx()?)?
        };
        let mut added: Vec<Column> = Vec::new();
        match self.task {
            Task::Classification => {
                let classes = self
                    .classes
                    .as_ref()
                    .ok_or_else(|| Error::Model("yes/no model without its labels".into()))?;
                let prediction: Vec<&str> = scores
                    .iter()
                    .map(|&s| {
                        if s >= self.threshold {
                            classes.positive.as_str()
                        } else {
                            classes.negative.as_str()
                        }
                    })
                    .collect();
                added.push(Column::new(PREDICTION.into(), prediction));
                added.push(Column::new(DECILE.into(), ranked(&scores)));
                added.insert(0, Column::new(SCORE.into(), scores));
            }
            Task::Regression => {
                added.push(Column::new(SCORE.into(), scores.clone()));
                added.push(Column::new(PREDICTION.into(), scores.clone()));
                added.push(Column::new(DECILE.into(), ranked(&scores)));
            }
            Task::Segments => {
                let segment: Vec<i32> = scores.iter().map(|&s| s as i32 + 1).collect();
                added.push(Column::new(SEGMENT.into(), segment));
            }
        }
        for c in added {
            let name = c.name().clone();
            if out.get_column_index(&name).is_some() {
                out = out.drop(&name)?;
            }
            out.with_column(c)?;
        }
        Ok(Scored {
            frame: out,
            unseen_categories: m.unseen_categories,
            removed_rows,
        })
    }
}

impl SavedModel {
    /// The name of the column holding the probability of class `label`.
    pub fn probability_column(label: &str) -> String {
        format!("p_{label}")
    }

    /// `out` plus `score` (the most likely class's probability), `prediction` (its label),
    /// `decile` (of `score`: 1 = the surest tenth) and one `p_<label>` column per class.
    fn several_classes_frame(
        &self,
        mut out: DataFrame,
        probs: &ndarray::Array2<f64>,
        ranked: &dyn Fn(&[f64]) -> Vec<i32>,
    ) -> Result<DataFrame> {
        let best: Vec<usize> = probs
            .rows()
            .into_iter()
            .map(|r| super::metrics::argmax(r.as_slice().unwrap_or(&[])))
            .collect();
        let score: Vec<f64> = probs
            .rows()
            .into_iter()
            .zip(&best)
            .map(|(r, &b)| r[b])
            .collect();
        let prediction: Vec<&str> = best.iter().map(|&b| self.labels[b].as_str()).collect();
        let mut added = vec![
            Column::new(SCORE.into(), score.clone()),
            Column::new(PREDICTION.into(), prediction),
            Column::new(DECILE.into(), ranked(&score)),
        ];
        for (c, label) in self.labels.iter().enumerate() {
            added.push(Column::new(
                Self::probability_column(label).into(),
                probs.column(c).to_vec(),
            ));
        }
        for c in added {
            let name = c.name().clone();
            if out.get_column_index(&name).is_some() {
                out = out.drop(&name)?;
            }
            out.with_column(c)?;
        }
        Ok(out)
    }
}

fn as_i32(d: &[u8]) -> Vec<i32> {
    d.iter().map(|&v| i32::from(v)).collect()
}

/// `df` with the columns scoring adds (score, decile, prediction, segment) moved to the front,
/// as the app's table shows scored customers (a cheap column shuffle).
pub fn scored_first(df: &DataFrame) -> Result<DataFrame> {
    let added = [SCORE, DECILE, PREDICTION, SEGMENT];
    let names = df.get_column_names();
    let order: Vec<&str> = added
        .iter()
        .copied()
        .filter(|a| names.iter().any(|n| n.as_str() == *a))
        .chain(
            names
                .iter()
                .map(|n| n.as_str())
                .filter(|n| !added.contains(n)),
        )
        .collect();
    Ok(df.select(order)?)
}
