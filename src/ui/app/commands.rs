//! Everything a panel, a menu, a dialog or a test may ask the app to do, grouped by area. Panels
//! push commands while they draw; [`App::apply`] runs them after the frame, each area's in its
//! own file (data.rs, recipe.rs, model.rs, training.rs, export.rs, project.rs, orders.rs).

use std::path::PathBuf;

use workbench_core::data::recipe::Step;
use workbench_core::data::view::TableView;
use workbench_core::ml::{ModelKind, ModelSettings};

use super::forecast::ForecastCommand;
use super::orders::OrdersCommand;
use super::text::TextCommand;
use super::uplift::UpliftCommand;
use super::{App, WorkflowStep};

/// A request to the app.
#[derive(Clone, Debug)]
pub enum Command {
    SelectStep(WorkflowStep),
    Data(DataCommand),
    Recipe(RecipeCommand),
    Model(ModelCommand),
    Train(TrainCommand),
    Export(ExportCommand),
    Project(ProjectCommand),
    Orders(OrdersCommand),
    Uplift(UpliftCommand),
    Forecast(ForecastCommand),
    Text(TextCommand),
    /// Show a message (empty: nothing).
    Notify {
        message: String,
        error: bool,
    },
}

/// Opening data.
#[derive(Clone, Debug)]
pub enum DataCommand {
    /// Show the native open dialog (on its own thread).
    OpenFileDialog,
    OpenPath(PathBuf),
    /// Show "Open database…".
    OpenDatabaseDialog,
    /// List the tables of a database (URL without password; the password typed, if any).
    ListTables {
        url: String,
        password: String,
    },
    /// The first rows of a table or query, for the dialog's preview.
    PreviewDatabase {
        url: String,
        password: String,
    },
    /// Load a table or query (sampled if the URL says so).
    OpenDatabase {
        url: String,
        password: String,
    },
    /// Load another worksheet of the open Excel file.
    OpenSheet {
        path: PathBuf,
        sheet: String,
    },
    LoadSample,
    /// The bundled sample orders (a table of purchases).
    LoadOrdersSample,
    /// The bundled sample customers with a randomised campaign test.
    LoadExperimentSample,
    /// The bundled sample posts (reviews, surveys, tickets, social posts).
    LoadPostsSample,
    CancelLoad,
    /// Replace the table by its RFM summary, from transactions in these columns.
    MakeRfm {
        customer: String,
        date: String,
        amount: String,
    },
}

/// Changing the cleaning recipe.
#[derive(Clone, Debug)]
pub enum RecipeCommand {
    AddStep(Step),
    RemoveStep(usize),
    MoveStep {
        from: usize,
        to: usize,
    },
    ToggleStep(usize),
    Undo,
    Redo,
    /// Show the table as it would be with this step added, without adding it.
    PreviewStep(Step),
    DiscardPreview,
    OpenDialog,
    SaveDialog,
    OpenFrom(PathBuf),
    SaveTo(PathBuf),
}

/// Changing what is trained: every change of the model settings comes through here, so what
/// depends on them (the leaderboard, the search, the target profile) is cleared in one place.
#[derive(Clone, Debug)]
pub enum ModelCommand {
    /// The target changed: pick the task and model that follow from it.
    SetTarget(Option<String>),
    /// The target value that counts as "yes" (`None`: automatic, or each value a class).
    SetPositive(Option<String>),
    /// Any other change of the settings (task, model, inputs, validation, model settings).
    Change(Box<ModelSettings>),
}

/// Training runs and the settings search.
#[derive(Clone, Debug)]
pub enum TrainCommand {
    Start,
    Cancel,
    /// Finish the model now, keeping its best step so far.
    Stop,
    /// Train each of these models in turn on the same split, for the leaderboard.
    Compare(Vec<ModelKind>),
    /// Show leaderboard entry `i` in Train, Predictions and Export.
    Inspect(usize),
    /// Search the chosen model's settings by cross-validation.
    StartSearch,
    CancelSearch,
    /// Finish the search with the combinations tried so far.
    StopSearch,
    /// Copy the search's best settings into the model settings.
    UseSearchBest,
    /// Show the open dialog for a LightGBM model trained elsewhere.
    ImportDialog,
    /// Read this LightGBM model and measure it on the data, as a run of its own.
    Import(PathBuf),
}

