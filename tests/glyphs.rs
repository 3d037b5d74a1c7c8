//! Every character in the string literals of the source can be drawn by the bundled fonts
//! (otherwise the app shows an empty box where a mark or symbol was meant).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::let_underscore_must_use,
    reason = "a test or benchmark stops at the first broken expectation"
)]

use std::path::Path;

/// The text between the first and the last double quote of each line: string literals, roughly.
/// Test code is left out (its strings are data that never reach the screen: Chinese posts, say,
/// which the app draws with a system font when there is one, see `ui::fonts`).
fn literals(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            literals(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            let text = std::fs::read_to_string(&path).unwrap();
            // An inline test module runs to the end of its file.
            let code = text
                .split("#[cfg(test)]\nmod tests {")
                .next()
                .unwrap_or_default();
            for line in code.lines() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                if let (Some(a), Some(b)) = (line.find('"'), line.rfind('"'))
                    && a < b
                {
                    out.push(line[a..b].to_owned());
                }
            }
        }
    }
}

#[test]
fn every_ui_character_has_a_glyph() {
    let mut sources = Vec::new();
    // The app's own text and the core's (its messages and labels reach the screen too).
    let top = Path::new(env!("CARGO_MANIFEST_DIR"));
    literals(&top.join("src"), &mut sources);
    literals(&top.join("crates/core/src"), &mut sources);
    let mut chars: Vec<char> = sources.concat().chars().filter(|c| !c.is_ascii()).collect();
    chars.sort_unstable();
    chars.dedup();
    let ctx = egui::Context::default();
    let _ = ctx.run_ui(Default::default(), |_| {});
    let missing: Vec<char> = ctx.fonts_mut(|f| {
        chars
            .iter()
            .copied()
            .filter(|&c| !f.has_glyph(&egui::FontId::proportional(14.0), c))
            .collect()
    });
    assert!(missing.is_empty(), "no glyph for {missing:?}");
}
