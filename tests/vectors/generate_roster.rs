//! Generator of the `roster/` vectors: valid roster entries written by the simulated group
//! (`casebook::sync::roster::sim`, seeded), then cut, extended, reordered or given hostile keys
//! one field at a time. Boxes are age files, whose randomness is not seeded, so regenerating
//! changes the bytes of entries that carry boxes (never their outcome). Included by
//! `tests/vectors.rs`; run it with `cargo test -j1 --test vectors -- --ignored regenerate`.

use casebook::sync::roster::author::{self, Author};
use casebook::sync::roster::crypt;
use casebook::sync::roster::entry::{self, Clear, Entry, LegacyDevice, LegacyKey, RecoveryAction, Role, Sealed};
use casebook::sync::roster::sim::Group;
use ed25519_dalek::SigningKey;

pub struct Out {
    pub name: String,
    /// `ok`, or `refused` with a part of the reason.
    pub expect: &'static str,
    pub reason: Option<&'static str>,
    pub comment: String,
    pub bytes: Vec<u8>,
}

fn out(name: &str, expect: &'static str, reason: Option<&'static str>, comment: &str, bytes: Vec<u8>) -> Out {
    Out { name: name.into(), expect, reason, comment: comment.into(), bytes }
}

/// Offsets (docs/formats/roster.md section 2).
const KIND: usize = 24;
const SEQ: usize = 41;
const PREV: usize = 45;
const N_PARENTS: usize = 93;

