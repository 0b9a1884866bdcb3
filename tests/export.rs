//! Export and import: the round trip, the redaction profiles (scanned for the values they must
//! not contain), interop with Debian's `age` and `unzip`, merging with local edits, and hostile
//! bundles that must change nothing.

mod sync_common;

use std::process::Command;

use casebook::export::{self, Profile, Protection, Selection};
use casebook::secret::Passphrase;
use sync_common::*;
use uuid::Uuid;

const VAULT_ID: Uuid = Uuid::from_u128(0x0193_a5c2_0000_7000_8000_0000_0000_0001);

fn rich_case(r: &mut Replica) -> Uuid {
    let input = obj(serde_json::json!({
        "full_name": "Юрий Жуков", "full_name_latin": "Yuri Zhukov", "aliases": ["Yura"],
        "birth_date": "1990-04-12", "citizenship": ["RU"],
        "contacts": [{"channel": "signal", "value": "+7 900 123 45 67"}],
        "category": "mobilised_deserter", "stage": "transit_stay", "country": "KZ", "city": "Алматы",
        "risk_level": "high", "risk_flags": ["wanted_federal"],
        "documents": [{"kind": "international_passport", "status": "held", "number": "75 1234567"}],
        "criminal_articles": ["337"], "criminal_case_number": "12401-CANARY",
        "family": [{"name": "Анна Жукова", "relation": "spouse"}],
        "assigned_to": "Volunteer Anna", "partner_org": "Memorial Almaty", "code_name": "Sokol-7",
        "notes": ["Crossed at Upper Lars, canary-note-xyz"]
    }));
    let id = r.store.add_case(&input).unwrap();
    r.store.add_task(id.as_bytes(), "Call lawyer canary-task", Some("2026-12-01")).unwrap();
    r.store.add_event(id.as_bytes(), "2026-11-20", "border_crossing", "canary-event at Kazakh border").unwrap();
    id
}

fn pass(s: &str) -> Passphrase {
    Passphrase::new(s.into()).unwrap()
}

fn tmp_replica(root: &std::path::Path, name: &str, seed: u64) -> Replica {
    Replica::new(&root.join(name), seed)
}

/// The zip inside a bundle, decrypted with `age -d` (Debian's age), when it is installed.
fn age_available() -> bool {
    Command::new("age").arg("--version").output().is_ok_and(|o| o.status.success())
}

#[test]
fn full_round_trip_into_a_new_vault_gives_identical_case_data() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = tmp_replica(tmp.path(), "a", 1);
    let mut b = tmp_replica(tmp.path(), "b", 2);
    let ids: Vec<Uuid> = (0..3).map(|_| rich_case(&mut a)).collect();
    let b_key = export::public_key(&mut b.store).unwrap();
    let (bytes, summary) = export::export_bundle(
        &mut a.store,
        VAULT_ID,
        &Selection::All,
        Profile::Full,
        &Protection::Recipients(vec![b_key]),
    )
    .unwrap();
    assert_eq!((summary.cases, summary.notes, summary.tasks, summary.events), (3, 3, 3, 3));
    let bundle = export::read_bundle(&mut b.store, &bytes, None).unwrap();
    // The app applies a previewed bundle without decrypting it again, while the file is the same.
    assert!(bundle.is_of(&bytes));
    let mut changed = bytes.clone();
    *changed.last_mut().unwrap() ^= 1;
    assert!(!bundle.is_of(&changed) && !bundle.is_of(&bytes[..bytes.len() - 1]));
    let plan = export::plan(&mut b.store, &bundle).unwrap();
    assert_eq!((plan.create, plan.update, plan.unchanged), (3, 0, 0));
    let report = export::apply(&mut b.store, &bundle).unwrap();
    assert_eq!(report.created, 3);
    for id in &ids {
        let mut x = a.store.case(id.as_bytes()).unwrap();
        let mut y = b.store.case(id.as_bytes()).unwrap();
        // The importer writes the records as its own (its clock, its device: no clock of the
        // bundle enters the vault); the data must be identical.
        for c in [&mut x, &mut y] {
            (c.created_at, c.updated_at) = (String::new(), String::new());
            for n in c.notes.iter_mut() {
                n.author_device = Default::default();
                n.created_at = String::new();
            }
        }
        assert_eq!(x, y);
    }
    // Importing the same bundle again (its id is remembered) changes nothing.
    let again = export::read_bundle(&mut b.store, &bytes, None).unwrap();
    let plan = export::plan(&mut b.store, &again).unwrap();
    assert!(plan.already_imported.is_some());
    assert_eq!((plan.create, plan.update, plan.unchanged), (0, 0, 3));
    let r = export::apply(&mut b.store, &again).unwrap();
    assert_eq!(r.conflicts, 0);
    // The import is remembered once, with the cases it created.
    let (imports, rows): (i64, i64) = b
        .store
        .connection()
        .query_row("SELECT (SELECT count(*) FROM imports), (SELECT count(*) FROM import_cases)", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((imports, rows), (1, 3));
}

