//! The roster fold (docs/formats/roster.md section 4), scenario by scenario, and in every
//! delivery order: the fold of a set is the same whatever order the share showed it in, and
//! a device that has seen part of the set folds without panicking and converges.

use casebook::entropy::{Entropy, SeededEntropy};
use casebook::sync::roster::crypt;
use casebook::sync::roster::entry::{Clear, RecoveryAction, Role, Sealed};
use casebook::sync::roster::fold::fold;
use casebook::sync::roster::keyring::Keyring;
use casebook::sync::roster::sim::Group;
use casebook::sync::roster::state::Alarm;

/// Folds `files` in `n` shuffled orders and with duplicates; every fold must equal the first.
fn same_in_every_order(g: &Group, n: u64) {
    let want = g.fold();
    let mut rng = SeededEntropy::new(99);
    for _ in 0..n {
        let mut files = g.files.clone();
        for i in (1..files.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            files.swap(i, j);
        }
        files.push(files[0].clone());
        assert_eq!(fold(&g.genesis, &files, &g.keys).unwrap(), want);
    }
}

/// Every prefix of every rotation of the arrival order folds without error or panic (a device
/// that has seen part of the share) and the whole set gives the same state.
fn every_arrival_converges(g: &Group) {
    let want = g.fold();
    let n = g.files.len();
    for start in 0..n {
        let order: Vec<Vec<u8>> = (0..n).map(|k| g.files[(start + k) % n].clone()).collect();
        for k in 1..n {
            if order[..k].iter().any(|f| crypt::entry_id(f) == g.genesis) {
                fold(&g.genesis, &order[..k], &g.keys).unwrap();
            } else {
                assert!(fold(&g.genesis, &order[..k], &g.keys).is_err(), "no genesis, no roster");
            }
        }
        assert_eq!(fold(&g.genesis, &order, &g.keys).unwrap(), want);
    }
}

#[test]
fn a_new_group_has_its_creator_as_coordinator_and_the_genesis_epoch() {
    let g = Group::create(1, "Anna's laptop");
    let r = g.fold();
    assert_eq!(r.devices.len(), 1);
    assert!(r.is_coordinator(&g.id(0)));
    assert_eq!(r.devices[&g.id(0)].label, "Anna's laptop");
    assert_eq!(r.epoch, Some(crypt::epoch_of(&g.genesis)));
    assert!(r.alarms.is_empty(), "{:?}", r.alarms);
}

#[test]
fn an_approved_joiner_is_a_member_under_the_same_epoch() {
    let mut g = Group::create(2, "A");
    let b = g.join(0, "B", Role::Member);
    let r = g.fold();
    assert!(r.is_member(&g.id(b)) && !r.is_coordinator(&g.id(b)));
    assert_eq!(r.devices[&g.id(b)].label, "B");
    assert_eq!(r.epoch, Some(crypt::epoch_of(&g.genesis)), "{:?}", r.alarms);
    same_in_every_order(&g, 20);
    every_arrival_converges(&g);
}

#[test]
fn a_member_cannot_invite_or_approve_a_sybil() {
    let mut g = Group::create(3, "A");
    let b = g.join(0, "B", Role::Member);
    let sybil = g.new_device("A");
    let invite = g.invite(b);
    g.approve(b, invite, sybil, Role::Coordinator);
    let r = g.fold();
    assert!(!r.devices.contains_key(&g.id(sybil)), "a member's approval admitted a device");
    assert!(!r.invites.contains_key(&invite), "a member's invite counted");
    // Its entries do nothing: the sybil's own rotation does not count either.
    g.rotate(sybil, None, None);
    assert_eq!(g.fold().epoch, Some(crypt::epoch_of(&g.genesis)));
}

#[test]
fn one_invite_admits_one_device_and_a_second_answer_is_an_alarm() {
    let mut g = Group::create(4, "A");
    let (b, c) = (g.new_device("B"), g.new_device("C"));
    let invite = g.invite(0);
    let first = g.approve(0, invite, b, Role::Member);
    let second = g.approve(0, invite, c, Role::Member);
    let r = g.fold();
    let winner = if first < second { b } else { c };
    let loser = if first < second { c } else { b };
    assert!(r.is_member(&g.id(winner)));
    assert!(!r.devices.contains_key(&g.id(loser)));
    assert!(r.alarms.contains(&Alarm::InviteReused(invite)), "{:?}", r.alarms);
    same_in_every_order(&g, 10);
}

