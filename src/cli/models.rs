//! `train` and `score`: the model contract other tools drive.

use std::path::{Path, PathBuf};

use std::sync::atomic::AtomicBool;

use workbench_core::data::load::stream;
use workbench_core::data::{export, postgres, recipe::Recipe};
use workbench_core::error::{Error, Result};
use workbench_core::export_sql;
use workbench_core::jobs::{RunControl, catch_panic};
use workbench_core::lightgbm;
use workbench_core::ml::leaks::suspects;
use workbench_core::ml::{ModelKind, ModelSettings, Task, profiled_label};
use workbench_core::onnx;
use workbench_core::train;
use workbench_core::uplift::{self, AnyModel, Method};

use super::{load_file, parse_fraction};

#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    pub file: PathBuf,
    /// The column to predict (none: find segments).
    #[arg(long)]
    pub target: Option<String>,
    #[arg(long, value_parser = ["classification", "regression", "segments", "uplift"])]
    pub task: Option<String>,
    /// Uplift: the column saying who got the offer (never an input of the model).
    #[arg(long)]
    pub treatment: Option<String>,
    /// Uplift: the treatment label of the treated group (default 1, true, yes, else the
    /// smaller group).
    #[arg(long)]
    pub treated: Option<String>,
    /// Uplift: how the uplift is modelled.
    #[arg(long, value_parser = Method::ALL.map(Method::cli_name))]
    pub uplift_method: Option<String>,
    #[arg(long, value_parser = ModelKind::ALL.map(ModelKind::cli_name))]
    pub model: Option<String>,
    /// A column not to use (repeat for more).
    #[arg(long)]
    pub ignore: Vec<String>,
    /// A column to read as free text, TF-IDF features of its words (repeat for more); columns
    /// that look like text are read so without it.
    #[arg(long)]
    pub text: Vec<String>,
    /// The target label that means "yes".
    #[arg(long)]
    pub positive: Option<String>,
    /// Share of rows held out for validation, 0 to below 1 (0 trains on every row).
    #[arg(long, default_value_t = 0.2, value_parser = parse_fraction)]
    pub holdout: f64,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of segments for k-means.
    #[arg(long, value_parser = clap::value_parser!(u64).range(2..=1000))]
    pub k: Option<u64>,
    /// Cross-validate on the training rows with N folds (mean ± sd of each metric in --metrics).
    #[arg(long, value_parser = clap::value_parser!(u64).range(2..=50))]
    pub folds: Option<u64>,
    /// A model setting, KEY=VALUE (repeat for more), e.g. --param leaves=63; the Model panel's
    /// hover help says what each does.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Weigh yes and no rows so both classes count equally (for rare responders).
    #[arg(long)]
    pub balance_classes: bool,
    /// Cleaning steps to fit on the training rows (JSON, as saved by the app).
    #[arg(long)]
    pub recipe: Option<PathBuf>,
    #[arg(long)]
    pub save_model: Option<PathBuf>,
    #[arg(long)]
    pub metrics: Option<PathBuf>,
    #[arg(long)]
    pub predictions: Option<PathBuf>,
}