#[test]
fn an_import_meeting_a_local_edit_keeps_both_values_as_a_conflict() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = tmp_replica(tmp.path(), "a", 1);
    let mut b = tmp_replica(tmp.path(), "b", 2);
    let id = rich_case(&mut a);
    let b_key = export::public_key(&mut b.store).unwrap();
    let prot = Protection::Recipients(vec![b_key]);
    // B knows A as a partner (its signing key confirmed here): A's bundles may update B's cases.
    let a_signs = export::signing_public(&mut a.store).unwrap();
    export::partners::add(&mut b.store, "Vault A", &[], &[a_signs], None).unwrap();
    let (first, _) = export::export_bundle(&mut a.store, VAULT_ID, &Selection::All, Profile::Full, &prot).unwrap();
    let bundle = export::read_bundle(&mut b.store, &first, None).unwrap();
    export::apply(&mut b.store, &bundle).unwrap();
    // Both change the city; A exports again; B imports.
    a.clock.advance(1000);
    a.store.update_case(id.as_bytes(), &obj(serde_json::json!({"city": "Astana"}))).unwrap();
    b.clock.advance(2000);
    b.store.update_case(id.as_bytes(), &obj(serde_json::json!({"city": "Shymkent"}))).unwrap();
    let (second, _) = export::export_bundle(&mut a.store, VAULT_ID, &Selection::All, Profile::Full, &prot).unwrap();
    let bundle = export::read_bundle(&mut b.store, &second, None).unwrap();
    let report = export::apply(&mut b.store, &bundle).unwrap();
    assert_eq!(report.conflicts, 1, "{report:?}");
    let c = &b.store.conflicts().unwrap()[0];
    assert_eq!(c.field, "city");
    let values: Vec<String> = c.values.iter().map(|v| v.value.as_str().unwrap().to_string()).collect();
    assert!(values.contains(&"Astana".to_string()) && values.contains(&"Shymkent".to_string()));
    // The old bundle imported again changes nothing: its id is remembered.
    let bundle = export::read_bundle(&mut b.store, &first, None).unwrap();
    let report = export::apply(&mut b.store, &bundle).unwrap();
    assert_eq!((report.updated, report.conflicts), (0, 0));
    assert_eq!(b.store.conflicts().unwrap().len(), 1);
    // The import's value is B's newest change, so it shows until someone settles the conflict;
    // B's own value waits beside it in the inbox, on every device.
    assert_eq!(b.store.case(id.as_bytes()).unwrap().city.as_deref(), Some("Astana"));
}

