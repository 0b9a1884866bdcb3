//! Generator of the `header/` vectors: valid vault headers built with the public API
//! (`keyslot::wrap` with the weakest accepted KDF parameters and `SeededEntropy`, so the bytes
//! are reproducible), then cut, extended, flipped or forged one region at a time. Included by
//! `tests/vectors.rs`; run it with `cargo test -j1 --test vectors -- --ignored regenerate`.

use casebook::entropy::SeededEntropy;
use casebook::secret::DataKey;
use casebook::vault::header::{DbCipher, Header, KdfParams, PageHmac, SlotKind, PREFIX_LEN, SLOT_LEN};
use casebook::vault::keyslot;
use sha2::{Digest, Sha256};

pub const PASSPHRASE: &str = "correct horse battery staple";
const RECOVERY_SECRET: &[u8] = b"recovery key bytes, 20";
/// The weakest parameters `KdfParams::check` accepts, so the vectors open in milliseconds.
const WEAK: KdfParams = KdfParams { m_kib: 8192, t: 1, p: 1 };

pub struct Out {
    pub name: &'static str,
    pub expect: &'static str,
    pub unwrap: Option<&'static str>,
    pub passphrase: Option<&'static str>,
    pub comment: String,
    pub bytes: Vec<u8>,
}

// Offsets inside the header and inside a slot (docs/formats/vault.md).
const MAGIC: usize = 0;
const VERSION: usize = 8;
const VAULT_ID: usize = 10;
const PAGE_SIZE: usize = 26;
const HMAC: usize = 30;
const COUNT: usize = 31;
const S_KIND: usize = 0;
const S_ID: usize = 1;
const S_KDF: usize = 17;
const S_M: usize = 18;
const S_T: usize = 22;
const S_P: usize = 26;
const S_SALT: usize = 30;
const S_NONCE: usize = 46;
const S_WRAPPED: usize = 70;

fn slot(i: usize, field: usize) -> usize {
    PREFIX_LEN + i * SLOT_LEN + field
}
fn mac_at(bytes: &[u8]) -> usize {
    bytes.len() - 64
}
fn checksum_at(bytes: &[u8]) -> usize {
    bytes.len() - 32
}

/// A vault header with the given slots (kind, secret, params), MAC sealed.
fn build(seed: u64, db: DbCipher, slots: &[(SlotKind, &[u8], KdfParams)]) -> Header {
    let mut rng = SeededEntropy::new(seed);
    let key = DataKey::generate(&mut rng);
    let mut vault_id = [0u8; 16];
    casebook::entropy::Entropy::fill(&mut rng, &mut vault_id);
    let mut h = Header { vault_id, db, slots: vec![], mac: [0; 32] };
    for &(kind, secret, kdf) in slots {
        let s = keyslot::wrap(&h, &key, kind, secret, kdf, &mut rng).expect("wrap");
        h.slots.push(s);
    }
    keyslot::seal_mac(&mut h, &key);
    h
}

fn one_slot() -> Header {
    build(1, DbCipher::default(), &[(SlotKind::Passphrase, PASSPHRASE.as_bytes(), WEAK)])
}

fn two_slots() -> Header {
    build(
        2,
        DbCipher::default(),
        &[(SlotKind::Passphrase, PASSPHRASE.as_bytes(), WEAK), (SlotKind::RecoveryKey, RECOVERY_SECRET, WEAK)],
    )
}

/// Recomputes the trailing checksum, as a careful forger (or a buggy writer) would.
fn rechecksum(mut bytes: Vec<u8>) -> Vec<u8> {
    let at = checksum_at(&bytes);
    let sum = Sha256::digest(&bytes[..at]);
    bytes[at..].copy_from_slice(sum.as_slice());
    bytes
}

fn flip(mut bytes: Vec<u8>, at: usize) -> Vec<u8> {
    bytes[at] ^= 0x01;
    bytes
}

fn put(mut bytes: Vec<u8>, at: usize, value: &[u8]) -> Vec<u8> {
    bytes[at..at + value.len()].copy_from_slice(value);
    bytes
}

