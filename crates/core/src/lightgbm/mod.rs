//! LightGBM's text model format, both ways.
//!
//! **Writing** ([`export`]): a decision tree, forest or boosting model as a file that
//! `lightgbm.Booster(model_file=…)` (and so LightGBM on Spark) loads and that scores the
//! recipe-applied columns exactly as the app does. The file reads *unscaled* features, one per
//! model feature in the model's order (see [`FeatureSchema::unscaled_matrix`]): numbers as they
//! are, dates as days since 1970-01-01, each category as a 0/1 column, missing numbers as NaN.
//! Our trees compare standardised values, `(x − mean) / scale <= t`; each threshold becomes the
//! largest double `r` whose standardised value is still `<= t` (found by bisection on the
//! ordered doubles, with the app's own arithmetic), so LightGBM's `x <= r` sends every number to
//! the same side. A missing value takes the side its fill takes (LightGBM's `missing_type=NaN`
//! with `default_left`). Leaf values are written as shortest round-trip doubles; the base score
//! of boosting becomes a last one-leaf tree (LightGBM adds trees in order from 0, and `s + base`
//! is the app's `base + s`), a forest is LightGBM's `average_output` (the sum over trees divided
//! by their number, as ours).
//!
//! **Reading** ([`import`]): a LightGBM model trained elsewhere (numerical splits; binary,
//! regression-type or multiclass objectives) becomes one of our boosting or forest models over
//! its named features, missing values routed at each split as LightGBM routes them
//! ([`Tree::nan_right`]).

#[cfg(test)]
mod tests;

use std::path::Path;

use crate::data::recipe::FittedRecipe;
use crate::error::{Error, Result};
use crate::ml::features::{Encoding, FeatureSchema, Input};
use crate::ml::models::boosting::{Boosting, Link};
use crate::ml::models::forest::Forest;
use crate::ml::models::trees::Tree;
use crate::ml::models::{ModelKind, Task, TrainedModel};
use crate::ml::saved::{FORMAT, FORMAT_VERSION, MAX_MODEL_BYTES, SavedModel};
use crate::ml::{Classes, ModelSettings};

/// LightGBM's decision type bits: the missing value goes left; missing means NaN.
const DEFAULT_LEFT: u8 = 2;
const MISSING_NAN: u8 = 2 << 2;
const CATEGORICAL: u8 = 1;

/// A model written for LightGBM.
pub struct LightGbmExport {
    pub text: String,
    /// The feature names in the file's order (the columns LightGBM reads).
    pub features: Vec<String>,
}

