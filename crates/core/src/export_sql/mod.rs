//! Score where the data lives: a saved model — its recipe, its feature encoding and the model —
//! as one SQL `SELECT` over the customers' table, for the warehouse's own engine to run.
//!
//! The statement mirrors [`SavedModel::score`] operation for operation, so each engine computes
//! the same IEEE doubles the app does:
//!
//! - every number is written as a double-precision literal of the dialect, in the shortest form
//!   that reads back to the same double (a bare `0.1` is an exact decimal in DuckDB, PostgreSQL
//!   and Spark, which shifts scores and is slower);
//! - features are `(value − mean) / spread` in the app's order of operations, rounded to
//!   single precision as the app stores them ([`Dialect::round_to_single`]), sums of weights
//!   and of trees run left to right as the app's do, and trees are compared `<=` / `>` against
//!   their thresholds exactly as [`crate::ml::models::trees::Tree`] walks them;
//! - each tree is one flat `CASE` of its leaves' rules (nested `CASE`s break SQLite at depth 25
//!   and some parsers far sooner).
//!
//! - the neural network is computed in float32 as the app computes it ([`mlp_sql`]), in the
//!   engines that have a float32 type (DuckDB, PostgreSQL, Spark).
//!
//! What it can't write yet is refused with the reason; see [`export`].

use serde::{Deserialize, Serialize};

use crate::data::recipe::{Arithmetic, FillValue, FilterOp, FittedStep, Step};
use crate::error::{Error, Result};
use crate::ml::features::Encoding;
use crate::ml::models::boosting::{Boosting, Link};
use crate::ml::models::trees::Tree;
use crate::ml::models::{Task, TrainedModel};
use crate::ml::saved::{DECILE, PREDICTION, SCORE, SEGMENT, SavedModel};

/// Past this size the statement is still written, with a warning: some engines and tools
/// choke on statements of several megabytes.
pub const SIZE_WARNING: usize = 1 << 20;

/// The SQL engines the statement is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Duckdb,
    Postgres,
    Sqlite,
    Spark,
    Bigquery,
}

impl Dialect {
    pub const ALL: [Self; 5] = [
        Self::Duckdb,
        Self::Postgres,
        Self::Sqlite,
        Self::Spark,
        Self::Bigquery,
    ];

    /// The name the CLI takes (`--dialect`).
    pub fn cli_name(self) -> &'static str {
        match self {
            Self::Duckdb => "duckdb",
            Self::Postgres => "postgres",
            Self::Sqlite => "sqlite",
            Self::Spark => "spark",
            Self::Bigquery => "bigquery",
        }
    }

    pub fn from_cli_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.cli_name() == name)
    }

    /// The engine's name for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Duckdb => "DuckDB",
            Self::Postgres => "PostgreSQL",
            Self::Sqlite => "SQLite",
            Self::Spark => "Spark SQL",
            Self::Bigquery => "BigQuery",
        }
    }

    /// A column or table name, quoted.
    fn ident(self, name: &str) -> String {
        match self {
            Self::Spark | Self::Bigquery => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// A table name: `schema.table` stays two names.
    fn table(self, name: &str) -> String {
        name.split('.')
            .map(|part| self.ident(part))
            .collect::<Vec<_>>()
            .join(".")
    }

    /// A text literal.
    fn text(self, s: &str) -> String {
        match self {
            // BigQuery and Spark read backslashes in literals as escapes.
            Self::Spark | Self::Bigquery => {
                format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
            }
            _ => format!("'{}'", s.replace('\'', "''")),
        }
    }

    /// A double-precision literal that reads back to exactly `x`.
    fn num(self, x: f64) -> Result<String> {
        if !x.is_finite() {
            return Err(Error::Model(format!(
                "the model holds a value SQL can't write ({x})"
            )));
        }
        // Rust's `{:e}` is the shortest form that round-trips; the exponent makes it a double
        // (not a decimal) in DuckDB, SQLite, Spark and BigQuery.
        let lit = format!("{x:e}");
        let lit = match self {
            Self::Postgres => format!("{lit}::float8"),
            _ => lit,
        };
        Ok(if x.is_sign_negative() {
            format!("({lit})")
        } else {
            lit
        })
    }

    /// The double-precision type.
    fn double(self) -> &'static str {
        match self {
            Self::Duckdb | Self::Spark => "DOUBLE",
            Self::Postgres => "DOUBLE PRECISION",
            Self::Sqlite => "REAL",
            Self::Bigquery => "FLOAT64",
        }
    }

    /// The single-precision (IEEE float32) type whose arithmetic is float32 too, if the engine
    /// has one: SQLite stores every real as a double and BigQuery has only FLOAT64.
    fn single(self) -> Option<&'static str> {
        match self {
            Self::Duckdb | Self::Spark => Some("FLOAT"),
            Self::Postgres => Some("REAL"),
            Self::Sqlite | Self::Bigquery => None,
        }
    }

    /// `e` (a double) rounded to single precision and read as a double again: the app's
    /// feature value ([`crate::ml::features::Matrix`]). A cast through the float32 type where
    /// there is one; otherwise Veltkamp's split, `c − (c − e)` with `c = e · (2²⁹ + 1)`,
    /// which in IEEE double arithmetic keeps exactly the 24 leading bits of `e`, rounded to
    /// nearest (even on ties) as a cast to float32 does (standardised features are never
    /// below float32's smallest normal, 1.2e−38, where the two would differ).
    fn round_to_single(self, e: &str) -> String {
        match self.single() {
            Some(single) => format!("CAST(CAST({e} AS {single}) AS {})", self.double()),
            None => format!("({e} * 536870913e0 - ({e} * 536870913e0 - {e}))"),
        }
    }

    /// The text type.
    fn text_type(self) -> &'static str {
        match self {
            Self::Duckdb | Self::Postgres => "VARCHAR",
            Self::Sqlite => "TEXT",
            Self::Spark | Self::Bigquery => "STRING",
        }
    }

    /// The integer type of the decile.
    fn integer(self) -> &'static str {
        match self {
            Self::Bigquery => "INT64",
            _ => "INTEGER",
        }
    }

    /// Days since 1970-01-01 of a date (or date-time) expression, as a double.
    fn days(self, e: &str) -> String {
        match self {
            Self::Duckdb => format!("(epoch(CAST({e} AS TIMESTAMP)) / 86400e0)"),
            Self::Postgres => format!(
                "(CAST(EXTRACT(EPOCH FROM CAST({e} AS TIMESTAMP)) AS DOUBLE PRECISION) / 86400e0::float8)"
            ),
            Self::Sqlite => format!("(julianday({e}) - 2440587.5e0)"),
            Self::Spark => {
                format!("(CAST(unix_timestamp(CAST({e} AS TIMESTAMP)) AS DOUBLE) / 86400e0)")
            }
            Self::Bigquery => {
                format!("(CAST(UNIX_MILLIS(CAST({e} AS TIMESTAMP)) AS FLOAT64) / 86400000e0)")
            }
        }
    }

    /// `EXP(x)`. PostgreSQL raises an error where the result underflows (below e^−708.4) or
    /// overflows (past e^709.78) rather than giving 0 or infinity, so there those ends are
    /// written out: 0 instead of a subnormal number (a score moves by < 1e-300; a segment's
    /// probability that small never decides the likeliest) and infinity as the app gets it.
    fn exp(self, x: &str) -> String {
        match self {
            Self::Postgres => format!(
                "CASE WHEN {x} < -7.08e2 THEN 0e0::float8 WHEN {x} > 7.0978e2 THEN 'Infinity'::float8 ELSE EXP({x}) END"
            ),
            _ => format!("EXP({x})"),
        }
    }

    /// The function giving the larger of two numbers.
    fn greatest(self) -> &'static str {
        match self {
            Self::Sqlite => "MAX",
            _ => "GREATEST",
        }
    }

    /// How the statement's steps (features, trees, score) are kept from being inlined into
    /// every reference. PostgreSQL (since version 12) and DuckDB substitute a CTE's
    /// expressions at each use: every feature would be recomputed in every tree condition
    /// naming it and the score three times. Measured with a 100-tree model: PostgreSQL on
    /// 2,246 rows, 7.5 s planning + 1.5 s running inlined against 0.06 s + 0.28 s
    /// materialised; DuckDB 1.1.3 on 1M rows, 28.8 s against 15.9 s. SQLite flattens the
    /// steps into one expression too: softmax over several classes names each class's score
    /// in every class's probability, and a 20-round boosting model for five classes did not
    /// finish in a minute on 2,246 rows — so SQLite's statements need SQLite 3.35 (2021) or
    /// later, which reads `MATERIALIZED`. Spark and BigQuery don't.
    fn materialized(self) -> &'static str {
        match self {
            Self::Postgres | Self::Duckdb | Self::Sqlite => "MATERIALIZED ",
            _ => "",
        }
    }

    /// Session settings the statement needs, before it.
    fn preamble(self) -> &'static str {
        match self {
            // JIT-compiling expressions of this size takes minutes for a few rows (measured:
            // 300 s for 200k rows); interpreting them takes seconds.
            Self::Postgres => "SET jit = off;\n",
            // Spark reads a date cast to a timestamp in the session's time zone: days since
            // 1970 are the app's (UTC) days only in UTC (measured: in America/Los_Angeles a
            // boosting model's scores moved by up to 1.4e-2).
            Self::Spark => "SET TIME ZONE 'UTC';\n",
            _ => "",
        }
    }
}

