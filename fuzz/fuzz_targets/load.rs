//! The file sniffer and loader on arbitrary bytes: the text reader directly, then the whole
//! path-based loader (kind detection, Excel, Parquet, JSON, NDJSON) on the same bytes written
//! to a file whose extension the input's last byte picks.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;

use libfuzzer_sys::fuzz_target;
use workbench_core::data::load::{self, FileKind};

const EXTENSIONS: [&str; 5] = ["csv", "xlsx", "parquet", "json", "ndjson"];

fn dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temp folder"))
        .path()
}

fuzz_target!(|data: &[u8]| {
    let _ = load::read_text_bytes(data, Path::new("fuzz.csv"));

    let ext = EXTENSIONS[usize::from(data.last().copied().unwrap_or(0)) % EXTENSIONS.len()];
    let path = dir().join(format!("fuzz.{ext}"));
    // Text goes through `read_text_bytes` again: done above, so skipped here to stay fast.
    if load::file_kind(&path, &data[..data.len().min(64)]) == FileKind::Text {
        return;
    }
    std::fs::write(&path, data).expect("the temp file is written");
    let _ = load::load_path(
        &path,
        &Default::default(),
        &mut |_, _| {},
        &AtomicBool::new(false),
    );
});