/// `model` as a LightGBM text model (see the module documentation).
pub fn export(model: &SavedModel) -> Result<LightGbmExport> {
    let schema = &model.features;
    schema.check()?;
    let fills = fills(schema)?;
    let features = file_names(&schema.names);
    let scaling = Scaling {
        means: &schema.means,
        scales: &schema.scales,
        fills: &fills,
    };
    let (trees, objective, per_round, average): (Vec<Tree>, String, usize, bool) = match &model
        .model
    {
        TrainedModel::DecisionTree(t) => (vec![t.tree.clone()], "regression".to_owned(), 1, false),
        TrainedModel::Forest(f) => (f.trees.clone(), "regression".to_owned(), 1, true),
        TrainedModel::Boosting(b) => {
            let mut trees = b.trees.clone();
            let (objective, k) = match b.link {
                Link::Logistic => ("binary sigmoid:1".to_owned(), 1),
                Link::Identity => ("regression".to_owned(), 1),
                Link::Softmax => {
                    let k = b.class_bases.len();
                    (format!("multiclass num_class:{k}"), k)
                }
            };
            if k == 0 || !trees.len().is_multiple_of(k) {
                return Err(Error::Model("the boosting model is malformed".into()));
            }
            // The starting score(s) last: every row's sum ends with them (none when they
            // are all 0, as in a model read from LightGBM).
            if b.link == Link::Softmax {
                if b.class_bases.iter().any(|&v| v != 0.0) {
                    trees.extend(b.class_bases.iter().map(|&v| Tree::leaf(v)));
                }
            } else if b.base != 0.0 {
                trees.push(Tree::leaf(b.base));
            }
            (trees, objective, k, false)
        }
        _ => {
            return Err(Error::InvalidInput(format!(
                "a {} has no LightGBM form: LightGBM files hold decision trees, forests and boosting",
                model.kind.label().to_lowercase()
            )));
        }
    };
    if features.is_empty() {
        return Err(Error::InvalidInput(
            "the model reads no features, so there is nothing for LightGBM to read".into(),
        ));
    }
    let mut blocks = Vec::with_capacity(trees.len());
    for (i, t) in trees.iter().enumerate() {
        t.validate(features.len())?;
        blocks.push(format!("Tree={i}\n{}\n", tree_text(t, &scaling)?));
    }
    let mut out = String::new();
    push_line(&mut out, format_args!("tree\nversion=v4"));
    push_line(&mut out, format_args!("num_class={per_round}"));
    push_line(&mut out, format_args!("num_tree_per_iteration={per_round}"));
    push_line(&mut out, format_args!("label_index=0"));
    push_line(
        &mut out,
        format_args!("max_feature_idx={}", features.len() - 1),
    );
    push_line(&mut out, format_args!("objective={objective}"));
    if average {
        push_line(&mut out, format_args!("average_output"));
    }
    push_line(
        &mut out,
        format_args!("feature_names={}", features.join(" ")),
    );
    push_line(
        &mut out,
        format_args!(
            "feature_infos={}",
            feature_infos(&trees, &scaling, features.len())?.join(" ")
        ),
    );
    let sizes: Vec<String> = blocks.iter().map(|b| b.len().to_string()).collect();
    push_line(&mut out, format_args!("tree_sizes={}\n", sizes.join(" ")));
    for b in &blocks {
        out.push_str(b);
    }
    out.push_str("end of trees\n\nfeature_importances:\n");
    for (name, count) in split_counts(&trees, &features) {
        push_line(&mut out, format_args!("{name}={count}"));
    }
    out.push_str("\nparameters:\n");
    push_line(
        &mut out,
        format_args!("[boosting: {}]", if average { "rf" } else { "gbdt" }),
    );
    push_line(
        &mut out,
        format_args!(
            "[objective: {}]",
            objective.split(' ').next().unwrap_or("regression")
        ),
    );
    push_line(&mut out, format_args!("[num_class: {per_round}]"));
    out.push_str("end of parameters\n\npandas_categorical:null\n");
    Ok(LightGbmExport {
        text: out,
        features,
    })
}

/// What a missing value of each feature becomes in the app: its fill (0 for a category).
pub(crate) fn fills(schema: &FeatureSchema) -> Result<Vec<f64>> {
    let mut out = Vec::with_capacity(schema.names.len());
    for input in &schema.inputs {
        match &input.encoding {
            Encoding::Number { fill } | Encoding::Date { fill } => out.push(*fill),
            Encoding::Categories { values, .. } => out.extend(values.iter().map(|_| 0.0)),
            Encoding::Text { .. } => {
                return Err(Error::InvalidInput(format!(
                    "column '{}' is read as free text (TF-IDF of its words), which a LightGBM file can't compute: train without it (ignore it) to export to LightGBM",
                    input.column
                )));
            }
        }
    }
    Ok(out)
}

/// Feature names as LightGBM keeps them: no spaces (its separator) nor JSON punctuation.
fn file_names(names: &[String]) -> Vec<String> {
    names
        .iter()
        .map(|n| {
            n.chars()
                .map(|c| {
                    if c.is_whitespace() || "[]{}\",:".contains(c) {
                        '_'
                    } else {
                        c
                    }
                })
                .collect()
        })
        .collect()
}