fn bundle_text(a: &mut Replica, profile: Profile) -> String {
    let id = age::x25519::Identity::generate();
    let key = id.to_public().to_string();
    let (bytes, _) =
        export::export_bundle(&mut a.store, VAULT_ID, &Selection::All, profile, &Protection::Recipients(vec![key]))
            .unwrap();
    let zip = export::crypt::decrypt(&bytes, export::crypt::Key::Identity(&id)).unwrap();
    let entries = export::bundle::read(&zip).unwrap();
    // The data entries: the signature, hashes and random ids elsewhere may hold any digits.
    ["cases.json", "cases.csv", "README.txt"]
        .iter()
        .map(|n| String::from_utf8(entries[*n].clone()).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn each_redaction_profile_leaves_out_what_it_must() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = tmp_replica(tmp.path(), "a", 1);
    rich_case(&mut a);
    let full = bundle_text(&mut a, Profile::Full);
    for v in [
        "Юрий Жуков",
        "canary-note-xyz",
        "12401-CANARY",
        "75 1234567",
        "+7 900 123 45 67",
        "Анна Жукова",
        "Volunteer Anna",
    ] {
        assert!(full.contains(v), "full keeps {v}");
    }
    let identity_values = [
        "Юрий Жуков",
        "Yuri Zhukov",
        "1990-04-12",
        "+7 900 123 45 67",
        "75 1234567",
        "12401-CANARY",
        "canary-note-xyz",
        "canary-task",
        "canary-event",
        "Анна Жукова",
    ];
    let no_identity = bundle_text(&mut a, Profile::NoIdentity);
    // Issue 12: aliases (nicknames, former names), the caseworker (assigned_to), the partner
    // organisation's free text and the city identify too; so do the case's ids and timestamps.
    let case_id = a.store.connection().query_row("SELECT id FROM cases", [], |r| r.get::<_, Vec<u8>>(0)).unwrap();
    let case_id = Uuid::from_slice(&case_id).unwrap().to_string();
    for v in identity_values
        .iter()
        .chain(["Yura", "Алматы", "Volunteer Anna", "Memorial Almaty", case_id.as_str(), "\"created_at\""].iter())
    {
        assert!(!no_identity.contains(v), "no-identity must not contain {v}");
    }
    for v in [
        "Sokol-7",
        "transit_stay",
        "KZ",
        "international_passport",
        "\"337\"",
        "wanted_federal",
        "2026-12-01",
        "2026-11-20",
    ] {
        assert!(no_identity.contains(v), "no-identity keeps {v}");
    }
    // The city only when asked for.
    let to = age::x25519::Identity::generate();
    let prot = Protection::Recipients(vec![to.to_public().to_string()]);
    let req = export::Request {
        selection: &Selection::All,
        profile: Profile::NoIdentity,
        protection: &prot,
        partner: None,
        in_reply_to: None,
        options: export::redact::Options { include_city: true },
    };
    let (bytes, _) = export::export_for(&mut a.store, VAULT_ID, &req).unwrap();
    let zip = export::crypt::decrypt(&bytes, export::crypt::Key::Identity(&to)).unwrap();
    let cases = String::from_utf8(export::bundle::read(&zip).unwrap()["cases.json"].clone()).unwrap();
    let manifest = String::from_utf8(export::bundle::read(&zip).unwrap()["manifest.json"].clone()).unwrap();
    assert!(cases.contains("Алматы") && !cases.contains("Yura"), "{cases}");
    assert!(manifest.contains("\"include_city\": true"), "{manifest}");
    // One case is a combination of fewer than 5: the summary counts it as suppressed, nothing more.
    let summary = bundle_text(&mut a, Profile::Summary);
    for v in identity_values
        .iter()
        .chain(["Yura", "Sokol-7", "Алматы", "\"337\"", "wanted_federal", "international_passport"].iter())
        .chain(["mobilised_deserter", "transit_stay", "2026-12-01", "2026-11-20"].iter())
    {
        assert!(!summary.contains(v), "summary must not contain {v}");
    }
    assert!(summary.contains("\"suppressed\": 1") && summary.contains("(fewer than 5 each),,,,1"), "{summary}");
}

#[test]
fn a_redacted_bundle_imports_without_clearing_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = tmp_replica(tmp.path(), "a", 1);
    let mut b = tmp_replica(tmp.path(), "b", 2);
    let id = rich_case(&mut a);
    let prot = Protection::Passphrase(pass("korova-moloko"), 10);
    let (bytes, _) =
        export::export_bundle(&mut a.store, VAULT_ID, &Selection::All, Profile::NoIdentity, &prot).unwrap();
    let err = export::read_bundle(&mut b.store, &bytes, None).unwrap_err();
    assert!(err.to_string().contains("passphrase"), "{err}");
    let bundle = export::read_bundle(&mut b.store, &bytes, Some(&pass("korova-moloko"))).unwrap();
    export::apply(&mut b.store, &bundle).unwrap();
    // B gets the case under the id A made for this bundle's recipient, not A's own.
    assert!(b.store.case(id.as_bytes()).is_err());
    let only = b.store.connection().query_row("SELECT id FROM cases", [], |r| r.get::<_, Vec<u8>>(0)).unwrap();
    let c = b.store.case(&<[u8; 16]>::try_from(only).unwrap()).unwrap();
    assert_eq!(c.full_name, "Sokol-7", "a case without its legal name is named by its code name");
    assert_eq!(c.code_name.as_deref(), Some("Sokol-7"));
    assert_eq!(c.stage, "transit_stay");
    assert_eq!(c.tasks.len(), 1);
    assert!(c.notes.is_empty());
}

