//! The partner contact book syncs, and a member cannot redirect anybody's exports with it
//! (docs/formats/bundle.md section 8; review F1): a key reaches every device of the group but is
//! usable only where a person confirmed it; a key another device added is an alarm naming that
//! device; the keys are append-only, whatever a hostile member writes into its deltas.

mod sync_common;

use casebook::export::{self, partners, Profile, Protection, Selection};
use casebook::model::Value;
use casebook::sync::engine;
use casebook::sync::seal::GroupKeys;
use sync_common::*;
use uuid::Uuid;

const VAULT_ID: Uuid = Uuid::from_u128(0x0193_a5c2_0000_7000_8000_0000_0000_0002);

fn age_key() -> (age::x25519::Identity, String) {
    let id = age::x25519::Identity::generate();
    let public = id.to_public().to_string();
    (id, public)
}

fn export_to_partner(r: &mut Replica, name: &str) -> casebook::error::Result<Vec<u8>> {
    let protection = Protection::Recipients(export::partner_recipients(&r.store, name)?);
    let req = export::Request {
        selection: &Selection::All,
        profile: Profile::Full,
        protection: &protection,
        partner: Some(name),
        in_reply_to: None,
        options: Default::default(),
    };
    Ok(export::export_for(&mut r.store, VAULT_ID, &req)?.0)
}

fn opens_with(bytes: &[u8], id: &age::x25519::Identity) -> bool {
    export::crypt::decrypt(bytes, export::crypt::Key::Identity(id)).is_ok()
}

fn status_alarms(r: &Replica) -> Vec<(String, String, String)> {
    engine::status(&r.store).unwrap().alarms.into_iter().map(|a| (a.kind, a.device, a.detail)).collect()
}

/// Anna's and Timur's devices in one group, a case on Anna's.
fn anna_and_timur(tmp: &tempfile::TempDir) -> Vec<Replica> {
    let share = tmp.path().join("share");
    let mut g = group(tmp.path(), &share, 2);
    engine::set_label(&mut g[0].store, "Anna").unwrap();
    engine::set_label(&mut g[1].store, "Timur").unwrap();
    g[0].store.add_case(&case_json("Юрий Жуков")).unwrap();
    g
}

#[test]
fn a_key_reaches_every_device_and_is_used_only_where_a_person_confirmed_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut g = anna_and_timur(&tmp);
    let (memorial, memorial_key) = age_key();
    let added = partners::add(
        &mut g[0].store,
        "Memorial Yerevan",
        std::slice::from_ref(&memorial_key),
        &[],
        Some("met in Yerevan"),
    );
    assert!(added.unwrap().keys[0].usable, "typed in here: confirmed here");
    for _ in 0..2 {
        g[0].sync();
        g[1].sync();
    }
    // Timur's device has the partner, with Anna's key, unusable until confirmed there.
    let book = partners::list(&g[1].store).unwrap();
    assert_eq!(book.len(), 1);
    assert_eq!((book[0].name.as_str(), book[0].note.as_str()), ("Memorial Yerevan", "met in Yerevan"));
    let key = &book[0].keys[0];
    assert_eq!((key.key.as_str(), key.confirmed, key.usable), (memorial_key.as_str(), false, false));
    assert_eq!(key.added_by_label.as_deref(), Some("Anna"));
    let err = export_to_partner(&mut g[1], "Memorial Yerevan").unwrap_err().to_string();
    assert!(err.contains("this key is not confirmed on this device") && err.contains("Anna"), "{err}");
    let alarms = status_alarms(&g[1]);
    assert_eq!(alarms.len(), 1, "{alarms:?}");
    assert_eq!(alarms[0].0, "partner_key_unconfirmed");
    assert_eq!(alarms[0].1, dev_hex(&g[0]));
    assert!(alarms[0].2.contains("Anna") && alarms[0].2.contains(&key.words), "{}", alarms[0].2);
    assert!(status_alarms(&g[0]).is_empty(), "nothing to confirm where it was typed in");
    // Wrong words confirm nothing; the words read out by phone do.
    assert!(partners::confirm(&g[1].store, "Memorial Yerevan", "one two three four").is_err());
    let words = key.words.clone();
    assert!(partners::confirm(&g[1].store, "memorial yerevan", &words).unwrap().keys[0].usable);
    assert!(status_alarms(&g[1]).is_empty());
    let bytes = export_to_partner(&mut g[1], "Memorial Yerevan").unwrap();
    assert!(opens_with(&bytes, &memorial));
}

