//! Hostile test vectors, age-style: every file in `tests/vectors/<area>/` says in its header what
//! must happen to its bytes, and this runner checks it. File format and areas:
//! `tests/vectors/README.md`.
//!
//! A mismatch or a panic fails the test with the file's name; a folder that holds fewer vectors
//! than it should fails too, so a lost or renamed folder cannot pass silently.
//!
//! The `header/` vectors are generated (`tests/vectors/generate.rs`):
//! `cargo test --test vectors -- --ignored regenerate`
//! rewrites them from a valid header built with the public API. The other folders are
//! written by hand.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use casebook::model::input::{parse_object, validate, Purpose};
use casebook::model::{TableDef, CASE, EVENT, NOTE, TASK};
use casebook::secret::RecoveryKey;
use casebook::vault::header::{Header, HeaderError, SlotKind};
use casebook::vault::keyslot;
use casebook::Error;

/// Fewest vectors each folder must hold (the counts when the folders were written).
const MIN_VECTORS: [(&str, usize); 5] =
    [("header", 91), ("recovery_key", 18), ("case_input", 44), ("roster", 60), ("bundle", 28)];

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("vectors")
}

/// One parsed vector file: its header lines and its body bytes.
struct Vector {
    fields: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl Vector {
    fn get(&self, key: &str) -> Result<&str, String> {
        self.fields.get(key).map(String::as_str).ok_or_else(|| format!("missing header line `{key}:`"))
    }
}

/// Parses a vector file. `allowed` are the header keys this area knows; any other key is an
/// error, so a typo (`expcet:`) cannot disable a check.
fn parse_vector(text: &str, allowed: &[&str]) -> Result<Vector, String> {
    let Some((head, rest)) = text.split_once("\n---\n").or_else(|| text.strip_suffix("\n---").map(|h| (h, ""))) else {
        return Err("no `---` line between header and body".into());
    };
    let mut fields = BTreeMap::new();
    for line in head.lines() {
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!("header line without `key:` {line:?}"));
        };
        let key = key.trim();
        if !allowed.contains(&key) {
            return Err(format!("unknown header key `{key}` (known: {})", allowed.join(", ")));
        }
        if fields.insert(key.to_string(), value.trim().to_string()).is_some() {
            return Err(format!("header key `{key}` appears twice"));
        }
    }
    for required in ["expect", "comment"] {
        if !fields.contains_key(required) {
            return Err(format!("missing header line `{required}:`"));
        }
    }
    let body = match fields.get("body").map(String::as_str).unwrap_or("hex") {
        "hex" => decode_hex(rest)?,
        "text" => expand_text(rest.strip_suffix('\n').unwrap_or(rest))?.into_bytes(),
        other => return Err(format!("unknown body encoding `{other}` (hex or text)")),
    };
    Ok(Vector { fields, body })
}

fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).map_err(|_| "non-ASCII in hex body".to_string())?;
            u8::from_str_radix(s, 16).map_err(|_| format!("bad hex digits {s:?}"))
        })
        .collect()
}

/// Text bodies are used as written, except `<<repeat N TEXT>>`, which stands for TEXT written
/// N times (TEXT ends at the first `>>`), so megabyte inputs stay small files.
fn expand_text(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("<<repeat ") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "<<repeat ".len()..];
        let (count, after) = after.split_once(' ').ok_or("`<<repeat` without a count")?;
        let count: usize = count.parse().map_err(|_| format!("bad repeat count {count:?}"))?;
        let end = after.find(">>").ok_or("`<<repeat` without `>>`")?;
        out.push_str(&after[..end].repeat(count));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Every `*.txt` file of one area, sorted by name.
fn vector_files(area: &str) -> Vec<PathBuf> {
    let dir = vectors_dir().join(area);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
}

