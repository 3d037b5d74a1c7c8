//! The app's side of the questions asked of a table of purchases — lifetime value, what sells
//! together, what to recommend: the question and its settings, the run on a worker with live
//! progress and Cancel, and its result. The work itself is the core's (`clv`, `basket`,
//! `recommend`); the CLI runs the same functions with the same settings.

use std::path::PathBuf;
use std::time::Instant;

use polars::prelude::DataFrame;
use workbench_core::basket;
use workbench_core::clv::diagnostics::Diagnostics;
use workbench_core::clv::{self, FitStep};
use workbench_core::data::load;
use workbench_core::data::profile::Profile;
use workbench_core::data::transactions::{self, OrderColumns};
use workbench_core::error::{Error, Result};
use workbench_core::jobs::{Control, Job, JobContext, OnDrop, catch_panic};
use workbench_core::project::DataSource;
use workbench_core::recommend;

use super::dialogs::FileChoice;
use super::state::{Dataset, Derived};
use super::{App, WorkflowStep};
use crate::ui::format;

/// Frequency bars and P(alive) cells of the lifetime-value diagnostics.
const FREQUENCY_BARS: usize = 8;
const ALIVE_CELLS: usize = 24;
/// P(alive) below which a customer is "likely gone" on the win-back list.
pub const GONE_BELOW: f64 = 0.5;

/// A question about purchases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrdersQuestion {
    LifetimeValue,
    Baskets,
    Recommendations,
}

impl OrdersQuestion {
    pub const ALL: [Self; 3] = [Self::LifetimeValue, Self::Baskets, Self::Recommendations];

    pub fn label(self) -> &'static str {
        match self {
            Self::LifetimeValue => "Lifetime value",
            Self::Baskets => "What sells together",
            Self::Recommendations => "What to recommend",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Self::LifetimeValue => {
                "From a table of purchases: how many more purchases each customer will make, whether they are probably gone, and what they are worth over a horizon (BG/NBD or Pareto/NBD with Gamma-Gamma)."
            }
            Self::Baskets => {
                "From a table of order lines: which products are bought together (frequent itemsets and association rules with support, confidence and lift)."
            }
            Self::Recommendations => {
                "From a table of order lines: for each customer, the products they have not bought yet that buyers of their products buy, with the reason; checked on each customer's last order."
            }
        }
    }
}

/// Everything a run of an orders question uses.
#[derive(Clone, Debug, PartialEq)]
pub struct OrdersSettings {
    pub columns: OrderColumns,
    pub clv: clv::Settings,
    pub basket: basket::Settings,
    /// Recommendations per customer.
    pub top: usize,
}

impl Default for OrdersSettings {
    fn default() -> Self {
        Self {
            columns: OrderColumns::default(),
            clv: clv::Settings::default(),
            basket: basket::Settings::default(),
            top: 5,
        }
    }
}

/// What a run produced.
pub enum OrdersResult {
    LifetimeValue {
        outcome: Box<clv::Outcome>,
        diagnostics: Diagnostics,
        /// Customers by lifetime value, highest first.
        by_value: DataFrame,
        /// Likely gone (P(alive) < [`GONE_BELOW`]) but valuable, by repeat spend.
        win_back: DataFrame,
    },
    Baskets {
        outcome: basket::Outcome,
        rules: DataFrame,
    },
    Recommendations {
        outcome: recommend::Outcome,
        list: DataFrame,
    },
}

/// How a run ended, or that it hasn't.
pub enum OrdersStatus {
    Running,
    Done(Box<OrdersResult>),
    Failed(String),
    Cancelled,
}

/// A run of an orders question, as Train and Predictions show it.
pub struct OrdersRun {
    /// Unique within the app's life: what caches of this run's views are keyed by.
    pub id: u64,
    pub question: OrdersQuestion,
    pub settings: OrdersSettings,
    /// The live curve of a lifetime-value fit: mean negative log-likelihood per iteration.
    pub curve: Vec<FitStep>,
    pub started: Instant,
    pub elapsed_secs: f64,
    pub status: OrdersStatus,
}

