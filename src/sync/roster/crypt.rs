//! The roster's cryptography (docs/formats/roster.md sections 1, 3): ids from hashes, key checks,
//! the roster key, sealed fields, signatures, key boxes (age X25519), key commitments and the
//! previous-key chain. Pure but for age's own randomness inside a box.

use std::io::{Read, Write};
use std::str::FromStr;

use bech32::{ToBase32, Variant};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::entry::{DeviceId, EntryId, EpochId, KeyBox, PrevKey, MAX_BOX};
use crate::sync::format::Bad;

/// An epoch's key (32 random bytes); every other key of the epoch derives from it.
#[derive(Clone)]
pub struct EpochKey(Zeroizing<[u8; 32]>);

impl EpochKey {
    pub fn from_bytes(b: [u8; 32]) -> Self {
        EpochKey(Zeroizing::new(b))
    }
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
    /// The key of the sealed fields of entries written under this epoch.
    pub fn roster_key(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(hmac(&self.0[..], &[b"casebook/v2/roster-key"]))
    }
}

impl std::fmt::Debug for EpochKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EpochKey(…)")
    }
}

pub(crate) fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// An entry's id: the hash of all its bytes.
pub fn entry_id(bytes: &[u8]) -> EntryId {
    sha256(&[bytes])
}

/// The group's id: the first 16 bytes of the genesis entry's id.
pub fn group_of(genesis: &EntryId) -> [u8; 16] {
    genesis[..16].try_into().expect("16 bytes")
}

/// The epoch an epoch-making entry names: the first 16 bytes of its id.
pub fn epoch_of(id: &EntryId) -> EpochId {
    id[..16].try_into().expect("16 bytes")
}

/// A device's id in a group, bound to the group and to its signing key (F15): never chosen.
pub fn device_id(group: &[u8; 16], sign_key: &[u8; 32]) -> DeviceId {
    sha256(&[b"casebook/v2/device", group, sign_key])[..16].try_into().expect("16 bytes")
}

/// An Ed25519 public key that is canonically encoded and not of small order (F10).
pub fn check_sign_key(key: &[u8; 32]) -> Result<VerifyingKey, Bad> {
    let vk = VerifyingKey::from_bytes(key).map_err(|_| Bad::new("not an Ed25519 public key"))?;
    if vk.is_weak() {
        return Err(Bad::new("a weak Ed25519 key (small order): refused"));
    }
    if vk.to_edwards().compress().to_bytes() != *key {
        return Err(Bad::new("an Ed25519 key in a non-canonical encoding: refused"));
    }
    Ok(vk)
}

/// An X25519 public key that is canonically encoded and not of small order: with such a key
/// every shared secret is zero, so a box to it would be readable by anybody (F10).
pub fn check_box_key(key: &[u8; 32]) -> Result<(), Bad> {
    if key[31] & 0x80 != 0 || is_at_least_p(key) {
        return Err(Bad::new("an X25519 key in a non-canonical encoding: refused"));
    }
    let probe = x25519_dalek::StaticSecret::from([0x5a; 32]);
    if !probe.diffie_hellman(&x25519_dalek::PublicKey::from(*key)).was_contributory() {
        return Err(Bad::new("an X25519 key of small order (every shared secret would be zero): refused"));
    }
    Ok(())
}

/// Whether a little-endian 255-bit number is at least 2^255 − 19.
fn is_at_least_p(key: &[u8; 32]) -> bool {
    key[0] >= 0xed && key[1..31].iter().all(|&b| b == 0xff) && key[31] == 0x7f
}

pub fn sign(key: &SigningKey, unsigned: &[u8]) -> [u8; 64] {
    key.sign(unsigned).to_bytes()
}

/// Checks `signature` over `signed` with `verify_strict` (one accepted signature per message).
pub fn verify(key: &[u8; 32], signed: &[u8], signature: &[u8; 64]) -> Result<(), Bad> {
    let vk = check_sign_key(key)?;
    vk.verify_strict(signed, &Signature::from_bytes(signature))
        .map_err(|_| Bad::new("the signature does not verify: changed, or not made by that device"))
}