/// `score`: a saved model applied to a new file; a `postgresql://…?table=NAME` output is
/// written to that table (replaced in one transaction).
pub fn score(model_file: &Path, file: &Path, out: &Path) -> Result<()> {
    let model = AnyModel::load(model_file)?;
    let missing_in_file = |e| match e {
        Error::MissingColumn { name, context } => {
            Error::bad_file(file, format!("column '{name}' is missing{context}"))
        }
        other => other,
    };
    // A big text table into a CSV file: in pieces, with the same output (see `score_pieces`).
    if let AnyModel::Predictive(saved) = &model
        && !postgres::is_url(&out.to_string_lossy())
        && export::TableFormat::of(out) == export::TableFormat::Csv
        && let Some(pieces) = stream::pieces_when_large(file)?
    {
        let scored = catch_panic(|| {
            saved.score_pieces(
                &pieces,
                out,
                stream::PIECE_BYTES,
                &mut |_, _| {},
                &AtomicBool::new(false),
            )
        })
        .map_err(missing_in_file);
        match scored {
            Ok(done) => {
                say_what_scoring_noticed(done.unseen_categories, done.removed_rows);
                eprintln!(
                    "note: {} rows scored in {} pieces of the file",
                    done.rows, done.pieces
                );
                return Ok(());
            }
            // A value past the head that doesn't fit its column's type: a file that fits in
            // memory is read whole, typing each column by all its values, as always.
            Err(Error::BadFile { .. }) if stream::fits_whole(file) => {}
            Err(e) => return Err(e),
        }
    }
    let data = load_file(file)?;
    // A model file is data from outside: whatever it holds, scoring ends in an answer.
    let scored = catch_panic(|| model.score(&data)).map_err(missing_in_file)?;
    say_what_scoring_noticed(scored.unseen_categories, scored.removed_rows);
    match out.to_str().filter(|s| postgres::is_url(s)) {
        Some(url) => {
            let location = postgres::Location::parse(url)?;
            let rows = postgres::write(&location, &scored.frame)?;
            eprintln!("note: {rows} rows written to {}", location.shown);
            Ok(())
        }
        None => export::write_csv(&scored.frame, out),
    }
}

/// The warning and note of a scoring run: unseen categories, rows the recipe filtered out.
fn say_what_scoring_noticed(unseen_categories: usize, removed_rows: usize) {
    if unseen_categories > 0 {
        eprintln!(
            "warning: {unseen_categories} category values were not seen in training and count as none of the known categories"
        );
    }
    if removed_rows > 0 {
        eprintln!(
            "note: the model's recipe filtered out {removed_rows} rows; they are not in the output"
        );
    }
}

/// What `export-model` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelFormat {
    /// One SQL SELECT: recipe, features and model, returning score, prediction and decile.
    Sql,
    /// LightGBM's text model format (trees, forests, boosting), reading the recipe-applied
    /// columns unscaled.
    Lightgbm,
    /// ONNX: linear and logistic regression in double precision, trees with double
    /// thresholds (ai.onnx.ml TreeEnsembleRegressor).
    Onnx,
}

#[derive(Debug, clap::Args)]
pub struct ExportModelArgs {
    /// A model file saved by `train --save-model` or the app.
    pub model: PathBuf,
    #[arg(long, value_enum)]
    pub format: ModelFormat,
    /// The SQL engine the statement is for.
    #[arg(long, default_value = "duckdb", value_parser = ["duckdb", "postgres", "sqlite", "spark", "bigquery"])]
    pub dialect: String,
    /// The table to score (`schema.table` works).
    #[arg(long, default_value = "customers")]
    pub table: String,
    /// A column that names each customer: kept in the output, and breaks ties in the deciles.
    #[arg(long)]
    pub id: Option<String>,
    #[arg(long)]
    pub out: PathBuf,
}

/// `export-model`: a saved model as SQL for a warehouse engine.
pub fn export_model(args: &ExportModelArgs) -> Result<()> {
    let model = match AnyModel::load(&args.model)? {
        AnyModel::Predictive(m) => m,
        AnyModel::Uplift(_) => {
            return Err(Error::InvalidInput(
                "an uplift model has no export yet: export a model that predicts a yes/no or an amount".into(),
            ));
        }
    };
    let dialect = export_sql::Dialect::from_cli_name(&args.dialect)
        .ok_or_else(|| Error::InvalidInput(format!("unknown SQL dialect '{}'", args.dialect)))?;
    let bytes = match args.format {
        ModelFormat::Sql => {
            let out = export_sql::export(&model, dialect, &args.table, args.id.as_deref())?;
            for w in &out.warnings {
                eprintln!("warning: {w}");
            }
            out.sql.into_bytes()
        }
        ModelFormat::Lightgbm => {
            let out = lightgbm::export(&model)?;
            eprintln!(
                "note: the file reads {} features in this order: {} (numbers as they are after the recipe, dates as days since 1970-01-01, categories as 0/1 columns, missing values as NaN)",
                out.features.len(),
                out.features.join(", ")
            );
            out.text.into_bytes()
        }
        ModelFormat::Onnx => {
            let out = onnx::export(&model)?;
            eprintln!(
                "note: input 'features' (double, N × {}): {} (after the recipe, unscaled, missing values as NaN); output 'score'",
                out.features.len(),
                out.features.join(", ")
            );
            out.bytes
        }
    };
    export::write_atomic(&args.out, |w| {
        use std::io::Write as _;
        w.write_all(&bytes).map_err(|e| Error::io(&args.out, e))
    })
}

