//! Native file dialogs (rfd), each on its own `dialog:*` thread; the answer comes back as a
//! command through the app's inbox. Tests push the same commands instead.

use std::path::PathBuf;
use std::time::Instant;

use super::{App, Command};

/// A native file dialog, as data.
pub struct FileChoice {
    pub title: &'static str,
    pub filter: String,
    pub extensions: Vec<&'static str>,
    /// The suggested name when saving; `None` opens a file instead.
    pub save_as: Option<String>,
}

impl FileChoice {
    /// A dialog to open a file of these kinds.
    pub fn open(title: &'static str, filter: &str, extensions: Vec<&'static str>) -> Self {
        Self {
            title,
            filter: filter.to_owned(),
            extensions,
            save_as: None,
        }
    }

    /// A dialog to save a file, suggesting `name`.
    pub fn save(
        title: &'static str,
        filter: &str,
        extensions: Vec<&'static str>,
        name: String,
    ) -> Self {
        Self {
            save_as: Some(name),
            ..Self::open(title, filter, extensions)
        }
    }

    fn show(self) -> Option<PathBuf> {
        let dialog = rfd::FileDialog::new()
            .set_title(self.title)
            .add_filter(self.filter, &self.extensions);
        match self.save_as {
            Some(name) => dialog.set_file_name(name).save_file(),
            None => dialog.add_filter("All files", &["*"]).pick_file(),
        }
    }
}

/// What a native dialog's answer means: the command it picked; a cancel (nothing to do); or,
/// when it came back with nothing faster than a person can cancel, a dialog that never
/// appeared (no XDG desktop portal, say), which the user must hear about.
fn dialog_answer(picked: Option<Command>, asked: Instant) -> Command {
    match picked {
        Some(c) => c,
        None if asked.elapsed().as_millis() < 250 => Command::Notify {
            message:
                "The system file dialog could not be opened (is xdg-desktop-portal installed?). \
                      Drop the file onto this window instead, or start the app with \
                      `marketing-workbench open FILE`."
                    .to_owned(),
            error: true,
        },
        None => Command::Notify {
            message: String::new(),
            error: false,
        },
    }
}

impl App {
    /// Runs a native file dialog on its own thread; its answer comes back as a command.
    pub(super) fn file_dialog(
        &mut self,
        name: &str,
        choice: FileChoice,
        then: impl FnOnce(PathBuf) -> Command + Send + 'static,
    ) {
        let tx = self.inbox.0.clone();
        let waker = self.waker.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("dialog:{name}"))
            .spawn(move || {
                let asked = Instant::now();
                let picked = choice.show();
                // A failed send means the app has closed; nobody is left to answer.
                if tx.send(dialog_answer(picked.map(then), asked)).is_ok() {
                    waker();
                }
            });
        if let Err(e) = spawned {
            self.notifications
                .error(format!("could not open the file dialog: {e}"));
        }
    }
}