/// How the app turns a raw value into what its trees compare.
pub(crate) struct Scaling<'a> {
    pub(crate) means: &'a [f64],
    pub(crate) scales: &'a [f64],
    pub(crate) fills: &'a [f64],
}

impl Scaling<'_> {
    /// The app's standardised value of `x` for feature `j` (the same arithmetic as
    /// `FeatureSchema::standardise`).
    /// The app's feature value of raw `x`: standardised in double precision, then rounded
    /// to single precision (as [`crate::ml::features::FeatureSchema::matrix`] stores it).
    fn standardised(&self, j: usize, x: f64) -> f64 {
        f64::from(((x - self.means[j]) / self.scales[j]) as f32)
    }

    /// The largest finite double whose standardised value (in single precision, as the app
    /// reads it) is `<= t`: LightGBM's threshold on the raw value, in double precision, for
    /// the app's split at `t`. The rounding never decreases with `x`, so the search holds.
    pub(crate) fn raw_threshold(&self, j: usize, t: f64) -> Result<f64> {
        let s = self.scales[j];
        if !(s.is_finite() && s > 0.0 && self.means[j].is_finite() && !t.is_nan()) {
            return Err(Error::Model(format!(
                "feature {j} has an unusable scale or threshold in the model file"
            )));
        }
        let le = |k: u64| self.standardised(j, from_key(k)) <= t;
        let (mut lo, mut hi) = (key(f64::MIN), key(f64::MAX));
        if le(hi) {
            return Ok(f64::MAX);
        }
        if !le(lo) {
            // No number goes left; every finite one goes right of the lowest double.
            return Ok(f64::MIN);
        }
        // le(lo) holds, le(hi) doesn't; the standardised value never decreases with x.
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if le(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(from_key(lo))
    }

    /// Whether a missing value of feature `j` goes left at threshold `t` in the app.
    pub(crate) fn missing_left(&self, j: usize, t: f64) -> bool {
        self.standardised(j, self.fills[j]) <= t
    }
}

/// Doubles mapped to integers in the same order (−0 and +0 next to each other).
fn key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

fn from_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// A double as LightGBM reads it back to the bit (shortest round trip).
fn num(v: f64) -> Result<String> {
    if v.is_finite() {
        Ok(format!("{v:e}"))
    } else {
        Err(Error::Model(format!(
            "the model holds {v}, which a LightGBM file can't"
        )))
    }
}

fn joined(values: impl IntoIterator<Item = String>) -> String {
    values.into_iter().collect::<Vec<_>>().join(" ")
}

