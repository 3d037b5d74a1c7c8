//! Campaign experiments: whom does the offer change? From a randomised test (a treated group
//! got the offer, a control group didn't) and its outcome, the room measures the experiment
//! itself ([`experiment`]: group sizes, rates, the average effect with its interval, balance),
//! fits an uplift model by one of three methods ([`Method`]) reusing the model zoo or our
//! uplift forest ([`forest`]), and measures it on held-out customers ([`metrics`]: Qini and
//! uplift curves and their normalised areas, as scikit-uplift defines them). The model file
//! ([`model`]) scores a new file without the treatment and outcome columns.
//!
//! The pipeline reuses the predictive one's plan: the outcome is a yes/no target (the class
//! rule of `ml/question.rs`), the treatment column is resolved by the same rule (`1`, `true`,
//! `yes`, else the smaller group is "treated") and is never an input; the split is stratified
//! by group × outcome; the recipe and the feature schema are fitted on the training rows only.

pub mod experiment;
pub mod forest;
pub mod metrics;
pub mod model;
pub mod targeting;

use std::time::Instant;

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::data::recipe::Recipe;
use crate::error::{Error, Result};
use crate::jobs::{Control, RunControl};
use crate::ml::models::{self, ModelKind, StepReport, TrainData};
use crate::ml::{Classes, Labels, ModelSettings, Task, choose_classes, labels_of, split};
use crate::train::Plan;
pub use experiment::{Balance, Effect};
pub use forest::{Criterion, ForestParams, UpliftForest};
pub use metrics::{Curve, Decile, Rows};
pub use model::{AnyModel, Parts, UpliftModel};

/// How the uplift is modelled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// One classifier per group, any model of the zoo.
    #[default]
    TwoModel,
    /// One classifier of "the outcome agrees with the group", propensity-weighted.
    ClassTransformation,
    /// Our uplift forest, splitting on the divergence between the groups.
    UpliftForest,
}

impl Method {
    pub const ALL: [Self; 3] = [
        Self::TwoModel,
        Self::ClassTransformation,
        Self::UpliftForest,
    ];

    pub fn cli_name(self) -> &'static str {
        match self {
            Self::TwoModel => "two-model",
            Self::ClassTransformation => "class-transformation",
            Self::UpliftForest => "uplift-forest",
        }
    }

    pub fn from_cli_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.cli_name() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::TwoModel => "Two models",
            Self::ClassTransformation => "Class transformation",
            Self::UpliftForest => "Uplift forest",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Self::TwoModel => {
                "One model of the response among the treated, one among the control customers; the uplift is the difference of their probabilities. Any yes/no model of the zoo."
            }
            Self::ClassTransformation => {
                "One model of whether the outcome agrees with the group (a treated buyer or a control non-buyer), the groups weighted to equal size; the uplift is 2 × its probability − 1. Gives no per-group probabilities."
            }
            Self::UpliftForest => {
                "Trees that split where the treated and the control customers respond most differently (a divergence between their response rates), averaged over a forest."
            }
        }
    }

    /// Whether the method trains models of the zoo (and which ones can).
    pub fn uses_zoo(self) -> bool {
        self != Self::UpliftForest
    }
}

/// The models of the zoo an uplift method may use: the yes/no models that give probabilities.
pub const MODELS: [ModelKind; 6] = [
    ModelKind::Logistic,
    ModelKind::Tree,
    ModelKind::Forest,
    ModelKind::Boosting,
    ModelKind::NaiveBayes,
    ModelKind::Mlp,
];

/// What an uplift run needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The outcome (`target`, `positive`), the learner (`model`, `params`), `ignore`,
    /// `holdout` and `seed`, as for a predictive model.
    pub model: ModelSettings,
    /// The column saying who got the offer.
    pub treatment: String,
    /// The label of the treated group; `None`: `1`, `true`, `yes`, else the smaller group.
    pub treated: Option<String>,
    pub method: Method,
    pub forest: ForestParams,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            model: ModelSettings {
                task: Some(Task::Classification),
                ..ModelSettings::default()
            },
            treatment: String::new(),
            treated: None,
            method: Method::TwoModel,
            forest: ForestParams::default(),
        }
    }
}