#[test]
fn a_revocation_removes_the_target_and_makes_an_epoch_without_it() {
    let mut g = Group::create(5, "A");
    let b = g.join(0, "B", Role::Member);
    let c = g.join(0, "C", Role::Member);
    let rev = g.revoke(0, b, None, None);
    let r = g.fold();
    assert!(!r.is_member(&g.id(b)) && r.is_member(&g.id(c)));
    assert_eq!(r.epoch, Some(crypt::epoch_of(&rev)), "{:?}", r.alarms);
    // B's entries after its cutoff do nothing: a rotation by it does not count.
    g.rotate(b, None, None);
    assert_eq!(g.fold().epoch, Some(crypt::epoch_of(&rev)));
    same_in_every_order(&g, 20);
    every_arrival_converges(&g);
}

#[test]
fn a_cutoff_before_the_last_entry_voids_the_entries_after_it() {
    let mut g = Group::create(6, "A");
    let b = g.join(0, "B", Role::Coordinator);
    let c = g.new_device("C");
    let invite = g.invite(b); // B's entry 1
    g.approve(b, invite, c, Role::Member); // B's entry 2: made after the seizure
    assert!(g.fold().is_member(&g.id(c)));
    g.revoke(0, b, Some(1), None);
    let r = g.fold();
    assert!(!r.devices.contains_key(&g.id(c)), "an approval after the cutoff still admits");
    assert_eq!(r.devices[&g.id(b)].removed.as_ref().unwrap().roster_seq, 1);
}

#[test]
fn a_revoked_coordinator_that_backdates_a_counter_revocation_keeps_no_powers() {
    let mut g = Group::create(7, "A");
    let b = g.join(0, "B", Role::Coordinator);
    let c = g.join(0, "C", Role::Member);
    let before = g.fold().heads;
    g.revoke(0, b, None, None);
    // The seized B answers with stale parents, as if it had not seen its revocation.
    let d = g.new_device("D");
    g.revoke(b, 0, None, Some(before.clone()));
    let invite = g.invite(b);
    g.approve(b, invite, d, Role::Coordinator);
    let r = g.fold();
    assert!(!r.is_member(&g.id(b)), "the backdating coordinator stayed in");
    assert!(!r.devices.contains_key(&g.id(d)), "the backdating coordinator admitted a device");
    assert!(r.is_member(&g.id(c)));
    assert!(r.alarms.iter().any(|a| matches!(a, Alarm::RevocationCycle(_))), "{:?}", r.alarms);
    same_in_every_order(&g, 20);
    every_arrival_converges(&g);
    // The recovery key re-admits the honest coordinator; B stays out.
    g.recover(0, RecoveryAction::Admit, 0);
    let r = g.fold();
    assert!(r.is_coordinator(&g.id(0)), "{:?}", r.alarms);
    assert!(!r.is_member(&g.id(b)));
    assert!(r.alarms.iter().any(|a| matches!(a, Alarm::RecoveryUsed { seq: 1, .. })));
    assert!(r.epoch.is_some(), "the recovery's epoch holds exactly the members: {:?}", r.alarms);
    same_in_every_order(&g, 10);
}

#[test]
fn a_second_use_of_a_replaced_recovery_key_is_refused_with_an_alarm() {
    let mut g = Group::create(8, "A");
    let b = g.join(0, "B", Role::Coordinator);
    g.revoke(0, b, None, None);
    let old = g.recovery.clone();
    g.recover(b, RecoveryAction::Admit, 0);
    assert!(g.fold().is_member(&g.id(b)));
    // Somebody kept the first recovery key and uses it again to annul A.
    g.recovery = old;
    let reused = g.recover(0, RecoveryAction::Annul, 1);
    let r = g.fold();
    assert!(r.is_coordinator(&g.id(0)), "a replaced recovery key annulled a coordinator");
    assert!(r.alarms.contains(&Alarm::RecoveryKeyReused(reused)), "{:?}", r.alarms);
}

