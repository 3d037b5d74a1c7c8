//! What the app holds: the loaded table and its cleaned form, the recipe and its history, the
//! model settings, the runs, and what is remembered between sessions. Panels read it; commands
//! change it.

use std::path::PathBuf;

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};
use workbench_core::data::profile::{Correlations, Profile, TargetProfile};
use workbench_core::data::recipe::{Recipe, Step, StepEffect};
use workbench_core::ml::ModelSettings;
use workbench_core::ml::leaks::Leak;
use workbench_core::project::{DataSource, Project};

use super::orders::OrdersState;
use super::training::{SearchRun, TrainingRun};
use crate::ui::panels;

/// What the app opens with.
#[derive(Clone, Debug)]
pub enum Startup {
    /// The bundled sample customers.
    Sample,
    /// A file given on the command line.
    Open(PathBuf),
    /// Nothing (tests that load through commands).
    Empty,
}

/// The five steps of the workflow, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkflowStep {
    Data,
    Clean,
    Model,
    Train,
    Predictions,
}

impl WorkflowStep {
    pub const ALL: [Self; 5] = [
        Self::Data,
        Self::Clean,
        Self::Model,
        Self::Train,
        Self::Predictions,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Data => "Data",
            Self::Clean => "Clean",
            Self::Model => "Model",
            Self::Train => "Train",
            Self::Predictions => "Predictions",
        }
    }
}

/// A loaded table.
pub struct Dataset {
    /// File name shown to the user.
    pub name: String,
    /// Where it came from (a file and its worksheet, or a bundled sample).
    pub source: DataSource,
    /// The worksheets of an Excel file (empty for other files).
    pub sheets: Vec<String>,
    pub frame: DataFrame,
    pub profile: Profile,
    pub correlations: Correlations,
    /// Set when the app made this table from another (a project can't rebuild it yet).
    pub derived: Option<Derived>,
    /// For a sample of a file too large to load whole: the file's rows.
    pub sample_of: Option<usize>,
}

/// How a table was made from another.
#[derive(Clone, Debug, PartialEq)]
pub enum Derived {
    /// The RFM summary of transactions in these (customer, date, amount) columns.
    Rfm([String; 3]),
    /// A customer table with lifetime value added from a table of purchases.
    LifetimeValue,
    /// A table of texts with sentiment, theme and document vectors added.
    TextVectors,
}

impl Dataset {
    /// A table the app made from another (`derived`), profiled like a loaded one. Runs on a
    /// worker: profiling reads every value.
    pub fn derived(
        name: String,
        source: DataSource,
        frame: polars::prelude::DataFrame,
        derived: Derived,
    ) -> workbench_core::error::Result<Self> {
        let profile = workbench_core::data::profile::profile(&frame)?;
        let correlations = workbench_core::data::profile::correlations(&frame, 40)?;
        Ok(Self {
            name,
            source,
            sheets: Vec::new(),
            sample_of: None,
            frame,
            profile,
            correlations,
            derived: Some(derived),
        })
    }

    /// The file it was read from (none for a bundled sample).
    pub fn path(&self) -> Option<&PathBuf> {
        match &self.source {
            DataSource::File { path, .. } => Some(path),
            DataSource::Database { .. }
            | DataSource::Sample
            | DataSource::OrdersSample
            | DataSource::ExperimentSample
            | DataSource::PostsSample => None,
        }
    }

    /// The worksheet loaded, for a workbook.
    pub fn sheet(&self) -> Option<&String> {
        match &self.source {
            DataSource::File { sheet, .. } => sheet.as_ref(),
            DataSource::Database { .. }
            | DataSource::Sample
            | DataSource::OrdersSample
            | DataSource::ExperimentSample
            | DataSource::PostsSample => None,
        }
    }
}

/// The loaded table after the recipe (fitted on all rows, for display).
pub struct Cleaned {
    pub frame: DataFrame,
    pub profile: Profile,
    /// What each step did (`None` for switched-off steps).
    pub effects: Vec<Option<StepEffect>>,
}

/// A step being previewed, and the table it would give once computed.
pub struct Preview {
    pub step: Step,
    pub result: Option<Cleaned>,
}