/// Runs `check` on every vector of `area`; fails listing every file that did not do what its
/// header says (a panic inside the code under test counts as a failure of that file).
fn run_area(area: &str, allowed: &[&str], check: impl Fn(&Vector) -> Result<(), String>) {
    let mut failures = String::new();
    let files = vector_files(area);
    for path in &files {
        let name = path.file_name().expect("file name").to_string_lossy().into_owned();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(failures, "{area}/{name}: unreadable: {e}");
                continue;
            }
        };
        let outcome = match parse_vector(&text, allowed) {
            Err(e) => Err(format!("malformed vector: {e}")),
            Ok(v) => match catch_unwind(AssertUnwindSafe(|| check(&v))) {
                Ok(result) => result,
                Err(panic) => Err(format!("PANICKED: {}", panic_message(&panic))),
            },
        };
        if let Err(e) = outcome {
            let _ = writeln!(failures, "{area}/{name}: {e}");
        }
    }
    assert!(failures.is_empty(), "{} of {} {area} vectors failed:\n{failures}", failures.lines().count(), files.len());
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(non-string panic payload)".into())
}

fn compare(what: &str, expected: &str, actual: &str) -> Result<(), String> {
    if expected == actual {
        Ok(())
    } else {
        Err(format!("{what}: expected `{expected}`, got `{actual}`"))
    }
}

#[test]
fn every_vector_folder_holds_its_vectors() {
    for (area, min) in MIN_VECTORS {
        let n = vector_files(area).len();
        assert!(n >= min, "tests/vectors/{area} holds {n} vectors, expected at least {min}");
    }
}

// ---------------------------------------------------------------------------------------------
// header/: Header::decode, then keyslot::unwrap for the vectors that decode.

fn header_outcome(result: &Result<Header, HeaderError>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(HeaderError::Truncated { .. }) => "truncated".into(),
        Err(HeaderError::BadMagic) => "bad magic".into(),
        Err(HeaderError::TooNew { .. }) => "too new".into(),
        Err(HeaderError::BadVersion { .. }) => "bad version".into(),
        Err(HeaderError::BadLength { .. }) => "bad length".into(),
        Err(HeaderError::BadChecksum) => "bad checksum".into(),
        Err(HeaderError::BadField { field }) => format!("bad field {field}"),
        Err(other) => format!("unknown header error {other:?}"),
    }
}

fn unwrap_outcome(result: &casebook::Result<(casebook::secret::DataKey, usize)>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(Error::WrongKey) => "wrong key".into(),
        Err(Error::Crypto(_)) => "header modified".into(),
        Err(Error::KdfParams { .. }) => "kdf params refused".into(),
        Err(other) => format!("unexpected error: {other}"),
    }
}

#[test]
fn header_vectors() {
    run_area("header", &["expect", "comment", "passphrase", "unwrap"], |v| {
        let decoded = Header::decode(&v.body);
        compare("decode", v.get("expect")?, &header_outcome(&decoded))?;
        match decoded {
            Ok(header) => {
                if header.encode() != v.body {
                    return Err("decoded, but encodes to different bytes".into());
                }
                let want = v
                    .get("unwrap")
                    .map_err(|e| format!("{e} (every `expect: ok` header vector says what unwrap does)"))?;
                let got = keyslot::unwrap(&header, SlotKind::Passphrase, v.get("passphrase")?.as_bytes());
                compare("unwrap", want, &unwrap_outcome(&got))
            }
            Err(_) if v.fields.contains_key("unwrap") => {
                Err("`unwrap:` given for a header that must not decode".into())
            }
            Err(_) => Ok(()),
        }
    });
}

// ---------------------------------------------------------------------------------------------
// recovery_key/: RecoveryKey::parse on the body text.

