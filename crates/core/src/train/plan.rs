//! Settings resolved against a table ([`Plan`]: task, target, model, usable rows, classes) and
//! rows made ready for a model ([`Plan::prepare`]: the recipe and the feature schema fitted on
//! the training rows only, then replayed on the held-out rows). Training, cross-validation and
//! the search all go through these two steps, so they treat the data the same way.

use ndarray::Array2;
use polars::prelude::*;

use super::f64_values;
use crate::data::ROW_ID;
use crate::data::recipe::{FittedRecipe, Recipe};
use crate::error::{Error, Result};
use crate::ml::features::{BLOCK_ROWS, FeatureSchema, Matrix};
use crate::ml::models;
use crate::ml::{
    Answer, Labels, ModelSettings, Question, Task, choose_classes, infer_task, labels_of, split,
};
use crate::text::tfidf::Csr;

/// The settings, checked and resolved against one table.
pub struct Plan {
    /// Task, model, target and classes.
    pub question: Question,
    /// The table with the hidden row number added.
    pub raw: DataFrame,
    /// Rows with a usable target, by position.
    pub usable: Vec<usize>,
    /// Per usable row, 1 for "yes" (yes/no targets), to stratify splits.
    pub strata: Option<Vec<usize>>,
    pub notes: Vec<String>,
    /// Free text as its whole vocabulary, sparse, when the model [reads
    /// words](models::ModelKind::reads_words) (see [`Plan::dense_text`]).
    pub sparse_text: bool,
}

/// Rows cleaned and encoded for a model: the training rows, and the held-out rows replayed
/// through what was fitted on the training rows.
pub struct Prepared {
    pub fitted_recipe: FittedRecipe,
    pub schema: FeatureSchema,
    pub train_raw: DataFrame,
    pub hold_raw: DataFrame,
    pub train_clean: DataFrame,
    pub hold_clean: Option<DataFrame>,
    pub x: Array2<f32>,
    /// Free text as its whole vocabulary, sparse, for a model that reads words.
    pub words: Option<Csr>,
    pub y: Vec<f64>,
    /// Per training row, when classes are balanced.
    pub weights: Option<Vec<f64>>,
    pub valid_x: Array2<f32>,
    pub valid_words: Option<Csr>,
    pub valid_y: Vec<f64>,
    pub notes: Vec<String>,
}