/// One tree in LightGBM's form: split nodes numbered in pre-order, leaves `-(i + 1)`.
fn tree_text(tree: &Tree, scaling: &Scaling) -> Result<String> {
    let mut out = String::new();
    if tree.feature[0] < 0 {
        push_text(
            &mut out,
            format_args!(
                "num_leaves=1\nnum_cat=0\nleaf_value={}\nis_linear=0\nshrinkage=1\n\n",
                num(tree.value[0])?
            ),
        );
        return Ok(out);
    }
    let (mut feature, mut threshold, mut decision) = (Vec::new(), Vec::new(), Vec::new());
    let (mut left, mut right, mut leaves) = (Vec::new(), Vec::new(), Vec::new());
    // (our node, LightGBM parent, whether it is the parent's left child)
    let mut stack = vec![(0usize, usize::MAX, true)];
    while let Some((node, parent, is_left)) = stack.pop() {
        let code = if tree.feature[node] < 0 {
            leaves.push(tree.value[node]);
            -(leaves.len() as i64)
        } else {
            let j = tree.feature[node] as usize;
            let t = tree.threshold[node];
            let missing_left = match tree.nan_right.get(node) {
                Some(&right) => !right,
                None => scaling.missing_left(j, t),
            };
            feature.push(j);
            threshold.push(scaling.raw_threshold(j, t)?);
            decision.push(MISSING_NAN | if missing_left { DEFAULT_LEFT } else { 0 });
            left.push(0);
            right.push(0);
            let id = feature.len() - 1;
            let l = tree.left[node] as usize;
            stack.push((l + 1, id, false));
            stack.push((l, id, true));
            id as i64
        };
        if parent != usize::MAX {
            if is_left {
                left[parent] = code;
            } else {
                right[parent] = code;
            }
        }
    }
    push_line(&mut out, format_args!("num_leaves={}", leaves.len()));
    push_line(&mut out, format_args!("num_cat=0"));
    push_line(
        &mut out,
        format_args!(
            "split_feature={}",
            joined(feature.iter().map(usize::to_string))
        ),
    );
    push_line(
        &mut out,
        format_args!("split_gain={}", joined(feature.iter().map(|_| "0".into()))),
    );
    push_line(
        &mut out,
        format_args!(
            "threshold={}",
            joined(
                threshold
                    .iter()
                    .map(|&t| num(t))
                    .collect::<Result<Vec<_>>>()?
            )
        ),
    );
    push_line(
        &mut out,
        format_args!(
            "decision_type={}",
            joined(decision.iter().map(u8::to_string))
        ),
    );
    push_line(
        &mut out,
        format_args!("left_child={}", joined(left.iter().map(i64::to_string))),
    );
    push_line(
        &mut out,
        format_args!("right_child={}", joined(right.iter().map(i64::to_string))),
    );
    push_line(
        &mut out,
        format_args!(
            "leaf_value={}",
            joined(leaves.iter().map(|&v| num(v)).collect::<Result<Vec<_>>>()?)
        ),
    );
    out.push_str("is_linear=0\nshrinkage=1\n\n");
    Ok(out)
}

/// LightGBM's `feature_infos`: `none` for a feature no tree splits on, else the range of the
/// raw thresholds (we keep no training range; LightGBM reads it only for display).
fn feature_infos(trees: &[Tree], scaling: &Scaling, width: usize) -> Result<Vec<String>> {
    let mut range = vec![(f64::INFINITY, f64::NEG_INFINITY); width];
    for t in trees {
        for (n, &f) in t.feature.iter().enumerate() {
            if f >= 0 {
                let r = scaling.raw_threshold(f as usize, t.threshold[n])?;
                let e = &mut range[f as usize];
                *e = (e.0.min(r), e.1.max(r));
            }
        }
    }
    range
        .into_iter()
        .map(|(lo, hi)| {
            if lo > hi {
                Ok("none".to_owned())
            } else {
                Ok(format!("[{}:{}]", num(lo)?, num(hi)?))
            }
        })
        .collect()
}

/// How many splits use each feature (LightGBM's split importance), most first.
fn split_counts(trees: &[Tree], names: &[String]) -> Vec<(String, usize)> {
    let mut counts = vec![0usize; names.len()];
    for t in trees {
        for &f in t.feature.iter().filter(|&&f| f >= 0) {
            counts[f as usize] += 1;
        }
    }
    let mut out: Vec<(String, usize)> = names
        .iter()
        .cloned()
        .zip(counts)
        .filter(|(_, c)| *c > 0)
        .collect();
    out.sort_by_key(|b| std::cmp::Reverse(b.1));
    out
}

/// Reads a LightGBM text model file as one of our models (see the module documentation);
/// `target` names the column it predicts, for evaluating it on a table.
pub fn import(path: &Path, target: Option<&str>) -> Result<SavedModel> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if len > MAX_MODEL_BYTES {
        return Err(Error::bad_file(path, "is too large to be a model file"));
    }
    let mut text = String::new();
    file.take(MAX_MODEL_BYTES)
        .read_to_string(&mut text)
        .map_err(|e| Error::bad_file(path, format!("is not a LightGBM text model ({e})")))?;
    parse(&text, target).map_err(|e| match e {
        Error::InvalidInput(m) => Error::bad_file(path, m),
        other => other,
    })
}

