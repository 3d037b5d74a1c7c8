//! The app's side of the model settings: every change comes through [`ModelCommand`], and what
//! depends on a setting is cleared here, once: runs of another question or target don't belong
//! on one leaderboard, and a search of other settings is stale.

use workbench_core::ml::{Answer, ModelSettings, Task, infer_task};

use super::App;
use super::commands::ModelCommand;

impl App {
    pub(super) fn apply_model(&mut self, command: ModelCommand) {
        match command {
            ModelCommand::SetTarget(target) => self.set_target(target),
            ModelCommand::SetPositive(positive) => {
                let mut s = self.state.settings.clone();
                s.positive = positive;
                self.change_settings(s);
            }
            ModelCommand::Change(settings) => self.change_settings(*settings),
        }
    }

    /// A new target: the task follows from it, "yes" goes back to automatic, and the model
    /// changes only if it can't answer the new question.
    fn set_target(&mut self, target: Option<String>) {
        let mut s = self.state.settings.clone();
        s.target = target;
        if let Some(t) = &s.target {
            s.ignore.retain(|c| c != t);
        }
        let task = self
            .state
            .current_frame()
            .and_then(|f| infer_task(f, s.target.as_deref()).ok())
            .unwrap_or(Task::Segments);
        s.task = Some(task);
        s.positive = None;
        self.change_settings(s);
    }

    /// The answer the settings ask for, from the target's values in the current profile.
    fn answer_of(&self, s: &ModelSettings) -> Answer {
        let values = s
            .target
            .as_ref()
            .and_then(|t| {
                self.state
                    .current_profile()?
                    .columns
                    .iter()
                    .find(|c| &c.name == t)
            })
            .map_or(0, |c| c.distinct);
        Answer::of(
            s.task.unwrap_or(Task::Classification),
            values,
            s.positive.is_some(),
        )
    }

    /// Takes new settings: a model that can't give the answer they ask for gives way to the
    /// first one that can, and a change of question, target, "yes" or model clears the
    /// leaderboard and the search; a change of target, task or "yes" refreshes the target
    /// profile.
    pub(super) fn change_settings(&mut self, mut new: ModelSettings) {
        let answer = self.answer_of(&new);
        if !new.model.is_some_and(|m| m.can_answer(answer)) {
            new.model = answer.models().next();
        }
        let old = &self.state.settings;
        let question_changed =
            old.target != new.target || old.task != new.task || old.positive != new.positive;
        if question_changed || old.model != new.model {
            self.state.leaderboard.clear();
            self.state.search = None;
        }
        self.state.settings = new;
        let ignored = &self.state.settings.ignore;
        self.state.leaks.retain(|l| !ignored.contains(&l.column));
        if question_changed {
            self.spawn_target_profile();
        }
    }
}
