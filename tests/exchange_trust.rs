//! Issue 12's "Why", tried as a partner (or anyone holding a vault's public age key) would
//! (docs/formats/bundle.md section 7): a bundle sent back never reverts newer data; a bundle's
//! clocks never enter the vault, not even far-future ones or ones naming the importer's own
//! device; a bundle that is not verified only creates; a forwarded bundle says so; two devices
//! importing one reply end up the same, without a conflict.

mod sync_common;

use casebook::export::{self, crypt, Profile, Protection, Selection};
use sync_common::*;
use uuid::Uuid;

const VAULT_ID: Uuid = Uuid::from_u128(0x0193_a5c2_0000_7000_8000_0000_0000_0001);

fn case(r: &mut Replica, stage: &str, city: &str) -> Uuid {
    let input = obj(serde_json::json!({
        "full_name": "Юрий Жуков", "aliases": ["Yura"], "stage": stage, "country": "AM", "city": city
    }));
    r.store.add_case(&input).unwrap()
}

fn export_to(r: &mut Replica, profile: Profile, keys: Vec<String>) -> Vec<u8> {
    export::export_bundle(&mut r.store, VAULT_ID, &Selection::All, profile, &Protection::Recipients(keys)).unwrap().0
}

/// What a partner holding `id` does with a bundle: decrypt it, encrypt it again to `to`.
fn import(r: &mut Replica, bytes: &[u8]) -> export::ImportReport {
    let bundle = export::read_bundle(&mut r.store, bytes, None).unwrap();
    export::apply(&mut r.store, &bundle).unwrap()
}

fn plan_of(r: &mut Replica, bytes: &[u8]) -> export::ImportPlan {
    let bundle = export::read_bundle(&mut r.store, bytes, None).unwrap();
    export::plan(&mut r.store, &bundle).unwrap()
}

fn forward(bytes: &[u8], id: &age::x25519::Identity, to: &str) -> Vec<u8> {
    let zip = crypt::decrypt(bytes, crypt::Key::Identity(id)).unwrap();
    crypt::to_recipients(&zip, &[to.to_string()]).unwrap()
}

#[test]
fn our_own_redacted_bundle_sent_back_never_reverts_newer_data() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = Replica::new(&tmp.path().join("a"), 1);
    let id = case(&mut a, "vetting", "Gyumri");
    let partner = age::x25519::Identity::generate();
    let sent = export_to(&mut a, Profile::NoIdentity, vec![partner.to_public().to_string()]);
    a.clock.advance(60_000);
    a.store.update_case(id.as_bytes(), &obj(serde_json::json!({"stage": "transit_stay", "city": "Yerevan"}))).unwrap();
    let before = snapshot(&a.store);
    // The partner sends the same bundle back.
    let me = export::public_key(&mut a.store).unwrap();
    let back = forward(&sent, &partner, &me);
    let bundle = export::read_bundle(&mut a.store, &back, None).unwrap();
    let plan = export::plan(&mut a.store, &bundle).unwrap();
    assert_eq!(plan.trust.class, "own");
    assert!(!plan.trust.addressed && !plan.trust.verified, "made for the partner: forwarded");
    assert!(plan.signer.contains("forwarded"), "{}", plan.signer);
    assert_eq!((plan.refused, plan.updates.len()), (1, 0));
    export::apply(&mut a.store, &bundle).unwrap();
    let c = a.store.case(id.as_bytes()).unwrap();
    assert_eq!((c.stage.as_str(), c.city.as_deref()), ("transit_stay", Some("Yerevan")));
    assert_eq!(snapshot(&a.store).lines().filter(|l| l.starts_with("conflict")).count(), 0);
    let after = snapshot(&a.store);
    assert_eq!(
        before.lines().filter(|l| !l.starts_with("import")).collect::<Vec<_>>(),
        after.lines().filter(|l| !l.starts_with("import")).collect::<Vec<_>>(),
        "not one value changed"
    );
    // Made for this vault itself and brought back: planned against what was sent, unchanged
    // there, so nothing changes and nothing conflicts.
    let to_me = export_to(&mut a, Profile::NoIdentity, vec![me.clone()]);
    a.clock.advance(60_000);
    a.store.update_case(id.as_bytes(), &obj(serde_json::json!({"stage": "exit"}))).unwrap();
    let bundle = export::read_bundle(&mut a.store, &to_me, None).unwrap();
    let plan = export::plan(&mut a.store, &bundle).unwrap();
    assert!(plan.trust.verified);
    assert!(plan.updates.is_empty(), "{:?}", plan.updates);
    export::apply(&mut a.store, &bundle).unwrap();
    assert_eq!(a.store.case(id.as_bytes()).unwrap().stage, "exit");
    assert!(a.store.conflicts().unwrap().is_empty());
}