/// The rows `rows` of `df`, in that order, in chunks of [`BLOCK_ROWS`] rows (half a megabyte
/// per number column), which the features let go of one by one when given the table
/// ([`FeatureSchema::fit_matrix_owned`]).
pub(super) fn take_rows(df: &DataFrame, rows: &[usize]) -> Result<DataFrame> {
    let columns = df
        .columns()
        .iter()
        .map(|c| take_column(c, rows))
        .collect::<Result<Vec<_>>>()?;
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// [`take_rows`] of one column.
fn take_column(c: &Column, rows: &[usize]) -> Result<Column> {
    let mut out = c.clear();
    for block in rows.chunks(BLOCK_ROWS) {
        let idx = IdxCa::from_vec("row".into(), block.iter().map(|&i| i as IdxSize).collect());
        out.append_owned(c.take(&idx)?)?;
    }
    Ok(out)
}

impl Plan {
    /// Checks the settings against `raw` and finds the rows that can be used.
    pub fn new(raw: &DataFrame, settings: &ModelSettings) -> Result<Self> {
        let mut notes = Vec::new();
        let target = settings.target.as_deref();
        let task = match settings.task {
            Some(t) => t,
            None => infer_task(raw, target)?,
        };
        if task != Task::Segments && target.is_none() {
            return Err(Error::InvalidInput(
                "pick a target column: the column to predict".into(),
            ));
        }
        let target = if task == Task::Segments { None } else { target };
        let kind = settings.model.unwrap_or_else(|| task.default_model());
        if !kind.supports(task) {
            return Err(Error::InvalidInput(format!(
                "{} can't be used to {}: use {}",
                kind.label(),
                task.label().to_lowercase(),
                Answer::of(task, 2, true).models_in_words()
            )));
        }
        if !kind.is_available() {
            return Err(Error::NotAvailable(kind.cli_name().to_owned()));
        }
        for name in settings.ignore.iter().map(String::as_str).chain(target) {
            if raw.get_column_index(name).is_none() {
                return Err(Error::missing_column(name, "named in the model settings"));
            }
        }
        if raw.height() == 0 {
            return Err(Error::InvalidInput("the data has no rows".into()));
        }

        let raw = raw.with_row_index(ROW_ID.into(), None)?;
        let (usable, strata, classes) = match (task, target) {
            (Task::Classification, Some(t)) => {
                let text = labels_of(raw.column(t)?)?;
                let text = text.str()?;
                let chosen = choose_classes(t, text.iter(), settings.positive.as_deref())?;
                // Sized once: grown by doubling, each list and its next copy would be held
                // together (a million rows: 16 MB each at its peak instead of 8).
                let mut usable = Vec::with_capacity(text.len());
                let mut strata = Vec::with_capacity(text.len());
                for (i, l) in text.iter().enumerate() {
                    if let Some(l) = l {
                        usable.push(i);
                        strata.push(class_index(&chosen, l));
                    }
                }
                (usable, Some(strata), Some(chosen))
            }
            (Task::Regression, Some(t)) => {
                let c = raw.column(t)?;
                if !c.dtype().is_primitive_numeric() {
                    return Err(Error::InvalidInput(format!(
                        "target '{t}' is {}, not an amount: predict a yes/no instead",
                        c.dtype()
                    )));
                }
                let usable = f64_values(c)?
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| v.filter(|x| x.is_finite()).map(|_| i))
                    .collect();
                (usable, None, None)
            }
            _ => ((0..raw.height()).collect(), None, None),
        };
        let dropped = raw.height() - usable.len();
        if dropped > 0 {
            notes.push(format!(
                "{dropped} rows without a target value were left out"
            ));
        }
        let min_rows = if task == Task::Segments {
            settings.params.segments_k(kind).max(2)
        } else {
            2
        };
        if usable.len() < min_rows {
            return Err(Error::InvalidInput(format!(
                "only {} usable row{}: at least {min_rows} are needed",
                usable.len(),
                if usable.len() == 1 { "" } else { "s" }
            )));
        }
        let (classes, labels) = match classes {
            Some(Labels::YesNo(c)) => (Some(c), Vec::new()),
            Some(Labels::Several(l)) => (None, l),
            None => (None, Vec::new()),
        };
        if !labels.is_empty() && !kind.can_answer(Answer::SeveralClasses) {
            return Err(Error::InvalidInput(format!(
                "target '{}' has {} values: {}",
                target.unwrap_or_default(),
                labels.len(),
                Answer::SeveralClasses.refusal(kind)
            )));
        }
        Ok(Self {
            question: Question {
                task,
                kind,
                target: target.map(str::to_owned),
                classes,
                labels,
            },
            raw,
            usable,
            strata,
            notes,
            sparse_text: kind.reads_words(),
        })
    }

    /// Training and held-out rows (positions in [`Plan::raw`]): a seeded split, stratified for
    /// yes/no targets.
    pub fn split(&self, holdout: f64, seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
        let part = split::holdout(self.usable.len(), self.strata.as_deref(), holdout, seed);
        if let Some(s) = &self.strata {
            let pos = part.train.iter().filter(|&&i| s[i] == 1).count();
            if pos == 0 || pos == part.train.len() {
                return Err(Error::InvalidInput(
                    "the training rows hold only one class: lower the holdout or add rows".into(),
                ));
            }
        }
        let to_rows = |p: &[usize]| p.iter().map(|&i| self.usable[i]).collect::<Vec<_>>();
        Ok((to_rows(&part.train), to_rows(&part.holdout)))
    }

    /// Free text as its most frequent terms, dense, whatever the model (for callers that
    /// slice and combine the dense matrix themselves, as uplift does).
    pub fn dense_text(mut self) -> Self {
        self.sparse_text = false;
        self
    }

    /// The number of classes a model sees: 2 for yes/no, K for several, 0 otherwise.
    pub fn class_count(&self) -> usize {
        self.question.class_count()
    }

    /// The truth of `df`'s rows: 1/0 for yes/no, the class index for several classes, the
    /// amount, or nothing for segments.
    pub fn truth(&self, df: &DataFrame) -> Result<Vec<f64>> {
        if let (Task::Classification, Some(t), false) = (
            self.question.task,
            self.question.target.as_deref(),
            self.question.labels.is_empty(),
        ) {
            let several = Labels::Several(self.question.labels.clone());
            return Ok(labels_of(df.column(t)?)?
                .str()?
                .iter()
                .map(|l| l.map_or(f64::NAN, |l| class_index(&several, l) as f64))
                .collect());
        }
        match (
            self.question.task,
            self.question.target.as_deref(),
            &self.question.classes,
        ) {
            (Task::Classification, Some(t), Some(c)) => Ok(labels_of(df.column(t)?)?
                .str()?
                .iter()
                .map(|l| f64::from(u8::from(l == Some(c.positive.as_str()))))
                .collect()),
            (Task::Regression, Some(t), _) => Ok(f64_values(df.column(t)?)?
                .into_iter()
                .map(|v| v.unwrap_or(f64::NAN))
                .collect()),
            _ => Ok(Vec::new()),
        }
    }

    /// Fits the recipe and the feature schema on `train_rows` and replays them on `hold_rows`.
    pub fn prepare(
        &self,
        recipe: &Recipe,
        settings: &ModelSettings,
        train_rows: &[usize],
        hold_rows: &[usize],
    ) -> Result<Prepared> {
        self.prepare_taking(recipe, settings, train_rows, hold_rows, false)
    }

    /// [`Plan::prepare_rows`] on the rows `train_rows` and `hold_rows` of [`Plan::raw`] (which
    /// stays).
    pub(super) fn prepare_taking(
        &self,
        recipe: &Recipe,
        settings: &ModelSettings,
        train_rows: &[usize],
        hold_rows: &[usize],
        let_go_of_training_rows: bool,
    ) -> Result<Prepared> {
        let train_raw = take_rows(&self.raw, train_rows)?;
        let hold_raw = take_rows(&self.raw, hold_rows)?;
        self.prepare_rows(
            recipe,
            settings,
            train_raw,
            hold_raw,
            let_go_of_training_rows,
        )
    }

    /// [`Plan::prepare`] for a caller that reads only the features and truths (a
    /// cross-validation fold, the search): the training rows are encoded a chunk at a time and
    /// let go, and the held-out rows' tables are let go once encoded (empty tables in the
    /// [`Prepared`]).
    pub fn prepare_features(
        &self,
        recipe: &Recipe,
        settings: &ModelSettings,
        train_rows: &[usize],
        hold_rows: &[usize],
    ) -> Result<Prepared> {
        let mut p = self.prepare_taking(recipe, settings, train_rows, hold_rows, true)?;
        p.hold_raw = DataFrame::empty();
        p.hold_clean = p.hold_clean.map(|_| DataFrame::empty());
        crate::memory::give_back();
        Ok(p)
    }

    /// The rows `train_rows` and `hold_rows` of [`Plan::raw`], which is given up to them a
    /// column at a time (each column let go once split: never the table and its two parts at
    /// once); [`Plan::raw`], [`Plan::usable`] and [`Plan::strata`] are empty afterwards (the
    /// split is made). Each part is in chunks of
    /// [`BLOCK_ROWS`] rows, which the features let go of one by one
    /// ([`FeatureSchema::fit_matrix_owned`]).
    pub fn split_off(
        &mut self,
        train_rows: &[usize],
        hold_rows: &[usize],
    ) -> Result<(DataFrame, DataFrame)> {
        self.usable = Vec::new();
        self.strata = None;
        let columns = std::mem::take(&mut self.raw).into_columns();
        let (mut train, mut hold) = (Vec::new(), Vec::new());
        for c in columns {
            train.push(take_column(&c, train_rows)?);
            hold.push(take_column(&c, hold_rows)?);
            drop(c);
            crate::memory::give_back();
        }
        Ok((
            DataFrame::new(train_rows.len(), train)?,
            DataFrame::new(hold_rows.len(), hold)?,
        ))
    }

    /// [`Plan::prepare`] on rows already taken; with `let_go_of_training_rows` and held-out
    /// rows, the training rows' tables are given up to the recipe and the features (encoded
    /// a chunk at a time, [`FeatureSchema::fit_matrix_owned`]): an empty `train_raw` and
    /// `train_clean` then, for a caller that needs only the held-out rows' tables after
    /// this, as [`super::evaluate`] does.
    pub fn prepare_rows(
        &self,
        recipe: &Recipe,
        settings: &ModelSettings,
        train_raw: DataFrame,
        hold_raw: DataFrame,
        let_go_of_training_rows: bool,
    ) -> Result<Prepared> {
        let mut notes = Vec::new();
        // Without held-out rows the training rows are the ones evaluated: kept. Otherwise the
        // recipe is given them, and they are encoded a chunk at a time, each let go once in
        // the matrix.
        let let_go = let_go_of_training_rows && hold_raw.height() > 0;
        let (fitted_recipe, train_clean, train_raw) = if let_go {
            let (fitted, clean) = recipe.fit_transform_owned(train_raw)?;
            (fitted, clean, DataFrame::empty())
        } else {
            let (fitted, clean) = recipe.fit_transform(&train_raw)?;
            (fitted, clean, train_raw)
        };
        if let Some(t) = &self.question.target
            && train_clean.get_column_index(t).is_none()
        {
            return Err(Error::InvalidInput(format!(
                "the recipe removes the target '{t}': take that step out or pick another target"
            )));
        }
        let mut exclude: Vec<&str> = settings.ignore.iter().map(String::as_str).collect();
        exclude.push(ROW_ID);
        exclude.extend(self.question.target.as_deref());
        let text: Vec<&str> = settings.text.iter().map(String::as_str).collect();
        let y = self.truth(&train_clean)?;
        let weights = (settings.balance_classes && self.question.task == Task::Classification)
            .then(|| balanced_weights(&y, self.class_count()));
        let (train_clean, (schema, Matrix { x, words, .. })) = if let_go {
            let fitted =
                FeatureSchema::fit_matrix_owned(train_clean, &exclude, &text, self.sparse_text)?;
            crate::memory::give_back();
            (DataFrame::empty(), fitted)
        } else {
            let fitted =
                FeatureSchema::fit_matrix(&train_clean, &exclude, &text, self.sparse_text)?;
            (train_clean, fitted)
        };
        for (col, why) in &schema.skipped {
            notes.push(format!("column '{col}' not used: {why}"));
        }
        if let Some(w) = &words
            && self.question.kind == models::ModelKind::Linear
            && settings.params.linear.penalty <= 0.0
        {
            notes.push(format!(
                "free text gives {} terms, many in only a few rows, and no penalty holds their weights: the fit is sound but single words' weights are not; a small penalty (Penalty in the Model step, e.g. 0.01) steadies them",
                w.cols
            ));
        }
        // Free text's thousands of sparse terms are the usual shape of text data (the penalty
        // keeps them in check); the warning is about the other features.
        if x.ncols() >= x.nrows() {
            notes.push(format!(
                "{} features for {} training rows: the model can memorise them; expect held-out results to be worse",
                x.ncols(),
                x.nrows()
            ));
        }
        let hold_clean = if hold_raw.height() == 0 {
            None
        } else {
            Some(fitted_recipe.transform(&hold_raw)?)
        };
        let (valid_x, valid_words, valid_y) = match &hold_clean {
            None => (
                models::empty_matrix(x.ncols()),
                words.as_ref().map(|w| Csr {
                    cols: w.cols,
                    indptr: vec![0],
                    ..Csr::default()
                }),
                Vec::new(),
            ),
            Some(h) => {
                let m = schema.matrix(h)?;
                (m.x, m.words, self.truth(h)?)
            }
        };
        Ok(Prepared {
            fitted_recipe,
            schema,
            train_raw,
            hold_raw,
            train_clean,
            hold_clean,
            x,
            words,
            y,
            weights,
            valid_x,
            valid_words,
            valid_y,
            notes,
        })
    }
}

/// The class of label `l`: 1 for "yes" and 0 otherwise, or its index among several.
fn class_index(labels: &Labels, l: &str) -> usize {
    match labels {
        Labels::YesNo(c) => usize::from(l == c.positive),
        Labels::Several(v) => v.binary_search_by(|x| x.as_str().cmp(l)).unwrap_or(0),
    }
}

/// Weights that give every class the same total (scikit-learn's class_weight="balanced":
/// n / (classes · rows of the class)); `y` holds 1/0 (yes/no) or class indices.
pub fn balanced_weights(y: &[f64], classes: usize) -> Vec<f64> {
    let k = classes.max(2);
    let class = |v: f64| {
        if k == 2 {
            usize::from(v > 0.5)
        } else {
            (v as usize).min(k - 1)
        }
    };
    let mut counts = vec![0.0f64; k];
    for &v in y {
        counts[class(v)] += 1.0;
    }
    let n = y.len() as f64;
    y.iter()
        .map(|&v| n / (k as f64 * counts[class(v)].max(1.0)))
        .collect()
}