fn aead(key: &[u8; 32]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new_from_slice(key).expect("32-byte key")
}

/// Seals an entry's sealed fields: nonce ‖ XChaCha20-Poly1305(roster key, aad, plain).
pub fn seal_fields(epoch: &EpochKey, aad: &[u8], plain: &[u8], nonce: [u8; 24]) -> Vec<u8> {
    let ct = aead(&epoch.roster_key())
        .encrypt(&XNonce::from(nonce), Payload { msg: plain, aad })
        .expect("XChaCha20-Poly1305 seals any length below 2^38");
    [&nonce[..], &ct].concat()
}

pub fn open_fields(epoch: &EpochKey, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, Bad> {
    let (nonce, ct) = sealed.split_at(24);
    let nonce: [u8; 24] = nonce.try_into().expect("24 bytes");
    aead(&epoch.roster_key())
        .decrypt(&XNonce::from(nonce), Payload { msg: ct, aad })
        .map(Zeroizing::new)
        .map_err(|_| Bad::new("the sealed fields do not open under their epoch's key: changed, or a false epoch"))
}

/// The key commitment of a rotation (section 3.1): every recipient checks its box against it.
pub fn commitment(key: &EpochKey, group: &[u8; 16], author: &DeviceId, seq: u32) -> [u8; 32] {
    hmac(&key.0[..], &[b"casebook/v2/epoch-commit", group, author, &seq.to_be_bytes()])
}

/// The genesis's key commitment (the genesis has no group id yet: its nonce stands in).
pub fn genesis_commitment(key: &EpochKey, nonce: &[u8; 16]) -> [u8; 32] {
    hmac(&key.0[..], &[b"casebook/v2/epoch-commit", nonce])
}

fn prev_aad(group: &[u8; 16], prev: &EpochId) -> Vec<u8> {
    [&b"casebook/v2/epoch-prev"[..], group, prev].concat()
}

/// A previous epoch's key under the new one, so a later member walks back to the genesis.
pub fn seal_prev(new: &EpochKey, group: &[u8; 16], prev_epoch: EpochId, prev: &EpochKey, nonce: [u8; 24]) -> PrevKey {
    let ct = aead(&new.0)
        .encrypt(&XNonce::from(nonce), Payload { msg: &prev.0[..], aad: &prev_aad(group, &prev_epoch) })
        .expect("32 bytes seal");
    PrevKey { epoch: prev_epoch, nonce, sealed: ct.try_into().expect("32 + 16 bytes") }
}

pub fn open_prev(new: &EpochKey, group: &[u8; 16], p: &PrevKey) -> Result<EpochKey, Bad> {
    let plain = Zeroizing::new(
        aead(&new.0)
            .decrypt(&XNonce::from(p.nonce), Payload { msg: &p.sealed, aad: &prev_aad(group, &p.epoch) })
            .map_err(|_| Bad::new("a previous epoch's key does not open under the new one"))?,
    );
    Ok(EpochKey::from_bytes(plain[..].try_into().expect("32 bytes")))
}

/// A device's X25519 key for the boxes it receives.
pub struct BoxSecret(Zeroizing<[u8; 32]>);

impl BoxSecret {
    pub fn from_bytes(b: [u8; 32]) -> Self {
        BoxSecret(Zeroizing::new(b))
    }
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
    pub fn public(&self) -> [u8; 32] {
        x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(*self.0)).to_bytes()
    }
    fn identity(&self) -> age::x25519::Identity {
        let text = Zeroizing::new(
            bech32::encode("age-secret-key-", self.0.to_base32(), Variant::Bech32)
                .expect("a fixed, valid prefix")
                .to_uppercase(),
        );
        age::x25519::Identity::from_str(&text).expect("32 bytes make an age identity")
    }
}

/// An age recipient for a raw X25519 key (check it with [`check_box_key`] first).
pub fn age_recipient(key: &[u8; 32]) -> age::x25519::Recipient {
    recipient(key)
}

