//! The sync CLI contract end to end (`share create/invite/join`, `sync`, `share status --json`,
//! `conflicts list --json`, `conflicts resolve`), and crash injection: `casebook sync` killed
//! at random moments (and aborted at the two worst moments) never leaves a damaged or
//! half-applied vault, and a later sync converges.
//!
//! `CASEBOOK_CRASH_RUNS` sets the number of random kills (100 by default; `scripts/soak.sh`
//! runs more).

mod common;

use std::time::{Duration, Instant};

use casebook::entropy::SeededEntropy;
use common::*;

const WEAK_KDF: [&str; 6] = ["--kdf-memory-mib", "8", "--kdf-iterations", "1", "--kdf-parallelism", "1"];

struct Pair {
    _tmp: tempfile::TempDir,
    a: Cli,
    b: Cli,
    share: std::path::PathBuf,
}

fn pair() -> Pair {
    let tmp = tempfile::tempdir().unwrap();
    let a = Cli::new(&tmp.path().join("a"));
    let b = Cli::new(&tmp.path().join("b"));
    a.init();
    b.init();
    let share = tmp.path().join("share");
    let out = a.ok(&["share", "create", share.to_str().unwrap(), "--label", "Anna"]);
    assert!(out.contains("now syncs through"), "{out}");
    let invite = tmp.path().join("invite.txt");
    let mut args = vec!["share", "invite", "--out", invite.to_str().unwrap()];
    args.extend(WEAK_KDF);
    let out = a.cmd(&args).env("CASEBOOK_INVITE_PASSPHRASE", "tobako-rimesu").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = b
        .cmd(&["share", "join", share.to_str().unwrap(), "--invite", invite.to_str().unwrap(), "--label", "Boris"])
        .env("CASEBOOK_INVITE_PASSPHRASE", "tobako-rimesu")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.lines().next() == Some("pending approval"), "{text}");
    let code = text.lines().find_map(|l| l.strip_prefix("code: ")).expect("a code line").to_string();
    approve(&a, &b, &code);
    Pair { _tmp: tmp, a, b, share }
}

/// The joiner's pending state, then the approval typed with its code.
fn approve(a: &Cli, joiner: &Cli, code: &str) {
    let status = json(joiner, &["share", "status", "--json"]);
    assert_eq!(status["state"], "pending", "{status}");
    assert_eq!(status["code"], code);
    a.ok(&["sync"]);
    let requests = json(a, &["share", "requests", "--json"]);
    let device = requests[0]["device"].as_str().unwrap().to_string();
    assert!(requests[0]["arrived_at"].as_str().unwrap().starts_with("20"));
    assert!(requests[0].get("code").is_none(), "the approver's side shows no code");
    let wrong = a.run(&["share", "approve", &device, "--code", "000000-000000-000000-000000"]);
    assert_eq!(wrong.status.code(), Some(1), "a wrong code is refused");
    a.ok(&["share", "approve", &device[..8], "--code", code]);
}

fn add_case(cli: &Cli, name: &str) -> String {
    let json = format!(r#"{{"full_name": "{name}", "stage": "first_contact", "country": "GE"}}"#);
    cli.ok_stdin(&["case", "add", "--json", "-"], &json).trim().to_string()
}

fn json(cli: &Cli, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&cli.ok(args)).unwrap()
}