impl OrdersRun {
    pub fn result(&self) -> Option<&OrdersResult> {
        match &self.status {
            OrdersStatus::Done(r) => Some(r),
            _ => None,
        }
    }
}

/// The orders questions' part of the app state.
#[derive(Default)]
pub struct OrdersState {
    /// The question asked (`None`: a question about a row per customer).
    pub question: Option<OrdersQuestion>,
    pub settings: OrdersSettings,
    /// Whether the loaded table looks like purchases (its columns were guessed).
    pub recognised: bool,
    pub run: Option<OrdersRun>,
}

impl OrdersState {
    /// A fresh state for a newly loaded table: its columns guessed when it looks like purchases.
    pub fn for_table(profile: &Profile) -> Self {
        let guess = transactions::guess(profile);
        // Posts or tickets have a customer and a date too; without an amount, an order or a
        // product beside their text they are not purchases (the section stays, folded).
        let text = profile
            .columns
            .iter()
            .any(|c| c.flags.contains(&workbench_core::data::profile::Flag::Text));
        let recognised = guess.as_ref().is_some_and(|g| {
            !text || !g.amount.is_empty() || !g.order.is_empty() || !g.product.is_empty()
        });
        Self {
            recognised,
            settings: OrdersSettings {
                columns: guess.unwrap_or_default(),
                ..OrdersSettings::default()
            },
            ..Self::default()
        }
    }
}

/// A result table to write out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrdersTable {
    /// Every customer with lifetime value.
    Customers,
    /// The likely-gone-but-valuable list.
    WinBack,
    Rules,
    Recommendations,
}

impl OrdersTable {
    fn file_name(self) -> &'static str {
        match self {
            Self::Customers => "lifetime_value.csv",
            Self::WinBack => "win_back.csv",
            Self::Rules => "rules.csv",
            Self::Recommendations => "recommendations.csv",
        }
    }
}

/// Requests about the orders questions.
#[derive(Clone, Debug)]
pub enum OrdersCommand {
    /// Ask this question of the loaded table (`None`: back to questions about customers).
    SetQuestion(Option<OrdersQuestion>),
    Change(Box<OrdersSettings>),
    Start,
    Cancel,
    ExportDialog(OrdersTable),
    ExportTo(OrdersTable, PathBuf),
    /// Ask for a customer table to add lifetime value to.
    JoinDialog,
    /// Open this customer table with each customer's lifetime value added (matched on the
    /// customer id) as the table to work on.
    JoinTo(PathBuf),
}

/// What the worker sends.
pub enum OrdersEvent {
    Step(FitStep),
    Finished(Result<Box<OrdersResult>>),
}

/// A column name, or a message naming what is missing.
fn needed(name: &str, what: &str) -> Result<String> {
    if name.is_empty() {
        Err(Error::InvalidInput(format!(
            "pick the {what} column in Model"
        )))
    } else {
        Ok(name.to_owned())
    }
}