/// A structurally valid header with `count` copies of one slot and a correct checksum
/// (the MAC is left as it was: only the field checks matter for these).
fn with_slot_count(count: usize) -> Vec<u8> {
    let h = one_slot().encode();
    let slot_bytes = &h[PREFIX_LEN..PREFIX_LEN + SLOT_LEN];
    let mut out = h[..PREFIX_LEN].to_vec();
    out[COUNT] = count as u8;
    for _ in 0..count {
        out.extend_from_slice(slot_bytes);
    }
    out.extend_from_slice(&h[mac_at(&h)..]);
    rechecksum(out)
}

pub fn all() -> Vec<Out> {
    let one = one_slot().encode();
    let two = two_slots().encode();
    let mut v = Vec::new();
    let mut ok = |name, unwrap, comment: &str, bytes| {
        v.push(Out {
            name,
            expect: "ok",
            unwrap: Some(unwrap),
            passphrase: Some(PASSPHRASE),
            comment: comment.into(),
            bytes,
        })
    };

    // --- Valid headers.
    ok(
        "ok_one_passphrase_slot",
        "ok",
        "a valid header with one passphrase slot opens with its passphrase",
        one.clone(),
    );
    ok(
        "ok_passphrase_and_recovery_slots",
        "ok",
        "a valid header as `casebook init` writes it: a passphrase slot and a recovery slot",
        two.clone(),
    );
    ok(
        "ok_page_size_65536_hmac_sha512",
        "ok",
        "the largest page size and the SHA-512 page HMAC are valid settings",
        build(
            3,
            DbCipher { page_size: 65536, hmac: PageHmac::Sha512 },
            &[(SlotKind::Passphrase, PASSPHRASE.as_bytes(), WEAK)],
        )
        .encode(),
    );
    ok(
        "ok_page_size_1024_hmac_sha1",
        "ok",
        "the smallest page size and the SHA-1 page HMAC are valid settings",
        build(
            4,
            DbCipher { page_size: 1024, hmac: PageHmac::Sha1 },
            &[(SlotKind::Passphrase, PASSPHRASE.as_bytes(), WEAK)],
        )
        .encode(),
    );
    ok(
        "ok_two_passphrase_slots_second_opens",
        "ok",
        "two passphrase slots (a passphrase change interrupted after writing the new slot): the second one opens",
        build(
            5,
            DbCipher::default(),
            &[(SlotKind::Passphrase, b"the old passphrase", WEAK), (SlotKind::Passphrase, PASSPHRASE.as_bytes(), WEAK)],
        )
        .encode(),
    );
    let mut eight: Vec<(SlotKind, &[u8], KdfParams)> = vec![(SlotKind::RecoveryKey, RECOVERY_SECRET, WEAK); 7];
    eight.push((SlotKind::Passphrase, PASSPHRASE.as_bytes(), WEAK));
    ok(
        "ok_eight_slots_maximum",
        "ok",
        "eight slots, the most a header may hold; the passphrase slot is the last one",
        build(6, DbCipher::default(), &eight).encode(),
    );
    ok(
        "ok_recovery_slot_only_has_no_passphrase_slot",
        "wrong key",
        "a header with only a recovery slot: a passphrase is never tried against it",
        build(7, DbCipher::default(), &[(SlotKind::RecoveryKey, PASSPHRASE.as_bytes(), WEAK)]).encode(),
    );
    v.push(Out {
        name: "ok_wrong_passphrase",
        expect: "ok",
        unwrap: Some("wrong key"),
        passphrase: Some("Correct horse battery staple"),
        comment: "a valid header and a passphrase that differs only in case: wrong key, nothing else".into(),
        bytes: one.clone(),
    });

    let mut bad = |name, expect, comment: &str, bytes| {
        v.push(Out { name, expect, unwrap: None, passphrase: None, comment: comment.into(), bytes })
    };

    // --- Truncation, one per boundary class.
    bad("truncated_empty", "truncated", "an empty file", vec![]);
    bad("truncated_partial_magic", "truncated", "the first 4 bytes of the magic", one[..4].to_vec());
    bad("truncated_magic_only", "truncated", "the magic and nothing else", one[..8].to_vec());
    bad("truncated_magic_and_version", "truncated", "magic and version, no vault id", one[..10].to_vec());
    bad("truncated_prefix_only", "truncated", "the whole prefix (32 bytes) and no slot", one[..PREFIX_LEN].to_vec());
    bad(
        "truncated_inside_first_slot",
        "truncated",
        "cut in the middle of the only slot's wrapped key",
        one[..slot(0, S_WRAPPED + 10)].to_vec(),
    );
    bad(
        "truncated_one_slot_missing_mac_and_checksum",
        "truncated",
        "a one-slot header cut right after its slot",
        one[..mac_at(&one)].to_vec(),
    );
    bad(
        "truncated_one_slot_missing_checksum",
        "truncated",
        "a one-slot header without its checksum",
        one[..checksum_at(&one)].to_vec(),
    );
    bad(
        "truncated_one_byte_short",
        "truncated",
        "a one-slot header missing its last byte",
        one[..one.len() - 1].to_vec(),
    );
    bad(
        "truncated_two_slots_missing_checksum",
        "bad length",
        "a two-slot header without its checksum: long enough to parse, so reported as a length that does not match the slot count",
        two[..checksum_at(&two)].to_vec(),
    );
    bad(
        "truncated_two_slots_missing_mac_and_checksum",
        "bad length",
        "a two-slot header cut right after its last slot",
        two[..mac_at(&two)].to_vec(),
    );
    bad(
        "truncated_inside_second_slot",
        "bad length",
        "a two-slot header cut in the middle of the second slot",
        two[..slot(1, S_WRAPPED + 40)].to_vec(),
    );
    bad(
        "truncated_one_byte_short_two_slots",
        "bad length",
        "a two-slot header missing its last byte",
        two[..two.len() - 1].to_vec(),
    );
    {
        // The MAC removed and the checksum recomputed over what is left.
        let mut b = two[..mac_at(&two)].to_vec();
        b.extend_from_slice(&[0; 32]);
        let b = rechecksum(b);
        bad(
            "mac_missing_checksum_recomputed",
            "bad length",
            "a two-slot header without its MAC but with a checksum over the rest",
            b,
        );
    }

    // --- Length.
    let mut appended = one.clone();
    appended.push(0);
    bad("appended_zero_byte", "bad length", "one zero byte after a valid header", appended);
    let mut appended = two.clone();
    appended.extend_from_slice(b"\n");
    bad("appended_newline", "bad length", "a newline after a valid header (an editor saved it)", appended);
    {
        let mut b = two.clone();
        b.extend_from_slice(&two[PREFIX_LEN..PREFIX_LEN + SLOT_LEN]);
        bad(
            "appended_slot_count_unchanged",
            "bad length",
            "a copy of a slot appended after the checksum; the slot count still says 2",
            b,
        );
    }
    bad("slot_count_raised", "bad length", "the slot count says 3 in a two-slot header", put(two.clone(), COUNT, &[3]));
    bad(
        "slot_count_lowered",
        "bad length",
        "the slot count says 1 in a two-slot header",
        put(two.clone(), COUNT, &[1]),
    );
    bad(
        "slot_count_zero_with_one_slot",
        "bad length",
        "the slot count says 0 in a one-slot header",
        put(one.clone(), COUNT, &[0]),
    );
    {
        // A zero-slot header of exactly the length its count implies: prefix, MAC, checksum.
        let mut b = one[..PREFIX_LEN].to_vec();
        b[COUNT] = 0;
        b.extend_from_slice(&one[mac_at(&one)..]);
        let b = rechecksum(b);
        bad(
            "slot_count_zero_consistent_length",
            "truncated",
            "zero slots, with a length and checksum that match: shorter than any valid header, so truncated",
            b,
        );
    }

    // --- Magic and version (checked before the checksum).
    bad(
        "bad_magic_sqlite_database",
        "bad magic",
        "the first bytes of an SQLite database (the .db file picked by mistake)",
        b"SQLite format 3\0".to_vec(),
    );
    bad(
        "bad_magic_flipped_first_byte",
        "bad magic",
        "a valid header with its first magic byte flipped",
        flip(one.clone(), MAGIC),
    );
    bad(
        "bad_magic_flipped_last_byte",
        "bad magic",
        "a valid header with the last magic byte flipped",
        flip(one.clone(), MAGIC + 7),
    );
    bad("bad_magic_lower_case", "bad magic", "`casebook` in lower case", put(one.clone(), MAGIC, b"casebook"));
    bad(
        "bad_magic_short_file",
        "bad magic",
        "9 bytes that are not the magic: refused as not a header, not as truncated",
        b"CASEBOOX\x00".to_vec(),
    );
    bad(
        "version_2_too_new",
        "too new",
        "format version 2, checksum not recomputed: the version is read before the checksum",
        put(one.clone(), VERSION, &[0, 2]),
    );
    bad(
        "version_ffff_too_new",
        "too new",
        "format version 65535",
        rechecksum(put(one.clone(), VERSION, &[0xff, 0xff])),
    );
    bad("version_0_does_not_exist", "bad version", "format version 0", rechecksum(put(one.clone(), VERSION, &[0, 0])));
    bad(
        "version_256_too_new",
        "too new",
        "format version 256: the version is big-endian",
        put(one.clone(), VERSION, &[1, 0]),
    );

    // --- A flipped byte in each region, checksum not recomputed.
    for (name, at, what) in [
        ("checksum_vault_id_flipped", VAULT_ID + 3, "vault id"),
        ("checksum_page_size_flipped", PAGE_SIZE + 2, "page size"),
        ("checksum_hmac_flipped", HMAC, "page HMAC"),
        ("checksum_slot_kind_flipped", slot(0, S_KIND), "slot kind"),
        ("checksum_slot_id_flipped", slot(0, S_ID + 5), "slot id"),
        ("checksum_kdf_id_flipped", slot(0, S_KDF), "KDF id"),
        ("checksum_kdf_params_flipped", slot(0, S_T + 3), "KDF passes"),
        ("checksum_salt_flipped", slot(0, S_SALT + 8), "salt"),
        ("checksum_nonce_flipped", slot(0, S_NONCE + 12), "nonce"),
        ("checksum_wrapped_key_flipped", slot(0, S_WRAPPED + 20), "wrapped key"),
        ("checksum_mac_flipped", mac_at(&one) + 1, "header MAC"),
        ("checksum_checksum_flipped", checksum_at(&one) + 31, "checksum itself"),
    ] {
        bad(
            name,
            "bad checksum",
            &format!("one bit of the {what} flipped, checksum not recomputed"),
            flip(one.clone(), at),
        );
    }

    // --- A flipped byte with the checksum recomputed: structurally valid, refused by
    //     the slot's AEAD (wrong key) or by the header MAC (header modified).
    let mut forged = |name, unwrap, comment: &str, bytes: Vec<u8>| {
        v.push(Out {
            name,
            expect: "ok",
            unwrap: Some(unwrap),
            passphrase: Some(PASSPHRASE),
            comment: comment.into(),
            bytes: rechecksum(bytes),
        })
    };
    forged(
        "forged_vault_id",
        "wrong key",
        "vault id changed, checksum recomputed: the slot is bound to the vault id",
        flip(one.clone(), VAULT_ID),
    );
    forged(
        "forged_page_size_8192",
        "wrong key",
        "page size 4096→8192, checksum recomputed: the slot binds the DB settings",
        put(one.clone(), PAGE_SIZE, &8192u32.to_be_bytes()),
    );
    forged(
        "forged_hmac_sha512",
        "wrong key",
        "page HMAC SHA-256→SHA-512, checksum recomputed: the slot binds the DB settings",
        put(one.clone(), HMAC, &[3]),
    );
    forged(
        "forged_slot_id",
        "wrong key",
        "slot id changed, checksum recomputed: the slot binds its own metadata",
        flip(one.clone(), slot(0, S_ID)),
    );
    forged(
        "forged_kdf_passes_2",
        "wrong key",
        "KDF passes 1→2 (still within bounds), checksum recomputed: a different key, and bound metadata",
        put(one.clone(), slot(0, S_T), &2u32.to_be_bytes()),
    );
    forged(
        "forged_kdf_lanes_2",
        "wrong key",
        "KDF lanes 1→2 (still within bounds), checksum recomputed",
        put(one.clone(), slot(0, S_P), &2u32.to_be_bytes()),
    );
    forged("forged_salt", "wrong key", "salt changed, checksum recomputed", flip(one.clone(), slot(0, S_SALT)));
    forged("forged_nonce", "wrong key", "nonce changed, checksum recomputed", flip(one.clone(), slot(0, S_NONCE)));
    forged(
        "forged_wrapped_key",
        "wrong key",
        "a byte of the wrapped key changed, checksum recomputed",
        flip(one.clone(), slot(0, S_WRAPPED)),
    );
    forged(
        "forged_wrapped_key_tag",
        "wrong key",
        "a byte of the Poly1305 tag changed, checksum recomputed",
        flip(one.clone(), slot(0, S_WRAPPED + 47)),
    );
    forged(
        "forged_mac",
        "header modified",
        "header MAC changed, checksum recomputed: the slot opens but the MAC does not match",
        flip(one.clone(), mac_at(&one)),
    );
    forged(
        "forged_other_slot_wrapped_key",
        "header modified",
        "the recovery slot's wrapped key changed: the passphrase slot opens, the MAC catches the other slot",
        flip(two.clone(), slot(1, S_WRAPPED)),
    );
    forged(
        "forged_other_slot_kind_to_passphrase",
        "header modified",
        "the recovery slot relabelled as a passphrase slot: the real passphrase slot opens, the MAC catches the relabel",
        put(two.clone(), slot(1, S_KIND), &[1]),
    );
    forged(
        "forged_other_slot_huge_memory",
        "header modified",
        "the recovery slot asks for 4 TiB: not a candidate for a passphrase, so never derived from, and the MAC catches the edit",
        put(two.clone(), slot(1, S_M), &u32::MAX.to_be_bytes()),
    );
    {
        // A slot copied from another vault that uses the same passphrase.
        let other = build(8, DbCipher::default(), &[(SlotKind::Passphrase, PASSPHRASE.as_bytes(), WEAK)]).encode();
        let mut b = one.clone();
        b[PREFIX_LEN..PREFIX_LEN + SLOT_LEN].copy_from_slice(&other[PREFIX_LEN..PREFIX_LEN + SLOT_LEN]);
        forged(
            "forged_slot_from_other_vault",
            "wrong key",
            "a slot copied from another vault with the same passphrase: bound to the other vault id",
            b,
        );
    }
    {
        // Slots of a two-slot header swapped: each slot still binds only itself.
        let mut b = two.clone();
        let (s0, s1) = (slot(0, 0), slot(1, 0));
        let first = b[s0..s0 + SLOT_LEN].to_vec();
        let second = b[s1..s1 + SLOT_LEN].to_vec();
        b[s0..s0 + SLOT_LEN].copy_from_slice(&second);
        b[s1..s1 + SLOT_LEN].copy_from_slice(&first);
        forged(
            "forged_slots_swapped",
            "header modified",
            "the two slots swapped: the passphrase slot opens, the MAC catches the reordering",
            b,
        );
    }

    // --- Hostile KDF parameters with a correct checksum: refused before any KDF runs.
    for (name, at, value, what) in [
        ("kdf_memory_4_tib", S_M, u32::MAX, "memory 0xFFFFFFFF KiB (4 TiB)"),
        ("kdf_memory_above_ceiling", S_M, 2 * 1024 * 1024 + 1, "memory one KiB above the 2 GiB ceiling"),
        ("kdf_memory_zero", S_M, 0, "memory 0 KiB"),
        ("kdf_memory_below_floor", S_M, 8191, "memory one KiB below the 8 MiB floor"),
        ("kdf_passes_ffffffff", S_T, u32::MAX, "passes 0xFFFFFFFF"),
        ("kdf_passes_zero", S_T, 0, "passes 0"),
        ("kdf_passes_65", S_T, 65, "passes 65, above the ceiling of 64"),
        ("kdf_lanes_zero", S_P, 0, "lanes 0"),
        ("kdf_lanes_ffffffff", S_P, u32::MAX, "lanes 0xFFFFFFFF"),
        ("kdf_lanes_65", S_P, 65, "lanes 65, above the ceiling of 64"),
    ] {
        forged(
            name,
            "kdf params refused",
            &format!("passphrase slot with KDF {what}, checksum recomputed: refused before the KDF runs"),
            put(one.clone(), slot(0, at), &value.to_be_bytes()),
        );
    }
    forged(
        "kdf_second_passphrase_slot_hostile",
        "kdf params refused",
        "two passphrase slots, the second asks for 4 TiB: every candidate is checked before the first KDF runs",
        put(
            build(
                9,
                DbCipher::default(),
                &[(SlotKind::Passphrase, PASSPHRASE.as_bytes(), WEAK), (SlotKind::Passphrase, b"other", WEAK)],
            )
            .encode(),
            slot(1, S_M),
            &u32::MAX.to_be_bytes(),
        ),
    );

    // --- Field values outside their vocabularies, correct checksum: reach the field checks.
    let mut field = |name, expect, comment: &str, bytes: Vec<u8>| {
        v.push(Out { name, expect, unwrap: None, passphrase: None, comment: comment.into(), bytes: rechecksum(bytes) })
    };
    field(
        "field_page_size_3",
        "bad field page_size",
        "page size 3, checksum recomputed",
        put(one.clone(), PAGE_SIZE, &3u32.to_be_bytes()),
    );
    field(
        "field_page_size_0",
        "bad field page_size",
        "page size 0, checksum recomputed",
        put(one.clone(), PAGE_SIZE, &0u32.to_be_bytes()),
    );
    field(
        "field_page_size_512",
        "bad field page_size",
        "page size 512, a power of two below 1024",
        put(one.clone(), PAGE_SIZE, &512u32.to_be_bytes()),
    );
    field(
        "field_page_size_131072",
        "bad field page_size",
        "page size 131072, a power of two above 65536",
        put(one.clone(), PAGE_SIZE, &131072u32.to_be_bytes()),
    );
    field(
        "field_page_size_4097",
        "bad field page_size",
        "page size 4097, in range but not a power of two",
        put(one.clone(), PAGE_SIZE, &4097u32.to_be_bytes()),
    );
    field("field_page_hmac_0", "bad field page_hmac", "page HMAC id 0", put(one.clone(), HMAC, &[0]));
    field("field_page_hmac_9", "bad field page_hmac", "page HMAC id 9", put(one.clone(), HMAC, &[9]));
    field("field_slot_kind_0", "bad field slot_kind", "slot kind 0", put(one.clone(), slot(0, S_KIND), &[0]));
    field("field_slot_kind_3", "bad field slot_kind", "slot kind 3 (unknown)", put(one.clone(), slot(0, S_KIND), &[3]));
    field(
        "field_slot_kind_255_second_slot",
        "bad field slot_kind",
        "the second slot's kind is 255",
        put(two.clone(), slot(1, S_KIND), &[255]),
    );
    field("field_kdf_id_0", "bad field slot_kdf", "KDF id 0", put(one.clone(), slot(0, S_KDF), &[0]));
    field(
        "field_kdf_id_2",
        "bad field slot_kdf",
        "KDF id 2 (unknown; 1 is Argon2id v0x13)",
        put(one.clone(), slot(0, S_KDF), &[2]),
    );
    v.push(Out {
        name: "field_slot_count_9",
        expect: "bad field slot_count",
        unwrap: None,
        passphrase: None,
        comment: "nine slots, one more than the maximum, with a matching length and checksum".into(),
        bytes: with_slot_count(9),
    });
    v.push(Out {
        name: "field_slot_count_255",
        expect: "bad field slot_count",
        unwrap: None,
        passphrase: None,
        comment: "255 slots (30 KB), with a matching length and checksum: refused before any slot is read".into(),
        bytes: with_slot_count(255),
    });
    v
}
