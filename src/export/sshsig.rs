//! SSH signatures of bundles (docs/formats/bundle.md section 3.2): OpenSSH's `PROTOCOL.sshsig`
//! with Ed25519 keys, namespace `casebook-bundle`, hash `sha512`, in the armored form
//! `ssh-keygen -Y sign` writes, so that a partner checks a bundle with `ssh-keygen -Y verify`.
//! Public keys as OpenSSH lines (`ssh-ed25519 AAAA…`) and their `SHA256:` fingerprints. Pure.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256, Sha512};

use crate::error::{Error, Result};

/// The namespace of every bundle signature.
pub const NAMESPACE: &str = "casebook-bundle";
const MAGIC: &[u8; 6] = b"SSHSIG";
const KEY_TYPE: &str = "ssh-ed25519";
const HASH: &str = "sha512";
const BEGIN: &str = "-----BEGIN SSH SIGNATURE-----";
const END: &str = "-----END SSH SIGNATURE-----";
/// Longest armored signature accepted (an Ed25519 one is under 300 bytes).
pub const MAX_ARMORED: usize = 1024;

fn bad(reason: &str) -> Error {
    Error::invalid("signature", reason)
}

fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The SSH wire form of an Ed25519 public key: string "ssh-ed25519", string key.
fn key_blob(key: &VerifyingKey) -> Vec<u8> {
    let mut out = Vec::with_capacity(51);
    put_string(&mut out, KEY_TYPE.as_bytes());
    put_string(&mut out, key.as_bytes());
    out
}

/// The OpenSSH public key line of `key`, without a comment.
pub fn public_line(key: &VerifyingKey) -> String {
    format!("{KEY_TYPE} {}", STANDARD.encode(key_blob(key)))
}

/// The fingerprint `ssh-keygen -l` shows: `SHA256:` and the unpadded base64 of the key blob's hash.
pub fn fingerprint(key: &VerifyingKey) -> String {
    format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(key_blob(key))))
}

/// Reads a string of SSH wire data, advancing `at`.
fn take<'a>(data: &'a [u8], at: &mut usize) -> Option<&'a [u8]> {
    let len = u32::from_be_bytes(data.get(*at..*at + 4)?.try_into().ok()?) as usize;
    let s = data.get(*at + 4..(*at + 4).checked_add(len)?)?;
    *at += 4 + len;
    Some(s)
}

fn parse_key_blob(blob: &[u8]) -> Option<VerifyingKey> {
    let mut at = 0;
    if take(blob, &mut at)? != KEY_TYPE.as_bytes() {
        return None;
    }
    let key: [u8; 32] = take(blob, &mut at)?.try_into().ok()?;
    if at != blob.len() {
        return None;
    }
    let key = VerifyingKey::from_bytes(&key).ok()?;
    (!key.is_weak()).then_some(key)
}

/// Reads a public key: an OpenSSH line `ssh-ed25519 AAAA… [comment]`, or its base64 part alone.
pub fn parse_public(text: &str) -> Result<VerifyingKey> {
    let mut words = text.split_whitespace();
    let first = words.next().unwrap_or_default();
    let b64 = if first == KEY_TYPE { words.next().unwrap_or_default() } else { first };
    let blob = STANDARD.decode(b64).ok().filter(|_| text.len() <= 1024);
    blob.as_deref().and_then(parse_key_blob).ok_or_else(|| {
        Error::invalid(
            "signing key",
            "it is not an Ed25519 SSH public key: give the line `casebook identity show` prints (ssh-ed25519 AAAA…)",
        )
    })
}

/// The bytes that are signed: the preamble, namespace, reserved, hash name and H(message).
fn signed_data(namespace: &str, message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(MAGIC);
    put_string(&mut out, namespace.as_bytes());
    put_string(&mut out, b"");
    put_string(&mut out, HASH.as_bytes());
    put_string(&mut out, &Sha512::digest(message));
    out
}

/// Signs `message` with `key`: the armored SSH signature, as `ssh-keygen -Y sign -n casebook-bundle`.
pub fn sign(key: &SigningKey, message: &[u8]) -> String {
    sign_in(NAMESPACE, key, message)
}

