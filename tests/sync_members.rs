//! Membership end to end through a real share folder (docs/formats/roster.md): a group with a
//! roster, an invite that carries no key, a join that waits for an approval typed with the code,
//! deltas under epoch keys, a revocation that shuts the revoked device out of everything new,
//! and the attacks of issue 11 (a stolen invite, a ground code, a look-alike group, sybils).

mod sync_common;

use std::path::Path;

use casebook::sync::engine::{self, members};
use sync_common::hostile::{add_cases, cases};
use sync_common::{pass, Replica, WEAK};

const WORDS: &str = "tobako-rimesu-kanelo-dufa";

struct Group {
    a: Replica,
    invite: String,
}

fn create(root: &Path, share: &Path) -> Group {
    let mut a = Replica::new(&root.join("a"), 1);
    engine::set_label(&mut a.store, "Anna, Yerevan").unwrap();
    let created = members::create(&mut a.store, share).unwrap();
    assert!(created.recovery_key.starts_with("CBGR-"));
    let invite = members::invite(&mut a.store, &pass(WORDS), WEAK).unwrap();
    Group { a, invite }
}

fn join(root: &Path, share: &Path, name: &str, seed: u64, invite: &str) -> (Replica, String) {
    let mut r = Replica::new(&root.join(format!("{name}-{seed}")), seed);
    let joined = members::join(&mut r.store, share, invite, &pass(WORDS), Some(name)).unwrap();
    assert_eq!(joined.state, "pending");
    (r, joined.code)
}

#[test]
fn invite_join_approve_with_the_code_then_revoke() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut g = create(tmp.path(), &share);
    add_cases(&mut g.a, "Before the join", 2);
    g.a.sync();
    let (mut b, code) = join(tmp.path(), &share, "Boris", 2, &g.invite);
    assert_eq!(code.len(), 27, "four groups of six digits: {code}");

    // Pending: B reads nothing, and says so.
    b.sync();
    assert_eq!(cases(&b.store), 0, "a pending device read cases");
    let st = engine::status(&b.store).unwrap();
    assert_eq!(st.state.as_deref(), Some("pending"));
    assert_eq!(st.code.as_deref(), Some(code.as_str()));

    // A sees the request (no code in it), refuses a wrong code, accepts the right one.
    g.a.sync();
    let reqs = members::requests(&mut g.a.store).unwrap();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].label, "Boris");
    let json = serde_json::to_string(&reqs).unwrap();
    assert!(!json.contains(&code) && !json.contains(&code.replace('-', "")), "the approver's side shows the code");
    let wrong = if code.starts_with('1') { code.replacen('1', "2", 1) } else { format!("1{}", &code[1..]) };
    assert!(members::approve(&mut g.a.store, &reqs[0].device, &wrong).is_err());
    assert!(engine::status(&g.a.store).unwrap().devices.len() == 1, "a wrong code admitted a device");
    members::approve(&mut g.a.store, &reqs[0].device[..8], &code).unwrap();

    // B is approved at its next sync and reads the cases written before it joined.
    b.sync();
    assert_eq!(cases(&b.store), 2);
    let st = engine::status(&b.store).unwrap();
    assert_eq!(st.state.as_deref(), Some("member"));
    assert!(st.epoch.is_some() && st.roster_head.is_some());
    assert_eq!(st.approved_by.as_deref(), Some("Anna, Yerevan"), "the joiner is told who approved it");
    add_cases(&mut b, "From Boris", 1);
    b.sync();
    g.a.sync();
    assert_eq!(cases(&g.a.store), 3);
    let st = engine::status(&g.a.store).unwrap();
    let bdev = st.devices.iter().find(|d| !d.this_device).unwrap();
    assert_eq!(bdev.role.as_deref(), Some("member"));
    assert_eq!(bdev.state.as_deref(), Some("member"));
    assert_eq!(bdev.label, "Boris");

    // A revokes B: B's vault is intact but reads nothing written afterwards.
    members::revoke(&mut g.a.store, &bdev.device, None, "laptop seized at the border").unwrap();
    add_cases(&mut g.a, "After the revocation", 2);
    g.a.sync();
    b.sync();
    assert_eq!(cases(&b.store), 3, "the revoked device read a case written after its revocation");
    assert_eq!(engine::status(&b.store).unwrap().state.as_deref(), Some("revoked"));
    let st = engine::status(&g.a.store).unwrap();
    assert_eq!(st.devices.iter().find(|d| !d.this_device).unwrap().state.as_deref(), Some("revoked"));
    // What B writes now reaches nobody.
    add_cases(&mut b, "Written after the revocation", 1);
    b.sync();
    g.a.sync();
    assert_eq!(cases(&g.a.store), 5);
}

