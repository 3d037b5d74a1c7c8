//! PostgreSQL as a source and a destination.
//!
//! A location is a URL, `postgresql://user[:password]@host[:port]/db` with `?table=NAME`
//! (`schema.table` works) or `?query=SELECT…`, and optionally `&sample=PERCENT` (a table read
//! as `TABLESAMPLE BERNOULLI (PERCENT) REPEATABLE (42)`: the same rows each time). libpq's other
//! settings may follow (`host=/socket/dir`, `port=`, `connect_timeout=`…). A host that is a path
//! (written `%2Fsocket%2Fdir`, or `host=/socket/dir`) is a Unix socket directory. What the URL
//! leaves out comes from `PGHOST`, `PGPORT`, `PGUSER` and `PGDATABASE`, as libpq does; the
//! password from the URL, else `PGPASSWORD`, else `~/.pgpass` (or `PGPASSFILE`).
//!
//! The password is never shown: messages, project files and logs carry [`Location::shown`],
//! the URL without it.
//!
//! Reading runs `COPY (SELECT …) TO STDOUT WITH (FORMAT binary)` and decodes the rows straight
//! into columns of the database's own types (integers, doubles, booleans, dates, timestamps,
//! text; `numeric` as doubles, other types as their text; text columns of dates become dates
//! as in a file), not row by row through a client API. A table of 128 pages or more is read
//! in one part per core (`ctid` ranges of its pages), each on its own connection in the first
//! one's exported snapshot, as `pg_dump --jobs` does: the server's side is the slow side, and
//! the parts together are one consistent read. Writing creates a
//! new table under a temporary name, copies the rows in with `COPY … FROM STDIN`, then drops
//! the old table and renames the new one, all in one transaction: the table is either the old
//! one or the whole new one.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use polars::prelude::*;
use postgres::types::Type;
use postgres::{Client, Config, NoTls};

use crate::error::{Error, Result};

/// The URL schemes of a PostgreSQL location.
const SCHEMES: [&str; 2] = ["postgresql://", "postgres://"];

/// Whether `source` (a file name or a URL) names a PostgreSQL location.
pub fn is_url(source: &str) -> bool {
    SCHEMES.iter().any(|s| source.starts_with(s))
}

/// What a location reads or writes.
#[derive(Clone, Debug, PartialEq)]
pub enum What {
    /// A table (possibly `schema.table`).
    Table(String),
    /// A query (reading only).
    Query(String),
    /// Only the database (listing its tables).
    Database,
}

/// A parsed PostgreSQL location.
#[derive(Clone, Debug)]
pub struct Location {
    config: Config,
    pub what: What,
    /// A table read as a random share of its rows, in percent.
    pub sample: Option<f64>,
    /// The URL without its password: what messages and saved projects show.
    pub shown: String,
}

/// The seed of `TABLESAMPLE … REPEATABLE`: the same sample on every read.
const SAMPLE_SEED: u32 = 42;