#[test]
fn a_member_who_replaces_a_partners_key_redirects_no_export_and_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let mut g = anna_and_timur(&tmp);
    let (memorial, memorial_key) = age_key();
    partners::add(&mut g[0].store, "Memorial Yerevan", &[memorial_key], &[], None).unwrap();
    for _ in 0..2 {
        g[0].sync();
        g[1].sync();
    }
    // Timur's laptop is seized and unlocked: the attacker takes Memorial's key out and puts
    // its own in, under the same name, and the attacker's signing key beside it.
    let (attacker, attacker_key) = age_key();
    let attacker_signs = export::signing_public(&mut Replica::new(&tmp.path().join("x"), 77).store).unwrap();
    partners::remove(&mut g[1].store, "Memorial Yerevan").unwrap();
    partners::add(&mut g[1].store, "Memorial Yerevan", &[attacker_key], std::slice::from_ref(&attacker_signs), None)
        .unwrap();
    g[1].sync();
    g[0].sync();
    // Anna's export "to Memorial" is refused, naming the device that changed the key.
    let err = export_to_partner(&mut g[0], "Memorial Yerevan").unwrap_err().to_string();
    assert!(err.contains("this key is not confirmed on this device") && err.contains("Timur"), "{err}");
    let alarms = status_alarms(&g[0]);
    assert_eq!(alarms.len(), 2, "the age key and the signing key: {alarms:?}");
    assert!(alarms.iter().all(|a| a.0 == "partner_key_unconfirmed" && a.1 == dev_hex(&g[1]) && a.2.contains("Timur")));
    // A bundle signed by the attacker's key is not "signed by Memorial" on Anna's device.
    assert_eq!(g[0].store.partner_of_signing_key(&attacker_signs).unwrap(), None);
    // Anna gives Memorial's key again (read out by Memorial): her exports go to Memorial only.
    let (memorial2, memorial2_key) = age_key();
    partners::add(&mut g[0].store, "Memorial Yerevan", &[memorial2_key], &[], None).unwrap();
    let bytes = export_to_partner(&mut g[0], "Memorial Yerevan").unwrap();
    assert!(opens_with(&bytes, &memorial2));
    assert!(!opens_with(&bytes, &attacker) && !opens_with(&bytes, &memorial));
}

#[test]
fn two_devices_that_type_in_one_key_list_it_once_confirmed_on_both() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut g = group(tmp.path(), &share, 2);
    let (_, key) = age_key();
    for r in g.iter_mut() {
        partners::add(&mut r.store, "Ark", std::slice::from_ref(&key), &[], None).unwrap();
    }
    for _ in 0..2 {
        g[0].sync();
        g[1].sync();
    }
    for r in &g {
        let book = partners::list(&r.store).unwrap();
        assert_eq!(book.len(), 1);
        assert_eq!(book[0].keys.len(), 1, "one key, given twice");
        assert!(book[0].keys[0].usable);
        assert!(status_alarms(r).is_empty());
        assert!(r.store.conflicts().unwrap().is_empty());
    }
    // Removed on one device, gone on both; given again, it must be confirmed again elsewhere.
    partners::remove(&mut g[0].store, "ark").unwrap();
    g[0].sync();
    g[1].sync();
    assert!(partners::list(&g[1].store).unwrap().is_empty());
    partners::add(&mut g[0].store, "Ark", std::slice::from_ref(&key), &[], None).unwrap();
    g[0].sync();
    g[1].sync();
    assert!(!partners::list(&g[1].store).unwrap()[0].keys[0].usable, "a new record: not confirmed on device 1");
}

/// A hostile member creates a key's id a second time, with its own key: the two compete as any
/// record's values do, and the attacker's key is usable nowhere. (Rewriting a key in place and
/// bringing a removed one back are refused by the delta rules: src/sync/rules.rs.)
#[test]
fn a_hostile_member_who_creates_a_keys_id_again_makes_no_key_usable() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut g = group(tmp.path(), &share, 2);
    let (group_id, secret) = group_secret(&g[0].store);
    let keys = GroupKeys::derive(1, &secret);
    let mut m = Insider::new(&share, &keys, &group_id, 1);
    let (memorial, memorial_key) = age_key();
    partners::add(&mut g[0].store, "Memorial", &[memorial_key], &[], None).unwrap();
    g[0].sync();
    g[1].sync();
    let id = partners::list(&g[0].store).unwrap()[0].keys[0].clone();
    let record: [u8; 16] = g[0]
        .store
        .connection()
        .query_row("SELECT id FROM partner_keys", [], |r| r.get::<_, Vec<u8>>(0))
        .unwrap()
        .try_into()
        .unwrap();
    let (attacker, attacker_key) = age_key();
    let hlc = (START_MS + 3_600_000) << 16;
    let creator = g[0].store.device_id().unwrap();
    m.devices = vec![creator];
    m.deps = vec![(creator, 1)];
    // A second creation of the record's id, with the attacker's key and no `prev`.
    let swap = vec![
        change(5, record, 1, hlc, Value::Text("Memorial".into())),
        change(5, record, 2, hlc, Value::Text("recipient".into())),
        change(5, record, 3, hlc, Value::Text(attacker_key.clone())),
    ];
    m.send(&share, &keys, &group_id, swap);
    for r in g.iter_mut() {
        let report = r.sync();
        assert!(applied(&report).contains(&(hex(&m.id), 1)), "{report:?}");
        let competing: i64 =
            r.store.connection().query_row("SELECT count(*) FROM conflicts WHERE tbl = 5", [], |r| r.get(0)).unwrap();
        assert!(competing > 0, "the two creations compete");
    }
    for r in &g {
        let book = partners::list(&r.store).unwrap();
        let shown = &book[0].keys;
        assert!(shown.iter().all(|k| !k.usable || k.key == id.key), "the attacker's key is never usable: {shown:?}");
        assert!(r.store.conflicts().unwrap().is_empty(), "no caseworker decision to make");
    }
    // Whichever value shows, an export goes to Memorial's key or nowhere, never the attacker's.
    for r in g.iter_mut() {
        match export_to_partner(r, "Memorial") {
            Ok(bytes) => assert!(opens_with(&bytes, &memorial) && !opens_with(&bytes, &attacker)),
            Err(e) => assert!(e.to_string().contains("not confirmed on this device"), "{e}"),
        }
    }
}
