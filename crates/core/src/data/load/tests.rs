#![cfg(test)]
//! Tests of the parent module, which declares this file under #[cfg(test)].

use std::path::PathBuf;

use super::*;

fn read(text: &str) -> Result<DataFrame> {
    read_text_bytes(text.as_bytes(), Path::new("t.csv"))
}

fn names(df: &DataFrame) -> Vec<&str> {
    df.get_column_names().iter().map(|n| n.as_str()).collect()
}

fn dtype<'a>(df: &'a DataFrame, name: &str) -> &'a DataType {
    df.column(name).unwrap().dtype()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("tests/data")
        .join(name)
}

fn load(path: &Path) -> Result<DataFrame> {
    load_path(
        path,
        &LoadOptions::default(),
        &mut |_, _| {},
        &AtomicBool::new(false),
    )
}

#[test]
fn sniffs_delimiters() {
    for (text, sep) in [
        ("a,b,c\n1,2,3\n4,5,6\n", ","),
        ("a;b;c\n1;2;3\n4;5;6\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "tab"),
        ("a|b|c\n1|2|3\n", "pipe"),
    ] {
        let df = read(text).unwrap();
        assert_eq!(df.shape(), (df.height(), 3), "{sep}");
        assert_eq!(names(&df), ["a", "b", "c"], "{sep}");
        assert_eq!(dtype(&df, "b"), &DataType::Int64, "{sep}");
    }
}

#[test]
fn aligned_text_with_spaces() {
    let df = read("name          city        spend\nAnn Lee       New York    12.5\nBo            Paris       7\n").unwrap();
    assert_eq!(names(&df), ["name", "city", "spend"]);
    assert_eq!(
        df.column("city").unwrap().get(0).unwrap().get_str(),
        Some("New York")
    );
    assert_eq!(dtype(&df, "spend"), &DataType::Float64);
}

#[test]
fn header_or_not() {
    let df = read("1,2.5,x\n2,3.5,y\n").unwrap();
    assert_eq!(names(&df), ["column_1", "column_2", "column_3"]);
    assert_eq!(df.height(), 2);
    let df = read("id,spend\n1,2.5\n").unwrap();
    assert_eq!(names(&df), ["id", "spend"]);
}

#[test]
fn names_are_cleaned() {
    let df = read_text_bytes(
        b"\xEF\xBB\xBF id , spend ,spend,\n1,2.5,3,4\n",
        Path::new("t.csv"),
    )
    .unwrap();
    assert_eq!(names(&df), ["id", "spend", "spend_2", "column_4"]);
    assert_eq!(dtype(&df, "spend"), &DataType::Float64);
}

#[test]
fn encodings_and_line_ends() {
    // Windows-1252 (é = 0xE9, € = 0x80), CR-only line ends.
    let df = read_text_bytes(b"name,price\rJos\xe9,\x80 5\rAnn,2\r", Path::new("t.csv")).unwrap();
    assert_eq!(df.height(), 2);
    assert_eq!(
        df.column("name").unwrap().get(0).unwrap().get_str(),
        Some("José")
    );
    assert_eq!(
        df.column("price").unwrap().get(0).unwrap().get_str(),
        Some("€ 5")
    );
    // UTF-16 LE with BOM and CRLF.
    let mut bytes = vec![0xFF, 0xFE];
    for u in "name,n\r\nZoë,1\r\n".encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let df = read_text_bytes(&bytes, Path::new("t.csv")).unwrap();
    assert_eq!(names(&df), ["name", "n"]);
    assert_eq!(
        df.column("name").unwrap().get(0).unwrap().get_str(),
        Some("Zoë")
    );
    assert_eq!(dtype(&df, "n"), &DataType::Int64);
}

#[test]
fn european_numbers_and_dates() {
    let df = read("kunde;umsatz;datum\nA;12,50;31.01.2024\nB;3,75;01.02.2024\n").unwrap();
    assert_eq!(dtype(&df, "umsatz"), &DataType::Float64);
    assert_eq!(
        df.column("umsatz").unwrap().get(0).unwrap(),
        AnyValue::Float64(12.5)
    );
    assert_eq!(dtype(&df, "datum"), &DataType::Date);
}

#[test]
fn date_formats() {
    let df = read("iso,us,eu,ambiguous\n2024-01-31,01/31/2024,31/01/2024,03/04/2024\n2024-02-01,02/01/2024,01/02/2024,05/06/2024\n").unwrap();
    for c in ["iso", "us", "eu", "ambiguous"] {
        assert_eq!(dtype(&df, c), &DataType::Date, "{c}");
    }
    let day = |c: &str| {
        let days = df.column(c).unwrap().cast(&DataType::Int32).unwrap();
        days.i32().unwrap().get(0).unwrap()
    };
    assert_eq!(day("us"), day("iso"));
    assert_eq!(day("eu"), day("iso"));
    // Ambiguous slashes read month first: 03/04/2024 is 4 March.
    let march_4 = dates::parse_one("2024-03-04").unwrap();
    assert_eq!(day("ambiguous"), march_4);
}

#[test]
fn codes_with_leading_zeros_stay_text() {
    let df = read("zip,n\n01234,1\n98765,2\n").unwrap();
    assert_eq!(dtype(&df, "zip"), &DataType::String);
    assert_eq!(
        df.column("zip").unwrap().get(0).unwrap().get_str(),
        Some("01234")
    );
}

#[test]
fn missing_markers() {
    let df = read("a,b\n1,NA\n2,\n3,4\n").unwrap();
    assert_eq!(dtype(&df, "b"), &DataType::Int64);
    assert_eq!(df.column("b").unwrap().null_count(), 2);
}

#[test]
fn errors_name_the_line() {
    let err = read("a,b,c\n1,2,3\n4,5,6,7,8\n").unwrap_err().to_string();
    assert!(
        err.contains("line 3 has 5 fields, the header has 3"),
        "{err}"
    );
    assert!(read("").unwrap_err().to_string().contains("is empty"));
    let err = read_text_bytes(b"a,b\n\0\0\0\xff", Path::new("x.bin")).unwrap_err();
    assert!(err.to_string().contains("binary"), "{err}");
}

#[test]
fn missing_and_folder_paths() {
    let err = load(Path::new("/no/such/file.csv")).unwrap_err();
    assert!(err.to_string().starts_with("/no/such/file.csv"), "{err}");
    let err = load(Path::new("/tmp")).unwrap_err();
    assert!(err.to_string().contains("folder"), "{err}");
}

#[test]
fn excel_sheets() {
    let path = fixture("customers.xlsx");
    assert_eq!(sheet_names(&path).unwrap(), ["Customers", "Campaigns"]);
    let df = load(&path).unwrap();
    assert_eq!(
        names(&df),
        ["customer_id", "signup", "spend", "visits", "vip", "zip"]
    );
    assert_eq!(df.height(), 3);
    assert_eq!(dtype(&df, "signup"), &DataType::Date);
    assert_eq!(dtype(&df, "spend"), &DataType::Float64);
    assert_eq!(dtype(&df, "visits"), &DataType::Int64);
    assert_eq!(dtype(&df, "vip"), &DataType::Boolean);
    assert_eq!(dtype(&df, "zip"), &DataType::String);
    assert_eq!(
        df.column("zip").unwrap().get(2).unwrap().get_str(),
        Some("00042")
    );
    assert_eq!(df.column("signup").unwrap().null_count(), 1);
    let options = LoadOptions {
        sheet: Some("Campaigns".into()),
    };
    let df = load_path(&path, &options, &mut |_, _| {}, &AtomicBool::new(false)).unwrap();
    assert_eq!(names(&df), ["campaign", "sent", "opened"]);
    let bad = LoadOptions {
        sheet: Some("Nope".into()),
    };
    let err = load_path(&path, &bad, &mut |_, _| {}, &AtomicBool::new(false)).unwrap_err();
    assert!(err.to_string().contains("has no sheet 'Nope'"), "{err}");
}

#[test]
fn parquet_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let mut df = df!("id" => ["a", "b"], "spend" => [1.5, 2.0]).unwrap();
    let pq = dir.path().join("t.parquet");
    ParquetWriter::new(std::fs::File::create(&pq).unwrap())
        .finish(&mut df)
        .unwrap();
    assert!(load(&pq).unwrap().equals(&df));

    let json = dir.path().join("t.json");
    std::fs::write(&json, r#"[{"id":"a","spend":1.5,"when":"2024-01-31"},{"id":"b","spend":2.0,"when":"2024-02-01"}]"#).unwrap();
    let j = load(&json).unwrap();
    assert_eq!(names(&j), ["id", "spend", "when"]);
    assert_eq!(dtype(&j, "when"), &DataType::Date);

    let nd = dir.path().join("t.ndjson");
    std::fs::write(&nd, "{\"id\":\"a\",\"n\":1}\n{\"id\":\"b\",\"n\":2}\n").unwrap();
    let n = load(&nd).unwrap();
    assert_eq!(n.shape(), (2, 2));
    assert_eq!(dtype(&n, "n"), &DataType::Int64);

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "[{\"id\": ").unwrap();
    assert!(
        load(&broken)
            .unwrap_err()
            .to_string()
            .contains("broken.json")
    );
}