#[test]
fn cli_contract_create_invite_join_sync_status_conflicts() {
    let p = pair();
    let id = add_case(&p.a, "Андрей Смирнов");
    let out = p.a.ok(&["sync"]);
    assert!(out.contains("sent: 1 delta(s)"), "{out}");
    let report = json(&p.b, &["sync", "--json"]);
    assert_eq!(report["received"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["received"][0]["label"], "Anna");
    let shown = p.b.ok(&["case", "show", &id]);
    assert!(shown.contains("Андрей Смирнов"));

    // Concurrent edits of one field on both devices.
    p.a.ok_stdin(&["case", "update", &id, "--json", "-"], r#"{"city": "Tbilisi"}"#);
    p.b.ok_stdin(&["case", "update", &id, "--json", "-"], r#"{"city": "Batumi"}"#);
    p.a.ok(&["sync"]);
    let out = p.b.ok(&["sync"]);
    assert!(out.contains("conflicts: 1 new, 1 open"), "{out}");
    p.a.ok(&["sync"]);
    let list = json(&p.a, &["conflicts", "list", "--json"]);
    let c = &list[0];
    assert_eq!(c["field"], "city");
    assert_eq!(c["case_id"], id.as_str());
    let values: Vec<&str> = c["values"].as_array().unwrap().iter().map(|v| v["value"].as_str().unwrap()).collect();
    assert_eq!(values.len(), 2);
    assert!(values.contains(&"Tbilisi") && values.contains(&"Batumi"));
    for v in c["values"].as_array().unwrap() {
        assert!(v["device"].as_str().unwrap().len() == 32 && v["time"].as_str().unwrap().starts_with("20"));
    }
    let keep_batumi = if values[0] == "Batumi" { "1" } else { "2" };
    let cid = c["id"].as_str().unwrap();
    let bad = p.a.run(&["conflicts", "resolve", cid, "--keep", "9"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("values 1 to 2"));
    p.a.ok(&["conflicts", "resolve", cid, "--keep", keep_batumi]);
    p.a.ok(&["sync"]);
    p.b.ok(&["sync"]);
    for cli in [&p.a, &p.b] {
        assert_eq!(json(cli, &["conflicts", "list", "--json"]), serde_json::json!([]));
        assert!(cli.ok(&["case", "show", &id]).contains("Batumi"));
    }

    let status = json(&p.b, &["share", "status", "--json"]);
    assert_eq!(status["reachable"], true);
    let devices = status["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 2);
    assert_eq!(devices[1]["label"], "Anna");
    assert!(devices[1]["last_heard"].as_str().unwrap().starts_with("20"));
    assert_eq!(devices[1]["seq"], devices[1]["share_seq"]);
    assert_eq!(status["alarms"], serde_json::json!([]));
    assert_eq!(status["quarantine"], serde_json::json!([]));
    // Nothing to accept: a device that is not quarantined, and an id that is no id.
    let anna = devices[1]["device"].as_str().unwrap();
    let out = p.b.run(&["share", "accept", "--device", anna]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("quarantine"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = p.b.run(&["share", "accept", "--device", "anna"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("32 hexadecimal digits"));
}

#[test]
fn share_upgrade_exits_1_where_there_is_nothing_to_upgrade() {
    let p = pair();
    let out = p.a.run(&["share", "upgrade"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has a roster already"), "{err}");
    let lone = Cli::new(&p.share.with_extension("lone"));
    lone.init();
    let out = lone.run(&["share", "upgrade"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not attached"), "a vault with no share");
}

#[test]
fn sync_exits_1_when_the_share_is_gone_and_0_when_a_hostile_file_is_skipped() {
    let p = pair();
    add_case(&p.a, "Oleg");
    p.a.ok(&["sync"]);
    // A hostile file in A's folder: reported by name, exit 0, the rest applies.
    let a_dir = std::fs::read_dir(&p.share)
        .unwrap()
        .flatten()
        .find(|e| e.path().join("000000000001.delta").exists())
        .unwrap()
        .path();
    std::fs::write(a_dir.join("000000000002.delta"), b"CBSYNC\x03\x01garbage").unwrap();
    let out = p.b.run(&["sync"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("received: 1 delta(s)"), "{text}");
    assert!(text.contains("problem: ") && text.contains("000000000002.delta"), "{text}");
    // The share unplugged.
    std::fs::rename(&p.share, p.share.with_extension("away")).unwrap();
    let out = p.b.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot be used") && err.contains("hint:"), "{err}");
    let status = json(&p.b, &["share", "status", "--json"]);
    assert_eq!(status["reachable"], false);
}

#[test]
fn invite_without_a_passphrase_prints_generated_words_that_join_accepts() {
    let p = pair();
    let c = Cli::new(&p._tmp.path().join("c"));
    c.init();
    let invite = p._tmp.path().join("invite2.txt");
    let mut args = vec!["share", "invite", "--out", invite.to_str().unwrap()];
    args.extend(WEAK_KDF);
    let out = p.a.ok(&args);
    let words = out.lines().find_map(|l| l.split("): ").nth(1)).unwrap().trim().to_string();
    assert_eq!(words.split('-').count(), 4, "{out}");
    let text = std::fs::read_to_string(&invite).unwrap();
    assert!(text.starts_with("CASEBOOK-INVITE-2:"));
    let wrong = c
        .cmd(&["share", "join", p.share.to_str().unwrap(), "--invite", invite.to_str().unwrap()])
        .env("CASEBOOK_INVITE_PASSPHRASE", "wrong-words")
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(2), "a wrong invite passphrase is a wrong key");
    let out = c
        .cmd(&["share", "join", p.share.to_str().unwrap(), "--invite", invite.to_str().unwrap()])
        .env("CASEBOOK_INVITE_PASSPHRASE", &words)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let code =
        String::from_utf8_lossy(&out.stdout).lines().find_map(|l| l.strip_prefix("code: ").map(String::from)).unwrap();
    approve(&p.a, &c, &code);
    add_case(&p.a, "For the third device");
    p.a.ok(&["sync"]);
    let report = json(&c, &["sync", "--json"]);
    assert_eq!(report["received"].as_array().unwrap().len(), 1, "{report}");
}

/// Checks that hold after any crash: the database is intact, and every delta recorded as
/// applied was applied whole (its record and the applied sequence number agree).
fn assert_consistent(cli: &Cli) {
    let out = cli.run(&["check"]);
    assert!(out.status.success(), "check failed: {}", String::from_utf8_lossy(&out.stdout));
    let status = json(cli, &["share", "status", "--json"]);
    for d in status["devices"].as_array().unwrap() {
        if d["this_device"] == false {
            let (seq, on_share) = (d["seq"].as_u64().unwrap(), d["share_seq"].as_u64().unwrap_or(0));
            assert!(seq <= on_share, "applied {seq} but the share has only {on_share}");
        }
    }
    // Every case arrived with all the fields it was created with.
    let list: serde_json::Value =
        serde_json::from_str(&cli.ok(&["case", "list", "--json", "--limit", "100000"])).unwrap();
    for c in list.as_array().unwrap() {
        assert_eq!(c["stage"], "first_contact");
        assert!(c["full_name"].as_str().unwrap().starts_with("Crash"));
    }
}

fn kill_after(cli: &Cli, args: &[&str], delay: Duration) -> bool {
    let mut child =
        cli.cmd(args).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    let start = Instant::now();
    while start.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let killed = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    killed
}

#[test]
fn sync_killed_at_random_moments_never_damages_a_vault_and_then_converges() {
    let runs: u64 = std::env::var("CASEBOOK_CRASH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let p = pair();
    let mut rng = SeededEntropy::new(0xC4A5);
    // How long an uninterrupted sync takes here, to spread the kills over it.
    for i in 0..3 {
        add_case(&p.a, &format!("Crash warmup {i}"));
    }
    let t = Instant::now();
    p.a.ok(&["sync"]);
    let full = t.elapsed().max(Duration::from_millis(20));
    let mut killed = 0;
    for run in 0..runs {
        // New work on A: a few cases per run, added in one process to keep the test quick.
        if run % 2 == 0 {
            let json = format!(r#"{{"full_name": "Crash {run}", "stage": "first_contact", "country": "GE"}}"#);
            p.a.ok_stdin(&["case", "add", "--json", "-"], &json);
        }
        let (cli, other) = if run % 2 == 0 { (&p.a, &p.b) } else { (&p.b, &p.a) };
        let delay = Duration::from_micros(rng.next_u64() % (full.as_micros() as u64 * 3 / 2).max(1));
        if kill_after(cli, &["sync"], delay) {
            killed += 1;
        }
        if run % 10 == 9 || run + 1 == runs {
            assert_consistent(cli);
            assert_consistent(other);
        }
    }
    // The two worst moments, made certain: after a delta of ours is recorded as sent but
    // before its file exists, and just before an apply commits.
    add_case(&p.a, "Crash abort-send");
    let out = p.a.cmd(&["sync"]).env("CASEBOOK_CRASH_AT", "sent-recorded").output().unwrap();
    assert!(!out.status.success(), "the process aborted");
    assert_consistent(&p.a);
    let report = json(&p.a, &["sync", "--json"]);
    assert_eq!(report["republished"], 1, "the recorded delta is written again, identically: {report}");
    let out = p.b.cmd(&["sync"]).env("CASEBOOK_CRASH_AT", "before-apply-commit").output().unwrap();
    assert!(!out.status.success());
    assert_consistent(&p.b);
    // Afterwards both converge.
    for _ in 0..2 {
        for cli in [&p.a, &p.b] {
            let r = json(cli, &["sync", "--json"]);
            assert_eq!(r["problems"], serde_json::json!([]), "{r}");
            assert_eq!(r["alarms"], serde_json::json!([]), "{r}");
        }
    }
    let list = |cli: &Cli| -> Vec<String> {
        let v: serde_json::Value =
            serde_json::from_str(&cli.ok(&["case", "list", "--json", "--limit", "100000"])).unwrap();
        let mut ids: Vec<String> =
            v.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect();
        ids.sort();
        ids
    };
    assert_eq!(list(&p.a), list(&p.b));
    assert_eq!(list(&p.a).len() as u64, 3 + runs.div_ceil(2) + 1);
    eprintln!("crash injection: {runs} runs, {killed} killed mid-sync (uninterrupted sync {full:?})");
    assert!(killed * 4 >= runs, "at least a quarter of the runs must kill a running sync ({killed} of {runs})");
}