/// Which part of the run a step belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The model of the treated customers (two models).
    Treated,
    /// The model of the control customers (two models).
    Control,
    /// The class-transformation model.
    Transformed,
    /// The uplift forest: `train_loss` and `valid_loss` are minus the Qini coefficient on
    /// the training and held-out rows watched, so lower is better as on every curve.
    Forest,
}

impl Part {
    pub fn label(self) -> &'static str {
        match self {
            Self::Treated => "treated model",
            Self::Control => "control model",
            Self::Transformed => "transformed outcome",
            Self::Forest => "uplift forest",
        }
    }
}

/// One step of training, for the live curve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Step {
    pub part: Part,
    pub report: StepReport,
}

/// The held-out measurement of an uplift model.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Evaluation {
    pub qini_auc: f64,
    pub uplift_auc: f64,
    pub uplift_at_30: f64,
    pub deciles: Vec<Decile>,
    pub qini: Curve,
    pub perfect_qini: Curve,
    pub uplift_curve: Curve,
    pub perfect_uplift: Curve,
    /// The experiment on these rows.
    pub effect: Effect,
}

impl Evaluation {
    /// Measures predicted `uplift` against outcomes and groups (the rows ranked once).
    pub fn of(outcome: &[f64], treated: &[bool], uplift: &[f64]) -> Self {
        let rows = Rows {
            outcome,
            treated,
            uplift,
        };
        let order = metrics::descending(uplift);
        let qini = metrics::qini_curve_in(rows, &order);
        let perfect_qini = metrics::perfect_qini_curve(outcome, treated);
        let uplift_curve = metrics::uplift_curve_in(rows, &order);
        let perfect_uplift = metrics::perfect_uplift_curve(outcome, treated);
        Self {
            qini_auc: metrics::normalised_area(&qini, &perfect_qini),
            uplift_auc: metrics::normalised_area(&uplift_curve, &perfect_uplift),
            uplift_at_30: metrics::uplift_at_k_in(rows, &order, 0.3),
            deciles: metrics::by_decile_in(rows, &order),
            qini,
            perfect_qini,
            uplift_curve,
            perfect_uplift,
            effect: Effect::of(outcome, treated),
        }
    }
}

/// Everything a finished uplift run produced.
pub struct Outcome {
    pub model: UpliftModel,
    pub settings: Settings,
    /// The experiment on every usable row, before any model.
    pub experiment: Effect,
    /// The balance of every input between the groups (training rows), largest |SMD| first.
    pub balance: Vec<Balance>,
    pub evaluation: Evaluation,
    pub evaluated_on: crate::train::EvaluatedOn,
    /// The evaluated rows with their columns plus uplift, p_treated, p_control, decile.
    pub predictions: DataFrame,
    /// Outcome and group of the evaluated rows, in the order of `predictions`.
    pub outcome: Vec<f64>,
    pub treated: Vec<bool>,
    pub curve: Vec<Step>,
    pub notes: Vec<String>,
    pub train_rows: usize,
    pub holdout_rows: usize,
    pub elapsed_secs: f64,
}

impl Outcome {
    /// The `--metrics` JSON.
    pub fn metrics_json(&self) -> serde_json::Value {
        let e = &self.evaluation;
        json!({
            "task": "uplift",
            "method": self.settings.method.cli_name(),
            "model": self.model.kind.map(ModelKind::cli_name),
            "qini_auc": e.qini_auc,
            "uplift_auc": e.uplift_auc,
            "uplift_at_30": e.uplift_at_30,
            "uplift_by_decile": e.deciles.iter().map(Decile::uplift).collect::<Vec<_>>(),
            "ate": e.effect.ate,
            "ate_ci": e.effect.ate_ci,
            "treated_rate": e.effect.treated_rate,
            "control_rate": e.effect.control_rate,
            "n_treated": e.effect.n_treated,
            "n_control": e.effect.n_control,
            "treated_label": self.model.groups.positive,
            "evaluated_on": self.evaluated_on,
            "train_rows": self.train_rows,
            "holdout_rows": self.holdout_rows,
            "seed": self.settings.model.seed,
        })
    }
}