#[test]
fn files_larger_than_free_memory_are_refused() {
    let gb = 1_000_000_000u64;
    let path = Path::new("/data/customers.csv");
    // A 38.2 GB CSV against 21.7 GB free: refused, naming the file and both sizes.
    let err = check_fits_in_memory(path, 38_200_000_000, FileKind::Text, Some(21_700_000_000))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("/data/customers.csv: 38.2 GB would take about 115 GB of memory"),
        "{err}"
    );
    assert!(err.contains("more than the 21.7 GB free"), "{err}");
    assert_eq!(err.lines().count(), 1);
    // The factor is the kind's: 7 GB of text (21 GB loaded) fits in 21.7 GB, of Excel it doesn't.
    assert!(check_fits_in_memory(path, 7 * gb, FileKind::Text, Some(21_700_000_000)).is_ok());
    assert!(check_fits_in_memory(path, 7 * gb, FileKind::Excel, Some(21_700_000_000)).is_err());
    assert!(check_fits_in_memory(path, 0, FileKind::Parquet, Some(0)).is_ok());
    // Unknown free memory: no check; sizes near u64::MAX don't overflow.
    assert!(check_fits_in_memory(path, u64::MAX, FileKind::Excel, None).is_ok());
    assert!(check_fits_in_memory(path, u64::MAX, FileKind::Excel, Some(u64::MAX - 1)).is_err());
}