/// What `import-model` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    /// LightGBM's text model format (`save_model`), numerical splits.
    Lightgbm,
}

#[derive(Debug, clap::Args)]
pub struct ImportModelArgs {
    /// A model file written by another tool.
    pub file: PathBuf,
    #[arg(long, value_enum)]
    pub format: ImportFormat,
    /// The column the model predicts (to evaluate it on a table that has it).
    #[arg(long)]
    pub target: Option<String>,
    /// Where to write it as a model file of ours.
    #[arg(long)]
    pub out: PathBuf,
}

/// `import-model`: a model trained elsewhere, as a model file `score` and the app read.
pub fn import_model(args: &ImportModelArgs) -> Result<()> {
    let model = match args.format {
        ImportFormat::Lightgbm => lightgbm::import(&args.file, args.target.as_deref())?,
    };
    eprintln!(
        "note: a {} over {} features ({}), {} trees",
        model.kind.label().to_lowercase(),
        model.features.names.len(),
        match model.task {
            Task::Classification if model.labels.is_empty() => "P(label 1)",
            Task::Classification => "class probabilities",
            _ => "an amount",
        },
        match &model.model {
            workbench_core::ml::models::TrainedModel::Boosting(b) => b.trees.len(),
            workbench_core::ml::models::TrainedModel::Forest(f) => f.trees.len(),
            _ => 0,
        }
    );
    model.save(&args.out)
}

/// `train`: a model trained and measured, optionally saved with its metrics and predictions.
pub fn train(args: TrainArgs) -> Result<()> {
    let (data, sampled) = load_for_training(&args.file, args.seed)?;
    let recipe = match &args.recipe {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            Recipe::from_json(&text).map_err(|e| {
                Error::bad_file(
                    path,
                    format!("line {}, column {}: {e}", e.line(), e.column()),
                )
            })?
        }
        None => Recipe::default(),
    };
    if args.task.as_deref() == Some("uplift") {
        return train_uplift(&args, &data, &recipe);
    }
    if let Some(flag) = [
        ("--treatment", args.treatment.is_some()),
        ("--treated", args.treated.is_some()),
        ("--uplift-method", args.uplift_method.is_some()),
    ]
    .iter()
    .find_map(|(f, given)| given.then_some(f))
    {
        return Err(Error::InvalidInput(format!("{flag} is for --task uplift")));
    }
    let task = args.task.as_deref().map(|t| match t {
        "regression" => Task::Regression,
        "segments" => Task::Segments,
        _ => Task::Classification,
    });
    let mut settings = ModelSettings {
        task,
        target: args.target.clone(),
        ignore: args.ignore.clone(),
        text: args.text.clone(),
        positive: args.positive.clone(),
        model: args.model.as_deref().and_then(ModelKind::from_cli_name),
        holdout: args.holdout,
        seed: args.seed,
        ..ModelSettings::default()
    };
    if let Some(k) = args.k {
        settings.params.kmeans.k = k as usize;
        settings.params.gmm.k = k as usize;
    }
    settings.folds = args.folds.map_or(0, |f| f as usize);
    settings.balance_classes = args.balance_classes;
    let kind = match (settings.model, settings.task) {
        (Some(m), _) => m,
        (None, Some(t)) => t.default_model(),
        (None, None) => {
            workbench_core::ml::infer_task(&data, settings.target.as_deref())?.default_model()
        }
    };
    for p in &args.params {
        settings.params.set_from_text(kind, p)?;
    }
    if let Some(target) = &settings.target {
        let task = match settings.task {
            Some(t) => t,
            None => workbench_core::ml::infer_task(&data, Some(target))?,
        };
        if task != Task::Segments {
            let label = profiled_label(&data, target, task, settings.positive.as_deref())?;
            for leak in suspects(&data, target, label.as_deref(), &settings.ignore)? {
                eprintln!(
                    "warning: likely leak: {} (leave it out with --ignore)",
                    leak.describe()
                );
            }
        }
    }
    // The table is given up to training, which lets go of what it no longer needs.
    let outcome = train::run_owned(
        data,
        &recipe,
        &settings,
        train::Detail::Metrics,
        &mut |_| true,
        &RunControl::default(),
    )?;
    for note in &outcome.notes {
        eprintln!("note: {note}");
    }
    if let Some(path) = &args.save_model {
        outcome.model.save(path)?;
    }
    if let Some(path) = &args.metrics {
        let mut json = outcome.metrics_json();
        if let (Some(s), Some(map)) = (&sampled, json.as_object_mut()) {
            map.insert("sample_rows".into(), s.sample_rows.into());
            map.insert("total_rows".into(), s.total_rows.into());
        }
        export::write_json(&json, path)?;
    }
    if let Some(path) = &args.predictions {
        export::write_csv(&outcome.predictions, path)?;
    }
    println!("{}", summary(&outcome));
    Ok(())
}