/// The work of a run, on the worker.
fn run(
    question: OrdersQuestion,
    s: &OrdersSettings,
    frame: &DataFrame,
    ctx: &JobContext<OrdersEvent>,
) -> Result<OrdersResult> {
    let c = &s.columns;
    match question {
        OrdersQuestion::LifetimeValue => {
            let columns = clv::Columns {
                customer: needed(&c.customer, "customer")?,
                date: needed(&c.date, "date")?,
                amount: c.amount(),
                quantity: c.per_unit_quantity(),
            };
            let outcome = clv::fit(frame, &columns, &s.clv, &mut |step| {
                ctx.set_progress(step.iteration as f64 / step.max_iterations as f64);
                if !ctx.send(OrdersEvent::Step(step)) {
                    return Control::Cancel;
                }
                ctx.control().control()
            })?;
            ctx.set_progress(0.95);
            let diagnostics = outcome.diagnostics(FREQUENCY_BARS, ALIVE_CELLS);
            let by_value = outcome.by_value()?;
            let win_back = outcome.win_back(GONE_BELOW)?;
            Ok(OrdersResult::LifetimeValue {
                outcome: Box::new(outcome),
                diagnostics,
                by_value,
                win_back,
            })
        }
        OrdersQuestion::Baskets => {
            let item = c.item().ok_or_else(|| {
                Error::InvalidInput("pick the product (or category) column in Model".into())
            })?;
            let orders = match c.order() {
                Some(order) => basket::orders::orders(
                    frame,
                    &basket::Layout::Long {
                        order,
                        item: item.clone(),
                    },
                )?,
                None => basket::orders::by_customer_and_day(
                    frame,
                    &needed(&c.customer, "customer")?,
                    &needed(&c.date, "date")?,
                    &item,
                )?,
            };
            let outcome = basket::fit(
                orders,
                &s.basket,
                &mut |p| ctx.set_progress(p),
                ctx.cancel_flag(),
            )?;
            let rules = outcome.rules_frame()?;
            Ok(OrdersResult::Baskets { outcome, rules })
        }
        OrdersQuestion::Recommendations => {
            let columns = recommend::Columns {
                customer: needed(&c.customer, "customer")?,
                item: c.item().ok_or_else(|| {
                    Error::InvalidInput("pick the product (or category) column in Model".into())
                })?,
                date: (!c.date.is_empty()).then(|| c.date.clone()),
                order: c.order(),
            };
            let outcome = recommend::fit(
                frame,
                &columns,
                s.top,
                &mut |p| ctx.set_progress(p),
                ctx.cancel_flag(),
            )?;
            let list = outcome.frame()?;
            Ok(OrdersResult::Recommendations { outcome, list })
        }
    }
}

impl App {
    pub(super) fn apply_orders(&mut self, command: OrdersCommand) {
        match command {
            OrdersCommand::SetQuestion(q) => {
                if q.is_some() {
                    self.state.uplift.active = false;
                    self.state.forecast.active = false;
                    self.state.text.active = false;
                }
                if self.state.orders.question != q {
                    self.state.orders.question = q;
                    self.jobs.orders.clear();
                    self.state.orders.run = None;
                }
            }
            OrdersCommand::Change(s) => {
                if *s != self.state.orders.settings {
                    self.state.orders.settings = *s;
                    self.jobs.orders.clear();
                    self.state.orders.run = None;
                }
            }
            OrdersCommand::Start => self.start_orders(),
            OrdersCommand::Cancel => {
                self.jobs.orders.clear();
                if let Some(r) = &mut self.state.orders.run {
                    r.status = OrdersStatus::Cancelled;
                }
            }
            OrdersCommand::ExportDialog(table) => self.file_dialog(
                "export",
                FileChoice::save("Export", "CSV", vec!["csv"], table.file_name().to_owned()),
                move |p| OrdersCommand::ExportTo(table, p).into(),
            ),
            OrdersCommand::ExportTo(table, path) => self.export_orders(table, path),
            OrdersCommand::JoinDialog => self.file_dialog(
                "open",
                FileChoice::open(
                    "Add lifetime value to a customer table",
                    "Tables",
                    vec![
                        "csv", "tsv", "txt", "xlsx", "xls", "parquet", "json", "ndjson", "jsonl",
                    ],
                ),
                |p| OrdersCommand::JoinTo(p).into(),
            ),
            OrdersCommand::JoinTo(path) => self.join_to_customers(path),
        }
    }

