//! The cryptography of the share's files (docs/formats/delta.md sections 1, 3–5, 8): keys from
//! the group key, compression and padding, XChaCha20-Poly1305, Ed25519. Pure: keys, bytes and
//! randomness come in, bytes go out.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::format::{self, Bad, Body, DeltaHeader, InviteHead, InviteSecret, RecordHeader};
use crate::entropy::Entropy;
use crate::error::{Error, Result};
use crate::secret::Passphrase;
use crate::vault::header::KdfParams;

/// The keys of one key epoch, derived from its group key.
#[derive(Clone)]
pub struct GroupKeys {
    pub epoch: u32,
    delta: Zeroizing<[u8; 32]>,
    nonce: Zeroizing<[u8; 32]>,
    record: Zeroizing<[u8; 32]>,
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

impl GroupKeys {
    /// The keys of a roster epoch (docs/formats/roster.md section 3): the same keys, from the
    /// epoch's key with version-2 labels; deltas of a roster group name the epoch by `epoch_id`
    /// and carry `epoch` = 1.
    pub fn of_epoch(epoch_key: &[u8; 32]) -> Self {
        GroupKeys {
            epoch: 1,
            delta: Zeroizing::new(hmac(epoch_key, &[b"casebook/v2/delta-key"])),
            nonce: Zeroizing::new(hmac(epoch_key, &[b"casebook/v2/delta-nonce"])),
            record: Zeroizing::new(hmac(epoch_key, &[b"casebook/v2/record-key"])),
        }
    }

    pub fn derive(epoch: u32, group_key: &[u8; 32]) -> Self {
        GroupKeys {
            epoch,
            delta: Zeroizing::new(hmac(group_key, &[b"casebook/v1/delta-key"])),
            nonce: Zeroizing::new(hmac(group_key, &[b"casebook/v1/delta-nonce"])),
            record: Zeroizing::new(hmac(group_key, &[b"casebook/v1/record-key"])),
        }
    }
}

/// SHA-256 of a whole file (a delta's hash in the chain).
pub fn hash(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn aead(key: &[u8; 32]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new_from_slice(key).expect("32-byte key")
}

fn verify(key: &[u8; 32], signed: &[u8], signature: &[u8; 64]) -> Result<(), Bad> {
    let vk = VerifyingKey::from_bytes(key).map_err(|_| Bad::new("the signing key is not a valid Ed25519 key"))?;
    // Strict: no small-order keys and only canonical encodings, so one signed message has one
    // accepted signature and no key of a hostile member can "sign" everything.
    vk.verify_strict(signed, &Signature::from_bytes(signature))
        .map_err(|_| Bad::new("the signature does not verify: the file was changed or not made by that device"))
}

/// Raw DEFLATE at level 6.
pub fn compress(body: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec(body, 6)
}

fn decompress(data: &[u8]) -> Result<Vec<u8>, Bad> {
    miniz_oxide::inflate::decompress_to_vec_with_limit(data, format::MAX_BODY).map_err(|e| match e.status {
        miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
            Bad::new(format!("the body expands beyond {} MiB", format::MAX_BODY >> 20))
        }
        _ => Bad::new("the compressed body is damaged"),
    })
}

/// Builds a delta file. Deterministic: the same inputs give the same bytes (the nonce is
/// derived from the header and the plaintext; Ed25519 signatures are deterministic).
/// Seals a delta of `header.version` (its `group`, `epoch`, `device`, `seq`, `prev` and, in
/// version 2, `epoch_id`, `roster_head`, `rules` and `min_reader` set; the nonce and body hash
/// are derived here). Deterministic: the same header and body give the same bytes.
pub fn seal_delta(keys: &GroupKeys, signing: &SigningKey, header: &DeltaHeader, body: &Body) -> Vec<u8> {
    let padded = Zeroizing::new(format::pad(&compress(&format::encode_body(body, header.version))));
    let mut header = header.clone();
    header.epoch = keys.epoch;
    if header.version >= format::DELTA_V2 {
        // Raised to what the changes need (derived from them, so a delta rebuilt later has the
        // same header); a writer may ask for more, never for less.
        header.min_reader = header.min_reader.max(format::min_reader_for(&body.changes));
    }
    let ident = format::encode_delta_ident(&header);
    header.nonce.copy_from_slice(&hmac(&keys.nonce[..], &[&ident, &padded])[..24]);
    let sealed_len = padded.len() + format::TAG;
    let mut out = format::encode_delta_head(&header, sealed_len);
    let sealed = aead(&keys.delta)
        .encrypt(&XNonce::from(header.nonce), Payload { msg: &padded, aad: &out })
        .expect("XChaCha20-Poly1305 encrypts any length we produce");
    if header.version >= format::DELTA_V2 {
        // The signed header holds the body's hash, so header and signature are a receipt.
        out.extend_from_slice(&hash(&sealed));
        let signature = signing.sign(&out);
        out.extend_from_slice(&signature.to_bytes());
        out.extend_from_slice(&sealed);
    } else {
        out.extend_from_slice(&sealed);
        let signature = signing.sign(&out);
        out.extend_from_slice(&signature.to_bytes());
    }
    out
}

/// A delta's id (SHA-256 of the whole file in version 1, of the signed header in version 2),
/// or the file's hash when it is not a delta at all.
pub fn delta_id(bytes: &[u8]) -> [u8; 32] {
    format::decode_delta(bytes).map(|p| p.id).unwrap_or_else(|_| hash(bytes))
}

/// Verifies a receipt (a version-2 delta's first 260 bytes) against the author's key: the
/// author signed this header, and so the body whose hash it holds. Gives the header and id.
pub fn verify_receipt(pinned: &[u8; 32], receipt: &[u8]) -> Result<(DeltaHeader, [u8; 32]), Bad> {
    if receipt.len() != format::RECEIPT_LEN {
        return Err(Bad::new(format!("a receipt has {} bytes, this one {}", format::RECEIPT_LEN, receipt.len())));
    }
    // A receipt is a delta without its body: decode it as one whose body is all zeros.
    let sealed_len = u32::from_be_bytes(receipt[160..164].try_into().expect("4 bytes")) as usize;
    if !(format::MIN_PADDED + format::TAG..=format::MAX_SEALED).contains(&sealed_len) {
        return Err(Bad::new("the receipt announces a body of impossible length"));
    }
    let mut whole = receipt.to_vec();
    whole.resize(format::RECEIPT_LEN + sealed_len, 0);
    let parts = format::decode_delta(&whole)?;
    if parts.header.version < format::DELTA_V2 {
        return Err(Bad::new("only version-2 deltas have receipts"));
    }
    verify(pinned, parts.signed, &parts.signature)?;
    Ok((parts.header, parts.id))
}

/// Checks a delta's structure and that `pinned` signed it (in version 2, also that the body is
/// the one the signed header names), without opening the body.
pub fn verify_delta<'a>(pinned: &[u8; 32], bytes: &'a [u8]) -> Result<format::DeltaParts<'a>, Bad> {
    let parts = format::decode_delta(bytes)?;
    verify(pinned, parts.signed, &parts.signature)?;
    if parts.header.version >= format::DELTA_V2 && hash(parts.sealed_body) != parts.header.body_hash {
        return Err(Bad::new("the body is not the one the signed header names (changed or swapped)"));
    }
    Ok(parts)
}