#[test]
fn a_stolen_invite_used_after_the_real_joiner_burns_it_and_reads_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut g = create(tmp.path(), &share);
    add_cases(&mut g.a, "Secret", 1);
    g.a.sync();
    let (mut b, b_code) = join(tmp.path(), &share, "Boris", 2, &g.invite);
    let (mut thief, thief_code) = join(tmp.path(), &share, "Boris", 3, &g.invite);
    assert_ne!(b_code, thief_code);
    let report = g.a.sync();
    assert!(report.alarms.iter().any(|al| al.kind == "invite_reused"), "{:?}", report.alarms);
    assert!(members::requests(&mut g.a.store).unwrap().is_empty(), "a burnt invite still offers its requests");
    thief.sync();
    b.sync();
    assert_eq!(cases(&thief.store), 0);
    assert_eq!(cases(&b.store), 0);
    assert_eq!(engine::status(&thief.store).unwrap().state.as_deref(), Some("pending"));
}

#[test]
fn a_ground_code_is_never_approved() {
    // 10^6 labels and keys tried against a known code: none matches (80 bits).
    use casebook::sync::roster::invite;
    let genesis = [7u8; 32];
    let inv = [9u8; 16];
    let target = invite::code(&genesis, &inv, &[1; 32]);
    let mut hits = 0;
    for i in 0u32..1_000_000 {
        let mut request = [0u8; 32];
        request[..4].copy_from_slice(&i.to_be_bytes());
        request[4] = 0xff;
        if invite::code(&genesis, &inv, &request) == target {
            hits += 1;
        }
    }
    assert_eq!(hits, 0);
    // A look-alike group (another genesis) never gives the real group's code.
    assert_ne!(invite::code(&[8; 32], &inv, &[1; 32]), target);
}

#[test]
fn a_sybil_folder_with_deltas_is_ignored_and_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut g = create(tmp.path(), &share);
    add_cases(&mut g.a, "Real", 1);
    g.a.sync();
    // Somebody copies A's folder under another id: it is not in the roster.
    let a_dir = std::fs::read_dir(&share).unwrap().filter_map(|e| e.ok()).find(|e| e.path().is_dir()).unwrap().path();
    let sybil = share.join("0123456789abcdef0123456789abcdef");
    std::fs::create_dir_all(&sybil).unwrap();
    for f in std::fs::read_dir(&a_dir).unwrap() {
        let f = f.unwrap();
        if f.file_name().to_string_lossy().ends_with(".delta") {
            std::fs::copy(f.path(), sybil.join(f.file_name())).unwrap();
        }
    }
    let (mut b, code) = join(tmp.path(), &share, "Boris", 2, &g.invite);
    g.a.sync();
    let dev = members::requests(&mut g.a.store).unwrap()[0].device.clone();
    members::approve(&mut g.a.store, &dev, &code).unwrap();
    let report = b.sync();
    assert!(report.waiting.iter().any(|w| w.state == "not_member" && w.device == "0123456789abcdef0123456789abcdef"));
    assert_eq!(cases(&b.store), 1);
}

/// A group of A and an approved B that has synced once.
fn pair(root: &Path, share: &Path) -> (Group, Replica) {
    let mut g = create(root, share);
    let (mut b, code) = join(root, share, "Boris", 2, &g.invite);
    approve(&mut g.a, &code);
    b.sync();
    (g, b)
}

/// Approves `r` (joined with `code`) from `a`.
fn approve(a: &mut Replica, code: &str) {
    a.sync();
    let reqs = members::requests(&mut a.store).unwrap();
    members::approve(&mut a.store, &reqs[0].device, code).unwrap();
}