/// Whether the file at `path` starts as a LightGBM text model does (its first line is `tree`):
/// reads 6 bytes, so a dropped file can be told from a table cheaply.
pub fn looks_like_model(path: &Path) -> bool {
    use std::io::Read as _;
    let mut head = [0u8; 6];
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let n = f.read(&mut head).unwrap_or(0);
    head[..n].starts_with(b"tree\n") || head[..n].starts_with(b"tree\r\n")
}

/// A `key=value` line of the file, with its line number.
struct Field<'a> {
    line: usize,
    key: &'a str,
    value: &'a str,
}

fn bad(line: usize, message: impl std::fmt::Display) -> Error {
    Error::InvalidInput(format!("line {line}: {message}"))
}

/// The fields of one section (the header or one tree).
struct Section<'a> {
    /// The line the section starts on.
    line: usize,
    fields: Vec<Field<'a>>,
}

impl<'a> Section<'a> {
    fn get(&self, key: &str) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.key == key)
    }

    fn value(&self, key: &str) -> Result<&Field<'a>> {
        self.get(key)
            .ok_or_else(|| bad(self.line, format!("the section has no '{key}'")))
    }

    fn number<T: std::str::FromStr>(&self, key: &str) -> Result<T> {
        let f = self.value(key)?;
        f.value
            .trim()
            .parse()
            .map_err(|_| bad(f.line, format!("'{key}' is not a number: '{}'", f.value)))
    }

    fn list<T: std::str::FromStr>(&self, key: &str, len: usize) -> Result<Vec<T>> {
        let f = self.value(key)?;
        let out = f
            .value
            .split_whitespace()
            .map(|v| {
                v.parse()
                    .map_err(|_| bad(f.line, format!("'{key}' holds '{v}', not a number")))
            })
            .collect::<Result<Vec<T>>>()?;
        if out.len() != len {
            return Err(bad(
                f.line,
                format!("'{key}' has {} values, {len} expected", out.len()),
            ));
        }
        Ok(out)
    }
}

