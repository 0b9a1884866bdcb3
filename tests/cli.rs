//! The `casebook` command-line contract: commands, JSON shapes, table output, exit codes
//! (0 ok, 1 bad input, 2 wrong passphrase) and where secrets come from.

mod common;

use common::*;
use serde_json::{json, Value};

fn json_of(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

fn add(cli: &Cli, v: Value) -> String {
    cli.ok_stdin(&["case", "add", "--json", "-"], &v.to_string()).trim().to_string()
}

#[test]
fn init_prints_a_recovery_key_in_groups_and_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    let out = cli.init();
    let key_line = out.lines().map(str::trim).find(|l| l.len() == 39 && l.matches('-').count() == 7).expect(&out);
    assert!(key_line.split('-').all(|g| g.len() == 4));
    let again = cli.run(&["init", "--kdf-memory-mib", "8", "--kdf-iterations", "1", "--kdf-parallelism", "1"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
}

#[test]
fn init_refuses_kdf_parameters_below_the_floor() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    let out = cli.run(&["init", "--kdf-memory-mib", "1", "--kdf-iterations", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("below the floor"));
    assert!(!cli.vault.exists(), "a refused init created the vault folder");
}

#[test]
fn case_round_trip_add_show_list_update_delete() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    cli.init();
    let file = tmp.path().join("case.json");
    std::fs::write(
        &file,
        json!({
            "full_name": "Юрий Алексеевич Жуков", "full_name_latin": "Iurii Zhukov", "aliases": ["Юра", "Yura"],
            "birth_date": "1994-03-08", "category": "mobilised_deserter", "stage": "transit_stay",
            "country": "KZ", "city": "Алматы", "risk_level": "critical",
            "risk_flags": ["wanted_federal", "extradition_request"], "notes": ["Первый контакт через Signal"],
            "contacts": [{"channel": "signal", "value": "+7 900 000 00 00"}],
            "documents": [{"kind": "international_passport", "status": "held", "number": "75 1234567"}],
            "criminal_articles": ["337"], "criminal_case_number": "12301-2024", "assigned_to": "Marta", "partner_org": "Idite Lesom"
        })
        .to_string(),
    )
    .unwrap();
    let id = cli.ok(&["case", "add", "--json", file.to_str().unwrap()]).trim().to_string();
    assert_eq!(id.len(), 36);
    let other = add(&cli, json!({"full_name": "Сергей Иванов", "country": "GE", "stage": "vetting"}));

    let shown = json_of(&cli.ok(&["case", "show", &id, "--json"]));
    for key in ["id", "full_name", "stage", "country", "city", "risk_level", "updated_at"] {
        assert!(shown.get(key).is_some(), "show lacks {key}: {shown}");
    }
    assert_eq!(shown["full_name"], "Юрий Алексеевич Жуков");
    assert_eq!(shown["risk_flags"], json!(["wanted_federal", "extradition_request"]));
    assert_eq!(shown["notes"][0]["body"], "Первый контакт через Signal");

    let list = json_of(&cli.ok(&["case", "list", "--json"]));
    assert_eq!(list.as_array().unwrap().len(), 2);
    for key in ["id", "full_name", "stage", "country", "city", "risk_level", "updated_at"] {
        assert!(list[0].get(key).is_some(), "list lacks {key}");
    }
    let kz = json_of(&cli.ok(&["case", "list", "--country", "kz", "--json"]));
    assert_eq!(kz.as_array().unwrap().len(), 1);
    assert_eq!(kz[0]["id"], id.as_str());
    let vetting = json_of(&cli.ok(&["case", "list", "--stage", "vetting", "--json"]));
    assert_eq!(vetting[0]["id"], other.as_str());

    // Only the keys given change; null clears.
    cli.ok_stdin(&["case", "update", &id, "--json", "-"], r#"{"stage": "visa_applied", "city": null}"#);
    let shown = json_of(&cli.ok(&["case", "show", &id, "--json"]));
    assert_eq!(shown["stage"], "visa_applied");
    assert_eq!(shown["city"], Value::Null);
    assert_eq!(shown["country"], "KZ");
    assert_eq!(shown["full_name_latin"], "Iurii Zhukov");

    cli.ok(&["case", "delete", &id]);
    let gone = cli.run(&["case", "show", &id, "--json"]);
    assert_eq!(gone.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&gone.stderr).contains("no case with id"));
    assert_eq!(json_of(&cli.ok(&["case", "list", "--json"])).as_array().unwrap().len(), 1);
}

#[test]
fn notes_tasks_and_events_attach_to_the_case() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    cli.init();
    let id = add(&cli, json!({"full_name": "Дмитрий Орлов", "country": "AM"}));
    cli.ok(&["note", "add", &id, "Встреча в Ереване"]);
    cli.ok(&["note", "add", &id, "Second note"]);
    let task = cli.ok(&["task", "add", &id, "--due", "2026-12-01", "Подать документы"]).trim().to_string();
    cli.ok(&["event", "add", &id, "--date", "2026-11-20", "--kind", "border_crossing", "Верхний Ларс"]);
    let c = json_of(&cli.ok(&["case", "show", &id, "--json"]));
    assert_eq!(c["notes"][0]["body"], "Second note", "notes newest first");
    assert_eq!(c["notes"][1]["body"], "Встреча в Ереване");
    assert_eq!(c["tasks"][0]["due"], "2026-12-01");
    assert_eq!(c["tasks"][0]["done"], false);
    assert_eq!(c["events"][0]["kind"], "border_crossing");
    let due = json_of(&cli.ok(&["case", "list", "--due-by", "2026-12-31", "--json"]));
    assert_eq!(due[0]["next_due"], "2026-12-01");
    cli.ok(&["task", "done", &task]);
    assert_eq!(json_of(&cli.ok(&["case", "show", &id, "--json"]))["tasks"][0]["done"], true);
    assert_eq!(json_of(&cli.ok(&["case", "list", "--due-by", "2026-12-31", "--json"])).as_array().unwrap().len(), 0);

    let bad_date = cli.run(&["task", "add", &id, "--due", "2026-02-30", "x"]);
    assert_eq!(bad_date.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad_date.stderr).contains("invalid due"));
    let bad_kind = cli.run(&["event", "add", &id, "--date", "2026-01-01", "--kind", "party", "x"]);
    assert_eq!(bad_kind.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad_kind.stderr).contains("invalid kind"));
    let unknown = cli.run(&["note", "add", "0193b3c4-0000-7000-8000-000000000000", "x"]);
    assert_eq!(unknown.status.code(), Some(1));
}