impl Location {
    /// Parses a `postgresql://` URL (see the module documentation).
    pub fn parse(url: &str) -> Result<Self> {
        let Some(scheme) = SCHEMES.iter().find(|s| url.starts_with(**s)) else {
            return Err(Error::InvalidInput(format!(
                "'{}' is not a PostgreSQL URL (postgresql://user@host:port/database?table=NAME)",
                redact(url)
            )));
        };
        let shown = redact(url);
        let bad = |m: String| Error::InvalidInput(format!("{shown}: {m}"));
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let (mut what, mut sample) = (What::Database, None);
        let mut rest = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(v).map_err(bad)?;
            match k {
                "table" => what = What::Table(value),
                "query" => what = What::Query(value),
                "sample" => {
                    let p: f64 = value
                        .trim_end_matches('%')
                        .parse()
                        .map_err(|_| bad(format!("sample={value} is not a percentage")))?;
                    if !(p > 0.0 && p <= 100.0) {
                        return Err(bad(format!("sample={p} is not between 0 and 100")));
                    }
                    sample = Some(p);
                }
                _ => rest.push(pair),
            }
        }
        if sample.is_some() && !matches!(what, What::Table(_)) {
            return Err(bad(
                "sample= reads a share of a table: give ?table=NAME with it".into(),
            ));
        }
        let mut to_parse = base.to_owned();
        if !rest.is_empty() {
            to_parse.push('?');
            to_parse.push_str(&rest.join("&"));
        }
        // rust-postgres reads `postgresql://`; `postgres://` is the same to libpq.
        if *scheme == "postgres://" {
            to_parse = format!("postgresql://{}", &to_parse[scheme.len()..]);
        }
        let mut config: Config = to_parse
            .parse()
            .map_err(|e| bad(format!("is not a usable connection URL ({e})")))?;
        fill_from_environment(&mut config);
        Ok(Self {
            config,
            what,
            sample,
            shown,
        })
    }

    /// The same database with another table or query.
    pub fn with(&self, what: What, sample: Option<f64>) -> Self {
        let mut out = self.clone();
        let base = self.shown.split('?').next().unwrap_or_default();
        let keep: Vec<&str> = self
            .shown
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or_default()
            .split('&')
            .filter(|p| {
                !p.is_empty()
                    && !["table=", "query=", "sample="]
                        .iter()
                        .any(|k| p.starts_with(k))
            })
            .collect();
        let mut params: Vec<String> = keep.iter().map(|s| (*s).to_owned()).collect();
        match &what {
            What::Table(t) => params.push(format!("table={}", percent_encode(t))),
            What::Query(q) => params.push(format!("query={}", percent_encode(q))),
            What::Database => {}
        }
        if let Some(p) = sample {
            params.push(format!("sample={p}"));
        }
        out.shown = if params.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", params.join("&"))
        };
        out.what = what;
        out.sample = sample;
        out
    }

    /// Uses `password` (typed in the app, kept in memory only) to connect.
    pub fn set_password(&mut self, password: &str) {
        if !password.is_empty() {
            self.config.password(password);
        }
    }

    /// The password the URL itself gave, if any (to keep in memory, never to save).
    pub fn password(&self) -> Option<String> {
        self.config
            .get_password()
            .map(|p| String::from_utf8_lossy(p).into_owned())
    }

    /// The URL of the database alone, without table, query or sample (nor password).
    pub fn database_url(&self) -> String {
        self.with(What::Database, None).shown
    }

    /// A short name for people: the table (or "query"), and the sampling if any.
    pub fn title(&self) -> String {
        let what = match &self.what {
            What::Table(t) => t.clone(),
            What::Query(_) => "query".to_owned(),
            What::Database => self.config.get_dbname().unwrap_or("database").to_owned(),
        };
        match self.sample {
            Some(p) => format!("{what} ({p}% sample)"),
            None => what,
        }
    }

    fn connect(&self) -> Result<Client> {
        let mut config = self.config.clone();
        if config.get_password().is_none()
            && let Some(p) = password_from_environment(&config)
        {
            config.password(p);
        }
        config
            .connect(NoTls)
            .map_err(|e| self.error("can't connect", &e))
    }

    /// A database error as one line naming the location (never the password).
    fn error(&self, doing: &str, e: &postgres::Error) -> Error {
        let detail = match e.as_db_error() {
            Some(db) => db.message().to_owned(),
            None => {
                let mut s = e.to_string();
                let mut source = std::error::Error::source(e);
                while let Some(inner) = source {
                    s = format!("{s}: {inner}");
                    source = inner.source();
                }
                s
            }
        };
        Error::InvalidInput(format!("{}: {doing}: {detail}", self.shown))
    }

    /// The `SELECT` that reads this location.
    fn select(&self) -> Result<String> {
        match &self.what {
            What::Table(t) => {
                let mut s = format!("SELECT * FROM {}", quote_table(t)?);
                if let Some(p) = self.sample {
                    s.push_str(&format!(
                        " TABLESAMPLE BERNOULLI ({p}) REPEATABLE ({SAMPLE_SEED})"
                    ));
                }
                Ok(s)
            }
            What::Query(q) => {
                let q = q.trim().trim_end_matches(';').trim();
                if q.is_empty() {
                    return Err(Error::InvalidInput(format!(
                        "{}: the query is empty",
                        self.shown
                    )));
                }
                Ok(q.to_owned())
            }
            What::Database => Err(Error::InvalidInput(format!(
                "{}: name what to read: add ?table=NAME or ?query=SELECT…",
                self.shown
            ))),
        }
    }

    /// What the sampling of this read is, said for people ("all rows" without one).
    pub fn sampling(&self) -> String {
        match self.sample {
            Some(p) => format!(
                "a random {p}% of the table's rows (TABLESAMPLE BERNOULLI, repeatable seed {SAMPLE_SEED})"
            ),
            None => "all rows".to_owned(),
        }
    }
}