fn sign_in(namespace: &str, key: &SigningKey, message: &[u8]) -> String {
    let sig = key.sign(&signed_data(namespace, message));
    let mut sig_blob = Vec::with_capacity(83);
    put_string(&mut sig_blob, KEY_TYPE.as_bytes());
    put_string(&mut sig_blob, &sig.to_bytes());
    let mut blob = Vec::with_capacity(200);
    blob.extend_from_slice(MAGIC);
    blob.extend_from_slice(&1u32.to_be_bytes());
    put_string(&mut blob, &key_blob(&key.verifying_key()));
    put_string(&mut blob, namespace.as_bytes());
    put_string(&mut blob, b"");
    put_string(&mut blob, HASH.as_bytes());
    put_string(&mut blob, &sig_blob);
    let b64 = STANDARD.encode(blob);
    let mut out = String::with_capacity(b64.len() + 80);
    out.push_str(BEGIN);
    out.push('\n');
    for line in b64.as_bytes().chunks(70) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// Checks an armored signature of `message` in namespace `casebook-bundle`, and returns the key
/// that made it. Anything else (another namespace, hash, key type or version, trailing data, a
/// signature that does not verify strictly) is refused.
pub fn verify(armored: &[u8], message: &[u8]) -> Result<VerifyingKey> {
    if armored.len() > MAX_ARMORED {
        return Err(bad("SHA256SUMS.sig is too long to be a bundle signature"));
    }
    let text = std::str::from_utf8(armored).map_err(|_| bad("SHA256SUMS.sig is not text"))?;
    let body = text
        .strip_prefix(BEGIN)
        .and_then(|r| r.trim_end_matches('\n').strip_suffix(END))
        .ok_or_else(|| bad("SHA256SUMS.sig is not an armored SSH signature"))?;
    let b64: String = body.split('\n').collect();
    let blob = STANDARD.decode(b64.trim()).map_err(|_| bad("SHA256SUMS.sig is not valid base64"))?;
    let refused = || bad("SHA256SUMS.sig is not an Ed25519 SSH signature in the casebook-bundle namespace");
    if blob.get(..6) != Some(&MAGIC[..]) || blob.get(6..10) != Some(&1u32.to_be_bytes()[..]) {
        return Err(refused());
    }
    let mut at = 10;
    let key = take(&blob, &mut at).and_then(parse_key_blob).ok_or_else(refused)?;
    let fields = [NAMESPACE.as_bytes(), b"", HASH.as_bytes()];
    for want in fields {
        if take(&blob, &mut at) != Some(want) {
            return Err(refused());
        }
    }
    let sig_blob = take(&blob, &mut at).ok_or_else(refused)?;
    if at != blob.len() {
        return Err(refused());
    }
    let mut s = 0;
    if take(sig_blob, &mut s) != Some(KEY_TYPE.as_bytes()) {
        return Err(refused());
    }
    let sig: [u8; 64] = take(sig_blob, &mut s).and_then(|b| b.try_into().ok()).ok_or_else(refused)?;
    if s != sig_blob.len() {
        return Err(refused());
    }
    key.verify_strict(&signed_data(NAMESPACE, message), &Signature::from_bytes(&sig))
        .map_err(|_| bad("the bundle's signature does not match its contents: it was changed after signing"))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    #[test]
    fn a_signature_verifies_and_names_its_key() {
        let k = key(7);
        let sig = sign(&k, b"hello\n");
        assert!(sig.starts_with(BEGIN) && sig.ends_with("-----END SSH SIGNATURE-----\n"));
        assert!(sig.lines().all(|l| l.len() <= 70 || l.starts_with("-----")));
        assert_eq!(verify(sig.as_bytes(), b"hello\n").unwrap(), k.verifying_key());
    }

    #[test]
    fn another_message_namespace_or_tampered_bytes_are_refused() {
        let sig = sign(&key(7), b"hello\n");
        assert!(verify(sig.as_bytes(), b"hello!\n").is_err());
        // A valid signature of the same bytes in another namespace (`ssh-keygen -Y sign -n file`).
        let other = sign_in("file", &key(7), b"hello\n");
        assert!(verify(other.as_bytes(), b"hello\n").is_err());
        let mut bytes = sig.clone().into_bytes();
        let i = BEGIN.len() + 40;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        assert!(verify(&bytes, b"hello\n").is_err());
        assert!(verify(format!("{sig}x").as_bytes(), b"hello\n").is_err());
        assert!(verify(b"", b"hello\n").is_err());
        assert!(verify(&vec![b'A'; MAX_ARMORED + 1], b"hello\n").is_err());
    }

    #[test]
    fn public_lines_round_trip_and_fingerprints_are_openssh_shaped() {
        let k = key(9).verifying_key();
        let line = public_line(&k);
        assert!(line.starts_with("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"));
        assert_eq!(parse_public(&line).unwrap(), k);
        assert_eq!(parse_public(&format!("{line} anna@laptop")).unwrap(), k);
        assert_eq!(parse_public(line.split(' ').nth(1).unwrap()).unwrap(), k);
        assert!(parse_public("ssh-rsa AAAAB3NzaC1yc2E").is_err());
        assert!(parse_public("").is_err());
        let fp = fingerprint(&k);
        assert!(fp.starts_with("SHA256:") && fp.len() == 7 + 43, "{fp}");
    }
}