#[test]
fn a_cutoff_at_the_seizure_time_rolls_back_what_came_later_and_accept_brings_it_back() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let (mut g, mut b) = pair(tmp.path(), &share);
    add_cases(&mut b, "Before the seizure", 1);
    b.sync();
    b.clock.advance(60_000);
    let seized_at = casebook::entropy::Clock::now_ms(&b.clock);
    b.clock.advance(60_000);
    add_cases(&mut b, "Written by the thief", 1);
    b.sync();
    g.a.sync();
    assert_eq!(cases(&g.a.store), 2);
    let bdev = engine::status(&g.a.store).unwrap().devices.into_iter().find(|d| !d.this_device).unwrap().device;
    members::revoke(&mut g.a.store, &bdev, Some(seized_at), "seized").unwrap();
    let report = g.a.sync();
    assert_eq!(cases(&g.a.store), 1, "what the device wrote after the cutoff still counts");
    assert_eq!(report.quarantined.len(), 1, "{:?}", report.quarantined);
    assert_eq!(report.quarantined[0].from_seq, 2);
    // A coordinator who knows the case is genuine accepts it: it comes back as A's own change.
    engine::accept_quarantined(&mut g.a.store, &bdev).unwrap();
    assert_eq!(cases(&g.a.store), 2);
}

#[test]
fn the_group_recovery_key_re_admits_a_revoked_device_and_works_once() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut a = Replica::new(&tmp.path().join("a"), 1);
    let created = members::create(&mut a.store, &share).unwrap();
    let invite = members::invite(&mut a.store, &pass(WORDS), WEAK).unwrap();
    let (mut b, code) = join(tmp.path(), &share, "Boris", 2, &invite);
    approve(&mut a, &code);
    b.sync();
    let bdev = engine::status(&a.store).unwrap().devices.into_iter().find(|d| !d.this_device).unwrap().device;
    members::revoke(&mut a.store, &bdev, None, "by mistake").unwrap();
    b.sync();
    assert_eq!(engine::status(&b.store).unwrap().state.as_deref(), Some("revoked"));
    let r = members::recover_group(&mut a.store, &created.recovery_key, &bdev, true, None).unwrap();
    assert_ne!(*r.next_recovery_key, *created.recovery_key);
    let report = a.sync();
    assert!(report.alarms.iter().any(|al| al.kind == "recovery_used"), "{:?}", report.alarms);
    b.sync();
    assert_eq!(engine::status(&b.store).unwrap().state.as_deref(), Some("member"));
    add_cases(&mut a, "After the recovery", 1);
    a.sync();
    b.sync();
    assert_eq!(cases(&b.store), 1, "the re-admitted device reads the new epoch");
    // The used key is refused; its replacement works.
    assert!(members::recover_group(&mut a.store, &created.recovery_key, &bdev, true, None).is_err());
    members::recover_group(&mut a.store, &r.next_recovery_key, &bdev, true, None).unwrap();
}

#[test]
fn a_device_shown_no_revocation_publishes_nothing_once_a_newer_epoch_reaches_it() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut g = create(tmp.path(), &share);
    let (mut b, code_b) = join(tmp.path(), &share, "Boris", 2, &g.invite);
    approve(&mut g.a, &code_b);
    b.sync();
    let invite = members::invite(&mut g.a.store, &pass(WORDS), WEAK).unwrap();
    let (mut c, code_c) = join(tmp.path(), &share, "Chingiz", 3, &invite);
    approve(&mut g.a, &code_c);
    c.sync();
    b.sync();
    g.a.sync();
    let cdev = engine::status(&g.a.store).unwrap().devices.into_iter().find(|d| d.label == "Chingiz").unwrap().device;
    members::revoke(&mut g.a.store, &cdev, None, "seized").unwrap();
    // A's next delta reaches B; the share hides the revocation from it.
    let a_dir = share.join(&engine::status(&g.a.store).unwrap().devices.iter().find(|d| d.this_device).unwrap().device);
    let newest = std::fs::read_dir(&a_dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().to_string()))
        .filter(|n| n.ends_with(".roster") && n != "genesis.roster")
        .max()
        .unwrap();
    add_cases(&mut g.a, "Under the new key", 1);
    g.a.sync();
    std::fs::rename(a_dir.join(&newest), tmp.path().join("hidden")).unwrap();
    add_cases(&mut b, "Boris's new intake", 1);
    let report = b.sync();
    assert_eq!(report.sent_deltas, 0, "published under the old epoch: {report:?}");
    assert!(report.alarms.iter().any(|al| al.kind == "roster_behind"), "{:?}", report.alarms);
    // Once the revocation reaches B, it publishes under the new epoch, which C cannot read.
    std::fs::rename(tmp.path().join("hidden"), a_dir.join(&newest)).unwrap();
    let report = b.sync();
    assert!(report.sent_deltas >= 1, "{report:?}");
    g.a.sync();
    assert_eq!(cases(&g.a.store), 2);
    let before = cases(&c.store);
    c.sync();
    assert_eq!(cases(&c.store), before, "the revoked device read a case written after its revocation");
}