/// The URL without its password (`user:secret@` becomes `user@`, `password=` goes).
pub fn redact(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut out = base.to_owned();
    if let Some(start) = base.find("://").map(|i| i + 3) {
        let authority_end = base[start..].find('/').map_or(base.len(), |i| start + i);
        if let Some(at) = base[start..authority_end].rfind('@').map(|i| start + i)
            && let Some(colon) = base[start..at].find(':').map(|i| start + i)
        {
            out = format!("{}{}", &base[..colon], &base[at..]);
        }
    }
    if let Some(q) = query {
        let kept: Vec<&str> = q
            .split('&')
            .filter(|p| !p.starts_with("password="))
            .collect();
        if !kept.is_empty() {
            out.push('?');
            out.push_str(&kept.join("&"));
        }
    }
    out
}

/// `text` with every PostgreSQL URL in it redacted (see [`redact`]): for messages that may
/// quote a URL as it was given.
pub fn redact_all(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = SCHEMES.iter().filter_map(|s| rest.find(s)).min() {
        out.push_str(&rest[..at]);
        let end = rest[at..]
            .find(|c: char| c.is_whitespace() || c == '\'' || c == '"')
            .map_or(rest.len(), |i| at + i);
        out.push_str(&redact(&rest[at..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn percent_decode(s: &str) -> std::result::Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("'{s}' has a broken %-escape"))?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| format!("'{s}' is not UTF-8 once decoded"))
}

/// `s` with everything but unreserved characters %-escaped (for a URL's query).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// libpq's environment defaults for what the URL leaves out.
fn fill_from_environment(config: &mut Config) {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if config.get_hosts().is_empty() {
        match env("PGHOST") {
            Some(h) if h.starts_with('/') => {
                config.host_path(h);
            }
            Some(h) => {
                config.host(&h);
            }
            None if Path::new("/var/run/postgresql").is_dir() => {
                config.host_path("/var/run/postgresql");
            }
            None => {
                config.host("localhost");
            }
        }
    }
    if config.get_ports().is_empty()
        && let Some(p) = env("PGPORT").and_then(|p| p.parse().ok())
    {
        config.port(p);
    }
    if config.get_user().is_none()
        && let Some(u) = env("PGUSER").or_else(|| env("USER"))
    {
        config.user(&u);
    }
    if config.get_dbname().is_none()
        && let Some(d) = env("PGDATABASE").or_else(|| config.get_user().map(str::to_owned))
    {
        config.dbname(&d);
    }
}

/// The password from `PGPASSWORD`, else the first matching line of the password file.
fn password_from_environment(config: &Config) -> Option<String> {
    if let Ok(p) = std::env::var("PGPASSWORD") {
        return Some(p);
    }
    let file = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pgpass")))?;
    let text = std::fs::read_to_string(file).ok()?;
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        // libpq matches a socket connection as "localhost".
        _ => "localhost".to_owned(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let db = config.get_dbname().unwrap_or_default();
    let user = config.get_user().unwrap_or_default();
    pgpass_lookup(&text, [&host, &port, db, user])
}

/// The password of the first `host:port:database:user:password` line matching `want` (`*`
/// matches anything; `\:` and `\\` are escapes).
fn pgpass_lookup(text: &str, want: [&str; 4]) -> Option<String> {
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = Vec::new();
        let mut cur = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => cur.extend(chars.next()),
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        fields.push(cur);
        if fields.len() == 5
            && fields[..4]
                .iter()
                .zip(want)
                .all(|(f, w)| f == "*" || f == w)
        {
            return fields.pop();
        }
    }
    None
}

/// A double-quoted identifier.
fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `table` or `schema.table`, each part quoted.
fn quote_table(t: &str) -> Result<String> {
    let parts: Vec<&str> = t.split('.').collect();
    if parts.len() > 2 || parts.iter().any(|p| p.is_empty()) {
        return Err(Error::InvalidInput(format!(
            "'{t}' is not a table name (NAME or SCHEMA.NAME)"
        )));
    }
    Ok(parts
        .iter()
        .map(|p| quote_ident(p))
        .collect::<Vec<_>>()
        .join("."))
}

/// How a result column comes over the wire (binary COPY) and what it becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wire {
    Bool,
    I16,
    I32,
    I64,
    F32,
    F64,
    /// Days since 2000-01-01.
    Date,
    /// Microseconds since 2000-01-01 00:00.
    Timestamp,
    Text,
}

/// Days and microseconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01.
const PG_EPOCH_DAYS: i32 = 10_957;
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// A result column's select expression and wire form: its own binary form for booleans,
/// integers, doubles, dates and timestamps; `numeric` as a double, `timestamptz` as the
/// session's local time, anything else as its text.
fn column_wire(name: &str, ty: &Type) -> (String, Wire) {
    let q = quote_ident(name);
    let as_is = |w: Wire| (q.clone(), w);
    let cast = |to: &str, w: Wire| (format!("{q}::{to} AS {q}"), w);
    match *ty {
        Type::BOOL => as_is(Wire::Bool),
        Type::INT2 => as_is(Wire::I16),
        Type::INT4 => as_is(Wire::I32),
        Type::INT8 => as_is(Wire::I64),
        Type::FLOAT4 => as_is(Wire::F32),
        Type::FLOAT8 => as_is(Wire::F64),
        Type::NUMERIC => cast("float8", Wire::F64),
        Type::DATE => as_is(Wire::Date),
        Type::TIMESTAMP => as_is(Wire::Timestamp),
        Type::TIMESTAMPTZ => cast("timestamp", Wire::Timestamp),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => as_is(Wire::Text),
        _ => cast("text", Wire::Text),
    }
}

/// One column being filled from the wire.
enum Builder {
    Bool(Vec<Option<bool>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Date(Vec<Option<i32>>),
    Timestamp(Vec<Option<i64>>),
    Text(StringChunkedBuilder),
}

impl Builder {
    fn new(name: &str, wire: Wire) -> Self {
        match wire {
            Wire::Bool => Self::Bool(Vec::new()),
            Wire::I16 | Wire::I32 | Wire::I64 => Self::Int(Vec::new()),
            Wire::F32 | Wire::F64 => Self::Float(Vec::new()),
            Wire::Date => Self::Date(Vec::new()),
            Wire::Timestamp => Self::Timestamp(Vec::new()),
            Wire::Text => Self::Text(StringChunkedBuilder::new(name.into(), 1024)),
        }
    }

    /// Appends one value (`None`: SQL NULL) of wire form `wire`.
    fn push(&mut self, wire: Wire, v: Option<&[u8]>) -> std::result::Result<(), String> {
        fn be<const N: usize>(v: &[u8]) -> std::result::Result<[u8; N], String> {
            v.try_into()
                .map_err(|_| format!("a value of {} bytes where {N} were expected", v.len()))
        }
        match (self, v) {
            (Self::Text(b), None) => b.append_null(),
            (Self::Text(b), Some(v)) => b.append_value(
                std::str::from_utf8(v).map_err(|_| "a text value that is not UTF-8".to_owned())?,
            ),
            (Self::Bool(b), v) => b.push(v.map(|v| v.first() == Some(&1))),
            (Self::Int(b), None) => b.push(None),
            (Self::Int(b), Some(v)) => b.push(Some(match wire {
                Wire::I16 => i64::from(i16::from_be_bytes(be(v)?)),
                Wire::I32 => i64::from(i32::from_be_bytes(be(v)?)),
                _ => i64::from_be_bytes(be(v)?),
            })),
            (Self::Float(b), None) => b.push(None),
            (Self::Float(b), Some(v)) => b.push(Some(match wire {
                Wire::F32 => f64::from(f32::from_be_bytes(be(v)?)),
                _ => f64::from_be_bytes(be(v)?),
            })),
            (Self::Date(b), v) => b.push(match v {
                Some(v) => Some(i32::from_be_bytes(be(v)?).saturating_add(PG_EPOCH_DAYS)),
                None => None,
            }),
            (Self::Timestamp(b), v) => b.push(match v {
                Some(v) => Some(i64::from_be_bytes(be(v)?).saturating_add(PG_EPOCH_MICROS)),
                None => None,
            }),
        }
        Ok(())
    }

    fn finish(self, name: &str) -> PolarsResult<Column> {
        Ok(match self {
            Self::Bool(v) => Column::new(name.into(), v),
            Self::Int(v) => Column::new(name.into(), v),
            Self::Float(v) => Column::new(name.into(), v),
            Self::Date(v) => Column::new(name.into(), v).cast(&DataType::Date)?,
            Self::Timestamp(v) => Column::new(name.into(), v)
                .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?,
            Self::Text(b) => b.finish().into_column(),
        })
    }
}

/// Reads a location into a table, reporting bytes read (`total` 0: unknown) and stopping
/// early when `cancel` is set.
pub fn read(
    loc: &Location,
    on_progress: &mut dyn FnMut(u64, u64),
    cancel: &AtomicBool,
) -> Result<DataFrame> {
    read_rows(loc, None, on_progress, cancel)
}

/// The first `rows` rows of a location (for a preview).
pub fn preview(loc: &Location, rows: usize) -> Result<DataFrame> {
    read_rows(loc, Some(rows), &mut |_, _| {}, &AtomicBool::new(false))
}

fn read_rows(
    loc: &Location,
    limit: Option<usize>,
    on_progress: &mut dyn FnMut(u64, u64),
    cancel: &AtomicBool,
) -> Result<DataFrame> {
    let mut select = loc.select()?;
    if let Some(n) = limit {
        select = format!("SELECT * FROM ({select}) AS mw_p LIMIT {n}");
    }
    let mut client = loc.connect()?;
    // One snapshot for every part of a parallel read.
    client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .map_err(|e| loc.error("can't set up the session", &e))?;
    let described = client
        .prepare(&format!("SELECT * FROM ({select}) AS mw_q LIMIT 0"))
        .map_err(|e| loc.error("can't read", &e))?;
    if described.columns().is_empty() {
        return Err(Error::InvalidInput(format!(
            "{}: the query returns no columns",
            loc.shown
        )));
    }
    let names: Vec<String> = described
        .columns()
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    let (exprs, wires): (Vec<String>, Vec<Wire>) = described
        .columns()
        .iter()
        .map(|c| column_wire(c.name(), c.type_()))
        .unzip();
    let columns = exprs.join(", ");
    let shape = Shape {
        names: &names,
        wires: &wires,
    };
    let parts = match (&loc.what, loc.sample, limit) {
        (What::Table(t), None, None) => page_ranges(&mut client, loc, t)?,
        _ => Vec::new(),
    };
    // Bytes read by every part; this thread (the first part's reader) reports them.
    let read = std::sync::atomic::AtomicU64::new(0);
    let mut report = |n: usize| {
        let total = read.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        on_progress(total, 0);
    };
    let mut df = if parts.len() < 2 {
        let copy = format!(
            "COPY (SELECT {columns} FROM ({select}) AS mw_q) TO STDOUT WITH (FORMAT binary)"
        );
        copy_binary(&mut client, loc, &copy, &shape, cancel, &mut report)?
    } else {
        // The parts in parallel, each on its own connection in the first one's snapshot (as
        // pg_dump --jobs does): the server's side is the slow side of the read.
        let snapshot: String = client
            .query_one("SELECT pg_export_snapshot()", &[])
            .map_err(|e| loc.error("can't share the snapshot", &e))?
            .get(0);
        let table = quote_table(match &loc.what {
            What::Table(t) => t,
            _ => "",
        })?;
        let copy = |range: &str| {
            format!(
                "COPY (SELECT {columns} FROM {table} WHERE {range}) TO STDOUT WITH (FORMAT binary)"
            )
        };
        let results: Vec<Result<DataFrame>> = std::thread::scope(|scope| {
            let others: Vec<_> = parts[1..]
                .iter()
                .map(|range| {
                    let sql = copy(range);
                    let (snapshot, read, shape) = (&snapshot, &read, &shape);
                    std::thread::Builder::new()
                        .name("postgres-read".into())
                        .spawn_scoped(scope, move || {
                            let mut c = loc.connect()?;
                            c.batch_execute(&format!(
                                "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; \
                                 SET TRANSACTION SNAPSHOT '{snapshot}'"
                            ))
                            .map_err(|e| loc.error("can't join the snapshot", &e))?;
                            copy_binary(&mut c, loc, &sql, shape, cancel, &mut |n| {
                                read.fetch_add(n as u64, Ordering::Relaxed);
                            })
                        })
                })
                .collect();
            let first = copy(&parts[0]);
            let mut out = vec![copy_binary(
                &mut client,
                loc,
                &first,
                &shape,
                cancel,
                &mut report,
            )];
            for handle in others {
                out.push(match handle {
                    Ok(h) => h.join().unwrap_or_else(|_| {
                        Err(Error::InvalidInput(format!(
                            "{}: a reader stopped",
                            loc.shown
                        )))
                    }),
                    Err(e) => Err(Error::InvalidInput(format!(
                        "{}: can't start a reader: {e}",
                        loc.shown
                    ))),
                });
            }
            out
        });
        let mut parts = results.into_iter();
        let mut df = parts.next().unwrap_or_else(|| Ok(DataFrame::empty()))?;
        for part in parts {
            df.vstack_mut_owned(part?)?;
        }
        df.rechunk_mut();
        df
    };
    if df.height() == 0 {
        return Err(Error::InvalidInput(format!(
            "{}: no rows to read",
            loc.shown
        )));
    }
    // Text columns of dates read as dates, as in a file.
    super::dates::convert_text_dates(&mut df)?;
    Ok(df)
}

/// The columns a read returns: names and wire forms.
struct Shape<'a> {
    names: &'a [String],
    wires: &'a [Wire],
}

/// Tables smaller than this many pages (8 KiB each by default) are read in one piece.
const PARALLEL_MIN_PAGES: i64 = 128;

/// For a table big enough, `ctid` ranges of its pages, one per core (at most 4): `WHERE`
/// conditions that split it into parts read in parallel. Views and partitioned tables (no
/// pages of their own) are read in one piece.
fn page_ranges(client: &mut Client, loc: &Location, table: &str) -> Result<Vec<String>> {
    let pages: i64 = client
        .query_one(
            "SELECT pg_relation_size($1::text::regclass) / current_setting('block_size')::bigint",
            &[&quote_table(table)?],
        )
        .map_err(|e| loc.error("can't read", &e))?
        .get(0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(4)) as i64;
    if pages < PARALLEL_MIN_PAGES || cores < 2 {
        return Ok(Vec::new());
    }
    let step = (pages + cores - 1) / cores;
    Ok((0..cores)
        .map(|i| {
            let (from, to) = (i * step, (i + 1) * step);
            match (i, i == cores - 1) {
                (0, _) => format!("ctid < '({to},0)'::tid"),
                // The last part takes every page from its start, also pages added meanwhile.
                (_, true) => format!("ctid >= '({from},0)'::tid"),
                _ => format!("ctid >= '({from},0)'::tid AND ctid < '({to},0)'::tid"),
            }
        })
        .collect())
}

/// Runs a `COPY … TO STDOUT WITH (FORMAT binary)` and decodes its rows into columns,
/// reporting bytes read.
fn copy_binary(
    client: &mut Client,
    loc: &Location,
    copy: &str,
    shape: &Shape,
    cancel: &AtomicBool,
    report: &mut dyn FnMut(usize),
) -> Result<DataFrame> {
    let reader = client
        .copy_out(copy)
        .map_err(|e| loc.error("can't read", &e))?;
    let mut r = std::io::BufReader::with_capacity(1 << 20, reader);
    let stopped =
        |e: std::io::Error| Error::InvalidInput(format!("{}: reading stopped: {e}", loc.shown));
    let bad = |m: String| {
        Error::InvalidInput(format!(
            "{}: unexpected data from the server: {m}",
            loc.shown
        ))
    };
    let mut header = [0u8; 19];
    r.read_exact(&mut header).map_err(stopped)?;
    if &header[..11] != b"PGCOPY\n\xff\r\n\0" {
        return Err(bad("not PostgreSQL's binary COPY format".into()));
    }
    let extension = u32::from_be_bytes([header[15], header[16], header[17], header[18]]);
    std::io::copy(
        &mut (&mut r).take(u64::from(extension)),
        &mut std::io::sink(),
    )
    .map_err(stopped)?;
    let mut builders: Vec<Builder> = shape
        .names
        .iter()
        .zip(shape.wires)
        .map(|(n, &w)| Builder::new(n, w))
        .collect();
    let (mut value, mut rows, mut pending) = (Vec::new(), 0usize, 0usize);
    let mut word = [0u8; 4];
    loop {
        let mut count = [0u8; 2];
        r.read_exact(&mut count).map_err(stopped)?;
        let fields = i16::from_be_bytes(count);
        if fields == -1 {
            break;
        }
        if fields as usize != builders.len() {
            return Err(bad(format!(
                "{fields} fields in a row of {}",
                builders.len()
            )));
        }
        pending += 2;
        for (b, &w) in builders.iter_mut().zip(shape.wires) {
            r.read_exact(&mut word).map_err(stopped)?;
            let len = i32::from_be_bytes(word);
            pending += 4;
            if len < 0 {
                b.push(w, None).map_err(bad)?;
            } else {
                value.resize(len as usize, 0);
                r.read_exact(&mut value).map_err(stopped)?;
                pending += value.len();
                b.push(w, Some(&value)).map_err(bad)?;
            }
        }
        rows += 1;
        if rows.is_multiple_of(65_536) {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            report(std::mem::take(&mut pending));
        }
    }
    report(pending);
    let columns = builders
        .into_iter()
        .zip(shape.names)
        .map(|(b, n)| b.finish(n))
        .collect::<PolarsResult<Vec<Column>>>()?;
    Ok(DataFrame::new(rows, columns)?)
}

/// The tables and views of the database, as `schema.name` (plain `name` in `public`).
pub fn tables(loc: &Location) -> Result<Vec<String>> {
    let mut client = loc.connect()?;
    let rows = client
        .query(
            "SELECT table_schema, table_name FROM information_schema.tables \
             WHERE table_schema NOT IN ('pg_catalog', 'information_schema') \
             ORDER BY table_schema <> 'public', table_schema, table_name",
            &[],
        )
        .map_err(|e| loc.error("can't list the tables", &e))?;
    Ok(rows
        .iter()
        .map(|r| {
            let (schema, name): (String, String) = (r.get(0), r.get(1));
            if schema == "public" {
                name
            } else {
                format!("{schema}.{name}")
            }
        })
        .collect())
}

/// The PostgreSQL type a column is written as.
fn sql_type(dtype: &DataType) -> &'static str {
    match dtype {
        DataType::Boolean => "boolean",
        DataType::Int8 | DataType::Int16 | DataType::UInt8 => "smallint",
        DataType::Int32 | DataType::UInt16 => "integer",
        d if d.is_integer() => "bigint",
        d if d.is_float() => "double precision",
        DataType::Date => "date",
        DataType::Datetime(_, _) => "timestamp",
        _ => "text",
    }
}

