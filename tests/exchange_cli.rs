//! The exchange-trust CLI contract (docs/formats/bundle.md sections 3.2, 7 and 8): `identity
//! show` with the signing key, the partner contact book, `export --partner`, the field-level
//! `import --dry-run --json`, and a partner checking a bundle with stock tools only (age, unzip,
//! ssh-keygen, sha256sum), as the spec's commands say.

mod common;

use common::*;

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn keys(cli: &Cli) -> serde_json::Value {
    json(&cli.ok(&["identity", "show", "--json"]))
}

fn have(tool: &str) -> bool {
    std::process::Command::new(tool).arg("--help").output().is_ok()
}

fn run(cmd: &mut std::process::Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn partners_exports_to_a_partner_and_a_field_level_reply_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (Cli::new(&tmp.path().join("a")), Cli::new(&tmp.path().join("b")));
    a.init();
    b.init();
    let (ka, kb) = (keys(&a), keys(&b));
    let plain = a.ok(&["identity", "show"]);
    let lines: Vec<&str> = plain.lines().collect();
    assert_eq!(lines[0], ka["age_recipient"], "the age key stays the first line");
    assert_eq!(lines[1], ka["signing_key"]);
    assert!(ka["signing_key"].as_str().unwrap().starts_with("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"));
    assert_eq!(keys(&a)["signing_key"], ka["signing_key"], "one key per vault, made once");

    // Each vault knows the other as a partner.
    let added = a.ok(&[
        "partner",
        "add",
        "Memorial Yerevan",
        "--recipient",
        kb["age_recipient"].as_str().unwrap(),
        "--signing-key",
        kb["signing_key"].as_str().unwrap(),
        "--note",
        "Anna's contact",
        "--json",
    ]);
    assert_eq!(json(&added)[0]["recipients"][0], kb["age_recipient"]);
    b.ok(&[
        "partner",
        "add",
        "Vault A",
        "--recipient",
        ka["age_recipient"].as_str().unwrap(),
        "--signing-key",
        ka["signing_key"].as_str().unwrap(),
    ]);
    let list = json(&a.ok(&["partner", "list", "--json"]));
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "Memorial Yerevan");
    assert_eq!(list[0]["signing_keys"][0], kb["signing_key"]);
    assert_eq!(list[0]["keys"][1]["fingerprint"], kb["fingerprint"], "the fingerprint `identity show` printed");
    assert!(a.ok(&["partner", "list"]).contains("confirmed here"));

    let id = a
        .ok_stdin(
            &["case", "add", "--json", "-"],
            r#"{"full_name": "Юрий Жуков", "stage": "vetting", "city": "Gyumri", "country": "AM"}"#,
        )
        .trim()
        .to_string();
    let out = tmp.path().join("to-memorial.age");
    let printed = a.ok(&["export", "--case", &id, "--partner", "memorial yerevan", "--out", out.to_str().unwrap()]);
    assert!(printed.contains("encrypted to age1") && printed.contains("For memorial yerevan"), "{printed}");
    let both = a.run(&["export", "--all", "--partner", "X", "--recipient", "age1x", "--out", "/tmp/never"]);
    assert_ne!(both.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&both.stderr).contains("cannot be used with"),
        "--partner and --recipient exclude each other"
    );

    // B: verified (a confirmed partner's key, encrypted to B): the plan names the signer.
    let plan = json(&b.ok(&["import", out.to_str().unwrap(), "--dry-run", "--json"]));
    assert_eq!(plan["signer"], "signed by Vault A (known key)");
    assert_eq!(plan["profile"], "full");
    assert_eq!(plan["creates"], 1);
    assert_eq!(plan["updates"].as_array().unwrap().len(), 0);
    b.ok(&["import", out.to_str().unwrap()]);
    let bundle_id = plan["bundle_id"].as_str().unwrap().to_string();

    // B moves the case on and replies to A's bundle; A edited the city meanwhile.
    b.ok_stdin(&["case", "update", &id, "--json", "-"], r#"{"stage": "transit_stay", "city": "Yerevan"}"#);
    a.ok_stdin(&["case", "update", &id, "--json", "-"], r#"{"city": "Vanadzor"}"#);
    let reply = tmp.path().join("reply.age");
    b.ok(&[
        "export",
        "--case",
        &id,
        "--partner",
        "Vault A",
        "--in-reply-to",
        &bundle_id,
        "--out",
        reply.to_str().unwrap(),
    ]);
    let plan = json(&a.ok(&["import", reply.to_str().unwrap(), "--dry-run", "--json"]));
    assert_eq!(plan["signer"], "signed by Memorial Yerevan (known key)");
    let updates = plan["updates"].as_array().unwrap();
    let of = |field: &str| updates.iter().find(|u| u["field"] == field).cloned().unwrap_or_default();
    assert_eq!(of("stage")["action"], "apply", "changed only there: {updates:?}");
    assert_eq!(
        (of("stage")["local"].clone(), of("stage")["incoming"].clone()),
        ("vetting".into(), "transit_stay".into())
    );
    assert_eq!(of("stage")["case"], id.as_str());
    assert_eq!(of("city")["action"], "conflict", "changed on both sides");
    assert_eq!(updates.len(), 2, "fields unchanged since the export are not in the plan: {updates:?}");
    a.ok(&["import", reply.to_str().unwrap()]);
    let case = json(&a.ok(&["case", "show", &id, "--json"]));
    assert_eq!(case["stage"], "transit_stay");
    assert_eq!(json(&a.ok(&["conflicts", "list", "--json"])).as_array().unwrap().len(), 1);

    // Removed: its keys are revoked, exports to it refused, its bundles no longer verified.
    a.ok(&["partner", "remove", "Memorial Yerevan"]);
    let gone =
        a.run(&["export", "--all", "--partner", "Memorial Yerevan", "--out", tmp.path().join("n").to_str().unwrap()]);
    assert_eq!(gone.status.code(), Some(1));
    let plan = json(&a.ok(&["import", reply.to_str().unwrap(), "--dry-run", "--json"]));
    assert!(plan["already_imported"].is_string(), "a replay changes nothing");
    assert_eq!(plan["trust"]["class"], "unknown");
}

#[test]
fn a_partner_checks_a_bundle_with_age_unzip_ssh_keygen_and_sha256sum() {
    if !(have("age") && have("unzip") && have("ssh-keygen") && have("sha256sum")) {
        assert!(std::env::var_os("CI").is_none(), "CI installs age, unzip, openssh-client and coreutils");
        eprintln!("skipped: age, unzip, ssh-keygen or sha256sum missing");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let a = Cli::new(&tmp.path().join("a"));
    a.init();
    a.ok_stdin(&["case", "add", "--json", "-"], r#"{"full_name": "Pavel", "stage": "exit"}"#);
    let key_file = tmp.path().join("partner-key.txt");
    run(std::process::Command::new("age-keygen").arg("-o").arg(&key_file));
    let recipient =
        String::from_utf8(run(std::process::Command::new("age-keygen").arg("-y").arg(&key_file)).stdout).unwrap();
    let out = tmp.path().join("bundle.casebook");
    a.ok(&["export", "--all", "--recipient", recipient.trim(), "--out", out.to_str().unwrap()]);
    // The spec's commands, verbatim in substance (docs/formats/bundle.md section 3.2).
    let dir = tmp.path().join("b");
    let zip = tmp.path().join("b.zip");
    run(std::process::Command::new("age").arg("-d").arg("-i").arg(&key_file).arg("-o").arg(&zip).arg(&out));
    run(std::process::Command::new("unzip").arg("-q").arg("-d").arg(&dir).arg(&zip));
    let signers = tmp.path().join("casebook_signers");
    std::fs::write(&signers, format!("{}\n", keys(&a)["allowed_signers"].as_str().unwrap())).unwrap();
    let verify = |sums: &std::path::Path| {
        std::process::Command::new("ssh-keygen")
            .args(["-Y", "verify", "-f"])
            .arg(&signers)
            .args(["-I", "casebook", "-n", "casebook-bundle", "-s"])
            .arg(dir.join("SHA256SUMS.sig"))
            .stdin(std::fs::File::open(sums).unwrap())
            .output()
            .unwrap()
    };
    let good = verify(&dir.join("SHA256SUMS"));
    assert!(good.status.success(), "{}", String::from_utf8_lossy(&good.stderr));
    assert!(String::from_utf8_lossy(&good.stdout).contains("Good \"casebook-bundle\" signature"));
    run(std::process::Command::new("sha256sum").args(["-c", "--strict", "SHA256SUMS"]).current_dir(&dir));
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(manifest.contains(recipient.trim()), "the signed manifest names the recipient");
    // A changed sums file fails the partner's check.
    let forged = tmp.path().join("forged");
    std::fs::write(&forged, std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap().replacen('0', "1", 1)).unwrap();
    assert!(!verify(&forged).status.success());
}