/// A version-1 `full` bundle (unsigned) built by hand, its clocks at 2^63-1 and naming `device`.
fn v1_bundle(cases: serde_json::Value, device: &str, to: &str) -> Vec<u8> {
    use sha2::Digest;
    let mut cases = cases;
    for c in cases.as_array_mut().unwrap() {
        c["clocks"] = serde_json::json!({"created": {"hlc": "7fffffffffffffff", "device": device}});
    }
    let doc = serde_json::json!({"format": "casebook-cases", "version": 1, "profile": "full", "cases": cases});
    let json = serde_json::to_vec(&doc).unwrap();
    let (csv, readme) = (b"id\r\n".to_vec(), b"readme".to_vec());
    let info =
        |b: &[u8]| serde_json::json!({"size": b.len(), "sha256": casebook::hex::encode(&sha2::Sha256::digest(b))});
    let n = doc["cases"].as_array().unwrap().len();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "format": "casebook-bundle", "version": 1, "created": "2026-11-23T00:00:00.000Z",
        "vault_id": VAULT_ID.to_string(), "profile": "full",
        "counts": {"cases": n, "notes": 0, "tasks": 0, "events": 0},
        "entries": {"cases.json": info(&json), "cases.csv": info(&csv), "README.txt": info(&readme)}
    }))
    .unwrap();
    let zip = export::bundle::write(&[
        ("manifest.json", &manifest),
        ("cases.json", &json),
        ("cases.csv", &csv),
        ("README.txt", &readme),
    ])
    .unwrap();
    crypt::to_recipients(&zip, &[to.to_string()]).unwrap()
}

#[test]
fn clocks_of_a_bundle_never_enter_the_vault_nor_speak_for_its_device() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut g = group(tmp.path(), &share, 2);
    let id = case(&mut g[0], "vetting", "Gyumri");
    g[0].sync();
    g[1].sync();
    let me = export::public_key(&mut g[0].store).unwrap();
    let own_device = casebook::hex::encode(&g[0].store.device_id().unwrap());
    let mine = serde_json::json!({"id": id.to_string(), "created_at": "2026-11-01T00:00:00.000Z",
        "updated_at": "2026-11-01T00:00:00.000Z", "fields": {"full_name": "Forged", "stage": "closed"}});
    let new_id = "01a208bd-a11f-8a01-92fe-89de3e902811";
    let new = serde_json::json!({"id": new_id, "created_at": "2026-11-01T00:00:00.000Z",
        "updated_at": "2026-11-01T00:00:00.000Z", "fields": {"full_name": "New person", "stage": "exit"}});
    let bytes = v1_bundle(serde_json::json!([mine, new]), &own_device, &me);
    let bundle = export::read_bundle(&mut g[0].store, &bytes, None).unwrap();
    let plan = export::plan(&mut g[0].store, &bundle).unwrap();
    assert_eq!((plan.signer.as_str(), plan.create, plan.refused), ("unsigned", 1, 1));
    export::apply(&mut g[0].store, &bundle).unwrap();
    assert_eq!(g[0].store.case(id.as_bytes()).unwrap().full_name, "Юрий Жуков", "an existing case is refused");
    // Neither the far-future clock nor the forged device entered: the device's next edit and
    // its sync reach the peer, who accepts them.
    g[0].store.update_case(id.as_bytes(), &obj(serde_json::json!({"city": "Vanadzor"}))).unwrap();
    let r = g[0].sync();
    assert!(r.problems.is_empty() && r.alarms.is_empty(), "{r:?}");
    let r = g[1].sync();
    assert!(r.problems.is_empty() && r.alarms.is_empty(), "{r:?}");
    assert_eq!(g[1].store.case(id.as_bytes()).unwrap().city.as_deref(), Some("Vanadzor"));
    let created = Uuid::parse_str(new_id).unwrap();
    assert_eq!(g[1].store.case(created.as_bytes()).unwrap().full_name, "New person");
    let hlc: i64 = g[0].store.connection().query_row("SELECT max(hlc) FROM changes", [], |r| r.get(0)).unwrap();
    assert!((hlc as u64) < 0x7000_0000_0000_0000, "no far-future clock in the change log: {hlc:x}");
}

