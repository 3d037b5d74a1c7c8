//! The autosaved session and the offer to restore it after a crash.

use std::path::PathBuf;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use workbench_core::data::export;
use workbench_core::error::Error;
use workbench_core::project::Project;

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
    /// Whether a model had been trained (the session itself keeps no model).
    #[serde(default)]
    trained: bool,
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

    /// The session left by a run that did not close properly, if it holds something the user
    /// made (the untouched sample is not worth a question).
    pub fn crashed_session(&self) -> Option<Project> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let file: SessionFile = serde_json::from_str(&text).ok()?;
        if file.clean_exit {
            return None;
        }
        file.session.filter(|s| file.trained || s.holds_user_work())
    }

    /// Writes the session if it changed (checked at most every two seconds).
    pub fn update(&mut self, session: Option<Project>, trained: bool, clean_exit: bool) {
        if !clean_exit && self.last_check.elapsed().as_secs_f32() < 2.0 {
            return;
        }
        self.last_check = Instant::now();
        let Ok(text) = serde_json::to_string(&SessionFile {
            clean_exit,
            session,
            trained,
        }) else {
            return;
        };
        if text == self.last_written {
            return;
        }
        self.last_written.clone_from(&text);
        let path = self.path.clone();
        let write = move || {
            let written = export::write_atomic(&path, |w| {
                use std::io::Write;
                w.write_all(text.as_bytes())
                    .map_err(|e| Error::io(&path, e))
            });
            // The session file is a convenience: a failed write costs only the restore offer.
            if let Err(e) = written {
                eprintln!("warning: could not save the session: {}", e.one_line());
            }
        };
        if clean_exit {
            write(); // closing: the process may end right after this frame
        } else if let Err(e) = std::thread::Builder::new()
            .name("autosave".into())
            .spawn(write)
        {
            eprintln!("warning: could not start the autosave thread: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workbench_core::data::recipe::Recipe;
    use workbench_core::ml::ModelSettings;
    use workbench_core::project::DataSource;

    #[test]
    fn a_session_left_by_a_crash_is_offered_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut autosave = Autosave {
            path: dir.path().join("session.json"),
            last_written: String::new(),
            last_check: Instant::now() - std::time::Duration::from_secs(10),
        };
        assert!(autosave.crashed_session().is_none());
        // The untouched sample: nothing the user made, nothing to offer.
        let untouched = Project::new(
            DataSource::Sample,
            Recipe::default(),
            ModelSettings::default(),
            Vec::new(),
            None,
        );
        autosave.update(Some(untouched.clone()), false, false);
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(autosave.crashed_session().is_none());
        autosave.last_check = Instant::now() - std::time::Duration::from_secs(10);
        // A target picked: worth offering back.
        let mut session = untouched;
        session.settings.target = Some("responded".into());
        // Running: written in the background, not marked closed.
        autosave.update(Some(session.clone()), false, false);
        for _ in 0..100 {
            if autosave.crashed_session().is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(autosave.crashed_session(), Some(session.clone()));
        // Closed properly: nothing to offer.
        autosave.update(Some(session), false, true);
        assert!(autosave.crashed_session().is_none());
    }
}