    /// Runs the question on the table the model would see (the cleaned one, if cleaned).
    fn start_orders(&mut self) {
        let Some(question) = self.state.orders.question else {
            return;
        };
        let Some(frame) = self.state.current_frame().cloned() else {
            self.notifications
                .error("Open a table of purchases in Data first");
            return;
        };
        let settings = self.state.orders.settings.clone();
        let id = self.state.next_run_id;
        self.state.next_run_id += 1;
        let job_settings = settings.clone();
        let job = Job::start(
            format!(
                "orders:{}",
                question.label().to_lowercase().replace(' ', "-")
            ),
            question.label(),
            OnDrop::CancelAndDetach,
            self.waker.clone(),
            move |ctx: &JobContext<OrdersEvent>| {
                let result =
                    catch_panic(|| run(question, &job_settings, &frame, ctx)).map(Box::new);
                // A failed send means the run was dropped (cancelled): nobody is left to tell.
                ctx.send(OrdersEvent::Finished(result));
            },
        );
        match job {
            Ok(j) => {
                self.jobs.orders.set(j);
                self.state.orders.run = Some(OrdersRun {
                    id,
                    question,
                    settings,
                    curve: Vec::new(),
                    started: Instant::now(),
                    elapsed_secs: 0.0,
                    status: OrdersStatus::Running,
                });
                self.state.step = WorkflowStep::Train;
            }
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    pub(super) fn on_orders_event(&mut self, event: OrdersEvent) {
        let Some(run) = &mut self.state.orders.run else {
            return;
        };
        run.elapsed_secs = run.started.elapsed().as_secs_f64();
        match event {
            OrdersEvent::Step(s) => run.curve.push(s),
            OrdersEvent::Finished(Ok(result)) => {
                run.status = OrdersStatus::Done(result);
                self.state.step = WorkflowStep::Predictions;
            }
            OrdersEvent::Finished(Err(Error::Cancelled)) => run.status = OrdersStatus::Cancelled,
            OrdersEvent::Finished(Err(e)) => {
                let message = e.one_line();
                self.notifications.error(message.clone());
                run.status = OrdersStatus::Failed(message);
            }
        }
    }

    /// Loads a customer table and adds the lifetime-value run's per-customer results to it, on
    /// the load worker; it becomes the table to work on (Data, Clean, Model…).
    fn join_to_customers(&mut self, path: PathBuf) {
        let Some(run) = self.state.orders.run.as_ref() else {
            return;
        };
        let Some(OrdersResult::LifetimeValue { by_value, .. }) = run.result() else {
            self.notifications
                .error("Run lifetime value first: there is nothing to add yet");
            return;
        };
        let values = by_value.clone();
        let customer = run.settings.columns.customer.clone();
        let file = super::data::display_name(&path);
        let work = move |ctx: &JobContext<Result<Dataset>>| -> Result<Dataset> {
            let table = load::load_path(
                &path,
                &load::LoadOptions::default(),
                &mut |read, total| ctx.set_progress(read as f64 / total.max(1) as f64 * 0.7),
                ctx.cancel_flag(),
            )?;
            let key = clv::customer_key(&table, &customer).ok_or_else(|| {
                Error::bad_file(
                    &path,
                    format!("no column of customer ids to match: name one '{customer}', or give the table a customer id column whose values are all different"),
                )
            })?;
            let (frame, matched) = clv::join_to_customers(&table, &key, &values)?;
            if matched == 0 {
                return Err(Error::bad_file(
                    &path,
                    format!(
                        "none of its '{key}' values is a customer of the purchases: is it the same customers' table?"
                    ),
                ));
            }
            ctx.set_progress(0.8);
            let name = format!(
                "{file} + lifetime value ({} of {} matched)",
                format::count(matched),
                format::count(frame.height())
            );
            Dataset::derived(
                name,
                DataSource::File { path, sheet: None },
                frame,
                Derived::LifetimeValue,
            )
        };
        match Job::compute(
            "load",
            "Adding lifetime value to the customers",
            self.waker.clone(),
            work,
        ) {
            Ok(j) => self.jobs.load.set(j),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    /// Writes a result table on the export worker.
    fn export_orders(&mut self, table: OrdersTable, path: PathBuf) {
        let Some(result) = self.state.orders.run.as_ref().and_then(OrdersRun::result) else {
            self.notifications
                .error("Run the question first: there is nothing to export yet");
            return;
        };
        let frame = match (table, result) {
            (OrdersTable::Customers, OrdersResult::LifetimeValue { by_value, .. }) => {
                by_value.clone()
            }
            (OrdersTable::WinBack, OrdersResult::LifetimeValue { win_back, .. }) => {
                win_back.clone()
            }
            (OrdersTable::Rules, OrdersResult::Baskets { rules, .. }) => rules.clone(),
            (OrdersTable::Recommendations, OrdersResult::Recommendations { list, .. }) => {
                list.clone()
            }
            _ => {
                self.notifications
                    .error("That table belongs to another question's results");
                return;
            }
        };
        self.export_csv(frame, path);
    }
}
