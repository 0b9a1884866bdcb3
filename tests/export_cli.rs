//! The export/import CLI contract, and a canary scan: no readable case data lands anywhere on
//! disk during an export and an import (bundle, vault folders, TMPDIR, HOME).

mod common;

use common::*;

const CANARY: &str = "Zxqcanary Exportovich";

fn add(cli: &Cli) -> String {
    let json = format!(
        r#"{{"full_name": "{CANARY}", "stage": "exit", "country": "AM", "notes": ["canary-note-Щукин-5512"]}}"#
    );
    cli.ok_stdin(&["case", "add", "--json", "-"], &json).trim().to_string()
}

fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    files_under(dir)
}

#[test]
fn export_to_a_key_and_to_a_passphrase_then_import_with_dry_run() {
    let tmp = tempfile::tempdir().unwrap();
    let a = Cli::new(&tmp.path().join("a"));
    let b = Cli::new(&tmp.path().join("b"));
    a.init();
    b.init();
    let id = add(&a);
    let key = b.ok(&["identity", "show"]).lines().next().unwrap().trim().to_string();
    assert!(key.starts_with("age1") && key.len() == 62, "{key}");
    let pub_file = tmp.path().join("b.pub");
    b.ok(&["identity", "export-public", "--out", pub_file.to_str().unwrap(), "--label", "Partner B"]);
    let text = std::fs::read_to_string(&pub_file).unwrap();
    assert!(text.contains("# Partner B") && text.contains(&key));

    let out = tmp.path().join("to-b.age");
    let printed = a.ok(&["export", "--all", "--recipient", &key, "--out", out.to_str().unwrap()]);
    assert!(printed.contains("Exported 1 case(s)"), "{printed}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // Refuses to overwrite, refuses a bad key, refuses no selection.
    let again = a.run(&["export", "--all", "--recipient", &key, "--out", out.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    let bad = a.run(&["export", "--all", "--recipient", "age1nope", "--out", tmp.path().join("x").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an age public key"));
    let none = a.run(&["export", "--recipient", &key, "--out", tmp.path().join("y").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&none.stderr).contains("exactly one of"));
    let stage =
        a.run(&["export", "--stage", "exitt", "--recipient", &key, "--out", tmp.path().join("z").to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&stage.stderr).contains("is not one of"),
        "{}",
        String::from_utf8_lossy(&stage.stderr)
    );

    let plan = b.ok(&["import", out.to_str().unwrap(), "--dry-run", "--json"]);
    let plan: serde_json::Value = serde_json::from_str(&plan).unwrap();
    assert_eq!(plan["create"], 1);
    assert_eq!(plan["cases"][0]["name"], CANARY);
    assert!(b.run(&["case", "show", &id]).status.code() == Some(1), "dry run changed nothing");
    let done = b.ok(&["import", out.to_str().unwrap()]);
    assert!(done.contains("1 created"), "{done}");
    assert!(b.ok(&["case", "show", &id]).contains(CANARY));

    // A passphrase bundle (the test passes a low scrypt cost explicitly; the default is age's).
    let pout = tmp.path().join("pass.age");
    let o = a
        .cmd(&[
            "export",
            "--case",
            &id,
            "--redact",
            "no-identity",
            "--out",
            pout.to_str().unwrap(),
            "--scrypt-log-n",
            "10",
        ])
        .env("CASEBOOK_EXPORT_PASSPHRASE", "korova-moloko-sever")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = b
        .cmd(&["import", pout.to_str().unwrap(), "--json"])
        .env("CASEBOOK_EXPORT_PASSPHRASE", "wrong")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "a wrong bundle passphrase is a wrong key");
    let o = b
        .cmd(&["import", pout.to_str().unwrap(), "--json"])
        .env("CASEBOOK_EXPORT_PASSPHRASE", "korova-moloko-sever")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // Signed by a key B has not confirmed: it only creates. Its id is the one A made for this
    // recipient, which B cannot map to its copy of the case: a new, unverified case.
    assert_eq!((report["created"].clone(), report["unchanged"].clone()), (1.into(), 0.into()), "{report}");
}

#[test]
fn no_readable_case_data_lands_on_disk_during_export_and_import() {
    let tmp = tempfile::tempdir().unwrap();
    let a = Cli::new(&tmp.path().join("a"));
    let b = Cli::new(&tmp.path().join("b"));
    a.init();
    b.init();
    add(&a);
    let key = b.ok(&["identity", "show"]).lines().next().unwrap().trim().to_string();
    let out = tmp.path().join("bundle.age");
    a.ok(&["export", "--all", "--recipient", &key, "--out", out.to_str().unwrap()]);
    b.ok(&["import", out.to_str().unwrap()]);
    let needles: Vec<Vec<u8>> = ["Zxqcanary", "Exportovich", "canary-note", "Щукин"]
        .iter()
        .flat_map(|s| [s.as_bytes().to_vec(), s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()])
        .collect();
    let mut scanned = 0;
    for f in files(tmp.path()) {
        let bytes = std::fs::read(&f).unwrap();
        scanned += 1;
        for n in &needles {
            assert!(!bytes.windows(n.len()).any(|w| w == &n[..]), "{} holds readable case data", f.display());
        }
    }
    assert!(scanned >= 5, "two vaults (header, database) and the bundle: {scanned}");
}

/// A pipe or a folder where the bundle should be: refused at once with a clear error (exit 1),
/// never read (reading a pipe would wait for ever); a short passphrase for a new bundle is
/// refused by the same rule as the app's.
#[test]
fn import_refuses_what_is_not_a_bundle_file_and_export_a_short_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let a = Cli::new(&tmp.path().join("a"));
    a.init();
    add(&a);
    let fifo = tmp.path().join("bundle.age");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let start = std::time::Instant::now();
    let out = a.run(&["import", fifo.to_str().unwrap(), "--dry-run"]);
    assert!(start.elapsed() < std::time::Duration::from_secs(10), "{:?}", start.elapsed());
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
    let out = a.run(&["import", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let short = a
        .cmd(&["export", "--all", "--out", tmp.path().join("p.age").to_str().unwrap(), "--scrypt-log-n", "10"])
        .env("CASEBOOK_EXPORT_PASSPHRASE", "seven77")
        .output()
        .unwrap();
    assert_eq!(short.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 8 characters"));
    assert!(!tmp.path().join("p.age").exists());
}
