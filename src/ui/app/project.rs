//! Projects (data source, recipe, settings, segment names, model) and the autosaved session
//! that is offered back after the app stopped without closing.

use std::path::Path;

use workbench_core::project::{DataSource, Project};
use workbench_core::train::EvaluatedOn;

use super::commands::ProjectCommand;
use super::dialogs::FileChoice;
use super::state::RecipeHistory;
use super::training::TrainingRun;
use super::{App, WorkflowStep};

impl App {
    pub(super) fn apply_project(&mut self, command: ProjectCommand) {
        match command {
            ProjectCommand::OpenDialog => self.file_dialog(
                "project",
                FileChoice::open(
                    "Open a project",
                    "Marketing Workbench project",
                    vec!["json"],
                ),
                |p| ProjectCommand::OpenFrom(p).into(),
            ),
            ProjectCommand::SaveDialog => self.file_dialog(
                "project",
                FileChoice::save(
                    "Save the project",
                    "Marketing Workbench project",
                    vec!["json"],
                    "campaign.mwb.json".into(),
                ),
                |p| ProjectCommand::SaveTo(p).into(),
            ),
            ProjectCommand::OpenFrom(path) => match Project::load(&path) {
                Ok(project) => self.open_project(project),
                Err(e) => self.notifications.error(e.one_line()),
            },
            ProjectCommand::SaveTo(path) => self.save_project(&path),
            ProjectCommand::RestoreSession => {
                if let Some(project) = self.state.restore_offer.take() {
                    self.open_project(project);
                }
            }
            ProjectCommand::DiscardSession => self.state.restore_offer = None,
        }
    }

    /// Loads a project's data, then (in [`App::apply_pending_project`]) the rest.
    fn open_project(&mut self, project: Project) {
        self.spawn_load(project.source.clone());
        self.pending_project = Some(project);
    }

    /// The session as a project (without the model: reopening retrains it), for autosave.
    pub(super) fn session(&self) -> Option<Project> {
        let ds = self.state.dataset.as_ref()?;
        if ds.derived.is_some() {
            return None;
        }
        let source = match &ds.source {
            DataSource::File { path, sheet } => DataSource::File {
                path: std::path::absolute(path).unwrap_or_else(|_| path.clone()),
                sheet: sheet.clone(),
            },
            other => other.clone(),
        };
        let mut project = Project::new(
            source,
            self.state.recipe.clone(),
            self.state.settings.clone(),
            self.panels.predictions.segment_names.clone(),
            None,
        );
        project.uplift = self
            .state
            .uplift
            .active
            .then(|| self.state.uplift.settings.clone());
        project.forecast = self
            .state
            .forecast
            .active
            .then(|| self.state.forecast.settings.clone())
            .flatten();
        project.text = self
            .state
            .text
            .active
            .then(|| self.state.text.settings.clone())
            .flatten();
        Some(project)
    }

    fn save_project(&mut self, path: &Path) {
        let Some(ds) = &self.state.dataset else {
            self.notifications
                .error("Open some data first: a project starts from a data file");
            return;
        };
        if ds.derived.is_some() {
            self.notifications.error(
                "Projects can't hold a table made in the app (an RFM summary, lifetime value or text vectors added) yet: export it as CSV (train a model, or use the CLI) and open that",
            );
            return;
        }
        let Some(mut project) = self.session() else {
            return;
        };
        let outcome = self.state.training.as_ref().and_then(TrainingRun::outcome);
        project.model = outcome.map(|o| o.model.clone());
        project.model_trained_elsewhere =
            outcome.is_some_and(|o| o.evaluated_on == EvaluatedOn::AllRows);
        match project.save(path) {
            Ok(()) => self
                .notifications
                .info(format!("Saved project {}", path.display())),
            Err(e) => self.notifications.error(e.one_line()),
        }
    }

    /// Restores a project's recipe, settings and names once its data is loaded, and retrains.
    pub(super) fn apply_pending_project(&mut self) {
        let Some(project) = self.pending_project.take() else {
            return;
        };
        self.state.recipe = project.recipe;
        self.state.history = RecipeHistory::default();
        self.state.settings = project.settings;
        self.panels.predictions.segment_names = project.segment_names;
        self.spawn_clean();
        self.spawn_target_profile();
        if let Some(text) = project.text {
            // The texts, read as they were set up: the same seed gives the same themes.
            self.apply_text(super::TextCommand::Change(Box::new(text)));
            self.apply_text(super::TextCommand::SetActive(true));
            self.apply_text(super::TextCommand::Start);
        } else if let Some(forecast) = project.forecast {
            // The forecast, as it was set up, run again: the same seed gives the same numbers.
            self.apply_forecast(super::ForecastCommand::Change(Box::new(forecast)));
            self.apply_forecast(super::ForecastCommand::SetActive(true));
            self.apply_forecast(super::ForecastCommand::Start);
        } else if let Some(uplift) = project.uplift {
            // The campaign-test question, as it was set up: its settings, and the check of the
            // experiment (the run itself is the user's to start).
            self.state.uplift.settings = uplift;
            self.state.uplift.check = None;
            self.apply_uplift(super::UpliftCommand::SetActive(true));
            self.state.step = WorkflowStep::Model;
        } else if let Some(model) = project.model {
            if project.model_trained_elsewhere {
                // It can't be trained again here: measured again, as when it was read.
                self.assess_model(model);
            } else {
                self.start_training();
            }
            self.state.step = WorkflowStep::Predictions;
        }
    }
}