/// An age file of `plain` to one recipient.
pub fn age_seal(r: &age::x25519::Recipient, plain: &[u8]) -> Result<Vec<u8>, Bad> {
    let enc = age::Encryptor::with_recipients(std::iter::once(r as &dyn age::Recipient))
        .map_err(|_| Bad::new("age refused the recipient"))?;
    let mut out = Vec::with_capacity(plain.len() + 600);
    let mut w = enc.wrap_output(&mut out).map_err(|_| Bad::new("age could not seal"))?;
    w.write_all(plain).and_then(|_| w.finish()).map_err(|_| Bad::new("age could not seal"))?;
    Ok(out)
}

/// Opens an age file with a device's X25519 key, reading at most `max` bytes of plaintext.
pub fn age_open(secret: &BoxSecret, bytes: &[u8], max: usize) -> Result<Zeroizing<Vec<u8>>, Bad> {
    let d = age::Decryptor::new_buffered(bytes).map_err(|_| Bad::new("not an age file"))?;
    let id = secret.identity();
    let reader = d
        .decrypt(std::iter::once(&id as &dyn age::Identity))
        .map_err(|_| Bad::new("it does not open with this device's key"))?;
    let mut plain = Zeroizing::new(Vec::new());
    reader.take(max as u64 + 1).read_to_end(&mut plain).map_err(|_| Bad::new("damaged (age authentication failed)"))?;
    if plain.len() > max {
        return Err(Bad::new(format!("it holds more than {max} bytes")));
    }
    Ok(plain)
}

fn recipient(key: &[u8; 32]) -> age::x25519::Recipient {
    let text = bech32::encode("age", key.to_base32(), Variant::Bech32).expect("a fixed, valid prefix");
    age::x25519::Recipient::from_str(&text).expect("32 bytes make an age recipient")
}

/// What a box's plaintext binds a key to (section 3.2).
pub struct BoxContext<'a> {
    pub group: &'a [u8; 16],
    pub author: &'a DeviceId,
    pub seq: u32,
    pub recipient: &'a DeviceId,
    pub recipient_key: &'a [u8; 32],
}

const BOX_LABEL: &[u8] = b"casebook/v2/epoch-box";
const BOX_PLAIN: usize = BOX_LABEL.len() + 16 + 16 + 4 + 16 + 32 + 32;

impl BoxContext<'_> {
    fn plain(&self, key: &[u8; 32]) -> Zeroizing<Vec<u8>> {
        let seq = self.seq.to_be_bytes();
        let parts: [&[u8]; 7] = [BOX_LABEL, self.group, self.author, &seq, self.recipient, self.recipient_key, key];
        Zeroizing::new(parts.concat())
    }
}

/// Seals `key` to one device. The recipient's key must pass [`check_box_key`].
pub fn seal_box(ctx: &BoxContext<'_>, key: &EpochKey) -> Result<KeyBox, Bad> {
    check_box_key(ctx.recipient_key)?;
    let out = age_seal(&recipient(ctx.recipient_key), &ctx.plain(key.expose()))?;
    if out.len() > MAX_BOX {
        return Err(Bad::new("a key box came out larger than the format allows"));
    }
    Ok(KeyBox { recipient: *ctx.recipient, age: out })
}

/// Opens a box meant for this device and checks what its plaintext says it is for.
pub fn open_box(ctx: &BoxContext<'_>, secret: &BoxSecret, b: &KeyBox) -> Result<EpochKey, Bad> {
    if b.recipient != *ctx.recipient {
        return Err(Bad::new("this box is for another device"));
    }
    let plain = age_open(secret, &b.age, BOX_PLAIN).map_err(|bad| Bad::new(format!("a key box: {bad}")))?;
    if plain.len() != BOX_PLAIN {
        return Err(Bad::new("a key box holds something else than an epoch key"));
    }
    let key = Zeroizing::new(<[u8; 32]>::try_from(&plain[BOX_PLAIN - 32..]).expect("32 bytes"));
    if ctx.plain(&key)[..] != plain[..] {
        return Err(Bad::new("a key box was made for another entry, device or group"));
    }
    Ok(EpochKey::from_bytes(*key))
}
