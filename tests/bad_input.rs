//! The bad-input corpus (tests/data/bad/, plus large cases generated here) through `profile`,
//! `train` and `score`: every case ends in a clean exit or one line on stderr with exit 1, never
//! a panic or a hang, and a failed run leaves an existing output file untouched.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::let_underscore_must_use,
    reason = "a test or benchmark stops at the first broken expectation"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_marketing-workbench"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Exit code and stderr, asserting the run ended cleanly.
fn clean_end(args: &[&str]) -> (i32, String) {
    let o = run(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let code = o.status.code().expect("exited, not killed");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert!(code == 0 || code == 1, "{args:?} exit {code}: {err}");
    if code == 1 {
        assert_eq!(
            err.trim_end()
                .lines()
                .filter(|l| l.starts_with("error"))
                .count(),
            1,
            "{args:?}: {err}"
        );
    }
    (code, err)
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad")
}

#[test]
fn every_bad_file_gets_a_clear_answer() {
    let dir = tempfile::tempdir().unwrap();
    let big_field = dir.path().join("five_mb_field.csv");
    std::fs::write(&big_field, format!("a,b\n1,{}\n2,x\n", "x".repeat(5 << 20))).unwrap();
    let wide = dir.path().join("five_thousand_columns.csv");
    let header: Vec<String> = (0..5000).map(|i| format!("c{i}")).collect();
    let rows: Vec<String> = (0..3)
        .map(|r| {
            (0..5000)
                .map(|i| (i * r).to_string())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    std::fs::write(
        &wide,
        format!("{}\n{}\n", header.join(","), rows.join("\n")),
    )
    .unwrap();

    // (file, expected: Ok, or the error text)
    let cases: Vec<(PathBuf, Option<&str>)> = vec![
        (corpus().join("empty.csv"), Some("is empty")),
        (
            corpus().join("header_only.csv"),
            Some("has column names but no rows"),
        ),
        (corpus().join("binary.csv"), Some("binary")),
        (corpus().join("nul_bytes.csv"), Some("binary")),
        (
            corpus().join("ragged.csv"),
            Some("line 3 has 5 fields, the header has 3"),
        ),
        (corpus().join("unclosed_quote.csv"), Some("never closed")),
        (corpus().join("duplicate_names.csv"), None),
        (corpus().join("latin1_names.csv"), None),
        (corpus().join("inf_nan.csv"), None),
        (
            corpus().join("not_really.xlsx"),
            Some("can't be read as a workbook"),
        ),
        (
            corpus().join("not_really.parquet"),
            Some("not a readable Parquet file"),
        ),
        (corpus().join("truncated.json"), Some("not readable JSON")),
        (corpus(), Some("is a folder")),
        (dir.path().join("missing.csv"), Some("not found")),
        (big_field, None),
        (wide, None),
    ];
    for (path, expected) in &cases {
        let p = path.to_str().unwrap();
        let (code, err) = clean_end(&["profile", p, "--json"]);
        match expected {
            None => assert_eq!(code, 0, "{p}: {err}"),
            Some(text) => {
                assert_eq!(code, 1, "{p}");
                assert!(err.contains(text), "{p}: {err}");
            }
        }
        // Training and segmenting end cleanly too (some of these have too little to train on).
        clean_end(&["train", p, "--task", "segments", "--k", "2"]);
        clean_end(&["train", p, "--target", "b"]);
    }
}

#[test]
fn degenerate_training_data_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let all_missing = write("all_missing.csv", "x,y\n1,\n2,\n3,\n");
    let one_class = write("one_class.csv", "x,y\n1,1\n2,1\n3,1\n");
    let one_row = write("one_row.csv", "x,y\n1,1\n");
    let constant = write("constant.csv", "c,y\n5,0\n5,1\n5,0\n5,1\n");
    for (args, text) in [
        (
            vec!["train", &all_missing, "--target", "y"],
            "has no values",
        ),
        (vec!["train", &one_class, "--target", "y"], "only one value"),
        (vec!["train", &one_row, "--target", "y"], "only one value"),
        (
            vec!["train", &one_row, "--task", "segments"],
            "only 1 usable row",
        ),
        (
            vec!["train", &constant, "--target", "y"],
            "no usable input columns",
        ),
        (
            vec!["train", &constant, "--target", "nope"],
            "column 'nope'",
        ),
    ] {
        let (code, err) = clean_end(&args);
        assert_eq!(code, 1, "{args:?}");
        assert!(err.contains(text), "{args:?}: {err}");
    }
}

#[test]
fn bad_model_files_are_refused_and_outputs_kept() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.csv");
    std::fs::write(
        &data,
        "x,y\n1,0\n2,1\n3,0\n4,1\n5,0\n6,1\n7,0\n8,1\n9,1\n10,1\n",
    )
    .unwrap();
    let model = dir.path().join("m.json");
    let (code, err) = clean_end(&[
        "train",
        data.to_str().unwrap(),
        "--target",
        "y",
        "--holdout",
        "0",
        "--save-model",
        model.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&model).unwrap();
    let out = dir.path().join("out.csv");
    std::fs::write(&out, "precious").unwrap();

    let truncated = dir.path().join("truncated.json");
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    let newer = dir.path().join("newer.json");
    std::fs::write(
        &newer,
        text.replace(
            &format!(
                "\"format_version\": {}",
                workbench_core::ml::saved::FORMAT_VERSION
            ),
            "\"format_version\": 99",
        ),
    )
    .unwrap();
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, [0xffu8, 0x00, 0x13, 0x37]).unwrap();
    for (file, message) in [
        (&truncated, "is not a model file"),
        (&newer, "newer Marketing Workbench"),
        (&garbage, "is not a model file"),
    ] {
        let (code, err) = clean_end(&[
            "score",
            file.to_str().unwrap(),
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 1);
        assert!(err.contains(message), "{err}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious");
    }
}

#[test]
fn a_file_larger_than_free_memory_is_refused_not_killed() {
    use workbench_core::data::load::{FileKind, check_fits_in_memory};
    // The check itself, for a simulated machine with 21.7 GB free.
    let err = check_fits_in_memory(
        Path::new("customers.csv"),
        38_200_000_000,
        FileKind::Text,
        Some(21_700_000_000),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "customers.csv: 38.2 GB would take about 115 GB of memory to load, more than the 21.7 GB \
         free: close other programs, or load a smaller extract (fewer rows or columns)"
    );

    // And the real loader on this machine: a sparse file (no disk used) twice the size of the
    // memory and swap, so that even without the check its read would fail to allocate rather
    // than fill the memory.
    let Some(total) = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        let kb = |key: &str| -> Option<u64> {
            m.lines()
                .find_map(|l| l.strip_prefix(key))?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        };
        Some((kb("MemTotal:")? + kb("SwapTotal:").unwrap_or(0)) * 1024)
    }) else {
        return; // not Linux: the check is skipped there
    };
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("huge.csv");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(2 * total)
        .unwrap();
    let started = std::time::Instant::now();
    let (code, err) = clean_end(&["profile", big.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("huge.csv: "), "{err}");
    assert!(err.contains("of memory to load, more than the"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