/// A training run on a sample of a file too large to load whole.
struct Sampled {
    sample_rows: usize,
    total_rows: usize,
}

/// The table to train on: the whole file, or for a text table larger than memory allows, a
/// uniform random sample of as many rows as fit (drawn with `seed`), said on stderr.
fn load_for_training(
    path: &Path,
    seed: u64,
) -> Result<(polars::prelude::DataFrame, Option<Sampled>)> {
    let Some(pieces) = stream::pieces_if_too_big(path)? else {
        return Ok((load_file(path)?, None));
    };
    let memory = workbench_core::data::load::available_memory().unwrap_or(u64::MAX);
    let sample = pieces.sample(pieces.rows_fitting(memory), seed, &AtomicBool::new(false))?;
    let sampled = Sampled {
        sample_rows: sample.frame.height(),
        total_rows: sample.total_rows,
    };
    eprintln!(
        "note: {} is too large to load whole: training on a uniform random sample of {} of its {} rows (seed {seed}; the metrics describe the sample's held-out rows)",
        path.display(),
        sampled.sample_rows,
        sampled.total_rows
    );
    Ok((sample.frame, Some(sampled)))
}

/// `train --task uplift`: an uplift model trained on a campaign test and measured on held-out
/// customers.
fn train_uplift(
    args: &TrainArgs,
    data: &polars::prelude::DataFrame,
    recipe: &Recipe,
) -> Result<()> {
    let treatment = args.treatment.clone().ok_or_else(|| {
        Error::InvalidInput("--task uplift needs --treatment COL: who got the offer".into())
    })?;
    if let Some(flag) = [
        ("--balance-classes", args.balance_classes),
        ("--folds", args.folds.is_some()),
        ("--k", args.k.is_some()),
    ]
    .iter()
    .find_map(|(f, given)| given.then_some(f))
    {
        return Err(Error::InvalidInput(format!(
            "{flag} is not used by --task uplift"
        )));
    }
    let method = args
        .uplift_method
        .as_deref()
        .and_then(Method::from_cli_name)
        .unwrap_or_default();
    let mut settings = uplift::Settings {
        model: ModelSettings {
            task: Some(Task::Classification),
            target: args.target.clone(),
            ignore: args.ignore.clone(),
            text: args.text.clone(),
            positive: args.positive.clone(),
            model: args.model.as_deref().and_then(ModelKind::from_cli_name),
            holdout: args.holdout,
            seed: args.seed,
            ..ModelSettings::default()
        },
        treatment,
        treated: args.treated.clone(),
        method,
        ..uplift::Settings::default()
    };
    for p in &args.params {
        if method == Method::UpliftForest {
            settings.forest.set_from_text(p)?;
        } else {
            let kind = settings.model.model.unwrap_or(ModelKind::Logistic);
            settings.model.params.set_from_text(kind, p)?;
        }
    }
    let outcome = uplift::run(data, recipe, &settings, &mut |_| {}, &RunControl::default())?;
    for note in &outcome.notes {
        eprintln!("note: {note}");
    }
    if let Some(path) = &args.save_model {
        outcome.model.save(path)?;
    }
    if let Some(path) = &args.metrics {
        export::write_json(&outcome.metrics_json(), path)?;
    }
    if let Some(path) = &args.predictions {
        export::write_csv(&outcome.predictions, path)?;
    }
    let e = &outcome.evaluation;
    let on = match outcome.evaluated_on {
        train::EvaluatedOn::Holdout => format!("on {} held-out rows", outcome.holdout_rows),
        train::EvaluatedOn::Training => format!("on the {} training rows", outcome.train_rows),
        train::EvaluatedOn::AllRows => format!("on all {} rows", outcome.holdout_rows),
    };
    let learner = outcome
        .model
        .kind
        .map_or(String::new(), |k| format!(", {}", k.in_a_sentence()));
    println!(
        "Uplift ({}{learner}): Qini {:.4}, uplift AUC {:.4}, uplift in the top 30% {:+.4}; average effect {:+.4} [{:+.4}, {:+.4}] {on} ({:.1} s)",
        method.label().to_lowercase(),
        e.qini_auc,
        e.uplift_auc,
        e.uplift_at_30,
        e.effect.ate,
        e.effect.ate_ci[0],
        e.effect.ate_ci[1],
        outcome.elapsed_secs
    );
    Ok(())
}