/// What a valid fork proof proves: `author` signed two versions of delta `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fork {
    pub author: [u8; 16],
    pub seq: u64,
    pub ids: [[u8; 32]; 2],
}

/// Checks a fork proof: two receipts, each signed by their author's pinned key (`pinned`),
/// of one author, group and sequence number, with two different ids. Nobody but the author
/// can make one, whoever writes the file.
pub fn verify_fork_proof(pinned: impl Fn(&[u8; 16]) -> Option<[u8; 32]>, bytes: &[u8]) -> Result<Fork, Bad> {
    let (a, b) = format::decode_fork_proof(bytes)?;
    let author: [u8; 16] = a[76..92].try_into().expect("16 bytes");
    let key = pinned(&author).ok_or_else(|| Bad::new("the proof is about a device whose key is not known here"))?;
    let (ha, ida) = verify_receipt(&key, a)?;
    let (hb, idb) = verify_receipt(&key, b)?;
    if (ha.group, ha.device, ha.seq) != (hb.group, hb.device, hb.seq) {
        return Err(Bad::new("the two receipts are not of the same delta of the same device"));
    }
    if ida >= idb {
        return Err(Bad::new("the two receipts are the same version (or out of order): no fork"));
    }
    Ok(Fork { author, seq: ha.seq, ids: [ida, idb] })
}

pub fn open_delta(keys: &GroupKeys, pinned: &[u8; 32], bytes: &[u8]) -> Result<(DeltaHeader, Body), Bad> {
    let parts = verify_delta(pinned, bytes)?;
    let body = open_body(keys, &parts)?;
    Ok((parts.header, body))
}