#[test]
fn concurrent_revocations_remove_both_and_a_merge_rotation_gives_one_epoch() {
    let mut g = Group::create(9, "A");
    let c = g.join(0, "C", Role::Coordinator);
    let x = g.join(0, "X", Role::Member);
    let y = g.join(0, "Y", Role::Member);
    let m = g.join(0, "M", Role::Member);
    let base = g.fold().heads;
    g.revoke(0, x, None, Some(base.clone()));
    g.revoke(c, y, None, Some(base));
    let r = g.fold();
    assert!(!r.is_member(&g.id(x)) && !r.is_member(&g.id(y)));
    assert_eq!(r.epoch, None, "two concurrent rotations need a merge");
    assert_eq!(r.newest_epochs.len(), 2);
    let merge = g.rotate(m, None, None);
    let r = g.fold();
    assert_eq!(r.epoch, Some(crypt::epoch_of(&merge)), "{:?}", r.alarms);
    let Clear::Rotate(rot) = casebook::sync::roster::entry::decode(g.files.last().unwrap()).unwrap().clear else {
        panic!()
    };
    assert!(rot.boxes.iter().all(|bx| bx.recipient != g.id(x) && bx.recipient != g.id(y)));
    assert_eq!(rot.prevs.len(), 2, "the merge carries both previous keys");
    same_in_every_order(&g, 20);
}

#[test]
fn an_approval_concurrent_with_a_rotation_ends_with_a_key_for_the_joiner() {
    let mut g = Group::create(10, "A");
    let c = g.join(0, "C", Role::Member);
    let j = g.new_device("J");
    let invite = g.invite(0);
    let base = g.fold().heads;
    g.rotate(c, None, Some(base.clone()));
    // A approves under the genesis epoch, not having seen C's rotation.
    let ctx_epoch = crypt::epoch_of(&g.genesis);
    let mut h = std::mem::take(&mut g.files);
    let rotation = h.pop().unwrap();
    g.files = h;
    g.approve(0, invite, j, Role::Member);
    g.files.push(rotation);
    let r = g.fold();
    assert!(r.is_member(&g.id(j)));
    assert_eq!(r.epoch, None, "J has no box in C's epoch");
    let merge = g.rotate(0, None, None);
    let r = g.fold();
    assert_eq!(r.epoch, Some(crypt::epoch_of(&merge)));
    // J reads every epoch back to the first.
    let entries: Vec<_> =
        g.files.iter().map(|f| (crypt::entry_id(f), casebook::sync::roster::entry::decode(f).unwrap())).collect();
    let mut ring = Keyring::new();
    let complaints = ring.unlock(&g.group, &g.id(j), &g.devices[j].boxs, &entries);
    assert!(complaints.is_empty(), "{complaints:?}");
    for e in &r.epochs {
        assert!(ring.get(e).is_some(), "J lacks an epoch key");
    }
    assert!(ring.get(&ctx_epoch).is_some());
}

#[test]
fn a_joiner_approved_in_a_later_epoch_walks_back_to_the_first() {
    let mut g = Group::create(11, "A");
    let b = g.join(0, "B", Role::Member);
    let c = g.join(0, "C", Role::Member);
    g.revoke(0, b, None, None);
    g.rotate(c, None, None);
    let j = g.join(0, "J", Role::Member);
    let entries: Vec<_> =
        g.files.iter().map(|f| (crypt::entry_id(f), casebook::sync::roster::entry::decode(f).unwrap())).collect();
    let mut ring = Keyring::new();
    assert!(ring.unlock(&g.group, &g.id(j), &g.devices[j].boxs, &entries).is_empty());
    assert_eq!(ring.len(), 3, "genesis, revocation and rotation epochs");
    // The revoked B holds no key made after its revocation.
    let mut ring_b = Keyring::new();
    ring_b.unlock(&g.group, &g.id(b), &g.devices[b].boxs, &entries);
    assert_eq!(ring_b.len(), 1, "the revoked device opened a later epoch");
}

#[test]
fn a_fork_removes_its_author_from_the_fork_on() {
    let mut g = Group::create(12, "A");
    let b = g.join(0, "B", Role::Member);
    g.rotate(b, None, None);
    let (seq, prev) = (g.devices[b].seq, g.devices[b].prev);
    g.leave(0);
    // A clone of B's vault writes its own entry with the same number.
    g.devices[b].seq = seq - 1;
    g.devices[b].prev = [0; 32];
    let _ = prev;
    g.rotate(b, None, None);
    let r = g.fold();
    assert!(r.alarms.iter().any(|a| matches!(a, Alarm::Fork { seq: 1, .. })), "{:?}", r.alarms);
    assert!(!r.is_member(&g.id(b)));
}