#[test]
fn a_device_that_left_joins_again_as_a_new_device_and_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let (mut g, mut b) = pair(tmp.path(), &share);
    add_cases(&mut b, "Sent before leaving", 1);
    b.sync();
    let old_id = engine::status(&b.store).unwrap().devices.into_iter().find(|d| d.this_device).unwrap().device;
    members::leave(&mut b.store, "back from a border search").unwrap();
    add_cases(&mut b, "Written while out of the group", 1);
    g.a.sync();
    assert_eq!(cases(&g.a.store), 1);
    // A new invite; the same vault joins as a new device and is approved with its code.
    let invite = members::invite(&mut g.a.store, &pass(WORDS), WEAK).unwrap();
    let joined = members::join(&mut b.store, &share, &invite, &pass(WORDS), None).unwrap();
    assert_ne!(joined.attachment.device_id, old_id, "a new identity");
    approve(&mut g.a, &joined.code);
    b.sync();
    b.sync();
    g.a.sync();
    assert_eq!(cases(&g.a.store), 2, "the change written while out of the group was lost");
    assert_eq!(cases(&b.store), 2);
    assert_eq!(engine::status(&b.store).unwrap().state.as_deref(), Some("member"));
    // A second join while a member is refused.
    assert!(members::join(&mut b.store, &share, &invite, &pass(WORDS), None).is_err());
}

#[test]
fn a_flood_of_roster_entries_is_read_at_most_64_at_a_time_and_changes_nothing() {
    use casebook::sync::roster::{author, crypt, entry::Clear, entry::Sealed};
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut g = create(tmp.path(), &share);
    let a_dir = std::fs::read_dir(&share).unwrap().filter_map(|e| e.ok()).find(|e| e.path().is_dir()).unwrap().path();
    let genesis = crypt::entry_id(&std::fs::read(a_dir.join("genesis.roster")).unwrap());
    let flood = share.join("00112233445566778899aabbccddeeff");
    std::fs::create_dir_all(&flood).unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
    let epoch_key = author::new_epoch_key(&mut casebook::entropy::SeededEntropy::new(1));
    let mut prev = [0u8; 32];
    for seq in 1..=70u32 {
        let a = author::Author {
            group: crypt::group_of(&genesis),
            device: [0x44; 16],
            key: &key,
            seq,
            prev,
            epoch: crypt::epoch_of(&genesis),
            epoch_key: &epoch_key,
            parents: vec![genesis],
        };
        let bytes =
            author::write(&a, Clear::Head, &Sealed::Time(1), &mut casebook::entropy::SeededEntropy::new(seq as u64));
        prev = crypt::entry_id(&bytes);
        std::fs::write(flood.join(format!("{seq:012}.roster")), bytes).unwrap();
    }
    let report = g.a.sync();
    let flooded = report.problems.iter().find(|p| p.file.starts_with("44444444")).map(|p| p.problem.clone());
    assert!(flooded.is_some_and(|p| p.contains("more than 64")), "{:?}", report.problems);
    assert_eq!(engine::status(&g.a.store).unwrap().devices.len(), 1);
}