/// Parses the text of a LightGBM model file (see [`import`]).
pub fn parse(text: &str, target: Option<&str>) -> Result<SavedModel> {
    let mut header = Section {
        line: 1,
        fields: Vec::new(),
    };
    let mut trees: Vec<Section> = Vec::new();
    let mut ended = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim();
        if l == "end of trees" {
            ended = true;
            break;
        }
        if l.is_empty() {
            continue;
        }
        if let Some(n) = l.strip_prefix("Tree=") {
            if n.trim().parse::<usize>().ok() != Some(trees.len()) {
                return Err(bad(
                    line,
                    format!("expected Tree={}, found '{l}'", trees.len()),
                ));
            }
            trees.push(Section {
                line,
                fields: Vec::new(),
            });
            continue;
        }
        let (key, value) = l.split_once('=').unwrap_or((l, ""));
        let field = Field { line, key, value };
        match trees.last_mut() {
            Some(t) => t.fields.push(field),
            None => header.fields.push(field),
        }
    }
    if header.fields.first().is_none_or(|f| f.key != "tree") {
        return Err(bad(
            1,
            "this is not a LightGBM text model (it should start with the line 'tree')",
        ));
    }
    if !ended {
        return Err(bad(
            text.lines().count(),
            "the file ends before 'end of trees' (is it cut short?)",
        ));
    }
    let width: usize = header.number::<usize>("max_feature_idx")? + 1;
    let names: Vec<String> = match header.get("feature_names") {
        Some(f) => f.value.split_whitespace().map(str::to_owned).collect(),
        None => (0..width).map(|j| format!("Column_{j}")).collect(),
    };
    if names.len() != width {
        return Err(bad(
            header.value("feature_names")?.line,
            format!("{} feature names for {width} features", names.len()),
        ));
    }
    let per_round: usize = header.number("num_tree_per_iteration")?;
    let objective = header.value("objective")?;
    let average = header.get("average_output").is_some();
    let mut words = objective.value.split_whitespace();
    let name = words.next().unwrap_or("");
    let params: Vec<(&str, &str)> = words.filter_map(|w| w.split_once(':')).collect();
    let (task, link) = match name {
        "binary" => {
            if let Some((_, s)) = params.iter().find(|(k, _)| *k == "sigmoid")
                && s.parse::<f64>().ok() != Some(1.0)
            {
                return Err(bad(
                    objective.line,
                    format!("a binary model with sigmoid:{s} is not supported (only sigmoid:1)"),
                ));
            }
            (Task::Classification, Link::Logistic)
        }
        "regression"
        | "regression_l2"
        | "l2"
        | "mean_squared_error"
        | "mse"
        | "rmse"
        | "regression_l1"
        | "l1"
        | "mean_absolute_error"
        | "mae"
        | "huber"
        | "fair"
        | "quantile"
        | "mape" => (Task::Regression, Link::Identity),
        "multiclass" | "softmax" => (Task::Classification, Link::Softmax),
        other => {
            return Err(bad(
                objective.line,
                format!(
                    "the objective '{other}' is not supported: binary, multiclass and the regression objectives (their score is the sum of the trees) are"
                ),
            ));
        }
    };
    if (link == Link::Softmax) != (per_round > 1) || per_round == 0 {
        return Err(bad(
            objective.line,
            format!("'{name}' with {per_round} trees per round is inconsistent"),
        ));
    }
    if average && link != Link::Identity {
        return Err(bad(
            objective.line,
            "a random forest (average_output) is supported with a regression objective only",
        ));
    }
    if trees.is_empty() || !trees.len().is_multiple_of(per_round) {
        return Err(bad(
            header.line,
            format!("{} trees for {per_round} per round", trees.len()),
        ));
    }
    let trees = trees
        .iter()
        .enumerate()
        .map(|(i, s)| {
            read_tree(s, width).map_err(|e| match e {
                Error::InvalidInput(m) => Error::InvalidInput(format!("Tree={i}, {m}")),
                other => other,
            })
        })
        .collect::<Result<Vec<Tree>>>()?;
    let (kind, model) = if average {
        (
            ModelKind::Forest,
            TrainedModel::Forest(Forest {
                features: width,
                trees,
            }),
        )
    } else {
        (
            ModelKind::Boosting,
            TrainedModel::Boosting(Boosting {
                features: width,
                base: 0.0,
                link,
                class_bases: if link == Link::Softmax {
                    vec![0.0; per_round]
                } else {
                    Vec::new()
                },
                trees,
            }),
        )
    };
    let labels: Vec<String> = if link == Link::Softmax {
        (0..per_round).map(|c| c.to_string()).collect()
    } else {
        Vec::new()
    };
    let classes = (link == Link::Logistic).then(|| Classes {
        positive: "1".into(),
        negative: "0".into(),
    });
    let settings = ModelSettings {
        task: Some(task),
        target: target.map(str::to_owned),
        model: Some(kind),
        positive: classes.as_ref().map(|c| c.positive.clone()),
        ..ModelSettings::default()
    };
    Ok(SavedModel {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        task,
        kind,
        target: target.map(str::to_owned),
        classes,
        labels,
        threshold: 0.5,
        settings,
        recipe: FittedRecipe::default(),
        features: FeatureSchema {
            inputs: names
                .iter()
                .map(|n| Input {
                    column: n.clone(),
                    encoding: Encoding::Number { fill: f64::NAN },
                })
                .collect(),
            means: vec![0.0; width],
            scales: vec![1.0; width],
            names,
            skipped: Vec::new(),
        },
        model,
    })
}