#[test]
fn a_bundle_that_is_not_verified_only_creates() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = Replica::new(&tmp.path().join("a"), 1);
    let mut b = Replica::new(&tmp.path().join("b"), 2);
    let mut c = Replica::new(&tmp.path().join("c"), 3);
    let id = case(&mut a, "vetting", "Gyumri");
    let b_key = export::public_key(&mut b.store).unwrap();
    let c_key = export::public_key(&mut c.store).unwrap();
    let first = export_to(&mut a, Profile::Full, vec![b_key.clone()]);
    import(&mut b, &first);
    // An unknown key's bundle naming B's case (stage closed) and one new case.
    a.store.update_case(id.as_bytes(), &obj(serde_json::json!({"stage": "closed"}))).unwrap();
    let other = case(&mut a, "exit", "Tbilisi");
    let second = export_to(&mut a, Profile::Full, vec![b_key.clone(), c_key.clone()]);
    let bundle = export::read_bundle(&mut b.store, &second, None).unwrap();
    let plan = export::plan(&mut b.store, &bundle).unwrap();
    assert_eq!(plan.trust.class, "unknown");
    assert!(plan.signer.starts_with("signed by an unknown key SHA256:"), "{}", plan.signer);
    assert_eq!((plan.create, plan.refused, plan.updates.len()), (1, 1, 0));
    export::apply(&mut b.store, &bundle).unwrap();
    assert_eq!(b.store.case(id.as_bytes()).unwrap().stage, "vetting", "not changed by an unknown key");
    assert_eq!(b.store.case(other.as_bytes()).unwrap().stage, "exit");
    let marked: String = b
        .store
        .connection()
        .query_row("SELECT action FROM import_cases WHERE case_id = ?1", [&other.as_bytes()[..]], |r| r.get(0))
        .unwrap();
    assert_eq!(marked, "created-unverified");
    // Once B confirms A's signing key, the same kind of bundle may update.
    let a_signs = export::signing_public(&mut a.store).unwrap();
    export::partners::add(&mut b.store, "Vault A", &[], &[a_signs], None).unwrap();
    let third = export_to(&mut a, Profile::Full, vec![b_key.clone()]);
    let bundle = export::read_bundle(&mut b.store, &third, None).unwrap();
    let plan = export::plan(&mut b.store, &bundle).unwrap();
    assert_eq!(plan.signer, "signed by Vault A (known key)");
    assert!(plan.updates.iter().any(|u| u.field == "stage" && u.action == "conflict"), "{:?}", plan.updates);
    // The same partner's bundle, forwarded by C to B: create-only again.
    let c_id = age::x25519::Identity::generate();
    let for_c = export_to(&mut a, Profile::Full, vec![c_id.to_public().to_string()]);
    let fwd = forward(&for_c, &c_id, &b_key);
    let plan = plan_of(&mut b, &fwd);
    assert!(plan.trust.class == "partner" && !plan.trust.verified && plan.signer.ends_with("forwarded to you"));
    assert!(plan.updates.is_empty() && plan.refused >= 1);
}