#[test]
fn a_demoted_coordinator_invites_nobody() {
    let mut g = Group::create(13, "A");
    let b = g.join(0, "B", Role::Coordinator);
    assert!(g.fold().is_coordinator(&g.id(b)));
    g.role(0, b, Role::Member);
    let invite = g.invite(b);
    let r = g.fold();
    assert!(!r.is_coordinator(&g.id(b)) && r.is_member(&g.id(b)));
    assert!(!r.invites.contains_key(&invite));
}

#[test]
fn leaving_removes_the_device_and_asks_for_a_rotation() {
    let mut g = Group::create(14, "A");
    let b = g.join(0, "B", Role::Member);
    g.leave(b);
    let r = g.fold();
    assert!(!r.is_member(&g.id(b)));
    assert_eq!(r.epoch, None, "B still holds the current epoch's key");
    let rot = g.rotate(0, None, None);
    assert_eq!(g.fold().epoch, Some(crypt::epoch_of(&rot)));
}

#[test]
fn heads_give_the_newest_time_and_missing_entries_are_reported() {
    let mut g = Group::create(15, "A");
    g.head(0, 1_000);
    let last = g.head(0, 2_000);
    assert_eq!(g.fold().newest_head_ms, Some(2_000));
    let without: Vec<Vec<u8>> = g.files.iter().filter(|f| crypt::entry_id(f) != last).cloned().collect();
    let mut more = Group::create(15, "A");
    more.files = without;
    let r = fold(&g.genesis, &more.files, &g.keys).unwrap();
    assert_eq!(r.newest_head_ms, Some(1_000));
    // Drop the first head: the second waits for it, and the gap is reported.
    let first = crypt::entry_id(&g.files[1]);
    let gap: Vec<Vec<u8>> = g.files.iter().filter(|f| crypt::entry_id(f) != first).cloned().collect();
    let r = fold(&g.genesis, &gap, &g.keys).unwrap();
    assert_eq!(r.waiting, 1);
    assert!(r.alarms.contains(&Alarm::Withheld(first)));
}

#[test]
fn a_device_without_the_key_reads_no_roles_and_says_so() {
    let mut g = Group::create(16, "A");
    g.join(0, "B", Role::Member);
    let r = fold(&g.genesis, &g.files, &Keyring::new()).unwrap();
    assert!(r.alarms.iter().any(|a| matches!(a, Alarm::Unreadable(_))));
    assert!(!r.devices.values().any(|d| !d.label.is_empty()), "labels read without a key");
}

#[test]
fn garbage_and_other_groups_are_refused_and_reported() {
    let mut g = Group::create(17, "A");
    g.join(0, "B", Role::Member);
    let other = Group::create(18, "Z");
    let mut files = g.files.clone();
    files.push(other.files[0].clone());
    files.push(b"CBSYNC\x07\x01 nonsense".to_vec());
    let mut flipped = g.files[1].clone();
    let k = flipped.len() - 10;
    flipped[k] ^= 1;
    files.push(flipped);
    let r = fold(&g.genesis, &files, &g.keys).unwrap();
    assert_eq!(r.devices, g.fold().devices);
    assert!(r.alarms.iter().filter(|a| matches!(a, Alarm::Refused { .. })).count() >= 1, "{:?}", r.alarms);
    let mut rng = SeededEntropy::new(5);
    let mut junk = [0u8; 32];
    rng.fill(&mut junk);
    assert!(fold(&junk, &g.files, &g.keys).is_err(), "a genesis that is not there");
    let _ = Sealed::None;
}

#[test]
fn the_recovery_key_annuls_a_seized_coordinator_that_revoked_everyone_else() {
    let mut g = Group::create(19, "A");
    let b = g.join(0, "B", Role::Coordinator);
    let c = g.join(0, "C", Role::Member);
    // The seized B acts first: it revokes A and C.
    let b_first = g.devices[b].seq + 1;
    g.revoke(b, 0, None, None);
    g.revoke(b, c, None, None);
    let r = g.fold();
    assert!(!r.is_member(&g.id(0)) && !r.is_member(&g.id(c)) && r.is_coordinator(&g.id(b)));
    g.recover(b, RecoveryAction::Annul, b_first);
    let r = g.fold();
    assert!(r.is_coordinator(&g.id(0)), "{:?}", r.alarms);
    assert!(r.is_member(&g.id(c)));
    assert!(!r.is_member(&g.id(b)), "the annulled coordinator stayed");
    assert!(r.epoch.is_some(), "the recovery's rotation leaves out B: {:?}", r.alarms);
    same_in_every_order(&g, 10);
}