#[test]
fn search_finds_cyrillic_names_by_latin_spellings() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    cli.init();
    let a = add(&cli, json!({"full_name": "Александр Щукин", "city": "Ереван"}));
    add(&cli, json!({"full_name": "Пётр Смирнов"}));
    for q in ["Aleksandr", "Alexander", "shchukin", "Schukin", "алекс щук"] {
        let hits = json_of(&cli.ok(&["search", q, "--json"]));
        assert_eq!(hits.as_array().unwrap().len(), 1, "{q}: {hits}");
        assert_eq!(hits[0]["id"], a.as_str());
        for key in ["id", "full_name", "stage", "country", "city", "risk_level", "updated_at"] {
            assert!(hits[0].get(key).is_some(), "search lacks {key}");
        }
    }
    let table = cli.ok(&["search", "Pyotr"]);
    assert!(table.contains("Пётр Смирнов") && table.contains("NAME"), "{table}");
}

#[test]
fn bad_input_exits_1_and_names_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    cli.init();
    for (input, key) in [
        (r#"{"full_name": "A", "favourite_colour": "red"}"#, "favourite_colour"),
        (r#"{"full_name": "A", "stage": "escaped"}"#, "stage"),
        (r#"{"full_name": "A", "country": "Armenia"}"#, "country"),
        (r#"{"full_name": "A", "birth_date": "08.03.1994"}"#, "birth_date"),
        (r#"{"city": "Yerevan"}"#, "full_name"),
        (r#"{"full_name": "A", "risk_level": "extreme"}"#, "risk_level"),
        (r#"not json"#, "JSON"),
    ] {
        let mut child = cli
            .cmd(&["case", "add", "--json", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{input}: {stderr}");
        assert!(stderr.starts_with(&format!("error: invalid {key}")), "{input}: {stderr}");
        assert!(out.stdout.is_empty());
    }
    assert_eq!(
        json_of(&cli.ok(&["case", "list", "--json"])).as_array().unwrap().len(),
        0,
        "a refused add wrote something"
    );
    let bad_id = cli.run(&["case", "show", "not-an-id"]);
    assert_eq!(bad_id.status.code(), Some(1));
    let bad_filter = cli.run(&["case", "list", "--stage", "nowhere"]);
    assert_eq!(bad_filter.status.code(), Some(1));
}

#[test]
fn wrong_passphrase_exits_2_with_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    cli.init();
    let out = cli.cmd(&["case", "list"]).env("CASEBOOK_PASSPHRASE", "wrong").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "error: wrong passphrase or recovery key\n");
    assert!(out.stdout.is_empty());
}

#[test]
fn passphrase_comes_from_env_then_file_and_missing_vault_is_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    let missing = cli.run(&["case", "list"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no vault here"));
    cli.init();
    let file = tmp.path().join("pass.txt");
    std::fs::write(&file, format!("{PASS}\n")).unwrap();
    let out = cli
        .cmd(&["--passphrase-file", file.to_str().unwrap(), "case", "list"])
        .env_remove("CASEBOOK_PASSPHRASE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The environment wins over the file.
    std::fs::write(&file, "wrong\n").unwrap();
    assert!(cli.run(&["--passphrase-file", file.to_str().unwrap(), "case", "list"]).status.success());
    // No environment, no file, no terminal: a clear error, not a hang.
    let out = cli.cmd(&["case", "list"]).env_remove("CASEBOOK_PASSPHRASE").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("passphrase"));
}

#[test]
fn passwd_and_recover_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    let out = cli.init();
    let recovery =
        out.lines().map(str::trim).find(|l| l.len() == 39 && l.matches('-').count() == 7).unwrap().to_string();
    let id = add(&cli, json!({"full_name": "Ксения Кузнецова"}));
    let weak = ["--kdf-memory-mib", "8", "--kdf-iterations", "1", "--kdf-parallelism", "1"];
    let out =
        cli.cmd(&[&["passwd"][..], &weak].concat()).env("CASEBOOK_NEW_PASSPHRASE", "second one").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(cli.run(&["case", "list"]).status.code(), Some(2));
    let show = cli.cmd(&["case", "show", &id, "--json"]).env("CASEBOOK_PASSPHRASE", "second one").output().unwrap();
    assert!(show.status.success());
    let out = cli
        .cmd(&[&["recover"][..], &weak].concat())
        .env("CASEBOOK_RECOVERY_KEY", recovery.to_lowercase())
        .env("CASEBOOK_NEW_PASSPHRASE", "third one")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let show = cli.cmd(&["case", "show", &id, "--json"]).env("CASEBOOK_PASSPHRASE", "third one").output().unwrap();
    assert!(String::from_utf8_lossy(&show.stdout).contains("Ксения Кузнецова"));
    let bad = cli
        .cmd(&[&["recover"][..], &weak].concat())
        .env("CASEBOOK_RECOVERY_KEY", "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA")
        .env("CASEBOOK_NEW_PASSPHRASE", "x")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn check_reports_a_healthy_vault() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    cli.init();
    add(&cli, json!({"full_name": "Тест"}));
    assert!(cli.ok(&["check"]).starts_with("ok"));
}

#[test]
fn bench_runs_on_a_small_workload_and_prints_ratios() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    let out = cli.ok(&[
        "bench",
        "--cases",
        "300",
        "--queries",
        "50",
        "--edits",
        "5",
        "--skip-kdf",
        "--dir",
        tmp.path().join("b").to_str().unwrap(),
    ]);
    for line in
        ["bulk insert", "single edit commit", "search-as-you-type", "open + first page", "database size per case"]
    {
        assert!(out.contains(line), "missing {line}: {out}");
    }
    assert!(out.contains('×'));
}

/// A new vault's passphrase follows the app's rule (at least 8 characters): the CLI refuses a
/// shorter one before creating anything, with the rule in words and exit code 1; the hint line
/// names what to do at the command line, and a wrong passphrase stays one line.
#[test]
fn init_refuses_a_short_passphrase_and_errors_carry_command_line_advice() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    let out = cli
        .cmd(&["init", "--kdf-memory-mib", "8", "--kdf-iterations", "1", "--kdf-parallelism", "1"])
        .env("CASEBOOK_PASSPHRASE", "seven77")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("at least 8 characters"), "{err}");
    assert!(std::fs::read_dir(tmp.path()).unwrap().flatten().all(|e| !e.path().join("casebook.vault").exists()));
    let missing = cli.cmd(&["case", "list"]).output().unwrap();
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("hint:") && err.contains("casebook init"), "{err}");
    cli.init();
    let wrong = cli.cmd(&["case", "list"]).env("CASEBOOK_PASSPHRASE", "wrong passphrase").output().unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&wrong.stderr).lines().count(), 1);
}