/// The body of a delta that [`verify_delta`] accepted: decrypted, unpadded, decompressed
/// (bounded) and decoded.
pub fn open_body(keys: &GroupKeys, parts: &format::DeltaParts<'_>) -> Result<Body, Bad> {
    if parts.header.epoch != keys.epoch {
        return Err(Bad::new(format!("key epoch {} is not the group's {}", parts.header.epoch, keys.epoch)));
    }
    let padded = Zeroizing::new(
        aead(&keys.delta)
            .decrypt(&XNonce::from(parts.header.nonce), Payload { msg: parts.sealed_body, aad: parts.aad })
            .map_err(|_| Bad::new("the body does not decrypt under the group key"))?,
    );
    let compressed = format::unpad(&padded)?;
    let body = Zeroizing::new(decompress(compressed)?);
    format::decode_body(&body, &parts.header.device, parts.header.version)
}

pub fn seal_record(
    keys: &GroupKeys,
    signing: &SigningKey,
    group: &[u8; 16],
    device: &[u8; 16],
    issued_ms: u64,
    label: &str,
    entropy: &mut dyn Entropy,
) -> Vec<u8> {
    seal_record_reading(keys, signing, group, device, issued_ms, label, format::READER, entropy)
}

/// A device record that says its device reads delta versions up to `reads` (1: a version-1
/// record, as an older Casebook writes it; tests of mixed groups).
#[allow(clippy::too_many_arguments)]
pub fn seal_record_reading(
    keys: &GroupKeys,
    signing: &SigningKey,
    group: &[u8; 16],
    device: &[u8; 16],
    issued_ms: u64,
    label: &str,
    reads: u16,
    entropy: &mut dyn Entropy,
) -> Vec<u8> {
    let mut nonce = [0u8; 24];
    entropy.fill(&mut nonce);
    let label = truncate_label(label);
    let header = RecordHeader {
        group: *group,
        epoch: keys.epoch,
        device: *device,
        signing_key: signing.verifying_key().to_bytes(),
        issued_ms,
        reads,
        nonce,
    };
    let mut out = format::encode_record_head(&header, label.len() + format::TAG);
    let sealed = aead(&keys.record)
        .encrypt(&XNonce::from(nonce), Payload { msg: label.as_bytes(), aad: &out })
        .expect("encrypts a short label");
    out.extend_from_slice(&sealed);
    let signature = signing.sign(&out);
    out.extend_from_slice(&signature.to_bytes());
    out
}

fn truncate_label(label: &str) -> &str {
    let mut end = label.len().min(format::MAX_LABEL);
    while !label.is_char_boundary(end) {
        end -= 1;
    }
    &label[..end]
}

/// Opens a device record: the label must open under the record key (only group members can
/// make one) and the signature must verify under the key the record carries.
pub fn open_record(keys: &GroupKeys, bytes: &[u8]) -> Result<(RecordHeader, String), Bad> {
    let parts = format::decode_record(bytes)?;
    if parts.header.epoch != keys.epoch {
        return Err(Bad::new(format!("key epoch {} is not the group's {}", parts.header.epoch, keys.epoch)));
    }
    let label = aead(&keys.record)
        .decrypt(&XNonce::from(parts.header.nonce), Payload { msg: parts.sealed_label, aad: parts.aad })
        .map_err(|_| Bad::new("the record does not open under the group key (not made by a group member)"))?;
    verify(&parts.header.signing_key, parts.signed, &parts.signature)?;
    let label = String::from_utf8(label).map_err(|_| Bad::new("the device label is not valid UTF-8"))?;
    if label.chars().any(|c| c.is_control()) {
        return Err(Bad::new("the device label holds control characters"));
    }
    Ok((parts.header, label))
}

pub(crate) fn invite_key(passphrase: &Passphrase, head: &InviteHead) -> Result<Zeroizing<[u8; 32]>> {
    let kdf = KdfParams { m_kib: head.m_kib, t: head.t, p: head.p };
    kdf.check()?;
    let params = argon2::Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32))
        .map_err(|_| Error::KdfParams { reason: "Argon2 refused the parameters".into() })?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.expose(), &head.salt, &mut key[..])
        .map_err(|_| Error::Crypto("Argon2id failed"))?;
    Ok(key)
}

