//! The saved project: where the data came from, the recipe, the model settings, the segment
//! names, and whether a model was trained (and the model itself, for scoring without the app).
//! Opening it loads the data again, restores the rest, and retrains with the same seed, which
//! gives the same model and the same numbers.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::data::export::{JsonKind, read_versioned_json, write_json};
use crate::data::recipe::Recipe;
use crate::error::Result;
use crate::ml::ModelSettings;
use crate::ml::saved::SavedModel;

pub const FORMAT: &str = "marketing-workbench-project";
pub const FORMAT_VERSION: u32 = 1;
/// Project files larger than this are refused (they hold settings and one model, not data).
pub const MAX_PROJECT_BYTES: u64 = 256 << 20;

/// Where the table came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DataSource {
    /// The bundled sample customers.
    Sample,
    /// The bundled sample orders of the same customers ([`crate::samples::orders`]).
    OrdersSample,
    /// The sample customers with a randomised campaign test ([`crate::samples::experiment`]).
    ExperimentSample,
    /// The bundled sample posts by the same customers ([`crate::samples::reviews`]).
    PostsSample,
    /// A file, and the worksheet for a workbook.
    File {
        path: PathBuf,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sheet: Option<String>,
    },
    /// A PostgreSQL table or query: its `postgresql://` URL, never with a password (see
    /// [`crate::data::postgres`]).
    Database { url: String },
}

/// A whole session, as saved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub format: String,
    pub format_version: u32,
    pub source: DataSource,
    pub recipe: Recipe,
    pub settings: ModelSettings,
    #[serde(default)]
    pub segment_names: Vec<String>,
    /// The trained model, if there was one (opening retrains it with the same seed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<SavedModel>,
    /// The model was trained elsewhere (read from a LightGBM file): opening can't retrain it,
    /// so it measures this one on the data again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub model_trained_elsewhere: bool,
    /// The campaign-test question's settings, when it was the question asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uplift: Option<crate::uplift::Settings>,
    /// The forecasting question's settings, when it was the question asked (opening runs it
    /// again with the same seed: the same forecasts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast: Option<crate::forecast::Settings>,
    /// The text question's settings, when it was the question asked (opening reads the texts
    /// again with the same seed: the same themes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<crate::text::TextSettings>,
}

impl Project {
    /// Whether it holds something the user made: a file other than the sample, recipe steps,
    /// a target or model picked, named segments, or a model.
    pub fn holds_user_work(&self) -> bool {
        self.source != DataSource::Sample
            || !self.recipe.steps.is_empty()
            || self.settings.target.is_some()
            || self.settings.model.is_some()
            || self.segment_names.iter().any(|n| !n.trim().is_empty())
            || self.model.is_some()
            || self.uplift.is_some()
            || self.forecast.is_some()
    }

    pub fn new(
        source: DataSource,
        recipe: Recipe,
        settings: ModelSettings,
        segment_names: Vec<String>,
        model: Option<SavedModel>,
    ) -> Self {
        Self {
            format: FORMAT.to_owned(),
            format_version: FORMAT_VERSION,
            source,
            recipe,
            settings,
            segment_names,
            model,
            model_trained_elsewhere: false,
            uplift: None,
            forecast: None,
            text: None,
        }
    }

    /// Writes the project atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_json(self, path)
    }

    /// Reads a project, refusing other files, newer formats and oversized files.
    pub fn load(path: &Path) -> Result<Self> {
        read_versioned_json(
            path,
            &JsonKind {
                format: FORMAT,
                version: FORMAT_VERSION,
                max_bytes: MAX_PROJECT_BYTES,
                noun: "project",
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.mwb.json");
        let mut recipe = Recipe::default();
        recipe.push(crate::data::recipe::Step::DropColumns {
            columns: vec!["customer_id".into()],
        });
        let p = Project::new(
            DataSource::File {
                path: "/data/customers.xlsx".into(),
                sheet: Some("Q3".into()),
            },
            recipe,
            ModelSettings {
                target: Some("responded".into()),
                ..Default::default()
            },
            vec!["Loyal".into()],
            None,
        );
        p.save(&path).unwrap();
        assert_eq!(Project::load(&path).unwrap(), p);
        let newer = std::fs::read_to_string(&path)
            .unwrap()
            .replace("\"format_version\": 1", "\"format_version\": 7");
        std::fs::write(&path, newer).unwrap();
        assert!(
            Project::load(&path)
                .unwrap_err()
                .to_string()
                .contains("newer")
        );
        std::fs::write(&path, "{\"format\": \"something else\"}").unwrap();
        assert!(
            Project::load(&path)
                .unwrap_err()
                .to_string()
                .contains("not a Marketing Workbench project file")
        );
    }
}
