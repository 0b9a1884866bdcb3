//! The cryptography of the share's files (docs/formats/delta.md sections 1, 3–5, 8): keys from
//! the group key, compression and padding, XChaCha20-Poly1305, Ed25519. Pure: keys, bytes and
//! randomness come in, bytes go out.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::format::{self, Bad, Body, DeltaHeader, InviteHead, InviteSecret, RecordHeader};
use crate::entropy::Entropy;
use crate::error::{Error, Result};
use crate::secret::Passphrase;
use crate::vault::header::KdfParams;

/// The keys of one key epoch, derived from its group key.
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
    vk.verify(signed, &Signature::from_bytes(signature))
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
pub fn seal_delta(
    keys: &GroupKeys,
    signing: &SigningKey,
    group: &[u8; 16],
    device: &[u8; 16],
    seq: u64,
    prev_hash: &[u8; 32],
    body: &Body,
) -> Vec<u8> {
    let padded = Zeroizing::new(format::pad(&compress(&format::encode_body(body))));
    let mut header =
        DeltaHeader { group: *group, epoch: keys.epoch, device: *device, seq, prev_hash: *prev_hash, nonce: [0; 24] };
    let ident = format::encode_delta_ident(&header);
    header.nonce.copy_from_slice(&hmac(&keys.nonce[..], &[&ident, &padded])[..24]);
    let sealed_len = padded.len() + format::TAG;
    let mut out = format::encode_delta_head(&header, sealed_len);
    let sealed = aead(&keys.delta)
        .encrypt(&XNonce::from(header.nonce), Payload { msg: &padded, aad: &out })
        .expect("XChaCha20-Poly1305 encrypts any length we produce");
    out.extend_from_slice(&sealed);
    let signature = signing.sign(&out);
    out.extend_from_slice(&signature.to_bytes());
    out
}

/// Verifies a delta's signature against `pinned` (the author's key), then decrypts and decodes
/// it. Nothing of the body is looked at before the signature verifies.
pub fn open_delta(keys: &GroupKeys, pinned: &[u8; 32], bytes: &[u8]) -> Result<(DeltaHeader, Body), Bad> {
    let parts = format::decode_delta(bytes)?;
    verify(pinned, parts.signed, &parts.signature)?;
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
    let decoded = format::decode_body(&body, &parts.header.device)?;
    Ok((parts.header, decoded))
}

/// Builds a device record: the label sealed under the record key, signed by the device.
pub fn seal_record(
    keys: &GroupKeys,
    signing: &SigningKey,
    group: &[u8; 16],
    device: &[u8; 16],
    issued_ms: u64,
    label: &str,
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

fn invite_key(passphrase: &Passphrase, head: &InviteHead) -> Result<Zeroizing<[u8; 32]>> {
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

    #[test]
    fn delta_is_deterministic_and_opens_only_with_the_right_keys() {
        let keys = GroupKeys::derive(1, &[7; 32]);
        let sk = SigningKey::from_bytes(&[8; 32]);
        let a = seal_delta(&keys, &sk, &[1; 16], &[2; 16], 1, &[0; 32], &body());
        let b = seal_delta(&keys, &sk, &[1; 16], &[2; 16], 1, &[0; 32], &body());
        assert_eq!(a, b);
        let pk = sk.verifying_key().to_bytes();
        let (h, got) = open_delta(&keys, &pk, &a).unwrap();
        assert_eq!((h.seq, got), (1, body()));
        let other = SigningKey::from_bytes(&[9; 32]).verifying_key().to_bytes();
        assert!(open_delta(&keys, &other, &a).unwrap_err().0.contains("signature"));
        let wrong_group = GroupKeys::derive(1, &[6; 32]);
        assert!(open_delta(&wrong_group, &pk, &a).unwrap_err().0.contains("decrypt"));
        assert!(!a.windows(6).any(|w| w == b"canary"));
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