#[test]
fn sizes_and_meminfo() {
    assert_eq!(byte_size(0), "0 bytes");
    assert_eq!(byte_size(999), "999 bytes");
    assert_eq!(byte_size(1_000), "1.0 kB");
    assert_eq!(byte_size(512_000_000), "512 MB");
    assert_eq!(byte_size(21_700_000_000), "21.7 GB");
    assert_eq!(byte_size(999_960_000), "1.0 GB");
    assert_eq!(byte_size(u64::MAX), "18447 PB");

    let meminfo =
        "MemTotal:       24000000 kB\nMemFree:        20000000 kB\nMemAvailable:   21191406 kB\n";
    assert_eq!(mem_available(meminfo), Some(21_191_406 * 1024));
    for broken in [
        "",
        "MemAvailable:",
        "MemAvailable: lots kB",
        "MemAvailable: 5 MB",
    ] {
        assert_eq!(mem_available(broken), None, "{broken:?}");
    }
    assert_eq!(
        mem_available("MemAvailable: 18446744073709551615 kB"),
        None,
        "overflow"
    );
    // The real reading never panics; on Linux it finds some memory.
    let real = available_memory();
    if cfg!(target_os = "linux") && Path::new("/proc/meminfo").exists() {
        assert!(real.is_some_and(|b| b > 0), "{real:?}");
    }
}

#[test]
fn a_lone_quote_at_the_end_is_an_error_not_undefined_behaviour() {
    // Found by fuzzing (tests/data/fuzz/load/): polars sliced the one-byte field `"` as [1..0].
    // Every decoded text ends in a newline, so polars never sees that field.
    for text in ["a,b\n1,\"", "a,b\n1,2\n\"", "a,b\r\n1,\"\r"] {
        assert_eq!(
            decode(text.as_bytes().to_vec(), Path::new("t.csv"))
                .unwrap()
                .last(),
            Some(&b'\n')
        );
        assert!(read(text).is_err(), "{text:?}");
    }
    let err = read("a,b\n1,\"").unwrap_err().to_string();
    assert!(err.contains("never closed"), "{err}");
    // A last line without a newline still reads.
    assert_eq!(read("a,b\n1,2").unwrap().shape(), (1, 2));
}

#[test]
fn quotes_read_as_polars_reads_them() {
    for (text, open) in [
        ("a,b\n1,\"\n", true),
        ("a,b\n1,\"x\n2,3\n", true),
        ("a,b\n1,\"x\ny\"\n", false),
        ("a,b\n1,\"say \"\"hi\"\"\"\n", false),
        ("a,b\n5'11\",x\n", false), // a quote inside an unquoted field is text
        ("a,b\n\"\"\"\n", true),
        ("", false),
    ] {
        assert_eq!(ends_inside_quotes(text.as_bytes(), b','), open, "{text:?}");
    }
}

/// The byte-by-byte reading of quotes that [`ends_inside_quotes`] replaced with `memchr`.
fn ends_inside_quotes_bytewise(text: &[u8], separator: u8) -> bool {
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'"' {
            let mut open = false;
            while i < text.len() {
                match text[i] {
                    b'"' => open = !open,
                    b if !open && (b == separator || b == b'\n') => break,
                    _ => {}
                }
                i += 1;
            }
            if open {
                return true;
            }
        } else {
            while i < text.len() && text[i] != separator && text[i] != b'\n' {
                i += 1;
            }
        }
        i += 1;
    }
    false
}