#[test]
fn recovery_key_vectors() {
    run_area("recovery_key", &["expect", "comment", "body", "canonical"], |v| {
        let text = std::str::from_utf8(&v.body).map_err(|_| "body is not UTF-8".to_string())?;
        let parsed = RecoveryKey::parse(text);
        match (v.get("expect")?, parsed) {
            ("ok", Ok(key)) => {
                let shown = key.display_groups();
                let again = RecoveryKey::parse(&shown).map_err(|e| format!("written form does not parse: {e}"))?;
                compare("round trip", &shown, &again.display_groups())?;
                match v.fields.get("canonical") {
                    Some(canonical) => compare("canonical form", canonical, &shown),
                    None => Ok(()),
                }
            }
            ("error", Err(Error::InvalidInput { field, .. })) => compare("error names", "recovery key", &field),
            (want, got) => Err(format!(
                "expected `{want}`, got {}",
                match got {
                    Ok(k) => format!("ok ({})", &*k.display_groups()),
                    Err(e) => format!("error: {e}"),
                }
            )),
        }
    });
}

// ---------------------------------------------------------------------------------------------
// case_input/: parse_object then validate for one record kind and purpose.

fn table(noun: &str) -> Result<&'static TableDef, String> {
    match noun {
        "case" => Ok(&CASE),
        "event" => Ok(&EVENT),
        "task" => Ok(&TASK),
        "note" => Ok(&NOTE),
        other => Err(format!("unknown table `{other}` (case, event, task or note)")),
    }
}

#[test]
fn case_input_vectors() {
    run_area("case_input", &["expect", "comment", "body", "table", "purpose"], |v| {
        let table = table(v.get("table")?)?;
        let purpose = match v.get("purpose")? {
            "create" => Purpose::Create,
            "update" => Purpose::Update,
            other => return Err(format!("unknown purpose `{other}` (create or update)")),
        };
        // Inputs arrive as text; invalid UTF-8 never reaches the parser.
        let text = std::str::from_utf8(&v.body).map_err(|_| "body is not UTF-8".to_string())?;
        let result = parse_object(text).and_then(|object| validate(table, &object, purpose, &[]));
        let got = match &result {
            Ok(_) => "ok".to_string(),
            Err(e @ Error::InvalidInput { field, .. }) => {
                let message = e.to_string();
                if !message.starts_with(&format!("invalid {field}: ")) {
                    return Err(format!("message does not start with `invalid {field}: `: {message}"));
                }
                // An empty key is written `""` so the outcome line can show it.
                if field.is_empty() {
                    "error \"\"".to_string()
                } else {
                    format!("error {field}")
                }
            }
            Err(e) => format!("unexpected error kind: {e}"),
        };
        compare("outcome", v.get("expect")?, &got)
    });
}

// ---------------------------------------------------------------------------------------------
// bundle/: a version-2 bundle's signed part: `SHA256SUMS` (manifest::parse_sums) and its SSH
// signature (sshsig::verify of the body over `message:`, hex), which must name `key:` when ok.

#[test]
fn bundle_vectors() {
    use casebook::export::{manifest, sshsig};
    run_area("bundle", &["expect", "comment", "reason", "check", "message", "key", "body"], |v| {
        let result: Result<Option<String>, Error> = match v.get("check")? {
            "sums" => manifest::parse_sums(&v.body).map(|_| None),
            "signature" => {
                let hex = v.get("message")?.as_bytes();
                let message: Vec<u8> = hex
                    .chunks(2)
                    .map(|p| std::str::from_utf8(p).ok().and_then(|p| u8::from_str_radix(p, 16).ok()))
                    .collect::<Option<_>>()
                    .ok_or("message: not hex")?;
                sshsig::verify(&v.body, &message).map(|k| Some(sshsig::public_line(&k)))
            }
            other => return Err(format!("unknown check `{other}` (sums or signature)")),
        };
        match (v.get("expect")?, result) {
            ("ok", Ok(key)) => match key {
                Some(k) => compare("key", v.get("key")?, &k),
                None => Ok(()),
            },
            ("refused", Err(e)) => {
                let want = v.get("reason")?;
                let got = e.to_string();
                if got.contains(want) {
                    Ok(())
                } else {
                    Err(format!("refused for another reason: {got} (expected one naming `{want}`)"))
                }
            }
            (want, Ok(_)) => Err(format!("expected `{want}`, got ok")),
            (want, Err(e)) => Err(format!("expected `{want}`, got refused: {e}")),
        }
    });
}