#[test]
fn bundles_open_with_debian_age_and_unzip_and_age_files_import() {
    if !age_available() {
        // scripts/setup.sh installs Debian's age; without it this interop test cannot run.
        panic!("the `age` command is missing: run scripts/setup.sh (apt install age unzip)");
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut a = tmp_replica(tmp.path(), "a", 1);
    let mut b = tmp_replica(tmp.path(), "b", 2);
    rich_case(&mut a);
    // A partner's key made by age-keygen.
    let key_file = tmp.path().join("partner.key");
    let out = Command::new("age-keygen").arg("-o").arg(&key_file).output().unwrap();
    assert!(out.status.success());
    let public = String::from_utf8(out.stderr).unwrap().trim().trim_start_matches("Public key: ").to_string();
    let (bytes, _) = export::export_bundle(
        &mut a.store,
        VAULT_ID,
        &Selection::All,
        Profile::Full,
        &Protection::Recipients(vec![public]),
    )
    .unwrap();
    let bundle = tmp.path().join("cases.age");
    std::fs::write(&bundle, &bytes).unwrap();
    let zip = tmp.path().join("cases.zip");
    let out = Command::new("age").arg("-d").arg("-i").arg(&key_file).arg("-o").arg(&zip).arg(&bundle).output().unwrap();
    assert!(out.status.success(), "age -d: {}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new("unzip").arg("-t").arg(&zip).output().unwrap();
    assert!(out.status.success(), "unzip -t: {}", String::from_utf8_lossy(&out.stdout));
    let list = String::from_utf8_lossy(&out.stdout).to_string();
    for name in ["manifest.json", "cases.json", "cases.csv", "README.txt"] {
        assert!(list.contains(name), "{list}");
    }
    // The other way: a zip made by A, encrypted by the age command to B's public key, imports.
    let b_key = export::public_key(&mut b.store).unwrap();
    let to_b = tmp.path().join("to-b.age");
    let out = Command::new("age").arg("-r").arg(&b_key).arg("-o").arg(&to_b).arg(&zip).output().unwrap();
    assert!(out.status.success(), "age -r: {}", String::from_utf8_lossy(&out.stderr));
    let bundle = export::read_bundle(&mut b.store, &std::fs::read(&to_b).unwrap(), None).unwrap();
    assert_eq!(export::apply(&mut b.store, &bundle).unwrap().created, 1);
}

/// A bundle whose zip is built by the test (to make it hostile), encrypted to `key`.
fn seal(zip: &[u8], key: &str) -> Vec<u8> {
    export::crypt::to_recipients(zip, &[key.to_string()]).unwrap()
}

fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    export::bundle::write(&refs).unwrap()
}

#[test]
fn hostile_bundles_are_refused_and_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = tmp_replica(tmp.path(), "a", 1);
    let mut b = tmp_replica(tmp.path(), "b", 2);
    rich_case(&mut a);
    let id = age::x25519::Identity::generate();
    let (bytes, _) = export::export_bundle(
        &mut a.store,
        VAULT_ID,
        &Selection::All,
        Profile::Full,
        &Protection::Recipients(vec![id.to_public().to_string()]),
    )
    .unwrap();
    let zip = export::crypt::decrypt(&bytes, export::crypt::Key::Identity(&id)).unwrap();
    let good: Vec<(String, Vec<u8>)> = export::bundle::read(&zip).unwrap().into_iter().collect();
    let order = ["manifest.json", "cases.json", "cases.csv", "README.txt"];
    let entries = |f: &dyn Fn(&str, &mut Vec<u8>)| -> Vec<(&'static str, Vec<u8>)> {
        order
            .iter()
            .map(|n| {
                let mut v = good.iter().find(|(m, _)| m == n).unwrap().1.clone();
                f(n, &mut v);
                (*n, v)
            })
            .collect()
    };
    let b_key = export::public_key(&mut b.store).unwrap();
    let before = snapshot(&b.store);
    let manifest = String::from_utf8(good.iter().find(|(n, _)| n == "manifest.json").unwrap().1.clone()).unwrap();
    let cases = String::from_utf8(good.iter().find(|(n, _)| n == "cases.json").unwrap().1.clone()).unwrap();
    // An attacker signs whatever it builds with a key of its own (the manifest names it), so
    // that each hostile archive reaches the check it is aimed at.
    let attacker = ed25519_dalek::SigningKey::from_bytes(&[0x5a; 32]);
    let signed = |mut e: Vec<(&'static str, Vec<u8>)>| -> Vec<u8> {
        if let Some(m) = e.iter_mut().find(|(n, _)| *n == "manifest.json") {
            if let Ok(mut j) = serde_json::from_slice::<serde_json::Value>(&m.1) {
                if j.get("signer").is_some() {
                    j["signer"] = export::sshsig::public_line(&attacker.verifying_key()).into();
                    m.1 = serde_json::to_vec_pretty(&j).unwrap();
                }
            }
        }
        let refs: Vec<(&str, &[u8])> = e.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        let sums = export::manifest::sums(&refs);
        let sig = export::sshsig::sign(&attacker, sums.as_bytes());
        e.push(("SHA256SUMS", sums.into_bytes()));
        e.push(("SHA256SUMS.sig", sig.into_bytes()));
        zip_of(&e)
    };
    let mut hostile: Vec<(&str, Vec<u8>)> = Vec::new();
    // Paths, duplicates, missing and extra entries.
    for evil in ["../cases.json", "/etc/passwd", "attachments/../../x", "extra.txt"] {
        let mut e = entries(&|_, _| {});
        e.push((evil, b"x".to_vec()));
        hostile.push(("entry with a path or unknown name", signed(e)));
    }
    hostile.push((
        "missing cases.csv",
        signed(entries(&|_, _| {}).into_iter().filter(|(n, _)| *n != "cases.csv").collect::<Vec<_>>()),
    ));
    // A duplicate entry: written under a name of the same length, then renamed in the bytes.
    let mut e = entries(&|_, _| {});
    e.push(("cases.jsoo", b"[]".to_vec()));
    let mut dup = signed(e);
    for i in 0..dup.len().saturating_sub(10) {
        if &dup[i..i + 10] == b"cases.jsoo" {
            dup[i..i + 10].copy_from_slice(b"cases.json");
        }
    }
    hostile.push(("duplicate entry", dup));
    // Signed, then cases.json changed: its hash in SHA256SUMS no longer matches.
    let mut after: Vec<(String, Vec<u8>)> =
        export::bundle::read(&signed(entries(&|_, _| {}))).unwrap().into_iter().collect();
    let order6 = export::bundle::ENTRIES_V2;
    after.sort_by_key(|(n, _)| order6.iter().position(|o| o == n));
    let changed = |f: &dyn Fn(&str, &mut Vec<u8>)| -> Vec<u8> {
        let e: Vec<(&str, Vec<u8>)> = after
            .iter()
            .map(|(n, v)| {
                let mut v = v.clone();
                f(n, &mut v);
                (order6.iter().copied().find(|o| o == n).unwrap(), v)
            })
            .collect();
        zip_of(&e)
    };
    hostile.push((
        "hash mismatch",
        changed(&|n, v| {
            if n == "cases.json" {
                *v = String::from_utf8(v.clone()).unwrap().replace("Алматы", "Астана").into_bytes();
            }
        }),
    ));
    // The signature of other sums (a splice: these entries, another bundle's SHA256SUMS.sig).
    let other = export::sshsig::sign(&attacker, b"other sums\n");
    hostile.push((
        "bad signature",
        changed(&|n, v| {
            if n == "SHA256SUMS.sig" {
                *v = other.clone().into_bytes()
            }
        }),
    ));
    // Signed by one key, the manifest naming another (the exporting vault's).
    let mut named_other = entries(&|_, _| {});
    let refs: Vec<(&str, &[u8])> = named_other.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let sums = export::manifest::sums(&refs);
    named_other.push(("SHA256SUMS", sums.clone().into_bytes()));
    named_other.push(("SHA256SUMS.sig", export::sshsig::sign(&attacker, sums.as_bytes()).into_bytes()));
    hostile.push(("signer mismatch", zip_of(&named_other)));
    // The signature stripped from a version-2 bundle: refused (it is not "unsigned").
    let mut stripped = entries(&|_, _| {});
    stripped.push(("SHA256SUMS", sums.into_bytes()));
    hostile.push(("stripped signature", zip_of(&stripped)));
    let with_cases = |json: String| -> Vec<u8> {
        signed(entries(&|n, v| {
            if n == "cases.json" {
                *v = json.clone().into_bytes()
            }
        }))
    };
    let with_manifest = |from: &str, to: &str| -> Vec<u8> {
        signed(entries(&|n, v| {
            if n == "manifest.json" {
                *v = manifest.replace(from, to).into_bytes();
            }
        }))
    };
    hostile.push(("newer manifest version", with_manifest("\"version\": 2", "\"version\": 4")));
    hostile.push(("version 3 without attachments", with_manifest("\"version\": 2", "\"version\": 3")));
    hostile.push(("a version-1 manifest in a signed archive", with_manifest("\"version\": 2", "\"version\": 1")));
    hostile.push(("recipients not age keys", with_manifest("\"recipients\": [", "\"recipients\": [\"age1nope\", ")));
    hostile.push(("an unknown option", with_manifest("\"options\": {}", "\"options\": {\"shuffle\": true}")));
    hostile.push(("cases.json version 1", with_cases(cases.replacen("\"version\": 2", "\"version\": 1", 1))));
    hostile.push(("invalid JSON", with_cases(cases[..cases.len() / 2].to_string())));
    hostile.push(("oversized name", with_cases(cases.replace("Юрий Жуков", &"Ж".repeat(5000)))));
    hostile.push(("bad vocabulary", with_cases(cases.replace("transit_stay", "on_the_moon"))));
    hostile.push(("unknown field", with_cases(cases.replace("\"city\"", "\"citi\""))));
    let clocked = cases.replacen(
        "\"fields\": {",
        "\"clocks\": {\"created\": {\"hlc\": \"7fffffffffffffff\", \"device\": \"00000000000000000000000000000001\"}}, \"fields\": {",
        1,
    );
    hostile.push(("clocks in a version-2 bundle", with_cases(clocked)));
    let mut bad_utf8 = entries(&|_, _| {});
    bad_utf8[1].1 = vec![0xff, 0xfe, 0x00];
    hostile.push(("invalid UTF-8", signed(bad_utf8)));
    hostile.push(("not a zip", b"PK\x03\x04garbage".to_vec()));
    // cases.json as 100,000 nested arrays (within the size caps): refused by the JSON reader's
    // depth limit, not by running out of stack or memory.
    hostile.push(("nested arrays", with_cases("[".repeat(100_000) + &"]".repeat(100_000))));
    // An end record that claims 65,535 entries (5 million need ZIP64, which is refused too):
    // refused before the central directory is read.
    let mut many = signed(entries(&|_, _| {}));
    let end = many.len() - 22;
    many[end + 8..end + 12].copy_from_slice(&[0xff, 0xfe, 0xff, 0xfe]);
    hostile.push(("65,535 entries claimed", many));
    let mut bomb = entries(&|_, _| {});
    bomb[2].1 = vec![b'a'; 60 * 1024 * 1024];
    hostile.push(("zip bomb", signed(bomb)));
    // Each refused for its own reason (a duplicate, say, not for the hash of the copy the ZIP
    // library happened to keep).
    let reasons = [
        ("entry with a path or unknown name", "entry"),
        ("missing cases.csv", "no cases.csv"),
        ("duplicate entry", "twice"),
        ("hash mismatch", "does not match its SHA-256 in SHA256SUMS"),
        ("bad signature", "changed after signing"),
        ("signer mismatch", "another key than the one its manifest names"),
        ("stripped signature", "no SHA256SUMS.sig"),
        ("newer manifest version", "newer Casebook"),
        ("version 3 without attachments", "version 3 carries them"),
        ("a version-1 manifest in a signed archive", "do not fit its version"),
        ("recipients not age keys", "not an age key"),
        ("an unknown option", "unknown option"),
        ("cases.json version 1", "does not match the manifest"),
        ("invalid JSON", "cases.json"),
        ("oversized name", "full_name"),
        ("bad vocabulary", "on_the_moon"),
        ("unknown field", "citi"),
        ("clocks in a version-2 bundle", "clocks"),
        ("invalid UTF-8", "UTF-8"),
        ("nested arrays", "cases.json"),
        ("65,535 entries claimed", "at most 2006"),
        ("zip bomb", "zip bomb"),
    ];
    for (what, zip) in hostile {
        let sealed = seal(&zip, &b_key);
        let err = export::read_bundle(&mut b.store, &sealed, None).map(|_| ()).unwrap_err();
        assert_eq!(err.code(), casebook::ErrorCode::BadInput, "{what}: {err}");
        assert!(!err.to_string().is_empty(), "{what}");
        let (_, part) = reasons.iter().find(|(w, _)| *w == what).unwrap_or(&("", ""));
        assert!(err.to_string().contains(part), "{what}: {err}");
    }
    // Not age at all, truncated age, age for someone else.
    let err = export::read_bundle(&mut b.store, b"hello", None).map(|_| ()).unwrap_err();
    assert!(err.to_string().contains("not an encrypted Casebook bundle"), "{err}");
    let sealed = seal(&zip, &b_key);
    assert!(export::read_bundle(&mut b.store, &sealed[..sealed.len() - 10], None).is_err());
    assert!(export::read_bundle(&mut b.store, &bytes, None)
        .unwrap_err()
        .to_string()
        .contains("not encrypted to this vault"));
    assert_eq!(snapshot(&b.store), before, "nothing changed");
}

#[test]
fn the_documented_schema_is_the_generated_one() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/formats/cases.schema.json");
    let generated = export::schema::cases_schema();
    if std::env::var_os("CASEBOOK_WRITE_SCHEMA").is_some() {
        std::fs::write(path, serde_json::to_string_pretty(&generated).unwrap() + "\n").unwrap();
    }
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(
        doc == generated,
        "docs/formats/cases.schema.json is out of date: run CASEBOOK_WRITE_SCHEMA=1 cargo test --test export"
    );
}

#[test]
fn every_exported_cases_json_fits_its_schema_shape() {
    // The schema names every field of every record kind the model has.
    let schema = export::schema::cases_schema();
    for (def, table) in [
        ("case", &casebook::model::CASE),
        ("note", &casebook::model::NOTE),
        ("task", &casebook::model::TASK),
        ("event", &casebook::model::EVENT),
    ] {
        let props = &schema["$defs"][def]["properties"]["fields"]["properties"];
        for f in table.fields.iter().filter(|f| f.name != "case_id") {
            assert!(props.get(f.name).is_some(), "{def}.{} missing from the schema", f.name);
        }
    }
}
