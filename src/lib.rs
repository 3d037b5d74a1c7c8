//! Marketing Workbench, the app: the desktop window ([`ui`]) and the command line ([`cli`]), both
//! over the core crate (`workbench_core`), which holds every table operation, model and file
//! format and knows nothing of either.

pub mod cli;
pub mod ui;