/// The statement and what the user should know about it.
#[derive(Clone, Debug)]
pub struct SqlExport {
    pub sql: String,
    pub warnings: Vec<String>,
}

/// The columns of the table at one point of the recipe, each as an SQL expression over the
/// original table's columns.
struct Columns {
    dialect: Dialect,
    /// (name, expression); a name not listed is an original column, used as it is.
    exprs: Vec<(String, String)>,
    /// Original columns in the order the pipeline first reads them.
    read: Vec<String>,
    /// Names dropped or renamed away: reading one is an error.
    gone: Vec<String>,
}

impl Columns {
    fn get(&mut self, name: &str) -> Result<String> {
        if let Some((_, e)) = self.exprs.iter().find(|(n, _)| n == name) {
            return Ok(e.clone());
        }
        if self.gone.iter().any(|g| g == name) {
            return Err(Error::missing_column(name, "the recipe removes it"));
        }
        if !self.read.iter().any(|r| r == name) {
            self.read.push(name.to_owned());
        }
        Ok(self.dialect.ident(name))
    }

    fn set(&mut self, name: &str, expr: String) {
        self.gone.retain(|g| g != name);
        match self.exprs.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = expr,
            None => self.exprs.push((name.to_owned(), expr)),
        }
    }

    fn remove(&mut self, name: &str) {
        self.exprs.retain(|(n, _)| n != name);
        self.gone.push(name.to_owned());
    }

    fn number(&mut self, name: &str) -> Result<String> {
        let e = self.get(name)?;
        Ok(format!("CAST({e} AS {})", self.dialect.double()))
    }
}