/// Small-order and non-canonical X25519 public keys (libsodium's list and neighbours).
fn bad_box_keys() -> Vec<(&'static str, [u8; 32])> {
    let hex = |s: &str| -> [u8; 32] {
        let v: Vec<u8> = (0..32).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect();
        v.try_into().unwrap()
    };
    vec![
        ("zero", [0; 32]),
        ("one", hex("0100000000000000000000000000000000000000000000000000000000000000")),
        ("order_8_a", hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")),
        ("order_8_b", hex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157")),
        ("p_minus_1", hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")),
        ("p", hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")),
        ("p_plus_1", hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")),
        ("high_bit", hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880")),
    ]
}

/// Small-order Ed25519 points and a non-canonical encoding of a sound one.
fn bad_sign_keys() -> Vec<(&'static str, [u8; 32], &'static str)> {
    let hex = |s: &str| -> [u8; 32] {
        let v: Vec<u8> = (0..32).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect();
        v.try_into().unwrap()
    };
    let mut v = vec![
        ("identity", hex("0100000000000000000000000000000000000000000000000000000000000000"), "weak"),
        ("order_2", hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), "weak"),
        ("order_4", hex("0000000000000000000000000000000000000000000000000000000000000000"), "weak"),
        ("order_8", hex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"), "weak"),
        ("not_a_point", hex("0200000000000000000000000000000000000000000000000000000000000000"), "Ed25519"),
    ];
    // y + p for a small y on the curve: the same point, written another way.
    for y in 2u8..40 {
        let mut k = hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        let (sum, carry) = k[0].overflowing_add(y);
        if carry {
            continue;
        }
        k[0] = sum;
        if let Ok(vk) = ed25519_dalek::VerifyingKey::from_bytes(&k) {
            if !vk.is_weak() {
                v.push(("non_canonical", k, "non-canonical"));
                break;
            }
        }
    }
    v
}

/// Re-signs `e` with `key` (after a field was changed), sealing nothing new.
fn resign(e: &mut Entry, key: &SigningKey) -> Vec<u8> {
    e.signature = crypt::sign(key, &entry::encode_unsigned(e));
    entry::encode(e)
}

/// Replaces the two-byte length at `at` and keeps the rest.
fn set_u16(bytes: &[u8], at: usize, v: u16) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at..at + 2].copy_from_slice(&v.to_be_bytes());
    b
}

/// Offset of `clear_len` in an entry.
fn clear_len_at(bytes: &[u8]) -> usize {
    N_PARENTS + 1 + 32 * bytes[N_PARENTS] as usize
}

pub fn all() -> Vec<Out> {
    let mut g = Group::create(11, "Coordinator");
    let b = g.join(0, "B", Role::Member);
    g.head(0, 1_700_000_000_000);
    g.role(0, b, Role::Coordinator);
    g.rotate(b, None, None);
    let c = g.join(0, "C", Role::Member);
    g.revoke(0, c, None, None);
    g.leave(b);
    g.recover(b, RecoveryAction::Admit, 0);
    let mut v = Vec::new();
    let kinds = [
        "genesis", "invite", "approve", "head", "role", "rotation", "invite", "approve", "revoke", "leave", "recovery",
    ];
    assert_eq!(g.files.len(), kinds.len());
    let mut firsts: std::collections::BTreeMap<&str, Vec<u8>> = Default::default();
    for (name, bytes) in kinds.iter().zip(&g.files) {
        let e = entry::decode(bytes).expect("the simulation writes valid entries");
        assert_eq!(entry::encode(&e), *bytes);
        firsts.entry(name).or_insert_with(|| bytes.clone());
    }
    for (name, bytes) in &firsts {
        v.push(out(&format!("{name}_valid"), "ok", None, &format!("a valid {name} entry"), bytes.clone()));
    }
    // A key update, built here (the simulation has no helper for it).
    let creator = &g.devices[0];
    let new = SigningKey::from_bytes(&[42; 32]);
    let new_box = crypt::BoxSecret::from_bytes([43; 32]).public();
    let msg = [&b"casebook/v2/key-update"[..], &g.group, &creator.id, &(creator.seq + 1).to_be_bytes()].concat();
    let view = g.fold();
    let epoch = view.epoch.unwrap_or_else(|| *view.newest_epochs.last().expect("an epoch"));
    let key = g.keys.get(&epoch).unwrap().clone();
    let mut rng = casebook::entropy::SeededEntropy::new(5);
    let a = Author {
        group: g.group,
        device: creator.id,
        key: &creator.sign,
        seq: creator.seq + 1,
        prev: creator.prev,
        epoch,
        epoch_key: &key,
        parents: g.fold().heads,
    };
    let ku = author::write(
        &a,
        Clear::KeyUpdate { sign: new.verifying_key().to_bytes(), boxk: new_box, proof: crypt::sign(&new, &msg) },
        &Sealed::None,
        &mut rng,
    );
    v.push(out("key_update_valid", "ok", None, "a valid key update", ku.clone()));
    let mut bad_proof = entry::decode(&ku).unwrap();
    if let Clear::KeyUpdate { proof, .. } = &mut bad_proof.clear {
        proof[0] ^= 1;
    }
    v.push(out(
        "key_update_bad_proof",
        "refused",
        Some("did not sign"),
        "a key update whose new key's proof is wrong",
        resign(&mut bad_proof, &creator.sign),
    ));

    // An upgrade (kind 12, version 2): the creator's entry 1 naming three devices of an old group.
    let genesis_id = crypt::entry_id(&firsts["genesis"]);
    let first = g.keys.get(&crypt::epoch_of(&genesis_id)).unwrap().clone();
    let up_author = Author {
        group: g.group,
        device: creator.id,
        key: &creator.sign,
        seq: 1,
        prev: [0; 32],
        epoch: crypt::epoch_of(&genesis_id),
        epoch_key: &first,
        parents: vec![genesis_id],
    };
    let old_device = |i: u8| LegacyDevice {
        device: [i; 16],
        sign: SigningKey::from_bytes(&[i; 32]).verifying_key().to_bytes(),
        seq: u64::from(i),
        delta: [i ^ 0x80; 32],
    };
    let legacy = Sealed::Legacy { epoch: 1, key: LegacyKey(zeroize::Zeroizing::new([7; 32])) };
    let upgrade = author::write(
        &up_author,
        Clear::Upgrade { legacy_group: [9; 16], devices: (1..=3).map(old_device).collect() },
        &legacy,
        &mut rng,
    );
    v.push(out("upgrade_valid", "ok", None, "a valid upgrade naming three devices of the old group", upgrade.clone()));
    let ue = entry::decode(&upgrade).unwrap();
    let mut with_upgrade =
        |name: &str, reason: &'static str, comment: &str, f: &dyn Fn(&mut Vec<LegacyDevice>, &mut [u8; 16])| {
            let mut e = ue.clone();
            if let Clear::Upgrade { devices, legacy_group } = &mut e.clear {
                f(devices, legacy_group);
            }
            v.push(out(name, "refused", Some(reason), comment, resign(&mut e, &creator.sign)));
        };
    with_upgrade("upgrade_no_devices", "1 ..= 256", "an upgrade naming no device", &|d, _| d.clear());
    with_upgrade("upgrade_257_devices", "1 ..= 256", "an upgrade naming 257 devices", &|d, _| {
        *d = (0..257u16)
            .map(|i| LegacyDevice {
                device: [(i >> 8) as u8, i as u8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
                ..old_device(1)
            })
            .collect()
    });
    with_upgrade("upgrade_devices_unsorted", "ascending", "devices out of order", &|d, _| d.reverse());
    with_upgrade("upgrade_device_twice", "ascending", "one device twice", &|d, _| {
        let d0 = d[0].clone();
        d.insert(0, d0);
    });
    with_upgrade("upgrade_seq_0", "a delta it wrote", "a device's last delta numbered 0", &|d, _| d[0].seq = 0);
    with_upgrade("upgrade_seq_2_62", "a delta it wrote", "a device's last delta numbered 2^62", &|d, _| {
        d[0].seq = 1 << 62
    });
    with_upgrade("upgrade_delta_zero", "a delta it wrote", "a device's last delta id zero", &|d, _| {
        d[1].delta = [0; 32]
    });
    with_upgrade("upgrade_old_group_zero", "not all zero", "an upgrade of group zero", &|_, g| *g = [0; 16]);
    with_upgrade("upgrade_weak_key", "small order", "an old device's Ed25519 key of small order", &|d, _| {
        d[2].sign = bad_sign_keys()[0].1
    });
    let mut v1 = upgrade.clone();
    v1[7] = 1;
    v.push(out("upgrade_in_version_1", "refused", Some("kind 12 in version 1"), "an upgrade marked version 1", v1));
    let upgrade_sealed_at = clear_len_at(&upgrade) + 2 + {
        let at = clear_len_at(&upgrade);
        u16::from_be_bytes([upgrade[at], upgrade[at + 1]]) as usize
    };
    v.push(out("upgrade_without_sealed", "refused", Some("must have"), "an upgrade with no sealed old key", {
        let mut b = upgrade[..upgrade_sealed_at].to_vec();
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&upgrade[upgrade.len() - 64..]);
        b
    }));

    let head = firsts["head"].clone();
    let genesis = firsts["genesis"].clone();
    let rotation = firsts["rotation"].clone();
    let creator_key = g.devices[0].sign.clone();

    // Framing.
    v.push(out("empty", "refused", Some("CBSYNC"), "no bytes at all", Vec::new()));
    v.push(out("bad_magic", "refused", Some("CBSYNC"), "the magic's last letter changed", {
        let mut b = head.clone();
        b[5] = b'D';
        b
    }));
    v.push(out("kind_delta", "refused", Some("a delta"), "the prefix says delta", {
        let mut b = head.clone();
        b[6] = 3;
        b
    }));
    v.push(out("version_0", "refused", Some("version 0"), "version 0 does not exist", {
        let mut b = head.clone();
        b[7] = 0;
        b
    }));
    v.push(out("version_2", "refused", Some("in version 2"), "a head marked version 2, which only the upgrade is", {
        let mut b = head.clone();
        b[7] = 2;
        b
    }));
    v.push(out("version_3", "refused", Some("newer Casebook"), "a version this build does not read", {
        let mut b = head.clone();
        b[7] = 3;
        b
    }));
    for cut in [9, 30, 93, 150, head.len() - 64, head.len() - 1] {
        v.push(out(
            &format!("truncated_at_{cut}"),
            "refused",
            Some("truncated"),
            &format!("the entry cut after {cut} bytes"),
            head[..cut].to_vec(),
        ));
    }
    v.push(out(
        "trailing_byte",
        "refused",
        Some("follow the signature"),
        "one byte after the signature",
        [&head[..], &[0]].concat(),
    ));
    for k in [0u8, 13, 255] {
        v.push(out(&format!("entry_kind_{k}"), "refused", Some("does not exist"), &format!("entry kind {k}"), {
            let mut b = head.clone();
            b[KIND] = k;
            b
        }));
    }
    v.push(out(
        "head_relabelled_rotation",
        "refused",
        Some("truncated"),
        "a head relabelled as a rotation (kind 9) holds no rotation",
        {
            let mut b = head.clone();
            b[KIND] = 9;
            b
        },
    ));

    // Numbers and links.
    let mut e = entry::decode(&head).unwrap();
    let sign = |e: &mut Entry| resign(e, &creator_key);
    let orig = e.clone();
    e.seq = 0;
    v.push(out("seq_0", "refused", Some("number from 1"), "entry number 0", sign(&mut e)));
    e = orig.clone();
    e.prev = [0; 32];
    v.push(out(
        "seq_2_without_prev",
        "refused",
        Some("previous entry"),
        "a later entry that names no previous one",
        sign(&mut e),
    ));
    e = orig.clone();
    e.seq = 1;
    v.push(out("seq_1_with_prev", "refused", Some("previous entry"), "entry 1 naming a previous one", sign(&mut e)));
    e = orig.clone();
    e.group = [0; 16];
    v.push(out("group_zero", "refused", Some("names its group"), "a non-genesis entry without a group", sign(&mut e)));
    e = orig.clone();
    e.epoch = [0; 16];
    v.push(out("epoch_zero", "refused", Some("its epoch"), "a non-genesis entry without an epoch", sign(&mut e)));
    e = orig.clone();
    e.author = [0; 16];
    v.push(out("author_zero", "refused", Some("only a recovery entry"), "a head without an author", sign(&mut e)));
    e = orig.clone();
    e.parents = Vec::new();
    v.push(out("no_parents", "refused", Some("1 ..= 16"), "a non-genesis entry with no parents", sign(&mut e)));
    let mut ge = entry::decode(&genesis).unwrap();
    ge.parents = vec![[7; 32]];
    v.push(out(
        "genesis_with_parent",
        "refused",
        Some("no parents"),
        "a genesis naming a parent",
        resign(&mut ge, &creator_key),
    ));
    let two = |a: u8, b: u8| -> Vec<u8> {
        let mut bytes = entry::encode(&orig);
        let at = N_PARENTS;
        let n = bytes[at] as usize;
        let mut parents: Vec<u8> = bytes[at + 1..at + 1 + 32 * n].to_vec();
        parents.extend_from_slice(&[a; 32]);
        parents.extend_from_slice(&[b; 32]);
        let rest = bytes.split_off(at + 1 + 32 * n);
        bytes.truncate(at);
        bytes.push(n as u8 + 2);
        bytes.extend_from_slice(&parents);
        bytes.extend_from_slice(&rest);
        bytes
    };
    v.push(out("parents_unsorted", "refused", Some("ascending"), "two parents out of order", two(0xfe, 0xfd)));
    v.push(out("parents_repeated", "refused", Some("ascending"), "one parent named twice", two(0xfe, 0xfe)));
    v.push(out("parents_17", "refused", Some("at most 16"), "seventeen parents", {
        let mut b = head.clone();
        b[N_PARENTS] = 17;
        b
    }));
    let _ = (SEQ, PREV);

    // Lengths.
    let at = clear_len_at(&head);
    v.push(out(
        "clear_len_over_limit",
        "refused",
        Some("at most"),
        "public fields longer than the limit",
        set_u16(&head, at, 60_000),
    ));
    let rot_at = clear_len_at(&rotation);
    let rot_len = u16::from_be_bytes([rotation[rot_at], rotation[rot_at + 1]]);
    v.push(out(
        "clear_len_short",
        "refused",
        Some("truncated"),
        "a rotation's public fields one byte short",
        set_u16(&rotation, rot_at, rot_len - 1),
    ));
    let sealed_at = at + 2;
    v.push(out(
        "sealed_len_39",
        "refused",
        Some("sealed part of 39"),
        "a sealed part shorter than nonce and tag",
        set_u16(&head, sealed_at, 39),
    ));
    v.push(out(
        "sealed_len_4097",
        "refused",
        Some("sealed part of 4097"),
        "a sealed part over the limit",
        set_u16(&head, sealed_at, 4097),
    ));
    v.push(out("head_without_sealed", "refused", Some("must have"), "a head with no sealed time", {
        let mut b = head[..sealed_at].to_vec();
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&head[head.len() - 64..]);
        b
    }));

    // Rotations.
    let re = entry::decode(&rotation).unwrap();
    let Clear::Rotate(r) = &re.clear else { panic!("a rotation") };
    let key_b = g.devices[b].sign.clone();
    let mut with =
        |name: &str, reason: &'static str, comment: &str, f: &dyn Fn(&mut casebook::sync::roster::entry::Rotation)| {
            let mut e = re.clone();
            let mut r2 = r.clone();
            f(&mut r2);
            e.clear = Clear::Rotate(r2);
            v.push(out(name, "refused", Some(reason), comment, resign(&mut e, &key_b)));
        };
    with("rotation_no_boxes", "1 ..= 64", "a rotation sealed to nobody", &|r| r.boxes.clear());
    with("rotation_boxes_unsorted", "ascending device order", "boxes out of device order", &|r| r.boxes.reverse());
    with("rotation_box_twice", "ascending device order", "one device's box twice", &|r| {
        let b0 = r.boxes[0].clone();
        r.boxes.insert(0, b0);
    });
    with("rotation_no_prevs", "1 ..= 16", "a rotation that follows no epoch", &|r| r.prevs.clear());
    with("rotation_box_too_long", "1 ..= 640", "a box longer than 640 bytes", &|r| r.boxes[0].age.resize(641, 0));
    with("rotation_prevs_repeated", "ascending epoch order", "one previous epoch twice", &|r| {
        let p = r.prevs[0].clone();
        r.prevs.push(p);
    });
    let recovery = firsts["recovery"].clone();
    let mut rec = entry::decode(&recovery).unwrap();
    if let Clear::Recovery { action, .. } = &mut rec.clear {
        *action = RecoveryAction::Annul;
    }
    let mut bytes = entry::encode(&rec);
    let action_at = clear_len_at(&bytes) + 2 + 32 + 16;
    bytes[action_at] = 3;
    v.push(out(
        "recovery_action_3",
        "refused",
        Some("recovery action 3"),
        "a recovery action that does not exist",
        bytes,
    ));

    // Hostile keys.
    let mut ge = entry::decode(&genesis).unwrap();
    for (name, k) in bad_box_keys() {
        if let Clear::Genesis { creator_box, .. } = &mut ge.clear {
            *creator_box = k;
        }
        let reason = if matches!(name, "p" | "p_plus_1" | "high_bit") { "non-canonical" } else { "small order" };
        v.push(out(
            &format!("genesis_box_key_{name}"),
            "refused",
            Some(reason),
            &format!("a genesis whose creator X25519 key is {name}"),
            resign(&mut ge.clone(), &creator_key),
        ));
    }
    let approve = firsts["approve"].clone();
    let mut ae = entry::decode(&approve).unwrap();
    for (name, k, reason) in bad_sign_keys() {
        let mut e = ae.clone();
        if let Clear::Approve { joiner_sign, .. } = &mut e.clear {
            *joiner_sign = k;
        }
        v.push(out(
            &format!("approve_sign_key_{name}"),
            "refused",
            Some(reason),
            &format!("an approval of an Ed25519 key that is {name}"),
            resign(&mut e, &creator_key),
        ));
    }
    if let Clear::Approve { joiner_box, .. } = &mut ae.clear {
        *joiner_box = bad_box_keys()[2].1;
    }
    v.push(out(
        "approve_box_key_order_8",
        "refused",
        Some("small order"),
        "an approval of a small-order X25519 key",
        resign(&mut ae, &creator_key),
    ));
    let mut ie = entry::decode(&firsts["invite"]).unwrap();
    if let Clear::Invite { request_box, .. } = &mut ie.clear {
        *request_box = [0; 32];
    }
    v.push(out(
        "invite_request_key_zero",
        "refused",
        Some("small order"),
        "an invite whose request key is zero",
        resign(&mut ie, &creator_key),
    ));
    let mut ge = entry::decode(&genesis).unwrap();
    ge.signature[10] ^= 4;
    v.push(out(
        "genesis_signature_flipped",
        "refused",
        Some("does not verify"),
        "a genesis whose signature was changed",
        entry::encode(&ge),
    ));
    v
}