/// Writing results out, and the scored-customer table.
#[derive(Clone, Debug)]
pub enum ExportCommand {
    /// Show the native save dialog for the scored rows.
    Dialog,
    To(PathBuf),
    /// Show the save dialog for every row of the file the table is a sample of, scored.
    WholeFileDialog,
    /// Score every row of the sampled file, in pieces, into this CSV file.
    WholeFileTo(PathBuf),
    /// Show the save dialog for the targeting calculator's list of `contacts` customers.
    ListDialog {
        contacts: usize,
    },
    /// Write the `contacts` highest-scored customers of the whole table.
    ListTo {
        path: PathBuf,
        contacts: usize,
    },
    /// Show the scored customers sorted and filtered (computed on a worker).
    ViewScored(TableView),
    /// Ask where to save chart `name`, shown at `rect` (points).
    ChartPngDialog {
        name: String,
        rect: egui::Rect,
    },
    /// Ask where to save the model as SQL (the Predictions step's SQL window's settings).
    SqlDialog,
    /// Write the model as SQL, as the SQL window is set.
    SqlTo(PathBuf),
    /// Score every customer of the table with the model and write them to a PostgreSQL table
    /// (`url` names it, without password), replacing it.
    ToDatabase {
        url: String,
        password: String,
    },
    /// Ask where to save the model as a file another engine reads.
    ModelFileDialog(ModelFile),
    /// Write the model as a file another engine reads.
    ModelFileTo {
        path: PathBuf,
        format: ModelFile,
    },
    /// Screenshot the window and save the part at `rect` as a PNG.
    SaveChartPng {
        path: PathBuf,
        rect: egui::Rect,
    },
}

/// Model files for other engines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelFile {
    /// LightGBM's text model format (trees, forests, boosting).
    LightGbm,
    /// ONNX (linear and logistic regression, trees, forests, boosting).
    Onnx,
}

impl ModelFile {
    /// The save dialog's title, what it calls the file, its extension and the name offered.
    pub fn file_choice(self) -> [&'static str; 4] {
        match self {
            Self::LightGbm => [
                "Save the model for LightGBM",
                "LightGBM text model",
                "txt",
                "model.lightgbm.txt",
            ],
            Self::Onnx => ["Save the model as ONNX", "ONNX model", "onnx", "model.onnx"],
        }
    }
}

/// Projects and the autosaved session.
#[derive(Clone, Debug)]
pub enum ProjectCommand {
    OpenDialog,
    SaveDialog,
    /// Load a project's data, recipe and settings, and retrain its model (same seed), or
    /// measure again a model trained elsewhere.
    OpenFrom(PathBuf),
    SaveTo(PathBuf),
    /// Reopen the session that was open when the app last stopped without closing.
    RestoreSession,
    DiscardSession,
}

macro_rules! into_command {
    ($($area:ident => $variant:ident),*) => {
        $(impl From<$area> for Command {
            fn from(c: $area) -> Self {
                Self::$variant(c)
            }
        })*
    };
}

into_command!(
    DataCommand => Data,
    RecipeCommand => Recipe,
    ModelCommand => Model,
    TrainCommand => Train,
    ExportCommand => Export,
    ProjectCommand => Project,
    OrdersCommand => Orders,
    UpliftCommand => Uplift,
    ForecastCommand => Forecast,
    TextCommand => Text
);

impl App {
    /// Runs one command.
    pub(super) fn apply(&mut self, command: Command, ctx: &egui::Context) {
        match command {
            Command::SelectStep(s) => self.state.step = s,
            Command::Data(c) => self.apply_data(c),
            Command::Recipe(c) => self.apply_recipe(c),
            Command::Model(c) => self.apply_model(c),
            Command::Train(c) => self.apply_train(c),
            Command::Export(c) => self.apply_export(c, ctx),
            Command::Project(c) => self.apply_project(c),
            Command::Orders(c) => self.apply_orders(c),
            Command::Uplift(c) => self.apply_uplift(c),
            Command::Forecast(c) => self.apply_forecast(c),
            Command::Text(c) => self.apply_text(c),
            Command::Notify { message, .. } if message.is_empty() => {}
            Command::Notify { message, error } => {
                if error {
                    self.notifications.error(message);
                } else {
                    self.notifications.info(message);
                }
            }
        }
        ctx.request_repaint();
    }
}