/// The recipe's steps applied to the expressions; rows it removes go to `filters`.
fn apply_recipe(model: &SavedModel, cols: &mut Columns, filters: &mut Vec<String>) -> Result<()> {
    let d = cols.dialect;
    for step in &model.recipe.steps {
        match step {
            FittedStep::FillMissing {
                column,
                value,
                add_flag,
            } => {
                let e = cols.get(column)?;
                if *add_flag {
                    cols.set(
                        &format!("{column}_was_missing"),
                        format!("CASE WHEN {e} IS NULL THEN 1 ELSE 0 END"),
                    );
                }
                let filled = match value {
                    FillValue::Number(v) => {
                        format!("COALESCE({}, {})", cols.number(column)?, d.num(*v)?)
                    }
                    // The app reads the column as text, then fills it.
                    FillValue::Text(t) => {
                        format!("COALESCE(CAST({e} AS {}), {})", d.text_type(), d.text(t))
                    }
                };
                cols.set(column, filled);
            }
            FittedStep::Scale { columns } => {
                for (name, offset, divisor) in columns {
                    let n = cols.number(name)?;
                    cols.set(
                        name,
                        format!("(({n} - {}) / {})", d.num(*offset)?, d.num(*divisor)?),
                    );
                }
            }
            FittedStep::Clip { column, low, high } => {
                let n = cols.number(column)?;
                let (lo, hi) = (d.num(*low)?, d.num(*high)?);
                cols.set(
                    column,
                    format!(
                        "(CASE WHEN {n} < {lo} THEN {lo} WHEN {n} > {hi} THEN {hi} ELSE {n} END)"
                    ),
                );
            }
            FittedStep::OneHot {
                column,
                categories,
                other,
            } => {
                let e = cols.get(column)?;
                let text = format!("CAST({e} AS {})", d.text_type());
                let listed = categories
                    .iter()
                    .map(|c| d.text(c))
                    .collect::<Vec<_>>()
                    .join(", ");
                for c in categories {
                    cols.set(
                        &format!("{column}={c}"),
                        format!("CASE WHEN {text} = {} THEN 1 ELSE 0 END", d.text(c)),
                    );
                }
                if *other {
                    cols.set(
                        &format!("{column}=other"),
                        format!(
                            "CASE WHEN {text} IS NOT NULL AND {text} NOT IN ({listed}) THEN 1 ELSE 0 END"
                        ),
                    );
                }
                cols.remove(column);
            }
            FittedStep::Bin { column, edges } => {
                let n = cols.number(column)?;
                // The bin is 1 + the number of edges below the value.
                let mut e = String::from("(1");
                for edge in edges {
                    e.push_str(&format!(
                        " + CASE WHEN {} < {n} THEN 1 ELSE 0 END",
                        d.num(*edge)?
                    ));
                }
                e.push(')');
                cols.set(
                    &format!("{column}_bin"),
                    format!("CASE WHEN {n} IS NULL THEN NULL ELSE {e} END"),
                );
            }
            FittedStep::Plain {
                step: Step::DropColumns { columns },
            } => {
                for c in columns {
                    cols.remove(c);
                }
            }
            FittedStep::Plain {
                step: Step::Rename { from, to },
            } => {
                let e = cols.get(from)?;
                cols.remove(from);
                cols.set(to, e);
            }
            FittedStep::Plain {
                step: Step::LogTransform { column },
            } => {
                let n = cols.number(column)?;
                // ln(1 + x): engines have no ln_1p, so values below about 1e-8 may differ from
                // the app's in their last digits.
                cols.set(
                    column,
                    format!("(CASE WHEN {n} > -1e0 THEN LN(1e0 + {n}) ELSE NULL END)"),
                );
            }
            FittedStep::DateParts {
                column,
                reference_day,
                parts,
            } => {
                // The day number as the app takes it (the day a date-time falls on), then each
                // part by integer arithmetic on it: the same in every dialect.
                let e = cols.get(column)?;
                let day = format!("FLOOR({})", d.days(&e));
                if parts.days_since {
                    cols.set(
                        &format!("{column}_days_since"),
                        format!("({} - {day})", d.num(f64::from(*reference_day))?),
                    );
                }
                if parts.month {
                    cols.set(&format!("{column}_month"), month_of_day(d, &day)?);
                }
                if parts.weekday {
                    // 1970-01-01 was a Thursday (ISO weekday 4).
                    let shifted = format!("({day} + {})", d.num(3.0)?);
                    cols.set(
                        &format!("{column}_weekday"),
                        format!(
                            "({shifted} - {seven} * FLOOR({shifted} / {seven}) + {one})",
                            seven = d.num(7.0)?,
                            one = d.num(1.0)?
                        ),
                    );
                }
            }
            FittedStep::Plain {
                step:
                    Step::Derive {
                        name,
                        left,
                        op,
                        right,
                    },
            } => {
                let (a, b) = (cols.number(left)?, cols.number(right)?);
                // Division by zero is missing, as in the app (PostgreSQL would raise an error).
                let e = match op {
                    Arithmetic::Add => format!("({a} + {b})"),
                    Arithmetic::Subtract => format!("({a} - {b})"),
                    Arithmetic::Multiply => format!("({a} * {b})"),
                    Arithmetic::Divide => format!(
                        "(CASE WHEN {b} = {zero} THEN NULL ELSE {a} / {b} END)",
                        zero = d.num(0.0)?
                    ),
                };
                cols.set(name.trim(), e);
            }
            FittedStep::Plain {
                step: Step::DropMissingRows { columns },
            } if !columns.is_empty() => {
                for c in columns {
                    let e = cols.get(c)?;
                    filters.push(format!("{e} IS NOT NULL"));
                }
            }
            FittedStep::Plain {
                step: Step::FilterRows { column, op, value },
            } if matches!(op, FilterOp::IsMissing | FilterOp::IsNotMissing)
                || comparison(*op).is_some() =>
            {
                let condition = match comparison(*op) {
                    None if *op == FilterOp::IsMissing => format!("{} IS NULL", cols.get(column)?),
                    None => format!("{} IS NOT NULL", cols.get(column)?),
                    Some(sign) => {
                        let v: f64 = value.trim().parse().map_err(|_| {
                            Error::InvalidInput(format!(
                                "the recipe keeps rows where {column} {} '{value}': the SQL export compares numbers only",
                                op.label()
                            ))
                        })?;
                        format!("{} {sign} {}", cols.number(column)?, d.num(v)?)
                    }
                };
                filters.push(condition);
            }
            other => {
                return Err(Error::InvalidInput(format!(
                    "the recipe step '{}' has no SQL form yet: the SQL export covers filling, clipping, log, standardising, min-max, bins, one-hot, date parts, derived columns, dropping and renaming columns, and dropping or filtering rows",
                    describe_fitted(other)
                )));
            }
        }
    }
    Ok(())
}

/// The month (1–12) of the day number `day` (days since 1970-01-01, a whole number), by Howard
/// Hinnant's `civil_from_days` in floor arithmetic on doubles (exact for any real date).
fn month_of_day(d: Dialect, day: &str) -> Result<String> {
    let n = |v: f64| d.num(v);
    let z = format!("({day} + {})", n(719_468.0)?);
    let era = format!("FLOOR({z} / {})", n(146_097.0)?);
    let doe = format!("({z} - {era} * {})", n(146_097.0)?);
    let yoe = format!(
        "FLOOR(({doe} - FLOOR({doe} / {}) + FLOOR({doe} / {}) - FLOOR({doe} / {})) / {})",
        n(1460.0)?,
        n(36_524.0)?,
        n(146_096.0)?,
        n(365.0)?
    );
    let doy = format!(
        "({doe} - ({} * {yoe} + FLOOR({yoe} / {}) - FLOOR({yoe} / {})))",
        n(365.0)?,
        n(4.0)?,
        n(100.0)?
    );
    let mp = format!("FLOOR(({} * {doy} + {}) / {})", n(5.0)?, n(2.0)?, n(153.0)?);
    // March-based month 0–11 to 1–12: +3, less 12 from month 10 (January) on.
    Ok(format!(
        "({mp} + {three} - {twelve} * FLOOR({mp} / {ten}))",
        three = n(3.0)?,
        twelve = n(12.0)?,
        ten = n(10.0)?
    ))
}

/// The SQL operator of a row filter comparing numbers.
fn comparison(op: FilterOp) -> Option<&'static str> {
    match op {
        FilterOp::Less => Some("<"),
        FilterOp::LessOrEqual => Some("<="),
        FilterOp::Greater => Some(">"),
        FilterOp::GreaterOrEqual => Some(">="),
        _ => None,
    }
}

fn describe_fitted(step: &FittedStep) -> String {
    match step {
        FittedStep::Plain { step } => step.describe(),
        FittedStep::FillMissing { column, .. } => format!("Fill missing {column} with text"),
        FittedStep::DateParts { column, .. } => format!("Date parts of {column}"),
        FittedStep::Themes { column, .. } => format!("Themes of {column}"),
        FittedStep::OneHot { column, .. } => format!("One-hot {column}"),
        FittedStep::Scale { .. } => "Rescale".into(),
        FittedStep::Clip { column, .. } => format!("Clip {column}"),
        FittedStep::Bin { column, .. } => format!("Bin {column}"),
    }
}

