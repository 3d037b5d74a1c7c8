//! Background work, written once: every job of the app is a [`JobSlot`] — at most one running
//! job of its kind — declared with its event type and the handler that takes its events in the
//! [`jobs!`] list at the bottom. Adding a job is one line there and one handler method.

use std::time::Instant;

use workbench_core::jobs::{Job, Next};

/// Longest time per frame spent reading one slot's events.
const EVENT_BUDGET_MS: u128 = 4;

/// One kind of background job: empty, or one running [`Job`].
pub struct JobSlot<E> {
    job: Option<Job<E>>,
    /// Whether the status bar shows a progress bar for it.
    shows_progress: bool,
}

impl<E> Default for JobSlot<E> {
    fn default() -> Self {
        Self {
            job: None,
            shows_progress: false,
        }
    }
}

impl<E> JobSlot<E> {
    /// A slot whose progress fraction the status bar shows.
    pub fn with_progress() -> Self {
        Self {
            job: None,
            shows_progress: true,
        }
    }

    /// Runs `job` here, dropping (so cancelling) the one before.
    pub fn set(&mut self, job: Job<E>) {
        self.job = Some(job);
    }

    /// Drops the running job: it is cancelled (and, for training, joined).
    pub fn clear(&mut self) {
        self.job = None;
    }

    pub fn is_busy(&self) -> bool {
        self.job.is_some()
    }

    pub fn cancel(&self) {
        if let Some(j) = &self.job {
            j.cancel();
        }
    }

    pub fn stop(&self) {
        if let Some(j) = &self.job {
            j.stop();
        }
    }

    /// What it is doing and, for slots that show one, its progress.
    pub fn status(&self) -> Option<(&str, Option<f64>)> {
        let j = self.job.as_ref()?;
        Some((j.label.as_str(), self.shows_progress.then(|| j.progress())))
    }

    /// The events that have come, read for at most a few milliseconds; the slot empties once
    /// the job has ended and everything it sent is read.
    pub fn drain(&mut self) -> Vec<E> {
        let mut out = Vec::new();
        let Some(job) = &self.job else {
            return out;
        };
        let budget = Instant::now();
        loop {
            match job.try_next() {
                Next::Event(e) => out.push(e),
                Next::Empty => break,
                Next::Ended => {
                    self.job = None;
                    break;
                }
            }
            if budget.elapsed().as_millis() >= EVENT_BUDGET_MS {
                break;
            }
        }
        out
    }
}

/// Declares the app's jobs: `field: EventType => handler`, in the order the status bar asks
/// them what they are doing. Generates [`Jobs`] and `App::poll_jobs`, which hands each event to
/// its handler (`fn handler(&mut self, event: EventType)`).
macro_rules! jobs {
    ($($(#[$doc:meta])* $field:ident: $event:ty => $handler:ident $(with $init:expr)?),* $(,)?) => {
        /// Background work in flight; at most one job of each kind.
        pub struct Jobs {
            $($(#[$doc])* pub $field: JobSlot<$event>,)*
        }

        impl Default for Jobs {
            fn default() -> Self {
                Self { $($field: jobs!(@init $($init)?),)* }
            }
        }

        impl Jobs {
            /// Whether any background work is running.
            pub fn is_busy(&self) -> bool {
                false $(|| self.$field.is_busy())*
            }

            /// The first running job's label and progress, for the status bar.
            pub fn status(&self) -> Option<(&str, Option<f64>)> {
                None $(.or_else(|| self.$field.status()))*
            }
        }

        impl super::App {
            /// Hands every job's new events to its handler.
            pub(super) fn poll_jobs(&mut self) {
                $(
                    for event in self.jobs.$field.drain() {
                        self.$handler(event);
                    }
                )*
            }
        }
    };
    (@init) => { JobSlot::default() };
    (@init $init:expr) => { $init };
}

use std::path::PathBuf;

use polars::prelude::DataFrame;
use workbench_core::Result;
use workbench_core::train::TrainEvent;
use workbench_core::train::search::SearchEvent;

use super::data::DatabaseAnswer;
use super::forecast::ForecastEvent;
use super::orders::OrdersEvent;
use super::state::{Cleaned, Dataset, TargetCheck};
use super::text::TextEvent;
use super::uplift::UpliftEvent;
use workbench_core::uplift::Description;

jobs! {
    /// Loading a file, the sample, or the RFM summary of the loaded transactions.
    load: Result<Dataset> => on_loaded with JobSlot::with_progress(),
    /// "Open database…": listing tables, previewing rows.
    database: Result<DatabaseAnswer> => on_database,
    /// Applying the recipe to the loaded table (fitted on all rows, for display).
    clean: Result<Cleaned> => on_cleaned,
    /// The table as it would be with the previewed step.
    preview: Result<Cleaned> => on_previewed,
    /// How the target varies with each column.
    target: Result<TargetCheck> => on_target_profile,
    /// Writing scored customers, a contact list.
    export: Result<PathBuf> => on_exported,
    /// The scored customers sorted and filtered for the table.
    table_view: Result<DataFrame> => on_table_view,
    /// The training run being watched.
    train: TrainEvent => on_train_event,
    /// The settings search.
    search: SearchEvent => on_search_event,
    /// A question about purchases: lifetime value, baskets, recommendations.
    orders: OrdersEvent => on_orders_event with JobSlot::with_progress(),
    /// A campaign test's uplift model.
    uplift: UpliftEvent => on_uplift_event with JobSlot::with_progress(),
    /// The campaign test itself: groups, effect, balance.
    uplift_check: Result<Description> => on_uplift_checked,
    /// A forecast: every method on every series.
    forecast: ForecastEvent => on_forecast_event with JobSlot::with_progress(),
    /// Reading a text column: terms, sentiment, themes.
    text: TextEvent => on_text_event with JobSlot::with_progress(),
}