/// Writes `df` as the table of `loc`, replacing it in one transaction (see the module
/// documentation); returns the rows written.
pub fn write(loc: &Location, df: &DataFrame) -> Result<u64> {
    let What::Table(table) = &loc.what else {
        return Err(Error::InvalidInput(format!(
            "{}: name the table to write: add ?table=NAME",
            loc.shown
        )));
    };
    let target = quote_table(table)?;
    let (schema, name) = match table.split_once('.') {
        Some((s, n)) => (Some(s), n),
        None => (None, table.as_str()),
    };
    let temp_name = format!("{name}_mw_new");
    let temp = match schema {
        Some(s) => format!("{}.{}", quote_ident(s), quote_ident(&temp_name)),
        None => quote_ident(&temp_name),
    };
    let columns: Vec<String> = df
        .columns()
        .iter()
        .map(|c| format!("{} {}", quote_ident(c.name()), sql_type(c.dtype())))
        .collect();
    let mut client = loc.connect()?;
    let mut tx = client
        .transaction()
        .map_err(|e| loc.error("can't start a transaction", &e))?;
    tx.batch_execute(&format!(
        "DROP TABLE IF EXISTS {temp}; CREATE TABLE {temp} ({})",
        columns.join(", ")
    ))
    .map_err(|e| loc.error("can't create the table", &e))?;
    let mut writer = tx
        .copy_in(format!("COPY {temp} FROM STDIN WITH (FORMAT csv, HEADER true)").as_str())
        .map_err(|e| loc.error("can't write", &e))?;
    let mut frame = df.clone();
    CsvWriter::new(&mut writer)
        .include_header(true)
        .finish(&mut frame)
        .map_err(|e| Error::InvalidInput(format!("{}: writing stopped: {e}", loc.shown)))?;
    writer
        .flush()
        .map_err(|e| Error::InvalidInput(format!("{}: writing stopped: {e}", loc.shown)))?;
    let rows = writer.finish().map_err(|e| loc.error("can't write", &e))?;
    tx.batch_execute(&format!(
        "DROP TABLE IF EXISTS {target}; ALTER TABLE {temp} RENAME TO {}",
        quote_ident(name)
    ))
    .map_err(|e| loc.error("can't replace the table", &e))?;
    tx.commit()
        .map_err(|e| loc.error("can't commit the new table", &e))?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_and_the_password_never_shown() {
        let l = Location::parse(
            "postgresql://ann:s3cr%40t@db.example.com:6543/shop?table=crm.customers&sample=5",
        )
        .unwrap();
        assert_eq!(l.what, What::Table("crm.customers".into()));
        assert_eq!(l.sample, Some(5.0));
        assert!(!l.shown.contains("s3cr"), "{}", l.shown);
        assert_eq!(
            l.shown,
            "postgresql://ann@db.example.com:6543/shop?table=crm.customers&sample=5"
        );
        assert_eq!(l.config.get_password(), Some(&b"s3cr@t"[..]));
        assert_eq!(l.config.get_ports(), &[6543]);
        assert_eq!(
            l.select().unwrap(),
            "SELECT * FROM \"crm\".\"customers\" TABLESAMPLE BERNOULLI (5) REPEATABLE (42)"
        );
        let q = Location::parse(
            "postgres://bob@%2Ftmp%2Fpg/db?query=SELECT%20a%2C%20b%20FROM%20t%3B&password=x",
        )
        .unwrap();
        assert_eq!(q.what, What::Query("SELECT a, b FROM t;".into()));
        assert_eq!(q.select().unwrap(), "SELECT a, b FROM t");
        assert!(!q.shown.contains("password"), "{}", q.shown);
        assert!(matches!(
            q.config.get_hosts().first(),
            Some(postgres::config::Host::Unix(p)) if p == Path::new("/tmp/pg")
        ));
        // Another table of the same database keeps the connection, not the old table.
        let other = l.with(What::Table("orders".into()), None);
        assert_eq!(
            other.shown,
            "postgresql://ann@db.example.com:6543/shop?table=orders"
        );
        for bad in [
            "postgresql://h/db?sample=5",
            "postgresql://h/db?table=t&sample=0",
            "postgresql://h/db?table=t&sample=abc",
            "mysql://h/db",
            "postgresql://h/db?table=%zz",
        ] {
            assert!(Location::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            redact_all("error: 'postgres://u:pw@h/db?table=t' and postgresql://v:pw2@h/db"),
            "error: 'postgres://u@h/db?table=t' and postgresql://v@h/db"
        );
        let e = Location::parse("postgresql://u:pw@h/db?table=t&sample=0")
            .err()
            .unwrap();
        assert!(!e.to_string().contains("pw"), "{e}");
    }

    #[test]
    fn the_password_file_matches_as_libpq_does() {
        let file =
            "# comment\nother:5432:*:ann:no\n*:5432:shop:ann:pa\\:ss\nlocalhost:*:*:*:fallback\n";
        assert_eq!(
            pgpass_lookup(file, ["db", "5432", "shop", "ann"]).as_deref(),
            Some("pa:ss")
        );
        assert_eq!(
            pgpass_lookup(file, ["localhost", "6000", "x", "y"]).as_deref(),
            Some("fallback")
        );
        assert_eq!(pgpass_lookup(file, ["db", "6000", "shop", "ann"]), None);
    }

    #[test]
    fn table_names_are_quoted() {
        assert_eq!(quote_table("a.b").unwrap(), "\"a\".\"b\"");
        assert_eq!(quote_table("we\"ird").unwrap(), "\"we\"\"ird\"");
        assert!(quote_table("a.b.c").is_err());
        assert!(quote_table("").is_err());
    }
}