/// Earlier and undone versions of the recipe.
#[derive(Default)]
pub struct RecipeHistory {
    pub(super) undo: Vec<Recipe>,
    pub(super) redo: Vec<Recipe>,
}

impl RecipeHistory {
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }
}

/// What is remembered between sessions.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub dark_mode: Option<bool>,
    pub recent_files: Vec<PathBuf>,
}

/// What the panels read.
pub struct AppState {
    pub step: WorkflowStep,
    pub dataset: Option<Dataset>,
    pub recipe: Recipe,
    pub history: RecipeHistory,
    pub cleaned: Option<Cleaned>,
    pub preview: Option<Preview>,
    /// How the target varies with each column (once a target is chosen).
    pub target_profile: Option<TargetProfile>,
    /// Inputs suspected of leaking the target (known only after the outcome).
    pub leaks: Vec<Leak>,
    pub settings: ModelSettings,
    /// The run Train, Predictions and Export show.
    pub training: Option<TrainingRun>,
    /// Other finished runs on this data (Compare, or earlier runs), for the leaderboard.
    pub leaderboard: Vec<TrainingRun>,
    /// Settings still to train, in order (Compare).
    pub queue: Vec<ModelSettings>,
    /// The settings search, if one was run.
    pub search: Option<SearchRun>,
    /// The last file written by Export.
    pub exported: Option<PathBuf>,
    /// A session to offer back after the app stopped without closing.
    pub restore_offer: Option<Project>,
    /// The questions about purchases (lifetime value, baskets, recommendations).
    pub orders: OrdersState,
    /// The campaign-test question: whom does the offer change.
    pub uplift: super::uplift::UpliftState,
    /// Forecasting: what comes next.
    pub forecast: super::forecast::ForecastState,
    /// What customers are saying: a text column.
    pub text: super::text::TextState,
    /// Numbers every training run gets, so runs can key caches by it.
    pub(super) next_run_id: u64,
}

impl Default for AppState {
    fn default() -> Self {
        Self {
            step: WorkflowStep::Data,
            dataset: None,
            recipe: Recipe::default(),
            history: RecipeHistory::default(),
            cleaned: None,
            preview: None,
            target_profile: None,
            leaks: Vec::new(),
            settings: ModelSettings::default(),
            training: None,
            leaderboard: Vec::new(),
            queue: Vec::new(),
            search: None,
            exported: None,
            restore_offer: None,
            orders: OrdersState::default(),
            uplift: super::uplift::UpliftState::default(),
            forecast: super::forecast::ForecastState::default(),
            text: super::text::TextState::default(),
            next_run_id: 1,
        }
    }
}

impl AppState {
    /// The table the model sees: the cleaned one once the recipe has run, else the loaded one.
    pub fn current_frame(&self) -> Option<&DataFrame> {
        self.cleaned
            .as_ref()
            .map(|c| &c.frame)
            .or(self.dataset.as_ref().map(|d| &d.frame))
    }

    /// What a row of the loaded table is: a customer, or (in a table of purchases) a row.
    pub fn row_word(&self) -> &'static str {
        if self.orders.recognised {
            "rows"
        } else {
            "customers"
        }
    }

    /// The profile of [`AppState::current_frame`].
    pub fn current_profile(&self) -> Option<&Profile> {
        self.cleaned
            .as_ref()
            .map(|c| &c.profile)
            .or(self.dataset.as_ref().map(|d| &d.profile))
    }
}

/// How the target varies with each column, and the columns suspected of leaking it.
pub struct TargetCheck {
    pub profile: TargetProfile,
    pub leaks: Vec<Leak>,
}

/// Widget-local state of panels that need it.
#[derive(Default)]
pub struct PanelState {
    pub data: panels::data::DataView,
    pub predictions: panels::predictions::PredictionsView,
    pub clean: panels::clean::CleanForm,
    pub model: panels::model::ModelView,
    pub orders: panels::orders::OrdersView,
    pub uplift: panels::uplift::UpliftView,
    pub forecast: panels::forecast::ForecastView,
    pub text: panels::text::TextView,
}