// ---------------------------------------------------------------------------------------------
// roster/: the checks a roster entry passes on its own bytes (roster::fold::check_alone).

#[test]
fn roster_vectors() {
    run_area("roster", &["expect", "comment", "reason"], |v| {
        let result = casebook::sync::roster::fold::check_alone(&v.body);
        match (v.get("expect")?, result) {
            ("ok", Ok(e)) => {
                if casebook::sync::roster::entry::encode(&e) != v.body {
                    return Err("decodes, but does not encode back to the same bytes".into());
                }
                Ok(())
            }
            ("refused", Err(bad)) => {
                let want = v.get("reason")?;
                if bad.0.contains(want) {
                    Ok(())
                } else {
                    Err(format!("refused for another reason: {bad} (expected one naming `{want}`)"))
                }
            }
            (want, Ok(_)) => Err(format!("expected `{want}`, got ok")),
            (want, Err(bad)) => Err(format!("expected `{want}`, got refused: {bad}")),
        }
    });
}

// ---------------------------------------------------------------------------------------------
// The generators of header/ and roster/ (run by hand; their output is committed).

/// Bytes as hex, 32 to a line (the body of a generated vector).
fn hex_lines(bytes: &[u8]) -> String {
    let mut text = String::new();
    for line in bytes.chunks(32) {
        for b in line {
            let _ = write!(text, "{b:02x}");
        }
        text.push('\n');
    }
    text
}

#[path = "vectors/generate_roster.rs"]
mod generate_roster;

/// Rewrites `tests/vectors/roster/*.txt` from the generator.
#[test]
#[ignore = "writes files: run by hand with `-- --ignored regenerate`"]
fn regenerate_roster_vectors() {
    let dir = vectors_dir().join("roster");
    std::fs::create_dir_all(&dir).expect("create tests/vectors/roster");
    let mut names = std::collections::HashSet::new();
    for out in generate_roster::all() {
        assert!(names.insert(out.name.clone()), "duplicate vector name {}", out.name);
        let mut text = format!("expect: {}\n", out.expect);
        if let Some(r) = out.reason {
            let _ = writeln!(text, "reason: {r}");
        }
        let _ = writeln!(text, "comment: {}", out.comment);
        text.push_str("---\n");
        text.push_str(&hex_lines(&out.bytes));
        std::fs::write(dir.join(format!("{}.txt", out.name)), text).expect("write vector");
    }
}

#[path = "vectors/generate.rs"]
mod generate;

/// Rewrites `tests/vectors/header/*.txt` from the generator (files of other names are kept).
#[test]
#[ignore = "writes files: run by hand with `-- --ignored regenerate`"]
fn regenerate_header_vectors() {
    let dir = vectors_dir().join("header");
    std::fs::create_dir_all(&dir).expect("create tests/vectors/header");
    let all = generate::all();
    let mut names = std::collections::HashSet::new();
    for out in all {
        assert!(names.insert(out.name), "duplicate vector name {}", out.name);
        let mut text = format!("expect: {}\n", out.expect);
        if let Some(u) = out.unwrap {
            let _ = writeln!(text, "unwrap: {u}");
        }
        if let Some(p) = out.passphrase {
            let _ = writeln!(text, "passphrase: {p}");
        }
        let _ = writeln!(text, "comment: {}", out.comment);
        text.push_str("---\n");
        text.push_str(&hex_lines(&out.bytes));
        std::fs::write(dir.join(format!("{}.txt", out.name)), text).expect("write vector");
    }
}