#[test]
fn two_devices_importing_one_reply_converge_without_a_conflict() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut g = group(tmp.path(), &share, 2);
    let mut p = Replica::new(&tmp.path().join("partner"), 9);
    let id = case(&mut g[0], "vetting", "Gyumri");
    g[0].sync();
    g[1].sync();
    // The partner is known to both devices; its reply is encrypted to both vaults.
    let p_signs = export::signing_public(&mut p.store).unwrap();
    let keys: Vec<String> = g.iter_mut().map(|r| export::public_key(&mut r.store).unwrap()).collect();
    for r in g.iter_mut() {
        export::partners::add(&mut r.store, "Memorial", &[], std::slice::from_ref(&p_signs), None).unwrap();
    }
    let to_p = Protection::Recipients(vec![export::public_key(&mut p.store).unwrap()]);
    let req = export::Request {
        selection: &Selection::All,
        profile: Profile::Full,
        protection: &to_p,
        partner: Some("Memorial"),
        in_reply_to: None,
        options: Default::default(),
    };
    let (sent, summary) = export::export_for(&mut g[0].store, VAULT_ID, &req).unwrap();
    import(&mut p, &sent);
    p.store.update_case(id.as_bytes(), &obj(serde_json::json!({"stage": "transit_stay"}))).unwrap();
    let to_both = Protection::Recipients(keys);
    let in_reply_to = Some(*Uuid::parse_str(&summary.bundle_id).unwrap().as_bytes());
    let req = export::Request { protection: &to_both, partner: None, in_reply_to, ..req };
    let (reply, _) = export::export_for(&mut p.store, VAULT_ID, &req).unwrap();
    // The exporting device plans against what it sent (changed only there: applied); the other
    // device has no exports record of that bundle (they do not sync yet), so the same value
    // is a conflict to review there, until the exporter's edit arrives and settles it.
    let mut actions = Vec::new();
    for r in g.iter_mut() {
        let bundle = export::read_bundle(&mut r.store, &reply, None).unwrap();
        let plan = export::plan(&mut r.store, &bundle).unwrap();
        assert!(plan.trust.verified, "{}", plan.signer);
        actions.push(plan.updates.iter().map(|u| format!("{} {}", u.field, u.action)).collect::<Vec<_>>());
        export::apply(&mut r.store, &bundle).unwrap();
    }
    assert_eq!(actions, [vec!["stage apply"], vec!["stage conflict"]]);
    for _ in 0..2 {
        g[0].sync();
        g[1].sync();
    }
    for r in &g {
        assert_eq!(r.store.case(id.as_bytes()).unwrap().stage, "transit_stay");
        assert!(r.store.conflicts().unwrap().is_empty(), "equal values are one");
    }
    assert_eq!(snapshot_cases(&g[0]), snapshot_cases(&g[1]));
}