/// The groups of the treatment column `name`: which label is treated.
pub fn groups(raw: &DataFrame, name: &str, treated: Option<&str>) -> Result<Classes> {
    let column = raw
        .column(name)
        .map_err(|_| Error::missing_column(name, "named as the treatment"))?;
    let text = labels_of(column)?;
    let mut values: Vec<&str> = text.str()?.iter().flatten().collect();
    values.sort_unstable();
    values.dedup();
    if values.len() > 2 {
        // "One value against all the others" would mix the other offers into the control group.
        return Err(Error::InvalidInput(format!(
            "treatment '{name}' has {} values ({}…): it must say treated or not, in two values (keep the rows of one offer and the control group in Clean)",
            values.len(),
            values
                .iter()
                .take(3)
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    match choose_classes(name, values.iter().map(|v| Some(*v)), treated)? {
        Labels::YesNo(c) => Ok(c),
        Labels::Several(_) => Err(Error::InvalidInput(format!(
            "treatment '{name}' must say treated or not, in two values"
        ))),
    }
}

/// The group of each row of `df` (a table derived from the plan's, carrying its row id), read
/// from the raw table: a recipe step that retypes or rescales the treatment column changes
/// nothing.
fn groups_by_row(df: &DataFrame, all_groups: &[Option<bool>]) -> Result<Vec<bool>> {
    Ok(df
        .column(crate::data::ROW_ID)?
        .idx()?
        .iter()
        .map(|id| {
            id.and_then(|i| all_groups.get(i as usize).copied().flatten())
                .unwrap_or(false)
        })
        .collect())
}

/// Per row of `df`, whether it is in the treated group (None: no group).
fn treated_of(df: &DataFrame, name: &str, groups: &Classes) -> Result<Vec<Option<bool>>> {
    let text = labels_of(df.column(name)?)?;
    Ok(text
        .str()?
        .iter()
        .map(|l| l.map(|l| l == groups.positive))
        .collect())
}

/// The settings resolved against a table: the groups, the outcome's classes, the plan of a
/// yes/no model of the outcome (the treatment never an input), and the usable rows with their
/// cell (2 × treated + responded).
struct Resolved {
    /// Each row of `plan.raw` (by its row id): treated, control, or no group.
    all_groups: Vec<Option<bool>>,
    plan: Plan,
    plan_settings: ModelSettings,
    groups: Classes,
    classes: Classes,
    kind: ModelKind,
    target: String,
    usable: Vec<usize>,
    cells: Vec<usize>,
    experiment: Effect,
}

impl Resolved {
    fn new(raw: &DataFrame, settings: &Settings) -> Result<Self> {
        let ms = &settings.model;
        let target = ms
            .target
            .clone()
            .ok_or_else(|| Error::InvalidInput("pick the outcome column (--target)".into()))?;
        if settings.treatment.is_empty() {
            return Err(Error::InvalidInput(
                "pick the treatment column: who got the offer (--treatment)".into(),
            ));
        }
        if settings.treatment == target {
            return Err(Error::InvalidInput(
                "the treatment and the outcome are the same column: pick two".into(),
            ));
        }
        let groups = groups(raw, &settings.treatment, settings.treated.as_deref())?;
        let kind = ms.model.unwrap_or(ModelKind::Logistic);
        if settings.method.uses_zoo() && !MODELS.contains(&kind) {
            return Err(Error::InvalidInput(format!(
                "{} can't estimate response probabilities for uplift: use {}",
                kind.label(),
                MODELS.map(ModelKind::cli_name).join(", ")
            )));
        }
        let mut plan_settings = ms.clone();
        plan_settings.task = Some(Task::Classification);
        // The forest trains none of the zoo: its plan names the default learner.
        plan_settings.model = Some(if settings.method.uses_zoo() {
            kind
        } else {
            ModelKind::Logistic
        });
        if !plan_settings.ignore.contains(&settings.treatment) {
            plan_settings.ignore.push(settings.treatment.clone());
        }
        let mut plan = Plan::new(raw, &plan_settings)?.dense_text();
        let Some(classes) = plan.question.classes.clone() else {
            return Err(Error::InvalidInput(format!(
                "outcome '{target}' has more than two values: uplift needs a yes/no (name the yes with --positive)"
            )));
        };
        let all_groups = treated_of(&plan.raw, &settings.treatment, &groups)?;
        let strata = plan.strata.clone().unwrap_or_default();
        let (mut usable, mut cells) = (Vec::new(), Vec::new());
        for (k, &row) in plan.usable.iter().enumerate() {
            if let Some(t) = all_groups[row] {
                usable.push(row);
                cells.push(usize::from(t) * 2 + strata.get(k).copied().unwrap_or(0));
            }
        }
        let without_group = plan.usable.len() - usable.len();
        if without_group > 0 {
            plan.notes.push(format!(
                "{without_group} rows without a treatment value were left out"
            ));
        }
        let mut counts = [0usize; 4];
        for &c in &cells {
            counts[c] += 1;
        }
        if counts[0] + counts[1] < 2 || counts[2] + counts[3] < 2 {
            return Err(Error::InvalidInput(format!(
                "the experiment needs customers in both groups: '{}' has {} treated and {} control rows",
                settings.treatment,
                counts[2] + counts[3],
                counts[0] + counts[1]
            )));
        }
        let experiment = {
            let y: Vec<f64> = cells.iter().map(|&c| (c % 2) as f64).collect();
            let t: Vec<bool> = cells.iter().map(|&c| c >= 2).collect();
            Effect::of(&y, &t)
        };
        plan.usable = usable.clone();
        Ok(Self {
            all_groups,
            plan,
            plan_settings,
            groups,
            classes,
            kind,
            target,
            usable,
            cells,
            experiment,
        })
    }
}

/// The experiment itself, before any model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Description {
    pub treated_label: String,
    pub control_label: String,
    pub effect: Effect,
    /// Every input's balance between the groups, largest |SMD| first.
    pub balance: Vec<Balance>,
    pub notes: Vec<String>,
}

/// Describes the experiment in `raw` (through `recipe`): group sizes, rates, the average
/// effect with its interval, and the balance of the inputs (as the model would see them).
pub fn describe(raw: &DataFrame, recipe: &Recipe, settings: &Settings) -> Result<Description> {
    let r = Resolved::new(raw, settings)?;
    let prepared = r.plan.prepare(recipe, &r.plan_settings, &r.usable, &[])?;
    let treated = groups_by_row(&prepared.train_clean, &r.all_groups)?;
    let balance = experiment::balance(prepared.x.view(), &prepared.schema.names, &treated);
    let mut notes = r.plan.notes.clone();
    notes.extend(prepared.notes.iter().cloned());
    Ok(Description {
        treated_label: r.groups.positive.clone(),
        control_label: r.groups.negative.clone(),
        effect: r.experiment,
        balance,
        notes,
    })
}

/// Trains and measures an uplift model; `on_step` sees every step (and may be ignored).
pub fn run(
    raw: &DataFrame,
    recipe: &Recipe,
    settings: &Settings,
    on_step: &mut dyn FnMut(Step),
    control: &RunControl,
) -> Result<Outcome> {
    let started = Instant::now();
    let ms = &settings.model;
    let Resolved {
        all_groups,
        plan,
        plan_settings,
        groups,
        classes,
        kind,
        target,
        usable,
        cells,
        experiment,
    } = Resolved::new(raw, settings)?;
    let part = split::holdout(usable.len(), Some(&cells), ms.holdout, ms.seed);
    let train_rows: Vec<usize> = part.train.iter().map(|&i| usable[i]).collect();
    let hold_rows: Vec<usize> = part.holdout.iter().map(|&i| usable[i]).collect();
    let prepared = plan.prepare(recipe, &plan_settings, &train_rows, &hold_rows)?;
    let mut notes = plan.notes.clone();
    notes.extend(prepared.notes.iter().cloned());
    let group_of = |df: &DataFrame| groups_by_row(df, &all_groups);
    let train_t = group_of(&prepared.train_clean)?;
    let hold_t = match &prepared.hold_clean {
        Some(h) => group_of(h)?,
        None => Vec::new(),
    };
    for (name, t) in [("treated", true), ("control", false)] {
        let rows = train_t.iter().filter(|&&g| g == t).count();
        let yes = train_t
            .iter()
            .zip(&prepared.y)
            .filter(|&(&g, &y)| g == t && y == 1.0)
            .count();
        if yes == 0 || yes == rows {
            return Err(Error::InvalidInput(format!(
                "the {name} group's training rows all have the same outcome: add rows or lower the holdout"
            )));
        }
    }
    let balance = experiment::balance(prepared.x.view(), &prepared.schema.names, &train_t);
    for b in experiment::unbalanced(&balance).iter().take(3) {
        notes.push(format!(
            "'{}' differs between the groups (standardised mean difference {:+.2}): check that the groups were assigned at random",
            b.feature, b.smd
        ));
    }

    let mut curve = Vec::new();
    let mut step = |part: Part, report: StepReport| -> Control {
        let s = Step { part, report };
        curve.push(s);
        on_step(s);
        control.control()
    };
    let parts = fit(settings, kind, &prepared, &train_t, &hold_t, &mut step)?;
    let model = UpliftModel {
        format: crate::ml::saved::FORMAT.to_owned(),
        format_version: crate::ml::saved::FORMAT_VERSION,
        task: model::TASK.to_owned(),
        method: settings.method,
        kind: settings.method.uses_zoo().then_some(kind),
        target: target.clone(),
        classes,
        treatment: settings.treatment.clone(),
        groups,
        recipe: prepared.fitted_recipe.clone(),
        features: prepared.schema.clone(),
        parts,
    };
    // The evaluated rows as `score` sees them: the recipe fitted on the training rows replayed
    // on them and the schema's matrix (`valid_x` is exactly that for the held-out rows, `x` for
    // the training rows), scored by the model file's own `scored`.
    let (evaluated_on, rows, clean, x, outcome, treated) = match &prepared.hold_clean {
        Some(h) => (
            crate::train::EvaluatedOn::Holdout,
            &prepared.hold_raw,
            h,
            prepared.valid_x.view(),
            prepared.valid_y.clone(),
            hold_t,
        ),
        None => (
            crate::train::EvaluatedOn::Training,
            &prepared.train_raw,
            &prepared.train_clean,
            prepared.x.view(),
            prepared.y.clone(),
            train_t,
        ),
    };
    // The raw rows the recipe kept (a recipe filters rows, never reorders them).
    let kept = if clean.height() == rows.height() {
        rows.clone()
    } else {
        let mut args = JoinArgs::new(JoinType::Inner);
        args.maintain_order = MaintainOrderJoin::Left;
        rows.join(
            &clean.select([crate::data::ROW_ID])?,
            [crate::data::ROW_ID],
            [crate::data::ROW_ID],
            args,
            None,
        )?
    };
    let frame = model.scored(kept, x)?;
    let uplift: Vec<f64> = frame
        .column(model::UPLIFT)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    if uplift.len() != outcome.len() {
        return Err(Error::Model(format!(
            "scored {} of {} evaluated rows",
            uplift.len(),
            outcome.len()
        )));
    }
    let evaluation = Evaluation::of(&outcome, &treated, &uplift);
    let predictions = frame;
    Ok(Outcome {
        model,
        settings: settings.clone(),
        experiment,
        balance,
        evaluation,
        evaluated_on,
        predictions,
        outcome,
        treated,
        curve,
        notes,
        train_rows: prepared.y.len(),
        holdout_rows: prepared.valid_y.len(),
        elapsed_secs: started.elapsed().as_secs_f64(),
    })
}

/// Rows of `x` (and `y`) where `keep` holds.
fn subset(
    x: &ndarray::Array2<f32>,
    y: &[f64],
    groups: &[bool],
    keep: bool,
) -> (ndarray::Array2<f32>, Vec<f64>) {
    let rows: Vec<usize> = (0..groups.len()).filter(|&i| groups[i] == keep).collect();
    (
        x.select(ndarray::Axis(0), &rows),
        rows.iter().map(|&i| y[i]).collect(),
    )
}

/// The fitted parts of `settings.method`.
fn fit(
    settings: &Settings,
    kind: ModelKind,
    p: &crate::train::Prepared,
    train_t: &[bool],
    hold_t: &[bool],
    step: &mut dyn FnMut(Part, StepReport) -> Control,
) -> Result<Parts> {
    let ms = &settings.model;
    match settings.method {
        Method::TwoModel => {
            let mut fit_group = |treated: bool, part: Part, seed: u64| -> Result<_> {
                let (x, y) = subset(&p.x, &p.y, train_t, treated);
                let (vx, vy) = subset(&p.valid_x, &p.valid_y, hold_t, treated);
                let data = TrainData {
                    words: None,
                    valid_words: None,
                    x: x.view(),
                    y: &y,
                    weights: None,
                    valid_x: vx.view(),
                    valid_y: &vy,
                    classes: 2,
                };
                models::train(kind, &ms.params, &data, seed, &mut |r| step(part, r))
            };
            let treated = fit_group(true, Part::Treated, ms.seed)?;
            let control = fit_group(false, Part::Control, ms.seed ^ 0x5eed)?;
            Ok(Parts::TwoModel { treated, control })
        }
        Method::ClassTransformation => {
            // z = 1 when the outcome agrees with the group; each group weighted to half the
            // total so P(z) = ½ P(yes | treated) + ½ P(no | control) whatever the split.
            let share = train_t.iter().filter(|&&t| t).count() as f64 / train_t.len() as f64;
            let z: Vec<f64> =
                p.y.iter()
                    .zip(train_t)
                    .map(|(&y, &t)| f64::from(u8::from((y == 1.0) == t)))
                    .collect();
            let w: Vec<f64> = train_t
                .iter()
                .map(|&t| if t { 0.5 / share } else { 0.5 / (1.0 - share) })
                .collect();
            let vz: Vec<f64> = p
                .valid_y
                .iter()
                .zip(hold_t)
                .map(|(&y, &t)| f64::from(u8::from((y == 1.0) == t)))
                .collect();
            let data = TrainData {
                words: None,
                valid_words: None,
                x: p.x.view(),
                y: &z,
                weights: Some(&w),
                valid_x: p.valid_x.view(),
                valid_y: &vz,
                classes: 2,
            };
            let model = models::train(kind, &ms.params, &data, ms.seed, &mut |r| {
                step(Part::Transformed, r)
            })?;
            Ok(Parts::ClassTransformation { model })
        }
        Method::UpliftForest => {
            let watch = |n: usize, salt: u64| -> Vec<usize> {
                use rand::SeedableRng;
                let limit = 10_000;
                if n <= limit {
                    return (0..n).collect();
                }
                let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(ms.seed ^ salt);
                let mut r = rand::seq::index::sample(&mut rng, n, limit).into_vec();
                r.sort_unstable();
                r
            };
            let train_watch = watch(p.x.nrows(), 1);
            let valid_watch = watch(p.valid_x.nrows(), 2);
            let tx = p.x.select(ndarray::Axis(0), &train_watch);
            let vx = p.valid_x.select(ndarray::Axis(0), &valid_watch);
            let pick = |v: &[f64], rows: &[usize]| rows.iter().map(|&i| v[i]).collect::<Vec<_>>();
            let pick_t =
                |v: &[bool], rows: &[usize]| rows.iter().map(|&i| v[i]).collect::<Vec<_>>();
            let (ty, tt) = (pick(&p.y, &train_watch), pick_t(train_t, &train_watch));
            let (vy, vt) = (pick(&p.valid_y, &valid_watch), pick_t(hold_t, &valid_watch));
            let total = settings.forest.trees.max(1);
            // Running sums of each watched row's treated and control rates over the trees.
            let mut sums = (vec![(0.0, 0.0); tx.nrows()], vec![(0.0, 0.0); vx.nrows()]);
            let forest = forest::train(
                &settings.forest,
                p.x.view(),
                &p.y,
                train_t,
                ms.seed,
                &mut |f: &UpliftForest| {
                    let Some(last) = f.trees.last() else {
                        return Ok(true);
                    };
                    let one = UpliftForest {
                        features: f.features,
                        trees: vec![last.clone()],
                    };
                    let qini = |x: &ndarray::Array2<f32>,
                                sums: &mut Vec<(f64, f64)>,
                                y: &[f64],
                                t: &[bool]|
                     -> Result<Option<f64>> {
                        if x.nrows() == 0 {
                            return Ok(None);
                        }
                        let (a, b) = one.predict(x.view())?;
                        for ((s, a), b) in sums.iter_mut().zip(a).zip(b) {
                            s.0 += a;
                            s.1 += b;
                        }
                        let u: Vec<f64> = sums.iter().map(|(a, b)| a - b).collect();
                        Ok(Some(metrics::qini_auc(Rows {
                            outcome: y,
                            treated: t,
                            uplift: &u,
                        })))
                    };
                    let train_q = qini(&tx, &mut sums.0, &ty, &tt)?.unwrap_or(f64::NAN);
                    let valid_q = qini(&vx, &mut sums.1, &vy, &vt)?;
                    let r = StepReport {
                        step: f.trees.len(),
                        total_steps: total,
                        train_loss: -train_q,
                        valid_loss: valid_q.map(|q| -q),
                        valid_metric: valid_q,
                    };
                    match step(Part::Forest, r) {
                        Control::Continue => Ok(true),
                        Control::Stop => Ok(false),
                        Control::Cancel => Err(Error::Cancelled),
                    }
                },
            )?;
            Ok(Parts::UpliftForest(forest))
        }
    }
}

/// Guesses a campaign test's columns from their names: a two-valued treatment column
/// (`treated`, `treatment`, `test_group`, `variant`, `offer`, …) and a two-valued outcome
/// (`converted`, `conversion`, `responded`, `purchased`, …). `None` unless both are found.
pub fn guess(profile: &crate::data::profile::Profile) -> Option<(String, String)> {
    let two = |hints: &[&str], taken: Option<&str>| {
        hints.iter().find_map(|h| {
            profile.columns.iter().find(|c| {
                let n = c.name.to_ascii_lowercase();
                c.distinct == 2 && Some(c.name.as_str()) != taken && (n == *h || n.contains(h))
            })
        })
    };
    let treatment = two(
        &[
            "treated",
            "treatment",
            "test_group",
            "variant",
            "offer",
            "campaign",
            "exposed",
        ],
        None,
    )?;
    let outcome = two(
        &[
            "converted",
            "conversion",
            "responded",
            "response",
            "purchased",
            "bought",
            "visit",
            "outcome",
        ],
        Some(&treatment.name),
    )?;
    Some((treatment.name.clone(), outcome.name.clone()))
}
