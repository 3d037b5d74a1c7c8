//! The one class rule: what kind of answer a target asks for (a yes/no, one of several
//! classes, an amount, or segments without a target) and which models can give it. The Model
//! panel, the plan and the models all ask here, and every message that names the capable models
//! lists them from [`ModelKind::ALL`], so a new model appears everywhere by being registered.

use serde::{Deserialize, Serialize};

use super::models::ModelKind;
use super::{Classes, Task};

/// What a model is asked to give for each customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Answer {
    /// Yes or no (two labels, or one chosen label against all the others).
    YesNo,
    /// One of several classes (3 to [`super::MAX_CLASSES`] labels, none chosen as the yes).
    SeveralClasses,
    /// An amount.
    Amount,
    /// A segment (no target).
    Segment,
}

impl Answer {
    /// The answer a task asks for, given how many values its target has and whether one of
    /// them was chosen as the yes. (`values` only matters for classification.)
    pub fn of(task: Task, values: usize, positive_chosen: bool) -> Self {
        match task {
            Task::Classification if values > 2 && !positive_chosen => Self::SeveralClasses,
            Task::Classification => Self::YesNo,
            Task::Regression => Self::Amount,
            Task::Segments => Self::Segment,
        }
    }

    /// The task that gives this answer.
    pub fn task(self) -> Task {
        match self {
            Self::YesNo | Self::SeveralClasses => Task::Classification,
            Self::Amount => Task::Regression,
            Self::Segment => Task::Segments,
        }
    }

    /// Words for a message: "a yes/no", "one of several classes", …
    pub fn words(self) -> &'static str {
        match self {
            Self::YesNo => "a yes/no",
            Self::SeveralClasses => "one of several classes",
            Self::Amount => "an amount",
            Self::Segment => "segments",
        }
    }

    /// The models that can give this answer, in the registry's order.
    pub fn models(self) -> impl Iterator<Item = ModelKind> {
        ModelKind::ALL
            .into_iter()
            .filter(move |m| m.can_answer(self))
    }

    /// The capable models as words: "logistic regression, gradient boosting or naive Bayes".
    pub fn models_in_words(self) -> String {
        let names: Vec<String> = self
            .models()
            .map(|m| m.in_a_sentence().to_owned())
            .collect();
        match names.split_last() {
            None => String::new(),
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        }
    }

    /// Why `kind` can't give this answer and what to do instead.
    pub fn refusal(self, kind: ModelKind) -> String {
        let mut message = format!(
            "{} can't predict {}: use {}",
            kind.label(),
            self.words(),
            self.models_in_words()
        );
        if self == Self::SeveralClasses {
            message.push_str(", or pick the value you care about as the yes (--positive)");
        }
        message
    }
}

impl ModelKind {
    /// The model's name inside a sentence ("use gradient boosting or naive Bayes").
    pub fn in_a_sentence(self) -> &'static str {
        match self {
            Self::Logistic => "logistic regression",
            Self::Linear => "linear regression",
            Self::Tree => "a decision tree",
            Self::Forest => "a random forest",
            Self::Boosting => "gradient boosting",
            Self::Svm => "a support vector machine",
            Self::NaiveBayes => "naive Bayes",
            Self::Mlp => "the neural network",
            Self::KMeans => "k-means",
            Self::Gmm => "a Gaussian mixture",
        }
    }

    /// Whether this model can give `answer`: the one place the rule is written.
    pub fn can_answer(self, answer: Answer) -> bool {
        match self {
            Self::Logistic | Self::NaiveBayes => {
                matches!(answer, Answer::YesNo | Answer::SeveralClasses)
            }
            Self::Svm => answer == Answer::YesNo,
            Self::Linear => answer == Answer::Amount,
            Self::KMeans | Self::Gmm => answer == Answer::Segment,
            Self::Tree | Self::Forest => matches!(answer, Answer::YesNo | Answer::Amount),
            Self::Boosting | Self::Mlp => answer != Answer::Segment,
        }
    }

    /// Whether it can do `task` for some target.
    pub fn supports(self, task: Task) -> bool {
        match task {
            Task::Classification => self.can_answer(Answer::YesNo),
            Task::Regression => self.can_answer(Answer::Amount),
            Task::Segments => self.can_answer(Answer::Segment),
        }
    }
}

/// What a trained model answers: its task and family, and the target with its classes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub task: Task,
    pub kind: ModelKind,
    pub target: Option<String>,
    /// Yes/no targets: which label is "yes".
    pub classes: Option<Classes>,
    /// Several classes: the label of each class, in class order.
    pub labels: Vec<String>,
}

impl Question {
    /// The answer its model gives.
    pub fn answer(&self) -> Answer {
        match self.task {
            Task::Classification if !self.labels.is_empty() => Answer::SeveralClasses,
            t => Answer::of(t, 2, true),
        }
    }

    /// The number of classes a model sees: 2 for yes/no, K for several, 0 otherwise.
    pub fn class_count(&self) -> usize {
        match self.answer() {
            Answer::YesNo => 2,
            Answer::SeveralClasses => self.labels.len(),
            Answer::Amount | Answer::Segment => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_list_the_registered_models() {
        let m = Answer::SeveralClasses.refusal(ModelKind::Tree);
        assert_eq!(
            m,
            "Decision tree can't predict one of several classes: use logistic regression, gradient boosting, naive Bayes or the neural network, or pick the value you care about as the yes (--positive)"
        );
        assert_eq!(
            Answer::Segment.models_in_words(),
            "k-means or a Gaussian mixture"
        );
    }

    #[test]
    fn the_answer_follows_values_and_the_chosen_yes() {
        assert_eq!(Answer::of(Task::Classification, 2, false), Answer::YesNo);
        assert_eq!(
            Answer::of(Task::Classification, 5, false),
            Answer::SeveralClasses
        );
        assert_eq!(Answer::of(Task::Classification, 5, true), Answer::YesNo);
        for m in ModelKind::ALL {
            assert!(
                Task::ALL.iter().any(|&t| m.supports(t)),
                "{m:?} does nothing"
            );
        }
    }
}
