//! Attachments in bundles (issue 13, docs/formats/bundle.md section 9), end to end through the
//! CLI: `export --with-attachments` opens with Debian's `age` and `unzip` into the original
//! bytes (an image's metadata removed unless kept), `sha256sum -c` checks them, an import stores
//! them in the receiving vault (the same bytes back from `attach get`), the profiles decide
//! which go, nothing readable lands on disk, and a crash in the middle of an import leaves
//! neither a record nor a blob.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const CANARY: &str = "CANARY-ATTACHED-7f3a";

fn case(cli: &Cli, name: &str) -> String {
    cli.ok_stdin(&["case", "add", "--json", "-"], &format!(r#"{{"full_name": "{name}"}}"#)).trim().to_string()
}

fn attach(cli: &Cli, case: &str, file: &Path, extra: &[&str]) -> String {
    let mut args = vec!["attach", "add", case, file.to_str().unwrap()];
    args.extend_from_slice(extra);
    cli.ok(&args).trim().to_string()
}

fn list(cli: &Cli, case: &str) -> Vec<serde_json::Value> {
    serde_json::from_str(&cli.ok(&["attach", "list", case, "--json"])).unwrap()
}

fn fail(cli: &Cli, args: &[&str]) -> String {
    let out = cli.run(args);
    assert!(!out.status.success(), "casebook {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(29).wrapping_add(seed) ^ (i >> 11) as u8).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn utf16(s: &str, big: bool) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| if big { u.to_be_bytes() } else { u.to_le_bytes() }).collect()
}

fn tool(name: &str) -> bool {
    Command::new(name).arg("--version").output().is_ok()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn key_of(cli: &Cli) -> String {
    cli.ok(&["identity", "show"]).lines().next().unwrap().trim().to_string()
}

fn blobs(cli: &Cli) -> Vec<PathBuf> {
    files_under(&cli.vault.join("blobs")).into_iter().filter(|p| !p.ends_with(".lock")).collect()
}

#[test]
fn a_bundle_with_attachments_opens_with_age_and_unzip_and_imports_byte_for_byte() {
    assert!(tool("age") && tool("unzip"), "age and unzip are missing: run scripts/setup.sh (apt install age unzip)");
    let tmp = tempfile::tempdir().unwrap();
    let a = Cli::new(&tmp.path().join("a"));
    let b = Cli::new(&tmp.path().join("b"));
    a.init();
    b.init();
    let case = case(&a, "Юрий Жуков");
    let src = tmp.path().join("src");
    std::fs::create_dir(&src).unwrap();
    // Sizes that matter, a canary in content (raw, UTF-16 both ways), and a photo whose Exif
    // carries the canary and a GPS position, kept at attach.
    let mut files = Vec::new();
    for (i, size) in [0usize, 1, 65_535, 65_536, 65_537, 20 * 1024 * 1024].into_iter().enumerate() {
        let mut bytes = pattern(size, i as u8);
        if size > 70_000 {
            bytes.splice(1000..1000, CANARY.bytes());
            bytes.splice(40_000..40_000, utf16(CANARY, false));
            bytes.splice(60_000..60_000, utf16(CANARY, true));
        }
        let file = src.join(format!("scan-{size}.bin"));
        std::fs::write(&file, &bytes).unwrap();
        files.push((attach(&a, &case, &file, &[]), bytes));
    }
    let photo = src.join("photo.jpg");
    let original = jpeg_with_exif(CANARY.as_bytes());
    std::fs::write(&photo, &original).unwrap();
    let photo_id = attach(&a, &case, &photo, &["--keep-metadata"]);

    // To a partner's age key: age -d, unzip, sha256sum -c.
    let partner = tmp.path().join("partner.txt");
    run(Command::new("age-keygen").arg("-o").arg(&partner));
    let partner_key = run(Command::new("age-keygen").arg("-y").arg(&partner)).trim().to_string();
    let bundle = tmp.path().join("to-partner.age");
    let printed = a.ok(&[
        "export",
        "--all",
        "--with-attachments",
        "--recipient",
        &partner_key,
        "--out",
        bundle.to_str().unwrap(),
    ]);
    assert!(printed.contains("7 attachments"), "{printed}");
    let outer = std::fs::read(&bundle).unwrap();
    for needle in [CANARY.as_bytes().to_vec(), utf16(CANARY, false), utf16(CANARY, true)] {
        assert!(!contains(&outer, &needle), "the canary is readable in the bundle file");
    }
    let zip = tmp.path().join("b.zip");
    run(Command::new("age").arg("-d").arg("-i").arg(&partner).arg("-o").arg(&zip).arg(&bundle));
    let open = tmp.path().join("opened");
    run(Command::new("unzip").arg("-q").arg("-d").arg(&open).arg(&zip));
    run(Command::new("sha256sum").arg("-c").arg("--strict").arg("--quiet").arg("SHA256SUMS").current_dir(&open));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(open.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["version"], 3);
    let listed = manifest["attachments"].as_array().unwrap();
    assert_eq!(listed.len(), 7);
    for (id, bytes) in &files {
        let item = listed.iter().find(|x| x["id"] == id.as_str()).unwrap();
        let path = open.join(item["entry"].as_str().unwrap());
        assert!(std::fs::read(&path).unwrap() == *bytes, "{} opens as the original bytes", path.display());
        assert_eq!(item["case"], case.as_str());
    }
    let item = listed.iter().find(|x| x["id"] == photo_id.as_str()).unwrap();
    assert_eq!(item["metadata_removed"], true, "an export removes what the attach kept");
    let exported_photo = std::fs::read(open.join(item["entry"].as_str().unwrap())).unwrap();
    assert!(!contains(&exported_photo, CANARY.as_bytes()), "the photo's Exif is gone");
    assert!(exported_photo.len() < original.len() && exported_photo.starts_with(&[0xFF, 0xD8]));
    // Kept deliberately: the bytes as attached.
    let kept = tmp.path().join("kept.age");
    a.ok(&[
        "export",
        "--all",
        "--attachment",
        &photo_id,
        "--keep-metadata",
        "--recipient",
        &partner_key,
        "--out",
        kept.to_str().unwrap(),
    ]);
    let kept_zip = tmp.path().join("kept.zip");
    run(Command::new("age").arg("-d").arg("-i").arg(&partner).arg("-o").arg(&kept_zip).arg(&kept));
    let listing = run(Command::new("unzip").arg("-Z1").arg(&kept_zip));
    assert_eq!(listing.lines().filter(|l| l.starts_with("attachments/")).count(), 1, "{listing}");

    // To vault B: previewed, imported, the same bytes back.
    let to_b = tmp.path().join("to-b.age");
    a.ok(&["export", "--all", "--with-attachments", "--recipient", &key_of(&b), "--out", to_b.to_str().unwrap()]);
    let plan: serde_json::Value =
        serde_json::from_str(&b.ok(&["import", to_b.to_str().unwrap(), "--dry-run", "--json"])).unwrap();
    let planned = plan["attachments"].as_array().unwrap();
    assert_eq!(planned.len(), 7);
    assert!(planned.iter().all(|p| p["action"] == "create"), "{plan}");
    assert!(blobs(&b).is_empty(), "a preview stores nothing");
    let done = b.ok(&["import", to_b.to_str().unwrap()]);
    assert!(done.contains("7 attachment(s) stored"), "{done}");
    let rows = list(&b, &case);
    assert_eq!(rows.len(), 7);
    for (id, bytes) in files.iter().chain(std::iter::once(&(photo_id.clone(), exported_photo.clone()))) {
        let out = tmp.path().join(format!("back-{id}"));
        b.ok(&["attach", "get", id, "--out", out.to_str().unwrap()]);
        assert!(std::fs::read(&out).unwrap() == *bytes, "attachment {id} came through");
        std::fs::remove_file(&out).unwrap();
    }
    // Again: nothing changes, nothing is stored twice.
    let again = b.ok(&["import", to_b.to_str().unwrap()]);
    assert!(again.contains("0 attachment(s) stored"), "{again}");
    assert_eq!(blobs(&b).len(), 7);
    // Nothing readable on disk in either vault, their temp folders or homes.
    for cli in [&a, &b] {
        for dir in [&cli.vault, &cli.tmp, &cli.home] {
            for f in files_under(dir) {
                let bytes = std::fs::read(&f).unwrap();
                for needle in [CANARY.as_bytes().to_vec(), utf16(CANARY, false), utf16(CANARY, true)] {
                    assert!(!contains(&bytes, &needle), "the canary is readable in {}", f.display());
                }
            }
        }
    }
}

#[test]
fn the_profile_decides_which_attachments_go() {
    let tmp = tempfile::tempdir().unwrap();
    let a = Cli::new(&tmp.path().join("a"));
    let b = Cli::new(&tmp.path().join("b"));
    a.init();
    b.init();
    let one = case(&a, "Пётр Смирнов");
    let other = case(&a, "Иван Козлов");
    let file = tmp.path().join("court-decision.pdf");
    std::fs::write(&file, b"%PDF-1.7\n decision").unwrap();
    let id = attach(&a, &one, &file, &["--label", "court decision"]);
    let key = key_of(&b);
    let out = |n: &str| tmp.path().join(n).to_str().unwrap().to_string();
    let err = fail(
        &a,
        &["export", "--all", "--redact", "no-identity", "--with-attachments", "--recipient", &key, "--out", &out("x")],
    );
    assert!(err.contains("only the attachments you pick"), "{err}");
    let err = fail(
        &a,
        &["export", "--all", "--redact", "summary", "--attachment", &id, "--recipient", &key, "--out", &out("y")],
    );
    assert!(err.contains("summary names no case"), "{err}");
    let err = fail(&a, &["export", "--case", &other, "--attachment", &id, "--recipient", &key, "--out", &out("z")]);
    assert!(err.contains("does not carry"), "{err}");
    assert!(!tmp.path().join("x").exists() && !tmp.path().join("y").exists() && !tmp.path().join("z").exists());
    // Picked in a no-identity bundle: under the per-partner id, in B as a new case's attachment.
    a.ok(&["export", "--all", "--redact", "no-identity", "--attachment", &id, "--recipient", &key, "--out", &out("n")]);
    let plan: serde_json::Value = serde_json::from_str(&b.ok(&["import", &out("n"), "--dry-run", "--json"])).unwrap();
    let planned = plan["attachments"].as_array().unwrap();
    assert_eq!(planned.len(), 1);
    assert_ne!(planned[0]["id"], id.as_str(), "a redacted bundle carries a per-partner id");
    b.ok(&["import", &out("n")]);
    let case_b = planned[0]["case"].as_str().unwrap();
    let rows = list(&b, case_b);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["label"], "court decision");
    assert_eq!(rows[0]["name"], "court-decision.pdf");
    // Without attachments, still version 2 (an older Casebook reads it).
    a.ok(&["export", "--all", "--recipient", &key, "--out", &out("v2")]);
    let plan: serde_json::Value = serde_json::from_str(&b.ok(&["import", &out("v2"), "--dry-run", "--json"])).unwrap();
    assert_eq!(plan["version"], 2);
    assert!(plan["attachments"].as_array().unwrap().is_empty());
}

#[test]
fn a_crash_while_importing_attachments_leaves_no_record_and_no_blob() {
    let tmp = tempfile::tempdir().unwrap();
    let a = Cli::new(&tmp.path().join("a"));
    let b = Cli::new(&tmp.path().join("b"));
    a.init();
    b.init();
    let case = case(&a, "Олег Волков");
    let file = tmp.path().join("scan.bin");
    std::fs::write(&file, pattern(3 * 1024 * 1024, 5)).unwrap();
    attach(&a, &case, &file, &[]);
    attach(&a, &case, &file, &["--label", "again"]);
    let bundle = tmp.path().join("to-b.age");
    a.ok(&["export", "--all", "--with-attachments", "--recipient", &key_of(&b), "--out", bundle.to_str().unwrap()]);
    for point in ["import-blob-sealed", "import-before-commit"] {
        let out = b.cmd(&["import", bundle.to_str().unwrap()]).env("CASEBOOK_CRASH_AT", point).output().unwrap();
        assert!(!out.status.success(), "{point}: the process ended there");
        assert!(!blobs(&b).is_empty(), "{point}: the crash left a blob behind");
        let cases = b.ok(&["case", "list"]);
        assert!(!cases.contains("Олег"), "{point}: no case was imported: {cases}");
        assert!(blobs(&b).is_empty(), "{point}: the next unlock swept the blob away");
    }
    let done = b.ok(&["import", bundle.to_str().unwrap()]);
    assert!(done.contains("2 attachment(s) stored"), "{done}");
    assert_eq!(blobs(&b).len(), 2);
}