/// One LightGBM tree as ours: LightGBM's split nodes and leaves, rebuilt by [`Tree::split`]
/// from the root down, with where a missing value goes at each split.
fn read_tree(s: &Section, width: usize) -> Result<Tree> {
    let leaves: usize = s.number("num_leaves")?;
    if leaves == 0 {
        return Err(bad(s.line, "a tree without leaves"));
    }
    if s.get("num_cat").is_some() && s.number::<usize>("num_cat")? > 0 {
        return Err(bad(
            s.value("num_cat")?.line,
            "splits on categories are not supported: train with the categories as 0/1 columns",
        ));
    }
    if s.get("is_linear").is_some() && s.number::<u8>("is_linear")? != 0 {
        return Err(bad(
            s.value("is_linear")?.line,
            "linear trees (linear_tree=true) are not supported",
        ));
    }
    let values: Vec<f64> = s.list("leaf_value", leaves)?;
    let finite = |v: &[f64], key: &str| -> Result<()> {
        match v.iter().find(|v| !v.is_finite()) {
            Some(x) => Err(bad(s.value(key)?.line, format!("'{key}' holds {x}"))),
            None => Ok(()),
        }
    };
    finite(&values, "leaf_value")?;
    if leaves == 1 {
        return Ok(Tree::leaf(values[0]));
    }
    let n = leaves - 1;
    let feature: Vec<usize> = s.list("split_feature", n)?;
    // LightGBM writes `inf` for a split that only sets missing values apart; the model file
    // (JSON) holds finite numbers, so ±inf become the largest finite doubles (the same side
    // for every number but ±inf itself, which no table holds).
    let threshold: Vec<f64> = s
        .list::<f64>("threshold", n)?
        .into_iter()
        .map(|t| t.clamp(f64::MIN, f64::MAX))
        .collect();
    finite(&threshold, "threshold")?;
    let decision: Vec<u8> = s.list("decision_type", n)?;
    let left: Vec<i64> = s.list("left_child", n)?;
    let right: Vec<i64> = s.list("right_child", n)?;
    let mut tree = Tree::leaf(0.0);
    tree.nan_right.push(false);
    // (LightGBM child code, our node)
    let mut stack = vec![(0i64, 0usize)];
    let (mut seen_nodes, mut seen_leaves) = (vec![false; n], vec![false; leaves]);
    while let Some((code, node)) = stack.pop() {
        if code < 0 {
            let leaf = (-code - 1) as usize;
            if leaf >= leaves || std::mem::replace(&mut seen_leaves[leaf], true) {
                return Err(bad(s.line, format!("leaf {leaf} is out of place")));
            }
            tree.value[node] = values[leaf];
            continue;
        }
        let i = code as usize;
        if i >= n || std::mem::replace(&mut seen_nodes[i], true) {
            return Err(bad(s.line, format!("node {i} is out of place")));
        }
        let (f, t, d) = (feature[i], threshold[i], decision[i]);
        if f >= width {
            return Err(bad(
                s.value("split_feature")?.line,
                format!("feature {f} of node {i} is past the last feature"),
            ));
        }
        if d & CATEGORICAL != 0 {
            return Err(bad(
                s.value("decision_type")?.line,
                "splits on categories are not supported",
            ));
        }
        // LightGBM: with missing type None a NaN is read as 0; with NaN it takes the default
        // side; "Zero" (zero_as_missing) would also send zeros there, which ours can't.
        let nan_right = match (d >> 2) & 3 {
            0 => 0.0 > t,
            2 => d & DEFAULT_LEFT == 0,
            _ => {
                return Err(bad(
                    s.value("decision_type")?.line,
                    "zero_as_missing splits are not supported",
                ));
            }
        };
        let l = tree.split(node, f, t, 0.0, 0.0);
        tree.nan_right[node] = nan_right;
        stack.push((right[i], l + 1));
        stack.push((left[i], l));
    }
    if seen_leaves.iter().any(|s| !s) {
        return Err(bad(s.line, "some leaves are never reached"));
    }
    Ok(tree)
}

/// Appends a formatted line.
fn push_line(out: &mut String, line: std::fmt::Arguments) {
    out.push_str(&line.to_string());
    out.push('\n');
}

/// Appends formatted text.
fn push_text(out: &mut String, text: std::fmt::Arguments) {
    out.push_str(&text.to_string());
}