/// Seals an invite under a one-time passphrase; returns the 192 bytes.
pub fn seal_invite(
    secret: &InviteSecret,
    passphrase: &Passphrase,
    kdf: KdfParams,
    entropy: &mut dyn Entropy,
) -> Result<Vec<u8>> {
    let mut head = InviteHead { m_kib: kdf.m_kib, t: kdf.t, p: kdf.p, salt: [0; 16], nonce: [0; 24] };
    entropy.fill(&mut head.salt);
    entropy.fill(&mut head.nonce);
    let key = invite_key(passphrase, &head)?;
    let mut out = format::encode_invite_head(&head);
    let plain = format::encode_invite_secret(secret);
    let sealed = aead(&key)
        .encrypt(&XNonce::from(head.nonce), Payload { msg: &plain, aad: &out })
        .map_err(|_| Error::Crypto("sealing the invite failed"))?;
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Opens an invite: structure and KDF bounds are checked before the KDF runs; a wrong
/// passphrase (or a changed invite) is [`Error::WrongKey`].
pub fn open_invite(bytes: &[u8], passphrase: &Passphrase) -> Result<InviteSecret> {
    let (head, sealed) = format::decode_invite(bytes).map_err(|b| Error::invalid("invite", &b.0))?;
    let key = invite_key(passphrase, &head)?;
    let plain = Zeroizing::new(
        aead(&key)
            .decrypt(&XNonce::from(head.nonce), Payload { msg: sealed, aad: &bytes[..format::INVITE_AAD] })
            .map_err(|_| Error::WrongKey)?,
    );
    format::decode_invite_secret(&plain).map_err(|b| Error::invalid("invite", &b.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::SeededEntropy;
    use crate::model::Value;
    use format::{WireChange, WireClock};

    fn body() -> Body {
        Body {
            created_ms: 1,
            deps: vec![],
            devices: vec![[2; 16]],
            changes: vec![WireChange {
                table: 1,
                record: [3; 16],
                field: 1,
                hlc: 10,
                prev: Some(WireClock { hlc: 5, device: 0 }),
                supersedes: vec![],
                value: Value::Text("canary".into()),
            }],
        }
    }

    fn header(version: u8) -> DeltaHeader {
        DeltaHeader::new(version, [1; 16], 1, [2; 16], 1, [0; 32])
    }

    #[test]
    fn delta_is_deterministic_and_opens_only_with_the_right_keys() {
        let keys = GroupKeys::derive(1, &[7; 32]);
        let sk = SigningKey::from_bytes(&[8; 32]);
        for version in [format::DELTA_V1, format::DELTA_V2] {
            let a = seal_delta(&keys, &sk, &header(version), &body());
            let b = seal_delta(&keys, &sk, &header(version), &body());
            assert_eq!(a, b);
            let pk = sk.verifying_key().to_bytes();
            let (h, got) = open_delta(&keys, &pk, &a).unwrap();
            assert_eq!((h.version, h.seq, got), (version, 1, body()));
            let other = SigningKey::from_bytes(&[9; 32]).verifying_key().to_bytes();
            assert!(open_delta(&keys, &other, &a).unwrap_err().0.contains("signature"));
            let wrong_group = GroupKeys::derive(1, &[6; 32]);
            assert!(open_delta(&wrong_group, &pk, &a).unwrap_err().0.contains("decrypt"));
            assert!(!a.windows(6).any(|w| w == b"canary"));
            // Any flipped byte of the file is refused.
            for i in (0..a.len()).step_by(7) {
                let mut bad = a.clone();
                bad[i] ^= 0x20;
                assert!(open_delta(&keys, &pk, &bad).is_err(), "byte {i} of version {version}");
            }
        }
    }

    /// The identity point as a public key and the signature (R = identity, S = 0) pass a
    /// non-strict check for every message: a member publishing that key could "sign" anything.
    #[test]
    fn a_small_order_key_signs_nothing() {
        let mut weak = [0u8; 32];
        weak[0] = 1;
        let mut sig = [0u8; 64];
        sig[0] = 1;
        use ed25519_dalek::Verifier;
        let lax = VerifyingKey::from_bytes(&weak).unwrap().verify(b"any delta", &Signature::from_bytes(&sig));
        assert!(lax.is_ok(), "the non-strict check accepts it");
        assert!(verify(&weak, b"any delta", &sig).is_err());
    }

    #[test]
    fn a_v2_receipt_proves_its_version_and_a_swapped_body_is_refused() {
        let keys = GroupKeys::derive(1, &[7; 32]);
        let sk = SigningKey::from_bytes(&[8; 32]);
        let pk = sk.verifying_key().to_bytes();
        let a = seal_delta(&keys, &sk, &header(format::DELTA_V2), &body());
        let mut other_body = body();
        other_body.changes[0].value = Value::Text("another".into());
        let b = seal_delta(&keys, &sk, &header(format::DELTA_V2), &other_body);
        let (ha, ida) = verify_receipt(&pk, &a[..format::RECEIPT_LEN]).unwrap();
        let (_, idb) = verify_receipt(&pk, &b[..format::RECEIPT_LEN]).unwrap();
        assert_eq!((ha.seq, ida), (1, delta_id(&a)));
        assert_ne!(ida, idb, "two versions of one seq have two ids");
        let other = SigningKey::from_bytes(&[9; 32]).verifying_key().to_bytes();
        assert!(verify_receipt(&other, &a[..format::RECEIPT_LEN]).is_err());
        assert!(verify_receipt(&pk, &a[..format::RECEIPT_LEN - 1]).is_err());
        // a's signed header with b's body: the signature holds, the body hash does not.
        let mut swapped = a[..format::RECEIPT_LEN].to_vec();
        swapped.extend_from_slice(&b[format::RECEIPT_LEN..]);
        if swapped.len() == a.len() {
            assert!(open_delta(&keys, &pk, &swapped).unwrap_err().0.contains("not the one the signed header names"));
        }
        let v1 = seal_delta(&keys, &sk, &header(format::DELTA_V1), &body());
        assert!(verify_receipt(&pk, &v1[..format::RECEIPT_LEN]).is_err());
        // Two receipts of one seq are a fork proof; nothing else is.
        let (ra, rb) = (&a[..format::RECEIPT_LEN], &b[..format::RECEIPT_LEN]);
        let pinned = |d: &[u8; 16]| (*d == [2; 16]).then_some(pk);
        let proof = format::encode_fork_proof(ra, rb);
        assert_eq!(proof, format::encode_fork_proof(rb, ra), "one proof, whoever writes it");
        let fork = verify_fork_proof(pinned, &proof).unwrap();
        assert_eq!((fork.author, fork.seq), ([2; 16], 1));
        assert!(verify_fork_proof(pinned, &format::encode_fork_proof(ra, ra)).unwrap_err().0.contains("same version"));
        let mut h2 = header(format::DELTA_V2);
        h2.seq = 2;
        h2.prev = [1; 32];
        let c = seal_delta(&keys, &sk, &h2, &body());
        assert!(verify_fork_proof(pinned, &format::encode_fork_proof(ra, &c[..format::RECEIPT_LEN]))
            .unwrap_err()
            .0
            .contains("not of the same delta"));
        assert!(verify_fork_proof(|_: &[u8; 16]| None, &proof).unwrap_err().0.contains("not known"));
        assert!(verify_fork_proof(|_: &[u8; 16]| Some(other), &proof).is_err());
        for i in (0..proof.len()).step_by(5) {
            let mut bad = proof.clone();
            bad[i] ^= 0x10;
            assert!(verify_fork_proof(pinned, &bad).is_err(), "byte {i}");
        }
        assert!(verify_fork_proof(pinned, &proof[..proof.len() - 1]).is_err());
    }

    #[test]
    fn record_and_invite_round_trip() {
        let keys = GroupKeys::derive(1, &[7; 32]);
        let sk = SigningKey::from_bytes(&[8; 32]);
        let mut e = SeededEntropy::new(1);
        let rec = seal_record(&keys, &sk, &[1; 16], &[2; 16], 5, "Анна, ноутбук", &mut e);
        let (h, label) = open_record(&keys, &rec).unwrap();
        assert_eq!((h.device, label.as_str()), ([2; 16], "Анна, ноутбук"));
        assert!(open_record(&GroupKeys::derive(1, &[6; 32]), &rec).is_err());

        let secret = InviteSecret {
            group: [1; 16],
            epoch: 1,
            group_key: [7; 32],
            inviter: [2; 16],
            inviter_key: [3; 32],
            created_ms: 1,
            expires_ms: 2,
        };
        let pass = Passphrase::new("tobako-rimesu".into()).unwrap();
        let weak = KdfParams { m_kib: 8192, t: 1, p: 1 };
        let inv = seal_invite(&secret, &pass, weak, &mut e).unwrap();
        assert_eq!(inv.len(), format::INVITE_LEN);
        assert!(open_invite(&inv, &pass).unwrap() == secret);
        let wrong = Passphrase::new("wrong".into()).unwrap();
        assert!(matches!(open_invite(&inv, &wrong), Err(Error::WrongKey)));
    }
}
