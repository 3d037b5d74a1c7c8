//! The core crate's dependency tree holds no GUI crate: the CLI, the fuzz targets and any other
//! tool build the core without a window system (ARCHITECTURE.md, "Workspace").
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at the first broken expectation"
)]

use std::process::Command;

#[test]
fn the_core_has_no_gui_crate_in_its_tree() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "-p",
            "workbench-core",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.lines().count() > 50, "too short a tree:\n{tree}");
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for gui in [
        "egui",
        "eframe",
        "egui_plot",
        "egui_extras",
        "rfd",
        "winit",
        "egui-winit",
    ] {
        assert!(!crates.contains(&gui), "the core depends on {gui}");
    }
}