#[test]
fn quotes_found_by_memchr_as_byte_by_byte() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..20_000 {
        let len = (state >> 59) as usize + 1;
        let text: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                [b'a', b',', b'"', b'\n', b';'][(state % 5) as usize]
            })
            .collect();
        for sep in [b',', b';'] {
            assert_eq!(
                ends_inside_quotes(&text, sep),
                ends_inside_quotes_bytewise(&text, sep),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }
}

#[test]
fn missing_texts_past_the_inferred_rows() {
    // "NA" first appears after the rows polars infers types from: in a number column it still
    // reads as missing (the column stays numeric), and in a text column too.
    let mut text = String::from("n,t\n");
    for i in 0..(3 * INFER_ROWS) {
        text.push_str(&format!("{i},x{i}\n"));
    }
    text.push_str("NA,N/A\n7,-\n");
    let df = read(&text).unwrap();
    assert_eq!(dtype(&df, "n"), &DataType::Int64);
    assert_eq!(df.column("n").unwrap().null_count(), 1);
    assert_eq!(dtype(&df, "t"), &DataType::String);
    assert_eq!(df.column("t").unwrap().null_count(), 2);
    assert_eq!(df.height(), 3 * INFER_ROWS + 2);
}

#[test]
fn missing_texts_seen_as_whole_fields() {
    let seen = |text: &str| null_texts_in(text.as_bytes(), b',', 100);
    assert_eq!(seen("a,b\n1,2\n-3,NAME\n"), Vec::<&str>::new());
    assert_eq!(seen("a,b\nNA,2\n3,\"N/A\"\n"), vec!["NA", "N/A"]);
    assert_eq!(seen("a,b\n1,\n-,2"), vec!["", "-"]);
    assert_eq!(seen(",b\n1,2\n"), vec![""]);
    // Only the first lines are looked at.
    assert_eq!(null_texts_in(b"a\n1\n2\nNA\n", b',', 2), Vec::<&str>::new());
}

#[test]
fn cgroup_limits_of_both_versions_are_read() {
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};
    let files = |entries: &[(&str, &str)]| -> HashMap<PathBuf, String> {
        entries
            .iter()
            .map(|(p, v)| (PathBuf::from(p), (*v).to_owned()))
            .collect()
    };
    // cgroup v2: limit 1,000 MB, 400 MB in use of which 100 MB is reclaimable file cache.
    let v2 = files(&[
        ("/sys/fs/cgroup/user.slice/app/memory.max", "1000000000\n"),
        (
            "/sys/fs/cgroup/user.slice/app/memory.current",
            "400000000\n",
        ),
        (
            "/sys/fs/cgroup/user.slice/app/memory.stat",
            "anon 300000000\ninactive_file 100000000\n",
        ),
    ]);
    let read = |m: &HashMap<PathBuf, String>| {
        let m = m.clone();
        move |p: &Path| m.get(p).cloned()
    };
    assert_eq!(
        cgroup_room_in("0::/user.slice/app\n", &read(&v2)),
        Some(700_000_000)
    );
    let unlimited = files(&[
        ("/sys/fs/cgroup/memory.max", "max\n"),
        ("/sys/fs/cgroup/memory.current", "5\n"),
    ]);
    assert_eq!(cgroup_room_in("0::/\n", &read(&unlimited)), None);
    // cgroup v1, the case that went unseen: a 600 MB limit on the memory controller.
    let own = "12:pids:/docker/abc\n4:memory:/docker/abc\n1:name=systemd:/docker/abc\n";
    let v1 = files(&[
        (
            "/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes",
            "629145600\n",
        ),
        (
            "/sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes",
            "104857600\n",
        ),
        (
            "/sys/fs/cgroup/memory/docker/abc/memory.stat",
            "cache 1\ntotal_inactive_file 4857600\n",
        ),
    ]);
    assert_eq!(
        cgroup_room_in(own, &read(&v1)),
        Some(629_145_600 - 100_000_000)
    );
    // A controller list names memory among others; no limit is a number near 2^63.
    let v1_free = files(&[
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "9223372036854771712\n",
        ),
        ("/sys/fs/cgroup/memory/memory.usage_in_bytes", "1\n"),
    ]);
    assert_eq!(cgroup_room_in("3:cpu,memory:/\n", &read(&v1_free)), None);
    assert_eq!(cgroup_room_in("", &read(&v1_free)), None);
}

#[test]
fn memory_limits_read_as_people_write_them() {
    assert_eq!(parse_bytes("2G"), Some(2 << 30));
    assert_eq!(parse_bytes("600M"), Some(600 << 20));
    assert_eq!(parse_bytes("1.5 GiB"), Some(3 << 29));
    assert_eq!(parse_bytes("512k"), Some(512 << 10));
    assert_eq!(parse_bytes("1000"), Some(1000));
    assert_eq!(parse_bytes("lots"), None);
    assert_eq!(parse_bytes("2X"), None);
}
