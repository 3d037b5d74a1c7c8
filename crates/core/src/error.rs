//! The one error type of the core: every variant says what went wrong and where, in words a
//! marketer can act on. The CLI prints it on one line; the GUI shows it as a notification.

use std::path::{Path, PathBuf};

/// An error from loading, cleaning, training, scoring or writing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A file was read but its contents are not what we expect (with line / column when known).
    #[error("{path}: {message}")]
    BadFile { path: PathBuf, message: String },

    /// A column the operation needs is not in the table.
    #[error("column '{name}' is not in the data{context}")]
    MissingColumn { name: String, context: String },

    /// The data or settings can't be used as asked (one class, no rows, …).
    #[error("{0}")]
    InvalidInput(String),

    /// A model is named that this build does not train yet.
    #[error("model '{0}' is not available yet")]
    NotAvailable(String),

    /// The user pressed Cancel.
    #[error("cancelled")]
    Cancelled,

    /// An error from polars that we could not attribute to a file position.
    #[error("data error: {0}")]
    Polars(#[from] polars::prelude::PolarsError),

    /// A model library reported a failure.
    #[error("model error: {0}")]
    Model(String),
}

/// Shorthand used across the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// A problem with the contents of `path`.
    pub fn bad_file(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Self::BadFile {
            path: path.as_ref().to_path_buf(),
            message: message.into(),
        }
    }

    /// A column that is not there.
    pub fn missing_column(name: impl Into<String>, context: impl Into<String>) -> Self {
        let context = context.into();
        Self::MissingColumn {
            name: name.into(),
            context: if context.is_empty() {
                context
            } else {
                format!(" ({context})")
            },
        }
    }

    /// A one-line message, safe to print on stderr or in a notification.
    pub fn one_line(&self) -> String {
        self.to_string().replace(['\n', '\r'], " ")
    }
}