/// One line saying what was trained and how good it is.
pub fn summary(o: &train::TrainOutcome) -> String {
    use workbench_core::ml::metrics::Metrics;
    let on = match o.evaluated_on {
        train::EvaluatedOn::Holdout => format!("on {} held-out rows", o.holdout_rows),
        train::EvaluatedOn::Training => format!("on the {} training rows", o.train_rows),
        train::EvaluatedOn::AllRows => format!("on all {} rows", o.holdout_rows),
    };
    let what = match &o.metrics {
        Metrics::Classification(m) => format!(
            "AUC {:.4}, accuracy {:.4}, lift in top decile {:.2}",
            m.auc, m.accuracy, m.lift_top_decile
        ),
        Metrics::Multiclass(m) => format!(
            "accuracy {:.4} over {} classes (always the most frequent: {:.4}), macro F1 {:.4}",
            m.accuracy,
            m.classes.len(),
            m.majority_rate,
            m.macro_f1
        ),
        Metrics::Regression(m) => format!("RMSE {:.4}, MAE {:.4}, R² {:.4}", m.rmse, m.mae, m.r2),
        Metrics::Segments(m) => format!(
            "{} segments, inertia {:.4}, silhouette {:.4}",
            m.k, m.inertia, m.silhouette
        ),
    };
    let cv =
        o.cv.as_ref()
            .and_then(|cv| cv.headline())
            .map_or(String::new(), |(name, mean, sd)| {
                format!(
                    "; {}-fold cross-validation {name} {mean:.4} ± {sd:.4}",
                    o.cv.as_ref().map_or(0, |c| c.folds.len())
                )
            });
    format!(
        "{}: {what} {on}{cv} ({:.1} s)",
        o.model.kind.label(),
        o.elapsed_secs
    )
}