/// Why a model read from a LightGBM file has no SQL yet.
fn routes_missing() -> Error {
    Error::InvalidInput(
        "this model leaves missing values unfilled, which only trees (sending them their own way at each split) can read in SQL: score it in the app, or export it as a LightGBM file".into(),
    )
}

/// Each feature's expression, standardised (in double precision: [`export`] rounds it to
/// single precision, as the app stores it), in the model's feature order, and whether it can
/// be NULL: a number or date without a fill (a model read from a LightGBM file), which the app
/// reads as NaN.
fn feature_exprs(model: &SavedModel, cols: &mut Columns) -> Result<(Vec<String>, Vec<bool>)> {
    let d = cols.dialect;
    let schema = &model.features;
    schema.check()?;
    let mut raw = Vec::with_capacity(schema.names.len());
    let mut nullable = Vec::with_capacity(schema.names.len());
    for input in &schema.inputs {
        let before = raw.len();
        let unfilled = matches!(
            input.encoding,
            Encoding::Number { fill } | Encoding::Date { fill } if fill.is_nan()
        );
        match &input.encoding {
            Encoding::Number { fill } if fill.is_nan() => raw.push(cols.number(&input.column)?),
            Encoding::Date { fill } if fill.is_nan() => {
                let e = cols.get(&input.column)?;
                raw.push(d.days(&e));
            }
            Encoding::Number { fill } => {
                let n = cols.number(&input.column)?;
                raw.push(format!("COALESCE({n}, {})", d.num(*fill)?));
            }
            Encoding::Date { fill } => {
                let e = cols.get(&input.column)?;
                raw.push(format!("COALESCE({}, {})", d.days(&e), d.num(*fill)?));
            }
            Encoding::Categories { values, .. } => {
                let e = cols.get(&input.column)?;
                let text = format!("CAST({e} AS {})", d.text_type());
                for v in values {
                    raw.push(format!(
                        "CASE WHEN {text} = {} THEN 1e0 ELSE 0e0 END",
                        d.text(v)
                    ));
                }
            }
            Encoding::Text { .. } => {
                return Err(Error::InvalidInput(format!(
                    "column '{}' is read as free text (TF-IDF of its words), which SQL can't compute: train without it (ignore it) to score in the database",
                    input.column
                )));
            }
        }
        nullable.resize(raw.len(), false);
        nullable[before..].iter_mut().for_each(|n| *n = unfilled);
    }
    let exprs = raw
        .into_iter()
        .zip(schema.means.iter().zip(&schema.scales))
        .map(|(e, (m, s))| Ok(format!("(({e} - {}) / {})", d.num(*m)?, d.num(*s)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok((exprs, nullable))
}

/// The feature column names inside the statement.
fn feature_name(j: usize) -> String {
    format!("mw_f{j}")
}

/// One tree as a flat `CASE`: one `WHEN` per leaf with the conditions on its path. A feature
/// that can be NULL (`nullable`) goes where the app sends a NaN: the node's own way for a
/// tree read from a LightGBM file ([`Tree::nan_right`]), else left (`NaN > t` is false).
fn tree_case(d: Dialect, tree: &Tree, nullable: &[bool]) -> Result<String> {
    if tree.feature.first().is_none_or(|&f| f < 0) {
        return d.num(tree.value.first().copied().unwrap_or(0.0));
    }
    let mut leaves: Vec<(Vec<String>, f64)> = Vec::new();
    // Depth first, left before right: leaves in the tree's own order.
    let mut stack: Vec<(usize, Vec<String>)> = vec![(0, Vec::new())];
    while let Some((node, path)) = stack.pop() {
        let f = tree.feature[node];
        if f < 0 {
            leaves.push((path, tree.value[node]));
            continue;
        }
        let t = d.num(tree.threshold[node])?;
        let name = feature_name(f as usize);
        let left = tree.left[node] as usize;
        let (mut go_left, mut go_right) = (format!("{name} <= {t}"), format!("{name} > {t}"));
        if nullable.get(f as usize).copied().unwrap_or(false) {
            let missing = format!("{name} IS NULL");
            if tree.nan_right.get(node).copied().unwrap_or(false) {
                go_right = format!("({go_right} OR {missing})");
            } else {
                go_left = format!("({go_left} OR {missing})");
            }
        }
        let mut right_path = path.clone();
        right_path.push(go_right);
        let mut left_path = path;
        left_path.push(go_left);
        stack.push((left + 1, right_path));
        stack.push((left, left_path));
    }
    let mut out = String::from("CASE");
    let last = leaves.len().saturating_sub(1);
    for (i, (path, value)) in leaves.iter().enumerate() {
        let v = d.num(*value)?;
        if i == last {
            out.push_str(&format!(" ELSE {v} END"));
        } else {
            out.push_str(&format!(" WHEN {} THEN {v}", path.join(" AND ")));
        }
    }
    Ok(out)
}

/// `(t0 + t1 + …)`, summed left to right as the app sums trees.
fn tree_sum(count: usize) -> String {
    let terms: Vec<String> = (0..count).map(|i| format!("mw_t{i}")).collect();
    format!("({})", terms.join(" + "))
}

/// `(x0·w0 + x1·w1 + …) + intercept` over the feature columns, in the features' order.
fn weighted_sum(d: Dialect, weights: &[f64], intercept: f64) -> Result<String> {
    let mut terms = Vec::with_capacity(weights.len());
    for (j, w) in weights.iter().enumerate() {
        terms.push(format!("{} * {}", feature_name(j), d.num(*w)?));
    }
    if terms.is_empty() {
        terms.push("0e0".into());
    }
    Ok(format!("({}) + {}", terms.join(" + "), d.num(intercept)?))
}

/// Several classes: each class's score before softmax, over the feature columns (and tree
/// columns, filled into `trees`), as the model's `predict_proba` computes them.
fn class_logits(
    model: &SavedModel,
    d: Dialect,
    nullable: &[bool],
    trees: &mut Vec<String>,
) -> Result<Vec<String>> {
    let logits = match &model.model {
        TrainedModel::Multinomial {
            weights,
            intercepts,
        } => weights
            .iter()
            .zip(intercepts)
            .map(|(w, b)| weighted_sum(d, w, *b))
            .collect::<Result<Vec<_>>>()?,
        TrainedModel::Boosting(Boosting {
            link: Link::Softmax,
            trees: list,
            class_bases,
            ..
        }) => {
            let k = class_bases.len();
            if k < 2 || !list.len().is_multiple_of(k) {
                return Err(Error::Model("the boosting model is malformed".into()));
            }
            for t in list {
                trees.push(tree_case(d, t, nullable)?);
            }
            // One tree per class in each round: class c's are c, c + k, c + 2k, …
            class_bases
                .iter()
                .enumerate()
                .map(|(c, base)| {
                    let terms: Vec<String> = (c..list.len())
                        .step_by(k)
                        .map(|i| format!("mw_t{i}"))
                        .collect();
                    Ok(format!("{} + ({})", d.num(*base)?, terms.join(" + ")))
                })
                .collect::<Result<Vec<_>>>()?
        }
        TrainedModel::NaiveBayes(nb) => naive_bayes_logs(d, nb)?,
        _ => {
            return Err(Error::InvalidInput(format!(
                "{} for several classes has no SQL form yet: the SQL export covers logistic regression, naive Bayes, gradient boosting and the neural network for several classes",
                model.kind.label()
            )));
        }
    };
    if logits.len() != model.labels.len() {
        return Err(Error::Model(
            "the model's classes do not match its labels".into(),
        ));
    }
    Ok(logits)
}

/// Softmax over `mw_l0 … mw_l{k-1}` of the step `from`, as the app computes it: the largest
/// subtracted before `EXP`, then each divided by their sum (added in class order). Steps
/// `mw_exps` and `mw_probs` (columns `mw_p0 …`).
fn softmax_steps(d: Dialect, k: usize, passed: &str, from: &str) -> String {
    let all: Vec<String> = (0..k).map(|c| format!("mw_l{c}")).collect();
    let top = if k == 1 {
        "mw_l0".to_owned()
    } else {
        format!("{}({})", d.greatest(), all.join(", "))
    };
    let exps: Vec<String> = (0..k)
        .map(|c| format!("{} AS mw_e{c}", d.exp(&format!("mw_l{c} - {top}"))))
        .collect();
    let sum: Vec<String> = (0..k).map(|c| format!("mw_e{c}")).collect();
    let probs: Vec<String> = (0..k)
        .map(|c| format!("mw_e{c} / ({}) AS mw_p{c}", sum.join(" + ")))
        .collect();
    let m = d.materialized();
    format!(
        ",\nmw_exps AS {m}(\n  SELECT {passed}{}\n  FROM {from}\n),\nmw_probs AS {m}(\n  SELECT {passed}{}\n  FROM mw_exps\n)",
        exps.join(",\n    "),
        probs.join(",\n    ")
    )
}

/// The last steps for several classes, as `score` writes them: each class's probability
/// (softmax of `logits` over `source`), `score` the largest, `prediction` the first class
/// that has it (as `metrics::argmax`), the decile of `score`, then `p_<label>` per class.
fn classes_sql(
    model: &SavedModel,
    d: Dialect,
    logits: &[String],
    source: &str,
    passed: &str,
    id: Option<&str>,
) -> Result<String> {
    let k = logits.len();
    let m = d.materialized();
    let named: Vec<String> = logits
        .iter()
        .enumerate()
        .map(|(c, z)| format!("{z} AS mw_l{c}"))
        .collect();
    let probs: Vec<String> = (0..k).map(|c| format!("mw_p{c}")).collect();
    let labels: Vec<String> = model.labels.iter().map(|l| d.text(l)).collect();
    let out_probs: Vec<String> = model
        .labels
        .iter()
        .enumerate()
        .map(|(c, l)| format!("mw_p{c} AS {}", d.ident(&SavedModel::probability_column(l))))
        .collect();
    let order = match id {
        Some(id) => format!("mw_score DESC, {}", d.ident(id)),
        None => "mw_score DESC".to_owned(),
    };
    Ok(format!(
        ",\nmw_logits AS {m}(\n  SELECT {passed}{}\n  FROM {source}\n){},\nmw_scored AS {m}(\n  SELECT {passed}{}, {}({}) AS mw_score, {} AS mw_prediction\n  FROM mw_probs\n)\nSELECT {passed}mw_score AS {score_col},\n  mw_prediction AS {prediction_col},\n  CAST(FLOOR(CAST(ROW_NUMBER() OVER (ORDER BY {order}) - 1 AS {double}) * 10 / COUNT(*) OVER ()) AS {int}) + 1 AS {decile_col},\n  {}\nFROM mw_scored",
        named.join(",\n    "),
        softmax_steps(d, k, passed, "mw_logits"),
        probs.join(", "),
        d.greatest(),
        probs.join(", "),
        first_winner_of(k, "p", ">=", &labels),
        out_probs.join(",\n  "),
        score_col = d.ident(SCORE),
        prediction_col = d.ident(PREDICTION),
        decile_col = d.ident(DECILE),
        double = d.double(),
        int = d.integer(),
    ))
}

/// The score expression over the feature columns (and tree columns, filled into `trees`);
/// `nullable` says which features can be NULL (only trees read those).
fn score_expr(
    model: &SavedModel,
    d: Dialect,
    nullable: &[bool],
    trees: &mut Vec<String>,
) -> Result<String> {
    let weighted = |weights: &[f64], intercept: f64| weighted_sum(d, weights, intercept);
    let logistic = |z: String| format!("1e0 / (1e0 + {})", d.exp(&format!("-({z})")));
    let mut add_trees = |list: &[Tree]| -> Result<usize> {
        for t in list {
            trees.push(tree_case(d, t, nullable)?);
        }
        Ok(list.len())
    };
    Ok(match &model.model {
        TrainedModel::Logistic { weights, intercept } => logistic(weighted(weights, *intercept)?),
        TrainedModel::Linear { weights, intercept } => weighted(weights, *intercept)?,
        TrainedModel::DecisionTree(m) => {
            let n = add_trees(std::slice::from_ref(&m.tree))?;
            tree_sum(n)
        }
        TrainedModel::Forest(m) => {
            let n = add_trees(&m.trees)?;
            format!("{} / {}", tree_sum(n), d.num(n.max(1) as f64)?)
        }
        TrainedModel::Boosting(Boosting {
            base,
            link,
            trees: list,
            ..
        }) if *link != Link::Softmax => {
            let n = add_trees(list)?;
            let z = format!("{} + {}", d.num(*base)?, tree_sum(n));
            match link {
                Link::Logistic => logistic(z),
                _ => z,
            }
        }
        TrainedModel::NaiveBayes(nb) if nb.classes.len() == 2 => naive_bayes(d, nb)?,
        TrainedModel::Svm(_) => {
            return Err(Error::InvalidInput(
                "a support vector machine scores each customer against every stored support vector: as SQL that is one term per support vector and feature, far past what engines parse well; export a logistic regression or boosting model instead".into(),
            ));
        }
        _ => {
            return Err(Error::InvalidInput(format!(
                "{} has no SQL form yet: the SQL export covers linear and logistic regression, naive Bayes, the decision tree, the random forest, gradient boosting and the neural network for a yes/no or an amount",
                model.kind.label()
            )));
        }
    })
}

/// P(yes) of a yes/no naive Bayes model as the app computes it: each class's log-likelihood
/// (its log prior, then each feature's Gaussian term subtracted in the features' order, the
/// constants `ln(2π·variance)` computed here as the app computes them), then the larger one
/// subtracted before `EXP`, and yes's share of the two.
fn naive_bayes(d: Dialect, nb: &crate::ml::models::bayes::NaiveBayes) -> Result<String> {
    let logs = naive_bayes_logs(d, nb)?;
    let top = format!("{}({}, {})", d.greatest(), logs[0], logs[1]);
    let e = |l: &str| d.exp(&format!("{l} - {top}"));
    Ok(format!(
        "{} / ({} + {})",
        e(&logs[1]),
        e(&logs[0]),
        e(&logs[1])
    ))
}

/// Each class's log-likelihood (its log prior, then each feature's Gaussian term subtracted
/// in the features' order), as `NaiveBayes::probabilities` computes it.
fn naive_bayes_logs(d: Dialect, nb: &crate::ml::models::bayes::NaiveBayes) -> Result<Vec<String>> {
    let mut logs = Vec::with_capacity(nb.classes.len());
    for c in &nb.classes {
        let mut l = d.num(c.prior.max(f64::MIN_POSITIVE).ln())?;
        for (j, (m, v)) in c.mean.iter().zip(&c.variance).enumerate() {
            let x = feature_name(j);
            let (m, v, k) = (
                d.num(*m)?,
                d.num(*v)?,
                d.num((2.0 * std::f64::consts::PI * v).ln())?,
            );
            l = format!("{l} - 5e-1 * ({k} + ({x} - {m}) * ({x} - {m}) / {v})");
        }
        logs.push(format!("({l})"));
    }
    Ok(logs)
}

/// The statement scoring `table` with `model`: the id column (when given) and every original
/// column the model reads, then `score`, `prediction` and `decile` (k-means: `segment`), as
/// `score` writes them.
/// Deciles rank by score, ties by the id column (the app ranks ties by row order: the same when
/// the ids are in file order).
pub fn export(
    model: &SavedModel,
    dialect: Dialect,
    table: &str,
    id: Option<&str>,
) -> Result<SqlExport> {
    let d = dialect;
    if table.trim().is_empty() {
        return Err(Error::InvalidInput("the table name is empty".into()));
    }
    let centroids = match &model.model {
        TrainedModel::KMeans { centroids } => Some(Segmenter::KMeans(centroids)),
        TrainedModel::Gmm(g) => Some(Segmenter::Mixture(g)),
        _ => None,
    };
    if model.task == Task::Segments && centroids.is_none() {
        return Err(Error::InvalidInput(format!(
            "{}: the SQL export covers k-means and Gaussian mixture segments",
            model.kind.label()
        )));
    }
    let several = !model.labels.is_empty();
    let mut cols = Columns {
        dialect: d,
        exprs: Vec::new(),
        read: Vec::new(),
        gone: Vec::new(),
    };
    let mut filters = Vec::new();
    if let Some(id) = id {
        cols.get(id)?;
    }
    apply_recipe(model, &mut cols, &mut filters)?;
    let (mut features, nullable) = feature_exprs(model, &mut cols)?;
    let tree_model = matches!(
        model.model,
        TrainedModel::DecisionTree(_) | TrainedModel::Forest(_) | TrainedModel::Boosting(_)
    );
    if !tree_model && nullable.contains(&true) {
        return Err(routes_missing());
    }
    // The app stores features rounded to single precision; the network goes on in float32
    // with them (refused below without the type), the other models in double precision.
    for f in &mut features {
        *f = match (&model.model, d.single()) {
            (TrainedModel::Mlp(_), Some(single)) => format!("CAST({f} AS {single})"),
            _ => d.round_to_single(f),
        };
    }
    let mut added: Vec<String> = [SCORE, PREDICTION, DECILE, SEGMENT]
        .map(str::to_owned)
        .to_vec();
    added.extend(
        model
            .labels
            .iter()
            .map(|l| SavedModel::probability_column(l)),
    );
    let passed: Vec<String> = cols
        .read
        .iter()
        .filter(|c| !added.contains(c))
        .map(|c| d.ident(c))
        .collect();
    let passed_list = if passed.is_empty() {
        String::new()
    } else {
        format!("{}, ", passed.join(", "))
    };
    let mut trees = Vec::new();
    // The network's layers: one statement step each, before the score.
    let mut layers = None;
    // Several classes: each one's score before softmax.
    let mut logits = Vec::new();
    let score = match (&centroids, &model.model) {
        (Some(_), _) => String::new(),
        (None, TrainedModel::Mlp(m)) => {
            let (steps, outputs) = mlp_sql(d, m, features.len(), &passed_list)?;
            layers = Some((steps, "mw_output".to_owned()));
            if several {
                logits = outputs;
                String::new()
            } else {
                mlp_score(d, m)?
            }
        }
        (None, _) if several => {
            logits = class_logits(model, d, &nullable, &mut trees)?;
            String::new()
        }
        (None, _) => score_expr(model, d, &nullable, &mut trees)?,
    };

    let mut sql = String::new();
    let target = model.target.as_deref().unwrap_or("");
    sql.push_str(&format!(
        "-- Marketing Workbench: {} predicting '{}', scoring {} in {}.\n",
        model.kind.label(),
        target.replace('\n', " "),
        table.replace('\n', " "),
        d.label()
    ));
    sql.push_str(&match &layers {
        Some(_) => format!(
            "-- {} features; the network in float32 (as the app computes it), the rest double precision, in the app's order.\n",
            features.len()
        ),
        None => format!(
            "-- {} features, {} trees; numbers are double precision, computed in the app's order.\n",
            features.len(),
            trees.len()
        ),
    });
    sql.push_str(d.preamble());
    sql.push_str(&format!(
        "WITH mw_features AS {}(\n  SELECT ",
        d.materialized()
    ));
    sql.push_str(&passed_list);
    let feature_list: Vec<String> = features
        .iter()
        .enumerate()
        .map(|(j, e)| format!("{e} AS {}", feature_name(j)))
        .collect();
    sql.push_str(&feature_list.join(",\n    "));
    sql.push_str(&format!("\n  FROM {}", d.table(table)));
    if !filters.is_empty() {
        sql.push_str(&format!("\n  WHERE {}", filters.join(" AND ")));
    }
    sql.push_str("\n)");
    if let Some(centroids) = centroids {
        sql.push_str(&match centroids {
            Segmenter::KMeans(c) => segments_sql(d, c, features.len(), &passed_list)?,
            Segmenter::Mixture(g) => mixture_sql(d, g, features.len(), &passed_list)?,
        });
        return finish(sql, d, id);
    }
    let mut source = "mw_features".to_owned();
    if let Some((steps, last)) = layers {
        sql.push_str(&steps);
        source = last;
    }
    if !trees.is_empty() {
        sql.push_str(&format!(
            ",\nmw_trees AS {}(\n  SELECT *,\n    ",
            d.materialized()
        ));
        let list: Vec<String> = trees
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{t} AS mw_t{i}"))
            .collect();
        sql.push_str(&list.join(",\n    "));
        sql.push_str("\n  FROM mw_features\n)");
        source = "mw_trees".to_owned();
    }
    if several {
        sql.push_str(&classes_sql(model, d, &logits, &source, &passed_list, id)?);
        return finish(sql, d, id);
    }
    sql.push_str(&format!(
        ",\nmw_scored AS {}(\n  SELECT {passed_list}{score} AS mw_score\n  FROM {source}\n)\n",
        d.materialized()
    ));
    let prediction = match (model.task, &model.classes) {
        (Task::Classification, Some(c)) => format!(
            "CASE WHEN mw_score >= {} THEN {} ELSE {} END",
            d.num(model.threshold)?,
            d.text(&c.positive),
            d.text(&c.negative)
        ),
        (Task::Classification, None) => {
            return Err(Error::Model("yes/no model without its labels".into()));
        }
        _ => "mw_score".to_owned(),
    };
    let order = match id {
        Some(id) => format!("mw_score DESC, {}", d.ident(id)),
        None => "mw_score DESC".to_owned(),
    };
    sql.push_str(&format!("SELECT {passed_list}mw_score AS {score_col},\n  {prediction} AS {prediction_col},\n  CAST(FLOOR(CAST(ROW_NUMBER() OVER (ORDER BY {order}) - 1 AS {double}) * 10 / COUNT(*) OVER ()) AS {int}) + 1 AS {decile_col}\nFROM mw_scored",
        score_col = d.ident(SCORE),
        prediction_col = d.ident(PREDICTION),
        decile_col = d.ident(DECILE),
        double = d.double(),
        int = d.integer(),
    ));
    finish(sql, d, id)
}

/// A network layer's widest input the statement takes: each output is one sum of as many
/// terms, nested that deep in the parser (DuckDB stops at an expression depth of 1,000).
const MLP_MOST_INPUTS: usize = 512;

/// The neural network as [`crate::ml::models::mlp::MlpModel`] scores a row: the features
/// rounded to float32 (in `mw_features`, by [`export`]), then each layer's outputs in float32 arithmetic — its bias, plus each
/// input times its weight in the inputs' order (`((b + x0·w0) + x1·w1) + …`, each product and
/// sum rounded to float32 as the app's are), ReLU on hidden layers — and the last output
/// widened to a double for the logistic link or the amount. The engine's float32 type gives
/// the app's float32 results bit for bit; the weights are written as the doubles equal to
/// them, so reading and narrowing them is exact.
///
/// Returns the network's statement steps, the last (`mw_output`) holding its outputs as
/// doubles, `mw_z0`, `mw_z1`, … (one per class; one for a yes/no or an amount).
fn mlp_sql(
    d: Dialect,
    m: &crate::ml::models::mlp::MlpModel,
    features: usize,
    passed: &str,
) -> Result<(String, Vec<String>)> {
    let Some(single) = d.single() else {
        return Err(Error::InvalidInput(format!(
            "a neural network is computed in float32 by the app and {} has no float32 arithmetic, so its scores would differ from the app's: export it for DuckDB, PostgreSQL or Spark SQL, or as an ONNX file",
            d.label()
        )));
    };
    let (layers, _) = m.parts();
    let bad = || Error::Model("the saved neural network is inconsistent".into());
    if layers.first().is_none_or(|l| l.inputs != features)
        || layers.windows(2).any(|w| w[0].outputs != w[1].inputs)
        || layers.iter().any(|l| {
            Some(l.weights.len()) != l.inputs.checked_mul(l.outputs) || l.biases.len() != l.outputs
        })
    {
        return Err(bad());
    }
    if let Some(wide) = layers.iter().find(|l| l.inputs > MLP_MOST_INPUTS) {
        return Err(Error::InvalidInput(format!(
            "a layer of this network takes {} inputs: as SQL each of its outputs is a sum of as many terms, deeper than engines parse (at most {MLP_MOST_INPUTS}); export it as an ONNX file",
            wide.inputs
        )));
    }
    let Some((last, hidden)) = layers.split_last() else {
        return Err(bad());
    };
    let float =
        |x: f32| -> Result<String> { Ok(format!("CAST({} AS {single})", d.num(f64::from(x))?)) };
    // One output of `layer`: its bias plus each input times its weight, in order.
    let unit = |layer: &crate::ml::models::mlp::Layer,
                o: usize,
                input: &dyn Fn(usize) -> String|
     -> Result<String> {
        let mut sum = float(layer.biases[o])?;
        for i in 0..layer.inputs {
            sum.push_str(&format!(
                " + {} * {}",
                input(i),
                float(layer.weights[i * layer.outputs + o])?
            ));
        }
        Ok(sum)
    };
    let zero = float(0.0)?;
    let m_ = d.materialized();
    let mut steps = String::new();
    let mut source = "mw_features".to_owned();
    // Input i of layer l: a feature for the first layer, else the layer before's output i.
    let input_of = |l: usize| -> Box<dyn Fn(usize) -> String> {
        match l.checked_sub(1) {
            None => Box::new(feature_name),
            Some(before) => Box::new(move |i| format!("mw_h{before}_{i}")),
        }
    };
    for (l, layer) in hidden.iter().enumerate() {
        let input = input_of(l);
        let mut outputs = Vec::with_capacity(layer.outputs);
        for o in 0..layer.outputs {
            outputs.push(format!(
                "{}({}, {zero}) AS mw_h{l}_{o}",
                d.greatest(),
                unit(layer, o, &*input)?
            ));
        }
        steps.push_str(&format!(
            ",\nmw_layer{l} AS {m_}(\n  SELECT {passed}{}\n  FROM {source}\n)",
            outputs.join(",\n    ")
        ));
        source = format!("mw_layer{l}");
    }
    let input = input_of(hidden.len());
    // The outputs in a step of their own: PostgreSQL's `EXP` names its argument three times.
    let mut outputs = Vec::with_capacity(last.outputs);
    for o in 0..last.outputs {
        outputs.push(format!(
            "CAST({} AS {}) AS mw_z{o}",
            unit(last, o, &*input)?,
            d.double()
        ));
    }
    steps.push_str(&format!(
        ",\nmw_output AS {m_}(\n  SELECT {passed}{}\n  FROM {source}\n)",
        outputs.join(",\n    ")
    ));
    if steps.len() > SIZE_WARNING {
        return Err(Error::InvalidInput(format!(
            "this network's {} weights make {} of SQL, past the {} engines take well: export a smaller network (fewer units) or an ONNX file",
            m.parameter_count(),
            crate::data::load::byte_size(steps.len() as u64),
            crate::data::load::byte_size(SIZE_WARNING as u64)
        )));
    }
    Ok((
        steps,
        (0..last.outputs).map(|o| format!("mw_z{o}")).collect(),
    ))
}

/// A yes/no or amount network's score over its output `mw_z0`, as `MlpModel::predict`.
fn mlp_score(d: Dialect, m: &crate::ml::models::mlp::MlpModel) -> Result<String> {
    use crate::ml::models::mlp::Output;
    let z = "mw_z0";
    Ok(match m.parts().1 {
        Output::YesNo => format!("1e0 / (1e0 + {})", d.exp(&format!("-({z})"))),
        Output::Amount { mean, scale } => {
            format!("{} + {} * {z}", d.num(*mean)?, d.num(*scale)?)
        }
        Output::Classes { .. } => {
            return Err(Error::Model(
                "a network for several classes without their labels".into(),
            ));
        }
    })
}

/// What finds segments: k-means centres or a Gaussian mixture.
enum Segmenter<'a> {
    KMeans(&'a [Vec<f64>]),
    Mixture(&'a crate::ml::models::gmm::Gmm),
}

/// `values[c]` of the first `mw_{prefix}c` that `wins` against every later one (as
/// [`first_winner`]).
fn first_winner_of(k: usize, prefix: &str, wins: &str, values: &[String]) -> String {
    if k <= 1 {
        return values.first().cloned().unwrap_or_default();
    }
    let mut case = String::from("CASE");
    for (c, value) in values.iter().enumerate().take(k - 1) {
        let conditions: Vec<String> = (c + 1..k)
            .map(|j| format!("mw_{prefix}{c} {wins} mw_{prefix}{j}"))
            .collect();
        case.push_str(&format!(" WHEN {} THEN {value}", conditions.join(" AND ")));
    }
    let last = values.get(k - 1).cloned().unwrap_or_default();
    case.push_str(&format!(" ELSE {last} END"));
    case
}

/// The segment (1-based) of the first `mw_{prefix}c` that `wins` (`<=` for the nearest,
/// `>=` for the likeliest) against every later one: earlier ones lost to some later one.
fn first_winner(k: usize, prefix: &str, wins: &str) -> String {
    let numbers: Vec<String> = (1..=k).map(|c| c.to_string()).collect();
    first_winner_of(k, prefix, wins, &numbers)
}

/// The last selects for a Gaussian mixture, as `Gmm::predict` computes it: each segment's
/// ln(share × density) (its constant, less half the precision-weighted squared distance summed
/// in the features' order), each one's probability (the largest subtracted before `EXP`, then
/// divided by their sum), and the first likeliest segment.
fn mixture_sql(
    d: Dialect,
    g: &crate::ml::models::gmm::Gmm,
    features: usize,
    passed: &str,
) -> Result<String> {
    let k = g.weights.len();
    let compiled = g.sql_parts();
    if k == 0
        || compiled.len() != k
        || compiled
            .iter()
            .any(|(_, m, q)| m.len() != features || q.len() != features)
    {
        return Err(Error::Model(
            "the mixture's segments do not match its features".into(),
        ));
    }
    let mut logs = Vec::with_capacity(k);
    for (c, (constant, means, precision)) in compiled.iter().enumerate() {
        let mut terms = Vec::with_capacity(features);
        for (j, (m, q)) in means.iter().zip(precision).enumerate() {
            let (f, m, q) = (feature_name(j), d.num(*m)?, d.num(*q)?);
            terms.push(format!("({f} - {m}) * ({f} - {m}) * {q}"));
        }
        if terms.is_empty() {
            terms.push("0e0".into());
        }
        logs.push(format!(
            "{} - 5e-1 * ({}) AS mw_l{c}",
            d.num(*constant)?,
            terms.join(" + ")
        ));
    }
    let m = d.materialized();
    Ok(format!(
        ",\nmw_logs AS {m}(\n  SELECT {passed}{}\n  FROM mw_features\n){}\nSELECT {passed}{} AS {}\nFROM mw_probs",
        logs.join(",\n    "),
        softmax_steps(d, k, passed, "mw_logs"),
        first_winner(k, "p", ">="),
        d.ident(SEGMENT)
    ))
}

/// The last select over `mw_scored` for k-means: each centre's squared distance (summed in
/// the app's order), then the first nearest centre as `segment` (1-based), as
/// `kmeans::assign` picks it.
fn segments_sql(
    d: Dialect,
    centroids: &[Vec<f64>],
    features: usize,
    passed: &str,
) -> Result<String> {
    let k = centroids.len();
    if k == 0 || centroids.iter().any(|c| c.len() != features) {
        return Err(Error::Model(
            "the model's centroids do not match its features".into(),
        ));
    }
    let mut distances = Vec::with_capacity(k);
    for (c, centre) in centroids.iter().enumerate() {
        let mut terms = Vec::with_capacity(features);
        for (j, v) in centre.iter().enumerate() {
            let (f, v) = (feature_name(j), d.num(*v)?);
            terms.push(format!("({f} - {v}) * ({f} - {v})"));
        }
        distances.push(format!("({}) AS mw_d{c}", terms.join(" + ")));
    }
    // Centre c wins when it is no farther than every later one and (having got this far)
    // strictly nearer than every earlier one: the first of equally near centres.
    let segment = first_winner(k, "d", "<=");
    Ok(format!(
        ",\nmw_scored AS {}(\n  SELECT {passed}{}\n  FROM mw_features\n)\nSELECT {passed}{segment} AS {}\nFROM mw_scored",
        d.materialized(),
        distances.join(",\n    "),
        d.ident(SEGMENT)
    ))
}

/// The statement's end (order by the id when there is one) and the size warning.
fn finish(mut sql: String, d: Dialect, id: Option<&str>) -> Result<SqlExport> {
    if let Some(id) = id {
        sql.push_str(&format!("\nORDER BY {}", d.ident(id)));
    }
    sql.push_str(";\n");
    let mut warnings = Vec::new();
    if sql.len() > SIZE_WARNING {
        warnings.push(format!(
            "the statement is {} long: some engines and editors are slow with statements this big (fewer trees or leaves make it smaller)",
            crate::data::load::byte_size(sql.len() as u64)
        ));
    }
    Ok(SqlExport { sql, warnings })
}

#[cfg(test)]
pub(crate) mod tests;
