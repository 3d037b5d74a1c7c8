//! The app's side of the recipe: changes with undo / redo, applying it on the `clean` worker,
//! previewing a step, and recipe files.

use std::path::Path;

use workbench_core::Result;
use workbench_core::data::export;
use workbench_core::data::profile::profile;
use workbench_core::data::recipe::Recipe;
use workbench_core::error::Error;
use workbench_core::jobs::{Job, JobContext};

use super::App;
use super::commands::RecipeCommand;
use super::dialogs::FileChoice;
use super::state::{Cleaned, Preview};

impl App {
    pub(super) fn apply_recipe(&mut self, command: RecipeCommand) {
        match command {
            RecipeCommand::AddStep(step) => self.change_recipe(|r| r.push(step)),
            RecipeCommand::RemoveStep(i) => self.change_recipe(|r| {
                if i < r.steps.len() {
                    r.steps.remove(i);
                }
            }),
            RecipeCommand::MoveStep { from, to } => self.change_recipe(|r| {
                if from < r.steps.len() && to < r.steps.len() {
                    let s = r.steps.remove(from);
                    r.steps.insert(to, s);
                }
            }),
            RecipeCommand::ToggleStep(i) => self.change_recipe(|r| {
                if let Some(s) = r.steps.get_mut(i) {
                    s.enabled = !s.enabled;
                }
            }),
            RecipeCommand::Undo => self.undo(),
            RecipeCommand::Redo => self.redo(),
            RecipeCommand::PreviewStep(step) => {
                let mut recipe = self.state.recipe.clone();
                recipe.push(step.clone());
                if let Some(j) = self.spawn_recipe(recipe, "preview") {
                    self.jobs.preview.set(j);
                }
                self.state.preview = Some(Preview { step, result: None });
            }
            RecipeCommand::DiscardPreview => {
                self.jobs.preview.clear();
                self.state.preview = None;
            }
            RecipeCommand::OpenDialog => self.file_dialog(
                "recipe",
                FileChoice::open("Open a recipe", "Recipe (JSON)", vec!["json"]),
                |p| RecipeCommand::OpenFrom(p).into(),
            ),
            RecipeCommand::SaveDialog => self.file_dialog(
                "recipe",
                FileChoice::save(
                    "Save the recipe",
                    "Recipe (JSON)",
                    vec!["json"],
                    "recipe.json".into(),
                ),
                |p| RecipeCommand::SaveTo(p).into(),
            ),
            RecipeCommand::OpenFrom(path) => match Recipe::load(&path) {
                Ok(recipe) => {
                    self.change_recipe(|r| *r = recipe);
                    self.notifications
                        .info(format!("Opened recipe {}", path.display()));
                }
                Err(e) => self.notifications.error(e.one_line()),
            },
            RecipeCommand::SaveTo(path) => match self.save_recipe(&path) {
                Ok(()) => self
                    .notifications
                    .info(format!("Saved recipe {}", path.display())),
                Err(e) => self.notifications.error(e.one_line()),
            },
        }
    }

    fn save_recipe(&self, path: &Path) -> Result<()> {
        export::write_atomic(path, |w| {
            use std::io::Write;
            w.write_all(self.state.recipe.to_json().as_bytes())
                .map_err(|e| Error::io(path, e))
        })
    }

    /// Applies `recipe` to the loaded table on a worker named `thread`.
    fn spawn_recipe(&mut self, recipe: Recipe, thread: &str) -> Option<Job<Result<Cleaned>>> {
        let frame = self.state.dataset.as_ref()?.frame.clone();
        let work = move |_: &JobContext<Result<Cleaned>>| -> Result<Cleaned> {
            let (_, out, effects) = recipe.fit_transform_with_effects(&frame)?;
            let profile = profile(&out)?;
            Ok(Cleaned {
                frame: out,
                profile,
                effects,
            })
        };
        match Job::compute(thread, "Applying the recipe", self.waker.clone(), work) {
            Ok(j) => Some(j),
            Err(e) => {
                self.notifications.error(e.one_line());
                None
            }
        }
    }

    /// Re-applies the recipe (fitted on all rows, for display).
    pub(super) fn spawn_clean(&mut self) {
        match self.spawn_recipe(self.state.recipe.clone(), "clean") {
            Some(j) => self.jobs.clean.set(j),
            None => self.jobs.clean.clear(),
        }
    }

    /// Changes the recipe, remembering the old one for Undo, and re-applies it.
    fn change_recipe(&mut self, change: impl FnOnce(&mut Recipe)) {
        let before = self.state.recipe.clone();
        change(&mut self.state.recipe);
        if self.state.recipe != before {
            self.state.history.undo.push(before);
            self.state.history.redo.clear();
            self.state.preview = None;
            self.spawn_clean();
        }
    }

    fn undo(&mut self) {
        if let Some(previous) = self.state.history.undo.pop() {
            let current = std::mem::replace(&mut self.state.recipe, previous);
            self.state.history.redo.push(current);
            self.spawn_clean();
        }
    }

    fn redo(&mut self) {
        if let Some(next) = self.state.history.redo.pop() {
            let current = std::mem::replace(&mut self.state.recipe, next);
            self.state.history.undo.push(current);
            self.spawn_clean();
        }
    }

    pub(super) fn on_cleaned(&mut self, result: Result<Cleaned>) {
        match result {
            Ok(c) => {
                self.state.cleaned = Some(c);
                // The recipe changed what the campaign test's model would see: check it again.
                if self.state.uplift.active {
                    self.check_experiment();
                }
            }
            Err(e) => {
                // The last change broke the recipe: take it back and say why.
                self.notifications
                    .error(format!("That change can't be applied: {}", e.one_line()));
                self.state.recipe = self.state.history.undo.pop().unwrap_or_default();
                self.spawn_clean();
            }
        }
    }

    pub(super) fn on_previewed(&mut self, result: Result<Cleaned>) {
        match result {
            Ok(c) => {
                if let Some(p) = &mut self.state.preview {
                    p.result = Some(c);
                }
            }
            Err(e) => {
                self.state.preview = None;
                self.notifications
                    .error(format!("That step can't be applied: {}", e.one_line()));
            }
        }
    }
}
