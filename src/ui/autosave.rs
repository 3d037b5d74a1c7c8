//! The autosaved session and the offer to restore it after a crash.

use std::path::PathBuf;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::data::export;
use crate::error::Error;
use crate::project::Project;

/// The autosaved session: `session.json` in the app's data folder, holding the session and
/// whether the app closed properly. Written (atomically, on a thread) when the session changes.
pub struct Autosave {
    path: PathBuf,
    last_written: String,
    last_check: Instant,
}

#[derive(Serialize, Deserialize)]
struct SessionFile {
    clean_exit: bool,
    session: Option<Project>,
}

impl Autosave {
    pub fn open() -> Option<Self> {
        let dir = eframe::storage_dir("Marketing Workbench")?;
        std::fs::create_dir_all(&dir).ok()?;
        Some(Self {
            path: dir.join("session.json"),
            last_written: String::new(),
            last_check: Instant::now(),
        })
    }

    /// The session left by a run that did not close properly.
    pub fn crashed_session(&self) -> Option<Project> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let file: SessionFile = serde_json::from_str(&text).ok()?;
        if file.clean_exit { None } else { file.session }
    }

    /// Writes the session if it changed (checked at most every two seconds).
    pub fn update(&mut self, session: Option<Project>, clean_exit: bool) {
        if !clean_exit && self.last_check.elapsed().as_secs_f32() < 2.0 {
            return;
        }
        self.last_check = Instant::now();
        let Ok(text) = serde_json::to_string(&SessionFile {
            clean_exit,
            session,
        }) else {
            return;
        };
        if text == self.last_written {
            return;
        }
        self.last_written.clone_from(&text);
        let path = self.path.clone();
        let write = move || {
            let _ = export::write_atomic(&path, |w| {
                use std::io::Write;
                w.write_all(text.as_bytes())
                    .map_err(|e| Error::io(&path, e))
            });
        };
        if clean_exit {
            write(); // closing: the process may end right after this frame
        } else {
            let _ = std::thread::Builder::new()
                .name("autosave".into())
                .spawn(write);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::recipe::Recipe;
    use crate::ml::ModelSettings;
    use crate::project::DataSource;

    #[test]
    fn a_session_left_by_a_crash_is_offered_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut autosave = Autosave {
            path: dir.path().join("session.json"),
            last_written: String::new(),
            last_check: Instant::now() - std::time::Duration::from_secs(10),
        };
        assert!(autosave.crashed_session().is_none());
        let session = Project::new(
            DataSource::Sample,
            Recipe::default(),
            ModelSettings::default(),
            Vec::new(),
            None,
        );
        // Running: written in the background, not marked closed.
        autosave.update(Some(session.clone()), false);
        for _ in 0..100 {
            if autosave.crashed_session().is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(autosave.crashed_session(), Some(session.clone()));
        // Closed properly: nothing to offer.
        autosave.update(Some(session), true);
        assert!(autosave.crashed_session().is_none());
    }
}