fn snapshot_cases(r: &Replica) -> String {
    snapshot(&r.store)
        .lines()
        .filter(|l| l.starts_with("case") || l.starts_with("cases"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn no_identity_bundles_to_two_partners_share_no_id_or_time() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = Replica::new(&tmp.path().join("a"), 1);
    let id = case(&mut a, "vetting", "Gyumri");
    a.store.add_task(id.as_bytes(), "Call the lawyer", Some("2026-12-01")).unwrap();
    let mut seen = Vec::new();
    for partner in ["Memorial", "Ark"] {
        let to = age::x25519::Identity::generate();
        export::partners::add(&mut a.store, partner, &[to.to_public().to_string()], &[], None).unwrap();
        let prot = Protection::Recipients(export::partner_recipients(&a.store, partner).unwrap());
        let req = export::Request {
            selection: &Selection::All,
            profile: Profile::NoIdentity,
            protection: &prot,
            partner: Some(partner),
            in_reply_to: None,
            options: Default::default(),
        };
        let (bytes, _) = export::export_for(&mut a.store, VAULT_ID, &req).unwrap();
        let zip = crypt::decrypt(&bytes, crypt::Key::Identity(&to)).unwrap();
        let doc: serde_json::Value =
            serde_json::from_slice(&export::bundle::read(&zip).unwrap()["cases.json"]).unwrap();
        let text = doc.to_string();
        assert!(
            !text.contains(&id.to_string()) && !text.contains("created_at") && !text.contains("updated_at"),
            "{text}"
        );
        assert!(!text.contains("Yura") && !text.contains("Gyumri"), "aliases and the city stay home: {text}");
        seen.push((doc["cases"][0]["id"].clone(), doc["cases"][0]["tasks"][0]["id"].clone()));
        // The same partner gets the same ids again, so its replies match.
        let (again, _) = export::export_for(&mut a.store, VAULT_ID, &req).unwrap();
        let zip = crypt::decrypt(&again, crypt::Key::Identity(&to)).unwrap();
        let doc2: serde_json::Value =
            serde_json::from_slice(&export::bundle::read(&zip).unwrap()["cases.json"]).unwrap();
        assert_eq!(doc2["cases"][0]["id"], doc["cases"][0]["id"]);
    }
    assert_ne!(seen[0].0, seen[1].0, "the case's ids differ between partners");
    assert_ne!(seen[0].1, seen[1].1, "so do its task's");
}

/// A reply to a redacted bundle maps to the right case on every device of the group, not only
/// on the one that made the bundle (review F9): the record ids for a partner come from the
/// group's key, which a device approved later holds too.
#[test]
fn a_reply_to_a_redacted_bundle_maps_on_a_device_that_did_not_make_it() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut g = roster_group(tmp.path(), &share, 2);
    let mut p = Replica::new(&tmp.path().join("partner"), 9);
    let id = case(&mut g[0], "vetting", "Gyumri");
    g[0].store.update_case(id.as_bytes(), &obj(serde_json::json!({"code_name": "Sokol-7"}))).unwrap();
    for _ in 0..2 {
        g[0].sync();
        g[1].sync();
    }
    let p_signs = export::signing_public(&mut p.store).unwrap();
    let p_age = export::public_key(&mut p.store).unwrap();
    for r in g.iter_mut() {
        export::partners::add(
            &mut r.store,
            "Memorial",
            std::slice::from_ref(&p_age),
            std::slice::from_ref(&p_signs),
            None,
        )
        .unwrap();
    }
    let to_p = Protection::Recipients(vec![p_age]);
    let req = export::Request {
        selection: &Selection::All,
        profile: Profile::NoIdentity,
        protection: &to_p,
        partner: Some("Memorial"),
        in_reply_to: None,
        options: Default::default(),
    };
    let (sent, summary) = export::export_for(&mut g[0].store, VAULT_ID, &req).unwrap();
    // Both devices would have made the same ids for Memorial.
    let (again, _) = export::export_for(&mut g[1].store, VAULT_ID, &req).unwrap();
    let mut ids_of = |bytes: &[u8]| {
        let bundle = export::read_bundle(&mut p.store, bytes, None).unwrap();
        let mut ids: Vec<[u8; 16]> = bundle.records.iter().map(|r| r.id).collect();
        ids.sort();
        ids
    };
    let sent_ids = ids_of(&sent);
    assert_eq!(sent_ids, ids_of(&again), "one partner, one id per record, on every device");
    assert!(!sent_ids.contains(id.as_bytes()), "never the record's own id");
    // Memorial (a Casebook partner) takes the case in, moves it on and replies to Timur's device.
    import(&mut p, &sent);
    let theirs = Uuid::from_bytes(sent_ids[0]);
    p.store.update_case(theirs.as_bytes(), &obj(serde_json::json!({"stage": "exit"}))).unwrap();
    let to_timur = Protection::Recipients(vec![export::public_key(&mut g[1].store).unwrap()]);
    let in_reply_to = Some(*Uuid::parse_str(&summary.bundle_id).unwrap().as_bytes());
    let reply_req =
        export::Request { profile: Profile::Full, protection: &to_timur, partner: None, in_reply_to, ..req };
    let (reply, _) = export::export_for(&mut p.store, VAULT_ID, &reply_req).unwrap();
    let bundle = export::read_bundle(&mut g[1].store, &reply, None).unwrap();
    let plan = export::plan(&mut g[1].store, &bundle).unwrap();
    assert_eq!(plan.trust.class, "partner");
    assert_eq!(plan.creates, 0, "the reply's case is Timur's copy of the case, not a new one: {:?}", plan.cases);
    let stage = plan.updates.iter().find(|u| u.field == "stage").expect("the stage differs");
    assert_eq!(stage.case, id.to_string());
    assert_eq!(stage.action, "conflict", "no base on this device: a value to review, never a silent overwrite");
}