mod converge {
    //! Random histories of joins, revocations (fresh or with stale parents), leaves, role
    //! changes and rotations: every delivery order folds to the same state, and the current
    //! epoch, when there is one, is sealed to exactly the members.
    use super::*;
    use proptest::prelude::*;

    fn run(ops: &[(u8, u8, bool)], seed: u64) -> Group {
        let mut g = Group::create(seed, "A");
        for &(op, pick, stale) in ops {
            let r = g.fold();
            let members: Vec<usize> = (0..g.devices.len()).filter(|&i| r.is_member(&g.id(i))).collect();
            let coords: Vec<usize> = members.iter().copied().filter(|&i| r.is_coordinator(&g.id(i))).collect();
            if members.is_empty() {
                break;
            }
            let who = |v: &[usize]| v[pick as usize % v.len()];
            match op % 5 {
                0 if !coords.is_empty() && members.len() < 8 => {
                    let role = if stale { Role::Coordinator } else { Role::Member };
                    g.join(who(&coords), "J", role);
                }
                1 if !coords.is_empty() && members.len() > 1 => {
                    let by = who(&coords);
                    let others: Vec<usize> = members.iter().copied().filter(|&m| m != by).collect();
                    let parents = stale.then(|| vec![g.genesis]);
                    g.revoke(by, who(&others), None, parents);
                }
                2 if members.len() > 1 => {
                    g.leave(who(&members));
                }
                3 if !coords.is_empty() && members.len() > 1 => {
                    let role = if stale { Role::Member } else { Role::Coordinator };
                    g.role(who(&coords), who(&members), role);
                }
                _ => {
                    g.rotate(who(&members), None, None);
                }
            }
        }
        g
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
        #[test]
        fn any_history_folds_the_same_in_every_order(ops in proptest::collection::vec((0u8..5, any::<u8>(), any::<bool>()), 1..10), seed in 1u64..1000) {
            let g = run(&ops, seed);
            same_in_every_order(&g, 6);
            let r = g.fold();
            if let Some(epoch) = r.epoch {
                // The boxes of the current epoch's rotation (if any) go to members only.
                for f in &g.files {
                    if crypt::epoch_of(&crypt::entry_id(f)) == epoch {
                        let e = casebook::sync::roster::entry::decode(f).unwrap();
                        if let Some(rot) = e.clear.rotation() {
                            for b in &rot.boxes {
                                prop_assert!(r.is_member(&b.recipient), "a box of the current epoch for a non-member");
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An upgrade (section 6) counts only as the genesis creator's first entry: a member's, or the
/// creator's later one, names no old group and opens no old key, in any delivery order.
#[test]
fn only_the_creators_first_entry_is_an_upgrade() {
    use casebook::sync::roster::entry::{LegacyDevice, LegacyKey};
    let upgrade = |group: u8| Clear::Upgrade {
        legacy_group: [group; 16],
        devices: vec![LegacyDevice {
            device: [3; 16],
            sign: ed25519_dalek::SigningKey::from_bytes(&[3; 32]).verifying_key().to_bytes(),
            seq: 4,
            delta: [5; 32],
        }],
    };
    let old_key = |b: u8| Sealed::Legacy { epoch: 2, key: LegacyKey(zeroize::Zeroizing::new([b; 32])) };

    // The creator's entry 1: the group is an upgrade of group 9, with its key.
    let mut g = Group::create(31, "Creator");
    g.write(0, upgrade(9), old_key(7), None, None);
    let b = g.join(0, "B", Role::Coordinator);
    g.write(b, upgrade(8), old_key(6), None, None);
    let r = g.fold();
    let legacy = r.legacy.as_ref().expect("the creator's upgrade counts");
    assert_eq!((legacy.group, legacy.epoch, *legacy.key.0), ([9; 16], 2, [7; 32]));
    assert_eq!(legacy.devices[&[3; 16]].seq, 4);
    same_in_every_order(&g, 12);

    // A coordinator that is not the creator, and the creator after its first entry: nothing.
    let mut g = Group::create(32, "Creator");
    let b = g.join(0, "B", Role::Coordinator);
    g.write(b, upgrade(8), old_key(6), None, None);
    g.write(0, upgrade(9), old_key(7), None, None);
    assert!(g.fold().legacy.is_none(), "an upgrade that is not the creator's first entry counted");
    same_in_every_order(&g, 12);
}
